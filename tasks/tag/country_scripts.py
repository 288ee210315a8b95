"""Country names in non-Latin scripts: Cyrillic, Arabic, Devanagari and Chinese/Japanese.

One matcher per script, run only on texts holding a letter of that script, so English text pays
one character-class search per script. Each script has its own word shape:
- Cyrillic (ru, uk) inflects: a name is matched as its stem plus a bounded set of case endings
  ("Франция", "Франции", "Францией"; "Україна", "України"); adjectives likewise ("российского").
- Arabic glues clitics to the front ("و", "ب", "ل", "ف", "ك", the article "ال") and forms the
  adjective with a suffix ("فرنسي", "الفرنسية"); spelling variants of alef, yeh and teh marbuta
  are folded on both sides.
- Devanagari (hi) is spaced and names do not inflect: whole words.
- Chinese and Japanese have no spaces: names are substrings; a katakana name must not be part of
  a longer katakana word ("インド" in "ウインドウ").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs

from tasks.tag.country_tables import cached
from tasks.tag.gazetteer import (
    CURATED,
    DATA,
    GENERATED,
    NON_LATIN,
    SCRIPTS,
    Alias,
    expand,
    pack_aliases,
    rows,
    trie_regex,
    unpack_aliases,
)
from tasks.tag.regex_cache import compile_cached

CURATED_SCRIPTS = DATA / "countries_aliases_scripts.tsv"
CAPITALS = DATA / "countries_capitals.tsv"
# Katakana letters and the long-vowel mark; not the middle dot that separates words (U+30FB).
KATAKANA = "\u30a1-\u30fa\u30fc-\u30ff"
_KATAKANA_LETTER = re.compile(f"[{KATAKANA}]")
# Cyrillic case endings after a stem (Russian and Ukrainian, singular and plural).
# "ь" and "й" give back the nominative of stems cut before them ('Израиль', 'Китай').
NOUN_ENDINGS = [
    "ь",
    "й",
    "а",
    "я",
    "ы",
    "и",
    "і",
    "ї",
    "е",
    "є",
    "у",
    "ю",
    "ой",
    "ей",
    "ою",
    "ею",
    "єю",
    "ом",
    "ем",
    "єм",
    "ов",
    "ев",
    "ів",
    "ам",
    "ям",
    "ах",
    "ях",
    "ами",
    "ями",
    "ові",
    "еві",
]
ADJ_ENDINGS = [
    "ая",
    "яя",
    "ой",
    "ей",
    "ую",
    "юю",
    "ое",
    "ее",
    "ый",
    "ий",
    "ого",
    "его",
    "ому",
    "ему",
    "ым",
    "им",
    "ом",
    "ем",
    "ые",
    "ие",
    "ых",
    "их",
    "ыми",
    "ими",
    "а",
    "ої",
    "ій",
    "у",
    "ою",
    "і",
    "іх",
    "ім",
    "ими",
    "ього",
    "ьому",
    "ьої",
    "ю",
]
ADJ_FINALS = ("ая", "яя", "ое", "ее", "ый", "ий", "ой", "ые", "ие", "ій", "ні", "кі", "не", "ка", "на", "ька", "ва")
# The consonant a final takes from the stem ('Південна' -> 'Південн-', 'Нова' -> 'Нов-').
_FINAL_KEEPS = {"ні": "н", "кі": "к", "не": "н", "на": "н", "ка": "к", "ька": "ьк", "ва": "в"}
CYRILLIC_FOLD = str.maketrans({"ё": "е", "Ё": "Е"})
# Ukrainian dative and locative of nouns in -ка, -га, -ха: 'Мексика' -> 'Мексиці', 'Рига' -> 'Ризі'.
# Added as whole forms for every name: in Russian they are no words at all.
UKRAINIAN_SHIFTS = {"ка": "ці", "га": "зі", "ха": "сі"}
UKRAINIAN_LETTERS = "іїєґІЇЄҐ"  # letters Russian does not use: a name holding one is Ukrainian (or Belarusian)
# Arabic: hamza forms of alef folded before matching (alef maqsura is kept: "اليمنى" is "right").
# Hamza seats folded; short-vowel marks and tatweel dropped ('الشماليّة'). Dropping shifts later
# offsets by a character or two, which only nudges salience weights.
ARABIC_MARKS = {chr(c): None for c in [0x0640, *range(0x064B, 0x0653)]}
ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"} | ARABIC_MARKS)
# Nukta letters written precomposed (U+0958-U+095F: 'ज़') or as letter + U+093C are both read
# without the nukta, as many writers omit it.
DEVANAGARI_FOLD = str.maketrans({"\u093c": None} | {chr(0x0958 + i): base for i, base in enumerate("कखगजडढफय")})
FOLDS = {"cyrl": CYRILLIC_FOLD, "arab": ARABIC_FOLD, "deva": DEVANAGARI_FOLD}  # folded on both sides
ARABIC_PREFIX = r"(?:[وف]?(?:[بكل]?ال|لل|[بكل])?)??"
NISBA_ENDINGS = ["ي", "ية", "يه", "يين", "يون", "يان", "يتين", "يا"]


def script_of(name: str) -> str:
    """'latn' unless the name's first letter belongs to one of SCRIPTS."""
    for ch in name:
        if ch.isalpha():
            for script, chars in SCRIPTS.items():
                if re.match(f"[{chars}]", ch):
                    return script
            return "latn"
    return "latn"


def cyrillic_noun_forms(word: str, ukrainian: bool = False) -> list[str]:
    """Keys for a name's noun: its stem before the case endings ('Франция' -> 'Франци', 'Куба' ->
    'Куб': 'Кубы', 'Кубе'), plus whole forms that no stem and ending give back.

    Ukrainian plurals end in -и ('Нідерланди', 'у Нідерландах'); in Russian a final -и is an
    indeclinable name ('Мали', 'Чили'), kept whole, as are names in -о ('Монако') but for nouns in
    -ство ('Королевство', 'в Королевстве'). The Ukrainian dative and locative shift the consonant
    of -ка, -га, -ха ('Мексика', 'у Мексиці').
    """
    if word.endswith("ство"):
        return [word[:-1], word]
    cut = len(word) > 3 and (word[-1] in "аяьйы" or (ukrainian and word[-1] == "и"))
    forms = [word[:-1] if cut else word]
    if len(word) > 3 and word[-2:] in UKRAINIAN_SHIFTS:
        forms.append(word[:-2] + UKRAINIAN_SHIFTS[word[-2:]])
    return forms


def cyrillic_inner_forms(word: str) -> list[str]:
    """Declined forms of a word inside a multi-word name (the adjective of 'Южная Корея')."""
    for final in ADJ_FINALS:
        # 'Нова' (Ukrainian 'Нова Зеландія') is the one short adjective of a two-word name
        if word.endswith(final) and len(word) > len(final) + (1 if final == "ва" else 2):
            stem = word[: -len(final)] + _FINAL_KEEPS.get(final, "")
            return [word, *(stem + ending for ending in ADJ_ENDINGS)]
    return [word]


def cyrillic_cores(name: str, kind: str, flags: str = "") -> list[str]:
    """Lookup keys for a Cyrillic alias: inner words declined, the last word as a stem."""
    words = name.split()
    if kind == "adj":  # written in the masculine nominative: 'российский'
        word = words[-1]
        last = [next((word[:-2] for f in ("ый", "ий", "ой", "ій") if word.endswith(f)), word)]
    else:
        last = cyrillic_noun_forms(words[-1], ukrainian=any(c in UKRAINIAN_LETTERS for c in name))
    heads: list[str] = [""]
    for word in words[:-1]:
        # Only two-word names ('Южная Корея') are declined inside; longer official names are
        # rare in running text and would multiply the forms.
        forms = cyrillic_inner_forms(word) if len(words) == 2 or "i" in flags else [word]
        heads = [f"{h}{form} " for h in heads for form in forms]
    return [h + tail for h in heads for tail in last]


def arabic_cores(name: str, kind: str) -> list[tuple[str, bool]]:
    """(key, needs a nisba ending) for an Arabic alias; the article of the first word dropped."""
    # Only a written article goes: the alef-lam of 'ألمانيا' is part of the name.
    article = name.startswith("ال") and len(name) > 4
    name = name.translate(ARABIC_FOLD)
    core = name[2:] if article else name
    if kind == "adj":  # written as the masculine adjective: 'امريكي'
        return [(core.removesuffix("ي"), True)]
    out = [(core, False)]
    if " " not in core and kind == "name":  # no adjectives of cities ('رياضي' is not Riyadh's)
        stem = core.removesuffix("يا") if core.endswith("يا") else core.removesuffix("ا")
        out.append((stem, True))
    return out


@dataclass(frozen=True, slots=True)
class ScriptMatcher:
    """A script's probe (any letter of it), its compiled matcher and its lookup table.

    `starts` finds, in one C pass, every place where a name's first word occurs; the pattern is
    tried only there (or, with `word_start`, from the start of that word, where Arabic clitics
    begin). Scanning every position with a pattern of thousands of names cost 0.3-0.5 ms per
    article; the matches are the same.
    """

    script: str
    probe: re.Pattern[str]
    pattern: re.Pattern[str]
    aliases: dict[str, Alias]
    starts: ahocorasick_rs.AhoCorasick | None  # None: the script has no names
    fold: dict[int, str] | None = None
    word_start: bool = False


def _alternation(keys: Iterable[str]) -> str:
    """Trie regex of lookup keys (spaces match any whitespace run)."""
    keys = sorted(set(keys))
    return trie_regex(keys) if keys else "(?!)"


def _longest_first(endings: set[str]) -> str:
    """An alternation of endings, longest first; the same text in every process (it names the cached regex)."""
    return "|".join(sorted(endings, key=lambda e: (-len(e), e)))


def _first_words(keys: Iterable[str]) -> list[str]:
    """The first word of every key, for the automaton that finds where a name can start."""
    return sorted({key.split(" ")[0] for key in keys})


# What a script's matcher is built from: its script, regex text, lookup table and start words.
Parts = tuple[str, str, dict[str, Alias], list[str]]


def build_parts(entries: Iterable[tuple[str, Alias]]) -> list[Parts]:
    """What each script's matcher is built from, from (surface name, entry) pairs in that script."""
    by_script: dict[str, list[tuple[str, Alias]]] = {}
    for name, entry in entries:
        by_script.setdefault(script_of(name), []).append((name, entry))
    builders = {"cyrl": _cyrillic, "arab": _arabic, "deva": _devanagari, "cjk": _cjk}
    return [builders[s](pairs) for s, pairs in sorted(by_script.items()) if s in builders]


def _add(table: dict[str, Alias], key: str, entry: Alias) -> None:
    """First entry for a key wins (hand-written entries are passed first)."""
    table.setdefault(key.lower(), entry)


def _matcher(script: str, body: str, table: dict[str, Alias], words: list[str]) -> ScriptMatcher:
    """The script's matcher; its pattern (thousands of names) compiled once per machine (regex_cache)."""
    probe = re.compile(f"[{SCRIPTS[script]}]")  # any letter of the script
    starts = ahocorasick_rs.AhoCorasick(words) if words else None
    return ScriptMatcher(script, probe, compile_cached(f"countries-{script}", body), table, starts,
                         FOLDS.get(script), word_start=script == "arab")


def _cyrillic(pairs: list[tuple[str, Alias]]) -> Parts:
    """Stems, capitalised and (for adjectives) lower case, each followed by an optional ending."""
    table: dict[str, Alias] = {}
    surfaces: set[str] = set()
    for name, entry in pairs:
        for written in {name.translate(CYRILLIC_FOLD)}:
            for core in cyrillic_cores(written, entry.kind, entry.flags):
                _add(table, core, entry)
                surfaces.update((core, core[:1].upper() + core[1:]))
    ends = _longest_first(set(NOUN_ENDINGS) | set(ADJ_ENDINGS))
    body = rf"(?<!\w)(?P<core>{_alternation(surfaces)})(?:{ends})?(?!\w)"
    return "cyrl", body, table, _first_words(surfaces)


def _arabic(pairs: list[tuple[str, Alias]]) -> Parts:
    """Cores after optional clitics; nisba stems only with an adjective ending."""
    table: dict[str, Alias] = {}
    nisba: set[str] = set()
    for name, entry in pairs:
        for core, needs_ending in arabic_cores(name, entry.kind):
            _add(table, ("~" if needs_ending else "") + core, entry)
            if needs_ending:
                nisba.add(core)
    names = {k for k in table if not k.startswith("~")}
    ends = _longest_first({e.translate(ARABIC_FOLD) for e in NISBA_ENDINGS})
    body = (
        rf"(?<!\w){ARABIC_PREFIX}(?:(?P<core>{_alternation(names)})"
        rf"|(?P<nisba>{_alternation(nisba)})(?:{ends}))(?!\w)"
    )
    return "arab", body, table, _first_words(names | nisba)


def _devanagari(pairs: list[tuple[str, Alias]]) -> Parts:
    """Whole words, matched with the nukta dropped ('फ्रांस' for 'फ़्रांस', precomposed or not)."""
    table: dict[str, Alias] = {}
    for name, entry in pairs:
        _add(table, name.translate(DEVANAGARI_FOLD), entry)
    letters = SCRIPTS["deva"]
    body = rf"(?<![\w{letters}])(?P<core>{_alternation(table)})(?![\w{letters}])"
    return "deva", body, table, _first_words(table)


def _cjk(pairs: list[tuple[str, Alias]]) -> Parts:
    """Substrings; katakana names bounded by non-katakana."""
    table: dict[str, Alias] = {}
    for name, entry in pairs:
        _add(table, name.replace(" ", ""), entry)
    body = rf"(?P<core>{_alternation(table)})"
    return "cjk", body, table, _first_words(table)


def script_matches(text: str, matchers: list[ScriptMatcher]) -> Iterator[tuple[Alias, int, int]]:
    """(entry, start, end) for every non-Latin country name in the text."""
    if not NON_LATIN.search(text):
        return  # one scan for all the scripts' letters, rather than one per script, in Latin text
    for matcher in matchers:
        if not matcher.probe.search(text):
            continue
        folded = _folded(text, matcher.fold) if matcher.fold else text
        for match in _matches(matcher, folded):
            core = match.group("core")
            key = core.lower() if core is not None else "~" + match.group("nisba")
            entry = matcher.aliases.get(" ".join(key.split()))
            if entry is None or not entry.codes:
                continue
            if matcher.script == "cjk" and _inside_katakana(text, match.start(), match.end()):
                continue
            yield entry, match.start(), match.end()


def _folded(text: str, fold: dict[int, str]) -> str:
    """text.translate(fold), rewriting only the characters the fold changes: they are few in a
    text, and translate looks every character up (0.15-0.2 ms for an article)."""
    changed = _fold_chars(tuple(fold))
    return changed.sub(lambda m: fold[ord(m.group())] or "", text) if changed.search(text) else text


@lru_cache(maxsize=8)
def _fold_chars(chars: tuple[int, ...]) -> re.Pattern[str]:
    """A search for any character of a fold table."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in chars) + "]")


def _matches(matcher: ScriptMatcher, text: str) -> Iterator[re.Match[str]]:
    """What matcher.pattern.finditer(text) yields, trying the pattern only where a name can start."""
    if matcher.starts is None:
        return
    places = set()
    for _, start, _ in matcher.starts.find_matches_as_indexes(text, overlapping=True):
        if matcher.word_start:
            while start and (text[start - 1].isalnum() or text[start - 1] == "_"):  # regex \w
                start -= 1
        places.add(start)
    done = 0  # matches do not overlap, as in finditer
    for start in sorted(places):
        if start >= done and (match := matcher.pattern.match(text, start)):
            done = match.end()
            yield match


def _inside_katakana(text: str, start: int, end: int) -> bool:
    """True when a katakana name is glued to more katakana ('インド' in 'ウインドウ')."""
    kata = _KATAKANA_LETTER
    before = start > 0 and kata.match(text[start - 1]) and kata.match(text[start])
    after = end < len(text) and kata.match(text[end]) and kata.match(text[end - 1])
    return bool(before or after)


def curated_script_entries(paths: Iterable[Path] = (CURATED_SCRIPTS, CURATED)) -> list:
    """Hand-written non-Latin aliases as (surface, entry); blocks have no codes."""
    out: list[tuple[str, Alias]] = []
    for path in paths:
        for code, kind, flags, names in rows(path):
            codes = () if kind in ("block", "skip") else tuple(code.split(","))
            for name in (n for raw in names.split("|") for n in expand(raw.strip())):
                if script_of(name) != "latn":
                    out.append((name, Alias(codes, kind, flags.strip("-"), "form")))
    return out


def generated_script_entries() -> list[tuple[str, Alias]]:
    """Non-Latin country names (pycountry, CLDR) and capitals (GeoNames) as (surface, entry)."""
    out = [
        (name, Alias((code,), "name", "", "form")) for code, _lang, name in rows(GENERATED) if script_of(name) != "latn"
    ]
    out += [(name, Alias((code,), kind, "", "form")) for code, _s, kind, name in rows(CAPITALS)]
    return out


@lru_cache(maxsize=1)
def script_matchers() -> list[ScriptMatcher]:
    """The non-Latin matchers, built once per machine (country_tables); hand-written entries take precedence."""
    packed = cached("scripts", _packed_parts)
    return [_matcher(script, body, unpack_aliases(table), words) for script, body, table, words in packed]


def _packed_parts() -> list[tuple[str, str, dict[str, tuple], list[str]]]:
    parts = build_parts([*curated_script_entries(), *generated_script_entries()])
    return [(script, body, pack_aliases(table), words) for script, body, table, words in parts]
