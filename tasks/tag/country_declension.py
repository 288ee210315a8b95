"""Inflected forms of country names: German genitives, Polish cases, Turkish and Swahili demonyms.

Polish declines names in seven cases, so a gazetteer of nominatives misses most mentions ("rząd
Islandii", "w Niemczech", "do Stanów Zjednoczonych"). The forms are generated from the nominative
by the regular endings of its class (feminine -a, masculine consonant, plural), the words of a
two-word name in the same case; a form that no text uses costs only a longer matcher. Irregular
plurals are listed. Names of three or more words decline their first word only ("Republika
Południowej Afryki" -> "Republice Południowej Afryki"): the rest is a genitive already.

Turkish needs less: its case endings follow an apostrophe ("Almanya'da"), which the matcher's word
boundary already allows, but a person or thing from a country is the name plus -lı/-li/-lu/-lü by
vowel harmony, written as one word ("Brezilyalı sporcu", "İranlılar").

Swahili makes a person, the people and the adjective (or language) of a country with noun-class
prefixes on the name's stem, whose U- drops: Ufaransa -> Mfaransa, Wafaransa, Kifaransa;
Japani -> Mjapani, Wajapani, Kijapani; Uingereza -> Mwingereza (Mw- before a vowel).
"""

from __future__ import annotations

import re
from collections.abc import Callable

CASES = ("gen", "dat", "acc", "ins", "loc")
_VOWELS = "aeiouyąęó"
# Feminine adjectives in names: Nowa, Wielka, Północna, Równikowa, Saudyjska, Zachodnia.
_ADJ_FEM = re.compile(r"(?:ow|ew|sk|ck|zk|ln|rn|dn|cn|chodni|Now|Wielk|Mał)a$")
_ADJ_PLURAL = re.compile(r"(?:on|ski|cki|zki|n|w)e$")  # Zjednoczone, Arabskie
# Plural nouns whose genitive or locative do not follow the regular endings.
_PLURAL_IRREGULAR = {
    "Niemcy": ("Niemiec", "Niemczech"),
    "Węgry": ("Węgier", "Węgrzech"),
    "Włochy": ("Włoch", "Włoszech"),
    "Czechy": ("Czech", "Czechach"),
    "Chiny": ("Chin", "Chinach"),
    "Indie": ("Indii", "Indiach"),
    "Filipiny": ("Filipin", "Filipinach"),
    "Wyspy": ("Wysp", "Wyspach"),
}
_PLURAL_E = {"Indie", "Seszele"}  # most names ending in -e (Chile, Zimbabwe) do not decline
# Locative of a masculine noun by its last consonant (t -> Egipcie, r -> Cyprze, n -> Iranie).
_MASC_LOC = {"t": "cie", "d": "dzie", "r": "rze", "ł": "le", "st": "ście", "n": "nie", "m": "mie",
             "p": "pie", "b": "bie", "f": "fie", "w": "wie", "s": "sie", "z": "zie"}
# Dative and locative of a feminine noun in -a by the consonant before it (Kuba -> Kubie).
_FEM_LOC = {"k": "ce", "g": "dze", "ch": "sze", "t": "cie", "d": "dzie", "r": "rze", "ł": "le",
            "st": "ście", "n": "nie", "m": "mie", "p": "pie", "b": "bie", "f": "fie", "w": "wie",
            "s": "sie", "z": "zie"}
_SOFT = ("ż", "cz", "rz", "sz", "dz", "c", "l", "j", "ś", "ź", "ć", "ń")


def polish_forms(name: str) -> set[str]:
    """The oblique case forms of a Polish country name (the nominative itself not included)."""
    words = name.split(" ")
    plural = any(_is_plural(w) for w in words)
    if len(words) == 3 and words[1] == "i":  # Bośnia i Hercegowina: both nouns in the same case
        words = [words[0], words[2]]
        return {f"{a} i {b}" for a, b in _aligned(words, plural)} - {name}
    if len(words) == 1 or (len(words) > 2 and not plural) or "-" in name:
        head = _word_cases(words[0], plural=_is_plural(words[0]))
        rest = " ".join(words[1:])
        return {" ".join(filter(None, (form, rest))) for forms in head.values() for form in forms} - {name}
    return {" ".join(forms) for forms in _aligned(words, plural)} - {name}


def _aligned(words: list[str], plural: bool) -> set[tuple[str, ...]]:
    """Every word of a name in the same case, for each case."""
    cases = [_word_cases(w, plural) for w in words]
    out: set[tuple[str, ...]] = set()
    for case in CASES:
        combos: list[tuple[str, ...]] = [()]
        for word, forms in zip(words, cases, strict=True):
            combos = [(*c, f) for c in combos for f in forms.get(case, {word})]
        out |= set(combos)
    return out


def _is_plural(word: str) -> bool:
    return word in _PLURAL_IRREGULAR or word in _PLURAL_E or (word.endswith("y") and len(word) > 3)


def _word_cases(word: str, plural: bool) -> dict[str, set[str]]:
    """Case -> forms of one word of a name; no entry for a word that does not decline."""
    if word.endswith("ś"):  # Białoruś: a soft feminine
        return {c: {word[:-1] + ("sią" if c == "ins" else "si")} for c in CASES if c != "acc"}
    if plural:
        if word.endswith("a"):  # Wyspy Cooka: a genitive already
            return {}
        return _adj_plural(word) if _ADJ_PLURAL.search(word) else _noun_plural(word)
    if _ADJ_FEM.search(word):
        return _adj_fem(word)
    if word.endswith("a") and len(word) > 2:
        return _noun_fem(word)
    if word[-1] not in _VOWELS and word[-1].isalpha():
        return _noun_masc(word)
    return {}


def _adj_fem(word: str) -> dict[str, set[str]]:
    stem = word[:-1]
    oblique = stem + ("iej" if stem[-1] in "kg" else "ej")  # Wielkiej, Północnej, Zachodniej
    return {"gen": {oblique}, "dat": {oblique}, "loc": {oblique}, "acc": {stem + "ą"}, "ins": {stem + "ą"}}


def _adj_plural(word: str) -> dict[str, set[str]]:
    stem, soft = word[:-1], word[-2] in "kg" or word.endswith("ie")
    stem = stem.removesuffix("i") if word.endswith("ie") else stem
    y = "i" if soft else "y"
    return {"gen": {stem + y + "ch"}, "loc": {stem + y + "ch"}, "dat": {stem + y + "m"},
            "ins": {stem + y + "mi"}, "acc": {word}}


def _noun_fem(word: str) -> dict[str, set[str]]:
    stem = word[:-1]
    if word.endswith(("ia", "ja", "ea")):  # Islandia, Francja, Korea
        oblique = stem + "i"
        return {"gen": {oblique}, "dat": {oblique}, "loc": {oblique}, "acc": {stem + "ę"}, "ins": {stem + "ą"}}
    soft = stem.endswith(_SOFT)
    gen = stem + ("i" if stem[-1] in "kgl" or stem.endswith("j") else "y")
    loc = gen if soft else _alternate(stem, _FEM_LOC)
    return {"gen": {gen}, "dat": {loc}, "loc": {loc}, "acc": {stem + "ę"}, "ins": {stem + "ą"}}


def _noun_masc(word: str) -> dict[str, set[str]]:
    velar = word.endswith(("k", "g"))
    loc = word + "u" if velar or word.endswith(_SOFT + ("ch",)) else _alternate(word, _MASC_LOC)
    return {"gen": {word + "u", word + "a"}, "dat": {word + "owi"}, "acc": {word, word + "a"},
            "ins": {word + ("iem" if velar else "em")}, "loc": {loc, word + "u"}}


def _noun_plural(word: str) -> dict[str, set[str]]:
    stem = word[:-1]
    gen, loc = _PLURAL_IRREGULAR.get(word, (None, None))
    return {"gen": {gen} if gen else {stem + "ów", stem}, "dat": {stem + "om"}, "acc": {word},
            "ins": {stem + "ami"}, "loc": {loc} if loc else {stem + "ach"}}


def _alternate(stem: str, table: dict[str, str]) -> str:
    """stem + the ending its last consonant takes (r -> rze: Kuba/Cypr -> Kubie/Cyprze)."""
    for final in sorted(table, key=len, reverse=True):
        if stem.endswith(final):
            return stem[: -len(final)] + table[final]
    return stem + "ie"


_BACK = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "i": "i", "ö": "ü", "ü": "ü"}


def turkish_forms(name: str) -> set[str]:
    """'İran' -> 'İranlı', 'İranlılar', 'İranlıların', 'İranlılarla', ...; 'Yeni Zelanda' -> 'Yeni Zelandalı'."""
    vowels = [c for c in name.lower() if c in _BACK]
    if name.count(" ") > 1 or not vowels:  # official names ('... İslam Cumhuriyeti') take no suffix
        return set()
    vowel = _BACK[vowels[-1]]
    person = f"{name}l{vowel}"
    back = vowel in "ıu"
    plural = person + ("lar" if back else "ler")
    endings = ("ın", "a", "ı", "la", "dan", "da") if back else ("in", "e", "i", "le", "den", "de")
    return {person, plural, *(plural + ending for ending in endings)}


SWAHILI_MIN_NAME = 5  # shorter names ('Mali', 'Kuba') make prefixed forms that are ordinary words


def swahili_forms(name: str) -> set[str]:
    """'Ufaransa' -> 'Mfaransa', 'Wafaransa', 'Kifaransa'; 'Japani' -> 'Mjapani', 'Wajapani', 'Kijapani'."""
    if " " in name or "-" in name or len(name) < SWAHILI_MIN_NAME:
        return set()
    # The U- of Ufaransa, Uingereza (and Uganda: Waganda) is the country's own prefix.
    stem = name[1:].lower() if name.startswith("U") else name.lower()
    person = ("Mw" if stem[0] in "aeiou" else "M") + stem
    return {person, "Wa" + stem, "Ki" + stem}


def german_forms(name: str) -> set[str]:
    """The genitive: 'Deutschland' -> 'Deutschlands' (a name ending in a hissing sound takes none)."""
    return set() if name[-1] in "sxzß" else {name + "s"}


# Language of a generated name -> its inflected forms ('Niemczech', 'İranlı', 'Mfaransa').
INFLECTIONS: dict[str, Callable[[str], set[str]]] = {
    "de": german_forms, "pl": polish_forms, "tr": turkish_forms, "sw": swahili_forms,
}
