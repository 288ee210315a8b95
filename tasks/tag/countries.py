"""Which countries an article covers: ISO 3166-1 codes with mention counts, salience and focus.

Latin-script names come from tasks/tag/gazetteer.py; Cyrillic, Arabic, Devanagari, Chinese and
Japanese names from tasks/tag/country_scripts.py (run only on texts holding those scripts).

Pure and thread-safe: the gazetteer (tasks/tag/data/countries_aliases.tsv plus ISO names generated
from pycountry) is compiled once per process into regexes; tagging is a regex scan plus context
rules (tasks/tag/country_rules.py) for the classic traps: "US" the pronoun, "New Mexico", "Georgia",
"Jordan" and "Chad" as names, "turkey" the bird, "Niger"/"Nigeria", the Guineas, the Congos and
bare "Korea".
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field

from tasks.tag.country_keep import ADJECTIVE_KINDS, PLACE_KINDS, listed
from tasks.tag.country_rules import Hit, find_hits, resolve, retarget
from tasks.tag.country_scripts import script_matchers, script_matches
from tasks.tag.gazetteer import gazetteer

log = logging.getLogger(__name__)

# The tagger version recorded with its tags (lake and warehouse); bump when aliases, data files or
# rules change what is tagged. 1: English and Latin scripts; 2: non-Latin scripts, learned passing mentions;
# 3: Polish case forms, Turkish and Swahili demonyms; Polish, Dutch and Turkish adjectives and capitals;
# 4: language names ("en français"), "trilha sonora", "Porto de" and "in den Bergen" no longer count;
#    Ukrainian "Нова Зеландія" in every case; Swahili Waitaliano, Wahindi; Polish "orzech włoski" no longer counts.
VERSION = "5"

# Salience: a mention in the headline counts three times, in the lead (incl. the dateline) twice.
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
LEAD_CHARS = 300
# A country is a focus when its salience reaches this share of the top country's. Whether a
# country is listed at all is decided by tasks/tag/country_keep.py (passing mentions are not).
FOCUS_SHARE = 0.5
# A wire dateline opening the text: "NEW YORK, March 3 - ", "WASHINGTON (AP) — ", "OSAKA, Japan,
# April 29 - ". It names where the story happens, so its country is kept even when little else is.
DATELINE = re.compile(
    r"\s*[A-Z][A-Z.'\u2019 -]{1,40}"  # the place, in capitals
    r"(?:,[^\n]{1,50}?)?"  # ", Ala., June 19"
    r"(?:\s*\([^)\n]{1,30}\))?"  # "(AP)"
    r"\s+[-\u2013\u2014]{1,2}\s"
)


@dataclass(slots=True)
class Coverage:
    """What the article says about one country."""

    code: str
    mentions: int = 0
    salience: float = 0.0
    first: int = field(default=1 << 30)
    dateline: bool = False
    adjectives: int = 0  # mentions as a demonym or adjective ("Mexican")
    places: int = 0  # mentions through a capital, city or region
    groups: int = 0  # mentions through a grouping ("Benelux")


def looks_english(text: str) -> bool:
    """Cheap language guess: English prose has a " the " every hundred characters or so."""
    return text.count(" the ") * 300 >= len(text)


def _cased(text: str) -> str:
    """All-lower-case text (some wire stories) is read like all-capital text: case tells nothing."""
    return text.upper() if text == text.lower() else text


def collect_hits(title: str, text: str) -> list[Hit]:
    """Accepted, disambiguated country evidence from the headline and the body."""
    gaz = gazetteer()
    texts = {"title": _cased(title), "text": _cased(text)}
    foreign = not looks_english(text or title)
    hits = [h for zone, t in texts.items() for h in find_hits(t, zone, gaz, foreign)]
    matchers = script_matchers()
    for zone, t in texts.items():
        hits.extend(Hit(e.codes, e, start, end, zone) for e, start, end in script_matches(t, matchers))
    hits.sort(key=lambda h: (h.zone != "title", h.start))
    opening = dateline_end(texts["text"])
    for hit in hits:
        if hit.zone == "text" and hit.start < opening:
            hit.dateline, hit.weak = True, False  # a dateline names a place, never a person
    resolve(hits, texts)
    for zone, t in texts.items():
        retarget([h for h in hits if h.zone == zone], t)
    return hits


def _weight(hit: Hit) -> float:
    """Salience weight of one mention by where it stands."""
    if hit.zone == "title":
        return TITLE_WEIGHT
    return LEAD_WEIGHT if hit.start < LEAD_CHARS else BODY_WEIGHT


def dateline_end(text: str) -> int:
    """Length of the wire dateline opening the text, 0 when there is none."""
    match = DATELINE.match(text)
    return match.end() if match else 0


def coverage(hits: list[Hit], title_length: int) -> list[Coverage]:
    """Per-country mentions and salience, most salient first; unconfirmed weak evidence dropped."""
    table: dict[str, Coverage] = {}
    confirmed: defaultdict[str, bool] = defaultdict(bool)
    for hit in hits:
        in_text = hit.zone == "text"
        position = title_length + hit.start if in_text else hit.start
        for code in hit.codes:
            entry = table.setdefault(code, Coverage(code))
            entry.mentions += 1
            entry.salience += _weight(hit)
            entry.first = min(entry.first, position)
            entry.dateline |= hit.dateline
            entry.adjectives += hit.alias.kind in ADJECTIVE_KINDS
            entry.places += hit.alias.kind in PLACE_KINDS
            entry.groups += hit.alias.kind == "group"
            confirmed[code] |= not hit.weak
    kept = [entry for entry in table.values() if confirmed[entry.code]]
    return sorted(kept, key=lambda e: (-e.salience, e.first, e.code))


def tag_countries(title: str, text: str, *, keep_passing: bool = False) -> list[dict]:
    """Countries the article covers: [{"code", "mentions", "focus"}], most covered first.

    Passing mentions ("a U.S. unit", "in London trading") are left out as tasks/tag/country_keep.py
    decides; `keep_passing=True` keeps every country named.
    """
    title, text = title or "", text or ""
    title_end = len(title) + 1
    ranked = coverage(collect_hits(title, text), title_end)
    if not ranked:
        return []
    top, length = ranked[0].salience, len(title) + len(text)
    return [
        {"code": e.code, "mentions": e.mentions, "focus": e.salience >= top * FOCUS_SHARE}
        for rank, e in enumerate(ranked)
        if keep_passing or listed(e, rank, top, len(ranked), title_end, length)
    ]
