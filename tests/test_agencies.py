"""Wire-agency credits: found where a story credits them, not where it merely mentions them."""

from __future__ import annotations

import pytest

from tasks.extract.agencies import agencies_in_byline, find_agencies, is_agency_name
from tasks.extract.authors import split_authors

CREDITED = [
    ("The minister resigned on Friday.\nmvb/rt (AP, Reuters, EFE)", ["AP", "Reuters", "EFE"]),
    ("WASHINGTON (AP) — The Senate voted on Tuesday.", ["AP"]),
    ("LONDON (Reuters) - Shares fell sharply.", ["Reuters"]),
    ("MANILA, Nov. 24 (Xinhua) -- The president ordered evacuations.", ["Xinhua"]),
    ("Hamburg (dpa/lno) – Der Senat hat entschieden.", ["dpa"]),
    ("Wiesbaden (KNA/iz). Der Bundespräsident sprach.", ["KNA"]),
    ("New Delhi (PTI): The Congress president was admitted.", ["PTI"]),
    ("Montpellier (SID) – Der Olympiasieger steht im Viertelfinale.", ["SID"]),
    (
        "Die Regierung will das Gesetz ändern.\n(Quelle: APA/sda/dpa)",
        ["APA", "Keystone-SDA", "dpa"],
    ),
    ("Text of the story.\nThe Associated Press contributed to this report.", ["AP"]),
    ("Text.\nMit Material von dpa und AFP", ["dpa", "AFP"]),
    ("Text.\n© dpa-infocom, dpa:240516-99-53606/3", ["dpa"]),
    ("Text.\n(© 2008 The Associated Press. All Rights Reserved.)", ["AP"]),
    ("Text.\n© 2007 United Press International. All Rights Reserved.", ["UPI"]),
    ("Story text.\nAFP", ["AFP"]),
    ("Story text.\n— With Reuters", ["Reuters"]),
    ("By Jane Doe, AP\nThe mayor said.", ["AP"]),
    ("Roma (ANSA) - Il governo ha approvato.", ["ANSA"]),
    ("SEOUL, Aug. 20 (Yonhap) -- North Korea said.", ["Yonhap"]),
    ("İstanbul (AA) - Elektrikli araç sayısı arttı.", ["Anadolu"]),
    ("Madrid (EFE).- El Gobierno aprobó.\nFirst: (Europa Press) y (Efe)", ["EFE", "Europa Press"]),
    ("BERLIN (dpa/AFP) - Die Koalition streitet.\nTokyo (Kyodo) - later.", ["dpa", "AFP", "Kyodo"]),
]

NOT_CREDITED = [
    "Thomson Reuters said on Tuesday that its profit rose.",
    "He told Reuters in an interview that the deal was off.",
    "The Associated Press reported that talks had stalled, according to officials.",
    "Students must cite sources in APA style.",
    "Source: APA style guide, 7th edition",
    "Agence France-Presse (AFP) is one of the oldest news agencies.",
    "Pakistan Tehreek-e-Insaf (PTI) said it would boycott the vote.",
    "Administración Nacional de Puertos (ANP)- contrata a 77 personas.",
    "A man walks past the building (AP Photo/Evan Vucci)",
    "© dpa | Kay Nietfeld",
    "Foto: dpa",
    "the map showed a gap (ap) in the data",
    "The Landpartie was a dpa-free zone of Stadpark fans.",
    "The APAC region and the snapshot of a PTIme were discussed.",
    "She said the AP-NORC poll showed low approval of the plan.",
    "Reuters, the news agency, was founded in London in 1851.",
    "The TT scooter race and the PA announcement were loud.",
]


@pytest.mark.parametrize(("text", "expected"), CREDITED, ids=[t[:30] for t, _ in CREDITED])
def test_credits_are_found_in_order(text: str, expected: list[str]) -> None:
    assert find_agencies(text) == expected


@pytest.mark.parametrize("text", NOT_CREDITED, ids=[t[:30] for t in NOT_CREDITED])
def test_mentions_are_not_credits(text: str) -> None:
    assert find_agencies(text) == []


def test_each_agency_once() -> None:
    text = "PARIS (AFP) - One.\nBERLIN (AFP) - Two.\n(AFP, AFP)"
    assert find_agencies(text) == ["AFP"]


def test_empty_text() -> None:
    assert find_agencies("") == []


@pytest.mark.parametrize(
    ("byline", "agencies", "is_agency"),
    [
        ("Reuters Staff", ["Reuters"], True),
        ("By AFP", ["AFP"], True),
        ("The Associated Press", ["AP"], True),
        ("Deutsche Presse-Agentur", ["dpa"], True),
        ("Jane Doe, AP", ["AP"], False),
        ("Max Muster mit dpa", ["dpa"], False),
        ("Antara Ganguli", [], False),
        ("Hina Tanaka", [], False),
        ("Apoorva Mandavilli", [], False),
    ],
)
def test_bylines(byline: str, agencies: list[str], is_agency: bool) -> None:
    assert agencies_in_byline(byline) == agencies
    assert is_agency_name(byline) is is_agency


@pytest.mark.parametrize(
    ("raw", "people", "agencies"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"], []),
        ("Adam Vidler; AP", ["Adam Vidler"], ["AP"]),
        ("Reuters; Thorsten Kramer", ["Thorsten Kramer"], ["Reuters"]),
        ("Konstantin Furrer; Deutsche Presse-Agentur", ["Konstantin Furrer"], ["dpa"]),
        ("Von Dieter Kuckelkorn", ["Dieter Kuckelkorn"], []),
        ("Sophie Foster; Sophie-Foster", ["Sophie Foster"], []),
        ("Redaktion; Agenturen", [], []),
        ("Aleš Vávra před", ["Aleš Vávra"], []),
    ],
)
def test_authors_split_from_agencies(raw: str, people: list[str], agencies: list[str]) -> None:
    assert split_authors(raw) == (people, agencies)


def test_publisher_is_not_an_author() -> None:
    assert split_authors("Heise Online; Dirk Knop", url="https://www.heise.de/news/1") == (
        ["Dirk Knop"],
        [],
    )
    assert split_authors("Helge Fahrnberger", url="https://helge.at/2014/x") == (
        ["Helge Fahrnberger"],
        [],
    )
