"""Context rules: when a gazetteer match counts as evidence for a country, and for which one."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tasks.tag.gazetteer import EXACT, Alias, Gazetteer, normalise


def _words(text: str) -> frozenset[str]:
    """A word list written as running text."""
    return frozenset(text.split())


# Capitalised words that may stand before a country without making it part of a person's name.
FREE_BEFORE = _words(
    """a an the in into from to and or nor but of for with by on at as than about against between
    near across toward towards through via like unlike including both either neither while when
    where after before during within without over under around beyond among amid since until
    if then also so yet not all whole entire post pre
    north south east west northern southern eastern western central northeast northwest southeast
    southwest northeastern northwestern southeastern southwestern greater modern ancient rural
    coastal occupied communist democratic socialist islamic independent colonial imperial federal
    continental mainland metropolitan upstate downstate inner outer neighbouring neighboring
    visit visits visited visiting leave leaves left leaving enter enters entered entering
    invade invades invaded invading attack attacks attacked attacking"""
)
# Capitalised words that may follow a country that doubles as a first name ("Chad President").
FREE_AFTER = FREE_BEFORE | _words(
    """president prime premier king queen prince foreign defence defense finance interior
    government army armed military police minister ministry embassy ambassador parliament
    national state times radio television news airlines airways"""
)
# Words after which an upper-case "US" is the pronoun ("LET US", "JOIN US").
PRONOUN_GOVERNORS = _words(
    """let lets tell tells told give gives gave help helps helped join joins joined show shows
    showed teach taught send sends sent bring brings brought take takes took make makes made
    keep keeps kept leave leaves left call calls called ask asks asked thank thanks save saves
    saved trust believe forgive hear see saw watch follow"""
)
PRONOUN_FOLLOWERS = _words("ALL BOTH TOO AGAIN")
# Abbreviated titles before a name ("Sen. Jordan"); other words ending in a full stop end a
# sentence.
TITLES = _words("mr mrs ms dr sen rep gov gen col lt capt cpt prof rev sgt maj adm cmdr st")
# Countries whose mention makes "Georgia" the Caucasus state rather than the US state.
GEORGIA_NEIGHBOURS = frozenset({"RU", "AM", "AZ", "TR", "UA"})

PREV_TOKEN = re.compile(r"([^\W\d_][\w'\u2019.-]*)\s+$")
NEXT_TOKEN = re.compile(r"^\s+([^\W\d_][\w'\u2019-]*)")
AFTER_TOWN = re.compile(r"[^\W\d_]\.?\s*,\s*$")
LIST_GAP = re.compile(r"\s*,\s*$")


@dataclass(slots=True)
class Hit:
    """One accepted match: the countries it supports and where it stands."""

    codes: tuple[str, ...]
    alias: Alias
    start: int
    end: int
    zone: str
    weak: bool = False
    dateline: bool = False


def caps_context(text: str, start: int, end: int) -> bool:
    """True inside all-capital text (wire headlines, datelines), where case tells nothing."""
    window = text[max(0, start - 30) : end + 30]
    return window.upper() == window  # no lower-case letter nearby


def after_name(text: str, start: int) -> bool:
    """True after a capitalised word that is likely a first name or title ('Michael Jordan')."""
    match = PREV_TOKEN.search(text, max(0, start - 40), start)
    if not match:
        return False
    token = match.group(1)
    if token.endswith("."):
        return token.rstrip(".").lower() in TITLES
    return token[0].isupper() and token.lower() not in FREE_BEFORE


def before_name(text: str, end: int) -> bool:
    """True before a capitalised word that is likely a surname ('Chad Smith')."""
    match = NEXT_TOKEN.match(text[end : end + 40])
    if not match:
        return False
    token = match.group(1)
    return token[0].isupper() and token.lower() not in FREE_AFTER


def pronoun_us(text: str, start: int, end: int) -> bool:
    """True when an upper-case 'US' reads as the pronoun ('LET US PRAY')."""
    before = PREV_TOKEN.search(text, max(0, start - 20), start)
    after = NEXT_TOKEN.match(text[end : end + 12])
    if before and before.group(1).lower() in PRONOUN_GOVERNORS:
        return True
    return bool(after and after.group(1).upper() in PRONOUN_FOLLOWERS)


def after_town(text: str, start: int) -> bool:
    """True right after 'Town, ' as in 'Decatur, Ala.' or 'Athens, Georgia'."""
    return AFTER_TOWN.search(text, max(0, start - 8), start) is not None


def accept(alias: Alias, text: str, start: int, end: int) -> tuple[bool, bool]:
    """(counts, weak) for one match; weak evidence must be confirmed elsewhere in the article."""
    flags = alias.flags
    if "c" in flags and not after_town(text, start):
        return False, False
    caps = caps_context(text, start, end)
    if "u" in flags and caps and pronoun_us(text, start, end):
        return False, False
    short_caps = end - start <= 3 and text[start:end].isupper() and alias.mode != EXACT
    if short_caps and not caps and "c" not in flags:
        return False, False  # an acronym ("OSH", "GOA"), not a short name in capitals
    person = "p" in flags or "P" in flags
    if caps:
        return True, person
    if person and after_name(text, start):
        return False, False
    if "P" in flags and before_name(text, end):
        return False, False
    return True, False


def find_hits(text: str, zone: str, gaz: Gazetteer, foreign: bool) -> list[Hit]:
    """Accepted matches in one text; blocks swallow their span and give nothing.

    Lower-case spellings (foreign adjectives) are looked for only in text that is not English.
    """
    matches = [m for m in gaz.pattern.finditer(text) if not _inside_word(text, m.start())]
    if foreign:
        matches.extend(gaz.lower.finditer(text))
        # Longest first at one start; a match inside an earlier one ("Indien" in "océan Indien") goes.
        matches.sort(key=lambda m: (m.start(), -m.end()))
    hits, covered = [], 0
    for match in matches:
        if match.start() < covered:
            continue
        covered = match.end()
        alias = gaz.aliases.get(normalise(match.group()))
        if alias is None or not alias.codes:
            continue
        counts, weak = accept(alias, text, match.start(), match.end())
        if counts:
            hits.append(Hit(alias.codes, alias, match.start(), match.end(), zone, weak))
    return hits


def _inside_word(text: str, start: int) -> bool:
    """True when a match starts inside a word (the capitalised matcher has no look-behind)."""
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")


def retarget(hits: list[Hit], text: str) -> None:
    """'Paris, Texas', 'London, Ontario': a town followed by its state takes the state's country."""
    for town, place in zip(hits, hits[1:], strict=False):
        if town.zone != place.zone or town.alias.kind not in ("city", "capital"):
            continue
        named = place.alias.kind in ("region", "name") and len(place.codes) == 1
        if named and LIST_GAP.match(text, town.end, place.start) and town.codes != place.codes:
            town.codes = place.codes


def _evidence(hits: Iterable[Hit], kinds: tuple[str, ...] = ()) -> set[str]:
    """Countries with unambiguous support (optionally only from some alias kinds)."""
    return {
        code
        for hit in hits
        if not hit.alias.ambiguous and (not kinds or hit.alias.kind in kinds)
        for code in hit.codes
    }


def _georgia(hit: Hit, hits: list[Hit], texts: dict[str, str]) -> tuple[str, ...]:
    """The Caucasus state given Georgian or neighbouring evidence, else the US state."""
    if after_town(texts[hit.zone], hit.start):
        return ("US",)
    found = _evidence(hits)
    us_local = "US" in _evidence(hits, ("city", "region"))
    if "GE" in found or (found & GEORGIA_NEIGHBOURS and not us_local):
        return ("GE",)
    return ("US",)


def _congo(hit: Hit, hits: list[Hit], texts: dict[str, str]) -> tuple[str, ...]:
    """Kinshasa's Congo unless the article points at Brazzaville or dates from the Zaire years."""
    found = _evidence(hits)
    zaire_era = any(h.alias.kind == "historical" and "CD" in h.codes for h in hits)
    if zaire_era or ("CG" in found and "CD" not in found):
        return ("CG",)
    return ("CD",)


def _korea(hit: Hit, hits: list[Hit], texts: dict[str, str]) -> tuple[str, ...]:
    """Bare 'Korea' is the South, unless the article is only about the North (then it is vague)."""
    found = _evidence(hits)
    if "KP" in found and "KR" not in found:
        return ()
    return ("KR",)


Resolver = Callable[[Hit, list[Hit], dict[str, str]], tuple[str, ...]]
RESOLVERS: dict[tuple[str, ...], Resolver] = {
    ("GE", "US"): _georgia,
    ("CD", "CG"): _congo,
    ("KR", "KP"): _korea,
}


def resolve(hits: list[Hit], texts: dict[str, str]) -> None:
    """Settle ambiguous aliases from the rest of the article (first listed code by default)."""
    for hit in hits:
        if hit.alias.ambiguous:
            resolver = RESOLVERS.get(hit.alias.codes)
            hit.codes = resolver(hit, hits, texts) if resolver else hit.alias.codes[:1]
