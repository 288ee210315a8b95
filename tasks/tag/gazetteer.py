"""Country gazetteer: alias files loaded into one lookup table and one trie-shaped regex."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from tasks.tag.country_declension import INFLECTIONS
from tasks.tag.country_tables import cached
from tasks.tag.regex_cache import compile_cached

DATA = Path(__file__).resolve().parent / "data"
CURATED = DATA / "countries_aliases.tsv"
GENERATED = DATA / "countries_iso_names.tsv"

# Case modes: how a matched span's capitalisation must look for the alias to count.
EXACT = "exact"  # only as written ("US", "UK")
CAP = "cap"  # capitalised where the alias is ("Turkey", not "turkey"), or all capitals
FORM = "form"  # as written, all lower case or all capitals (foreign adjectives: "mexicano")
KIND_MODE = {"abbr": EXACT, "adj": FORM}
BRACES = re.compile(r"\{([^{}]*)\}")
INFLECTED = "i"  # flag of generated inflected forms ('Niemczech'): matched as written only
# Letters of the scripts matched by tasks/tag/country_scripts.py rather than by the Latin matcher.
SCRIPTS = {
    "cyrl": "\u0400-\u04ff",
    "arab": "\u0600-\u06ff",
    "deva": "\u0900-\u097f",
    "cjk": "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f",
}
NON_LATIN = re.compile("[" + "".join(SCRIPTS.values()) + "]")


@dataclass(frozen=True, slots=True)
class Alias:
    """One gazetteer entry: the countries an alias stands for and how far to trust it."""

    codes: tuple[str, ...]
    kind: str
    flags: str
    mode: str
    forms: frozenset[str] = frozenset()

    @property
    def ambiguous(self) -> bool:
        """True when the codes are alternatives that context must choose between."""
        return "?" in self.flags


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """The lookup table (normalised alias -> entry) and the two compiled matchers.

    `pattern` holds every spelling that starts with a capital, as written and in all capitals;
    being case-sensitive and free of look-behinds, it lets the regex engine skip lower-case text
    quickly. `lower` holds lower-case spellings (foreign adjectives such as "mexicano").
    """

    aliases: dict[str, Alias]
    pattern: re.Pattern[str]
    lower: re.Pattern[str]


def expand(alias: str) -> list[str]:
    """Expand brace groups: 'Mexican{,s}' -> ['Mexican', 'Mexicans']."""
    match = BRACES.search(alias)
    if not match:
        return [alias]
    head, tail = alias[: match.start()], alias[match.end() :]
    return [out for option in match.group(1).split(",") for out in expand(head + option + tail)]


def strip_accents(text: str) -> str:
    """Text without combining marks ('Côte' -> 'Cote'), as ASCII-only sources spell it."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def variants(alias: str) -> set[str]:
    """Spellings met in real text: accents dropped, typographic apostrophe, hyphen as space."""
    out = {alias, strip_accents(alias), alias.replace("ß", "ss")}
    for form in list(out):
        if "'" in form:
            out.add(form.replace("'", "\u2019"))
        if "-" in form and form[0].isupper():
            out.add(form.replace("-", " "))
    return out - {alias}


def normalise(text: str) -> str:
    """Lookup key of a matched span: lower case, single spaces (wire text wraps names)."""
    return " ".join(text.split()).lower()


def rows(path: Path) -> Iterator[list[str]]:
    """Non-comment TSV rows of a data file."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


def _merge(table: dict[str, Alias], surface: str, entry: Alias) -> str | None:
    """Add one surface form; returns the key when it clashes with a different entry."""
    key = normalise(surface)
    entry = replace(entry, forms=frozenset({" ".join(surface.split())}))
    old = table.get(key)
    if old is None:
        table[key] = entry
        return None
    if old.codes != entry.codes or old.flags != entry.flags:
        return key
    # Same countries under two kinds (a name that is also an adjective): the looser case wins.
    mode = min(old.mode, entry.mode, key=[FORM, CAP, EXACT].index)
    table[key] = replace(old, mode=mode, forms=old.forms | entry.forms)
    return None


def curated_entries(path: Path = CURATED) -> tuple[list[tuple[str, Alias]], set[str]]:
    """Hand-written aliases as (surface, entry), and the generated names to drop."""
    entries: list[tuple[str, Alias]] = []
    skipped: set[str] = set()
    for code, kind, flags, names in rows(path):
        if NON_LATIN.search(names):
            continue  # read by tasks/tag/country_scripts.py
        flags = flags.strip("-")
        separator = "/" if "?" in flags else ","
        # A block stands for no country, whatever row of the file it is listed under.
        codes = () if kind == "block" else tuple(c for c in code.split(separator) if c != "-")
        for name in (n for raw in names.split("|") for n in expand(raw.strip())):
            if kind == "skip":
                skipped.add(normalise(name))
            else:
                entries.append((name, Alias(codes, kind, flags, KIND_MODE.get(kind, CAP))))
    return entries, skipped


def load_aliases(
    curated: Path = CURATED, generated: Path = GENERATED
) -> tuple[dict[str, Alias], list[str]]:
    """All aliases by key, and the hand-written aliases that contradict each other.

    Precedence: hand-written spellings, then their derived variants, then generated ISO names.
    """
    entries, skipped = curated_entries(curated)
    explicit: dict[str, Alias] = {}
    derived: dict[str, Alias] = {}
    clashes = [key for name, entry in entries if (key := _merge(explicit, name, entry))]
    for name, entry in entries:
        for form in variants(name):
            _merge(derived, form, entry)
    iso: dict[str, Alias] = {}
    if generated.exists():
        for code, lang, name in rows(generated):
            if NON_LATIN.search(name):
                continue
            for form in variants(name) | {name}:
                _merge(iso, form, Alias((code,), "name", "", CAP))
            inflect = INFLECTIONS.get(lang)
            for form in inflect(name) if inflect else ():  # no all-capitals spelling: such headlines are rare
                _merge(iso, form, Alias((code,), "name", INFLECTED, CAP))
    # Skipped spellings go whether generated or derived ("Irã" -> "Ira", "Malé" -> "Male").
    table = {k: v for k, v in {**iso, **derived}.items() if k not in skipped}
    return {**table, **explicit}, clashes


def trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of the words, shaped as a trie so matching cost stays flat."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict) -> str:
    """Regex for one trie node; a greedy optional tail makes the longest alias win."""
    branches = [_char(ch) + _node_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return "(?:" + body + ")?" if "" in node else body


def _char(ch: str) -> str:
    """One alias character as regex: a space stands for any run of whitespace."""
    return r"\s+" if ch == " " else re.escape(ch)


def spellings(aliases: dict[str, Alias]) -> tuple[set[str], set[str]]:
    """Surface forms for the capitalised matcher and for the lower-case one."""
    capital: set[str] = set()
    lower: set[str] = set()
    for alias in aliases.values():
        for form in alias.forms:
            if INFLECTED not in alias.flags:
                capital.add(form.upper())
            (capital if form[0].isupper() else lower).add(form)
            if form[0].islower():  # a foreign adjective as a noun: 'le Brésilien', 'un Norvégien'
                capital.add(form[0].upper() + form[1:])
    return capital, lower


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer, built once per machine (country_tables, regex_cache) and shared read-only by threads."""
    packed, capital, lower = cached("gazetteer", _gazetteer_parts)
    return Gazetteer(unpack_aliases(packed), compile_cached("gazetteer", capital),
                     compile_cached("gazetteer-lower", lower))


def _gazetteer_parts() -> tuple[dict[str, tuple], str, str]:
    """The lookup table (packed) and the texts of the two regexes."""
    aliases, _ = load_aliases()
    capital, lower = spellings(aliases)
    # The word-start check of the capitalised matcher is done by the caller (see module doc).
    return (pack_aliases(aliases), trie_regex(sorted(capital)) + r"(?!\w)",
            r"(?<!\w)(?:" + trie_regex(sorted(lower)) + r")(?!\w)")


def pack_aliases(table: dict[str, Alias]) -> dict[str, tuple]:
    """The table with plain tuples for entries (marshal-able); one tuple per entry shared by its keys."""
    packed: dict[int, tuple] = {}
    return {key: packed.setdefault(id(a), (a.codes, a.kind, a.flags, a.mode, a.forms)) for key, a in table.items()}


def unpack_aliases(packed: dict[str, tuple]) -> dict[str, Alias]:
    """pack_aliases undone, entries shared again by the keys that shared them."""
    entries: dict[int, Alias] = {}
    return {key: entries.get(id(t)) or entries.setdefault(id(t), Alias(*t)) for key, t in packed.items()}
