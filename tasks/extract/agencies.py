"""Wire-agency credits: which news agencies a story says it comes from ("(AP, Reuters, EFE)")."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

log = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of text as a set (long word lists stay readable)."""
    return frozenset(text.split())


# Canonical name -> spellings. Short forms are matched case-sensitively ("AP", never "ap" or
# "Ap"); long names also match in upper and title case. Ambiguous abbreviations ("AP", "TT",
# "PA") are safe because every spelling is only looked for in credit positions, never in prose.
_NAMES: dict[str, tuple[str, ...]] = {
    "AP": ("AP", "Associated Press"),
    "Reuters": ("Reuters",),
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "EFE": ("EFE", "Efe", "Agencia EFE"),
    "KNA": ("KNA", "Katholische Nachrichten-Agentur"),
    "epd": ("epd", "Evangelischer Pressedienst"),
    "ANSA": ("ANSA",),
    "AGI": ("AGI", "Agenzia Italia"),
    "PTI": ("PTI", "Press Trust of India"),
    "IANS": ("IANS", "Indo-Asian News Service"),
    "ANI": ("ANI", "Asian News International"),
    "UNI": ("United News of India",),
    "Xinhua": ("Xinhua",),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Jiji": ("Jiji", "Jiji Press"),
    "Yonhap": ("Yonhap",),
    "Anadolu": ("Anadolu", "Anadolu Agency", "Anadolu Ajansı", "AA"),
    "TASS": ("TASS", "ITAR-TASS", "Tass"),
    "Interfax": ("Interfax",),
    "RIA Novosti": ("RIA Novosti",),
    "UPI": ("UPI", "United Press International"),
    "APA": ("APA", "Austria Presse Agentur"),
    "Keystone-SDA": ("Keystone-SDA", "Keystone-ATS", "SDA", "sda"),
    "Belga": ("Belga",),
    "ANP": ("ANP",),
    "Europa Press": ("Europa Press",),
    "Lusa": ("Lusa", "LUSA", "Agência Lusa"),
    "NTB": ("NTB",),
    "TT": ("TT", "TT Nyhetsbyrån"),
    "Ritzau": ("Ritzau", "Ritzaus Bureau"),
    "STT": ("STT", "STT-Info"),
    "PAP": ("PAP", "Polska Agencja Prasowa"),
    "CTK": ("ČTK", "CTK"),
    "MTI": ("MTI",),
    "BTA": ("BTA",),
    "HINA": ("HINA",),
    "Tanjug": ("Tanjug",),
    "Agerpres": ("Agerpres",),
    "Ukrinform": ("Ukrinform",),
    "AAP": ("AAP", "Australian Associated Press"),
    "CP": ("CP", "Canadian Press"),
    "PA": ("PA Media", "Press Association", "PA Wire"),
    "Bernama": ("Bernama",),
    "Antara": ("Antara",),
    "Agência Brasil": ("Agência Brasil", "Agencia Brasil"),
    "Notimex": ("Notimex",),
    "Prensa Latina": ("Prensa Latina",),
    "IRNA": ("IRNA",),
    "KUNA": ("KUNA",),
    "WAM": ("WAM",),
    "SID": ("SID",),
    "Bloomberg": ("Bloomberg",),
}


def _spellings() -> dict[str, str]:
    """Every accepted spelling mapped to its canonical name."""
    out: dict[str, str] = {}
    for canonical, forms in _NAMES.items():
        for form in forms:
            out[form] = canonical
            if " " in form or len(form) > 4:  # long names: also "ASSOCIATED PRESS", "Reuters"
                out.setdefault(form.upper(), canonical)
                out.setdefault(form.title(), canonical)
    return out


_SPELLING = _spellings()
_AGENCY = re.compile(
    r"(?<![\w])(" + "|".join(re.escape(s) for s in sorted(_SPELLING, key=len, reverse=True)) + r")(?![\w])"
)
# An agency name followed by these words is a photo credit or something else entirely.
_NOT_A_CREDIT = re.compile(
    r"\s*(?:Photos?|Images?|Foto|Fotos|Bild|Video|Grafik|Graphic|style|format|citation|guide|"
    r"guidelines|score|rating|exam|test)\b",
    re.IGNORECASE,
)
# Words that may surround agency names in a credit line without making it prose.
_FILLER = _words(
    """
    and und y et e og och i ja a with mit avec con com by von por par from via de der die
    the for staff source sources quelle quellen fuente fuentes fonte fontes agencies
    agencias agenturen agences agenzie agency material text news wire wires service services
    infocom afx ots nachrichten agenzia press presse copyright all rights reserved this may
    not be published broadcast rewritten or redistributed
    """
)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_INITIALS = re.compile(r"^[a-zäöüéèç]{1,4}$")
# Words before a parenthesis, hyphenated parts apart ("Tehreek-e-Insaf" gives T, e, I).
_NAME_WORD = re.compile(r"[^\W\d_]+")
_PAREN = re.compile(r"\(([^()\n]{1,120})\)")
# "WASHINGTON (AP) —", "MANILA, Nov. 24 (Xinhua) --", "(Reuters) -": a dateline opening a paragraph.
_DATELINE = re.compile(r"^[^()\n]{0,80}\(([^()\n]{1,60})\)\s*(?:[-–—]{1,2}|:)", re.MULTILINE)
_BYLINE = re.compile(r"^\W*(?:by|von|por|par|di|af|av)\s", re.IGNORECASE)
# Separators between the people and agencies of one byline ("Jane Doe, AP", "Max Muster mit dpa").
_BYLINE_PARTS = re.compile(r"[,;/|&()+]|\s(?:and|und|with|mit|for|für|y|et|e|og|och)\s", re.IGNORECASE)
# Phrases that make a line a credit even with names of people in it. A "©" line is not one:
# "© dpa | Kay Nietfeld" credits a photo; copyright lines must consist of credit words only.
_CUE = re.compile(
    r"contribut|additional reporting|with reporting|mit material|material von|"
    r"\b(?:quelle|quellen|source|sources|fuente|fuentes|fonte|fontes)\s*:|with agencies",
    re.IGNORECASE,
)
_PHOTO = re.compile(r"\b(?:photo|foto|image|bild|picture|getty|caption)", re.IGNORECASE)
MAX_CREDIT_LINE = 200


def _matches(snippet: str) -> list[tuple[int, str]]:
    """(position, canonical name) of each agency spelling not followed by a disqualifying word."""
    found = []
    for m in _AGENCY.finditer(snippet):
        if _NOT_A_CREDIT.match(snippet, m.end()):
            continue
        found.append((m.start(), _SPELLING[m.group(1)]))
    return found


def _is_pure_credit(snippet: str) -> bool:
    """True when the snippet holds nothing but agency names, initials and credit words."""
    rest = _AGENCY.sub(" ", snippet)
    return all(t.lower() in _FILLER or _INITIALS.match(t) for t in _TOKEN.findall(rest))


def _defines_abbreviation(text: str, start: int, names: Iterable[str], inner: str) -> bool:
    """True for "Agence France-Presse (AFP)" or "Pakistan Tehreek-e-Insaf (PTI)": a definition."""
    before = text[max(0, start - 80) : start]
    if any(form.lower() in before.lower() for name in names for form in _NAMES[name] if len(form) > 4):
        return True
    letters = inner.strip()
    words = [w for w in _NAME_WORD.findall(before) if w[:1].isupper()]
    initials = "".join(w[0] for w in words).upper()
    return len(letters) >= 2 and letters.isupper() and initials.endswith(letters)


def _paren_credits(text: str) -> list[tuple[int, str]]:
    """Agencies in parentheses that contain only credits: "(AP, Reuters, EFE)", "(dpa/lby)"."""
    out: list[tuple[int, str]] = []
    for m in _PAREN.finditer(text):
        inner = m.group(1)
        found = _matches(inner)
        if not found or not _is_pure_credit(inner):
            continue
        if _defines_abbreviation(text, m.start(), [name for _, name in found], inner):
            continue
        out.extend((m.start(1) + pos, name) for pos, name in found)
    return out


def _line_credits(text: str) -> list[tuple[int, str]]:
    """Agencies in datelines, bylines and short credit lines."""
    out: list[tuple[int, str]] = []
    for m in _DATELINE.finditer(text[:3000]):
        found = _matches(m.group(1))
        if found and not _defines_abbreviation(text, m.start(1) - 1, [n for _, n in found], m.group(1)):
            out.extend((m.start(1) + pos, name) for pos, name in found)
    offset = 0
    for line in text.split("\n"):
        if len(line) <= MAX_CREDIT_LINE and not _PHOTO.search(line):
            if _CUE.search(line) or _is_pure_credit(line):
                out.extend((offset + pos, name) for pos, name in _matches(line))
            elif _BYLINE.match(line) and len(line) <= 100:
                out.extend((offset + pos, name) for pos, name in _byline_credits(line))
        offset += len(line) + 1
    return out


def _ordered_unique(found: Iterable[tuple[int, str]]) -> list[str]:
    """Names by first position, each once."""
    seen: dict[str, None] = {}
    for _, name in sorted(found, key=lambda item: item[0]):
        seen.setdefault(name, None)
    return list(seen)


def find_agencies(text: str) -> list[str]:
    """Wire agencies credited in an article's text, in order of appearance, without duplicates."""
    if not text:
        return []
    return _ordered_unique(_paren_credits(text) + _line_credits(text))


def _byline_credits(byline: str) -> list[tuple[int, str]]:
    """Agencies that stand alone as one part of a byline; a person called Antara is not one."""
    out: list[tuple[int, str]] = []
    start = 0
    for sep in [*_BYLINE_PARTS.finditer(byline), None]:
        end = sep.start() if sep else len(byline)
        part = _BYLINE.sub("", byline[start:end])
        if _is_pure_credit(part):
            out.extend((start + pos, name) for pos, name in _matches(byline[start:end]))
        start = sep.end() if sep else end
    return out


def agencies_in_byline(byline: str) -> list[str]:
    """Agencies named in an author field or byline ("By Jane Doe, AP", "AFP", "Reuters Staff")."""
    return _ordered_unique(_byline_credits(byline or ""))


def is_agency_name(name: str) -> bool:
    """True when an author entry is an agency rather than a person ("Reuters Staff", "dpa")."""
    return bool(_matches(name)) and _is_pure_credit(name)
