"""Author names from a byline or author field: people only, agencies and publishers set apart."""

from __future__ import annotations

import re

from tasks.extract.agencies import agencies_in_byline, is_agency_name
from tasks.extract.titles import fold, host_labels


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of text as a set (long word lists stay readable)."""
    return frozenset(text.split())


# Words that introduce a name in a byline ("By", "Von", "Autor:", "责任编辑：").
_PREFIX = re.compile(
    r"^(?:(?:written|posted|reported)\s+by|by|von|vom|par|por|door|di|af|av|autor(?:in)?|author|"
    r"text|texto|reporter|artikel\s+von|作者|责任编辑|編集)(?:\s*[:：]\s*|\s+)",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:;|\||,|&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"@|https?:|www\.|\d{3}", re.IGNORECASE)
# Entries naming a desk or the publisher, not a person.
_DESK_WORDS = _words(
    """
    redaktion red editorial editors team desk staff newsroom agenturen agencies agences
    agencias agenzie admin administrator gmbh inc ltd llc ag verlag media foundation stiftung
    institute institut association society corporation company group ministry office
    """
)
_MONTHS = _words(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec januar februar märz mai juni juli
    oktober dezember
    """
)
_PARTICLES = _words("van von der den de du da das dos di del della la le ter ten bin ibn al el y e")
# Words a publisher adds to its name in author fields ("Heise Online", "Mdr De").
_SITE_SUFFIXES = _words(
    """
    online de at ch com net org news nachrichten digital the der die
    """
)
MIN_NAME_CHARS = 3
MAX_NAME_WORDS = 6


def _trim(name: str) -> str:
    """A name without byline prefix, job title, trailing date words and stray punctuation."""
    name = _PREFIX.sub("", " ".join(name.split())).strip(" .,:;-–—()[]\"'")
    words = name.split()
    # "Thom Vaughan is Principal Technologist", "Aleš Vávra před": the name ends where the
    # prose starts (a lower-case word that is no particle such as "van" or "de").
    capitalised = bool(words) and words[0][:1].isupper()  # "jane doe" is all lower case
    for i, word in enumerate(words[1:], start=1):
        if capitalised and word[:1].islower() and word not in _PARTICLES:
            words = words[:i]
            break
    while len(words) > 1 and (words[-1].casefold() in _MONTHS or words[-1] in _PARTICLES):
        words.pop()
    return " ".join(words)


def _names_site(name: str, site_name: str | None, url: str) -> bool:
    """True for "Heise Online" on heise.de; "Helge Fahrnberger" on helge.at is a person."""
    core = fold(" ".join(w for w in name.split() if w.casefold().strip(".") not in _SITE_SUFFIXES))
    if not core:
        return True
    return (site_name is not None and core == fold(site_name)) or core in host_labels(url)


def _is_person(name: str, site_name: str | None, url: str) -> bool:
    """True for something that can be a person's name, not a desk, publisher or agency."""
    if len(name) < MIN_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS or _NOT_A_NAME.search(name):
        return False
    words = {w.casefold().strip(".") for w in name.split()}
    if words & _DESK_WORDS or is_agency_name(name):
        return False
    return not _names_site(name, site_name, url)


def _dedupe(names: list[str]) -> list[str]:
    """Each person once: "Sophie-Foster" repeats "Sophie Foster", "Sauli" is in "Sauli Giliard"."""
    keys = [set(fold(w) for w in re.split(r"[\s-]+", n)) for n in names]
    out = []
    for i, name in enumerate(names):
        if any(j != i and (keys[i] < keys[j] or (keys[i] == keys[j] and j < i)) for j in range(len(names))):
            continue
        out.append(name)
    return out


def split_authors(raw: str, site_name: str | None = None, url: str = "") -> tuple[list[str], list[str]]:
    """People and agencies of a byline: "By Jane Doe and John Roe; Reuters" -> names, agencies."""
    agencies = agencies_in_byline(raw)
    names = [name for part in _SPLIT.split(raw or "") if _is_person(name := _trim(part), site_name, url)]
    return _dedupe(names), agencies
