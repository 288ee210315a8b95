"""Text features for the topic tagger: tokens, plural folding, unigrams and bigrams.

Training (benchmarks/train_topics.py) and tagging (tasks/tag/topics.py) both use these functions,
so a feature seen at training time is spelled the same way at tagging time.
"""

from __future__ import annotations

import re
from collections import _count_elements  # type: ignore[attr-defined]

# Letters and digits, with an inner apostrophe kept so "don't" stays one token; currency signs
# and "%" are tokens of their own because they are strong signals of economic news.
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[$£€%]|[.,;:!?()\"“”]")

_SIGNS = frozenset("$£€%")

# Punctuation that ends a phrase: no bigram is made across it.
_BREAKS = frozenset('.,;:!?()"“”')

# Only the lead of very long articles is read: the topic of a news story is set early, and the
# cap keeps tagging time bounded.
MAX_TOKENS = 900

# Headline words count this many times: a headline is a summary written by an editor.
TITLE_WEIGHT = 2

# Function words and news boilerplate that say nothing about a topic.
_STOPWORD_TEXT = """
    a about above after again against all almost also although am among an and another any are
    around as at away back be became because become been before being below between both but by
    can cannot could did do does doing done down during each either else enough even ever every
    few for from further get gets got had has have having he her here hers herself him himself his
    how however i if in into is it its itself just last least less let like made make many may me
    might more most much must my myself near neither never new next no nor not now of off often on
    once one only or other others our ours ourselves out over own per perhaps put quite rather
    really said same say says see seen shall she should since so some still such than that the
    their theirs them themselves then there these they this those though through thus to too
    under until up upon us very via was way we well were what when where whether which while who
    whom whose why will with within without would yet you your yours yourself yourselves
    mr mrs ms dr told according including added asked s t th st nd rd
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow week
    reuters ap afp bbc don't doesn't didn't isn't wasn't won't can't i'm i've we're they're
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Words whose final "s" is not a plural ending.
_KEEP_S_TEXT = (
    "news series species politics economics physics athletics olympics gymnastics tennis aids "
    "texas paris analysis crisis basis thesis diagnosis virus bus gas"
)
_KEEP_S = frozenset(_KEEP_S_TEXT.split())

_WORDS: dict[str, str] = {}  # lower-cased token -> its feature word, "" when it is not one
_WORDS_MAX = 200_000  # a bounded cache, not a leak on an endless stream of new words


def fold(token: str) -> str:
    """Lower-cased token with English plural and possessive endings removed."""
    word = token.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if word in _KEEP_S:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word[-1] == "s" and word[-2:] not in ("ss", "us", "is"):
        return word[:-1]
    return word


def _word(token: str) -> str:
    """The feature word of a lower-cased token, or "" for punctuation, stopwords and numbers."""
    word = fold(token)
    if word in _BREAKS or word in STOPWORDS or word.isdigit() or (len(word) < 2 and word not in _SIGNS):
        word = ""
    if len(_WORDS) < _WORDS_MAX:
        _WORDS[token] = word
    return word


def tokens(text: str, limit: int = MAX_TOKENS) -> list[str]:
    """Folded content tokens of a text, stopwords replaced by "" to mark phrase breaks."""
    # Cutting the text first keeps a very long article from being scanned to its end.
    raw = _TOKEN.findall(text[: limit * 8].lower())[:limit]
    get = _WORDS.get
    return [w if (w := get(t)) is not None else _word(t) for t in raw]


def features(title: str, text: str) -> dict[str, int]:
    """Counts of unigram and adjacent-bigram features of an article, headline weighted."""
    counts: dict[str, int] = {}
    _add(counts, tokens(title or "", 60), TITLE_WEIGHT)
    _add(counts, tokens(text or ""), 1)
    return counts


def _add(counts: dict[str, int], words: list[str], weight: int) -> None:
    """Add the unigrams and bigrams of one token sequence to counts."""
    get = counts.get
    prev = ""
    for word in words:
        if word:
            counts[word] = get(word, 0) + weight
            if prev:
                pair = prev + " " + word
                counts[pair] = get(pair, 0) + weight
        prev = word


def term_feature(term: str) -> str:
    """The feature a lexicon term matches: one word or two adjacent content words, folded."""
    words = tokens(term, 10)
    if not 1 <= len(words) <= 2 or "" in words:
        raise ValueError(f"lexicon term must be one or two adjacent content words: {term!r}")
    return " ".join(words)


# Letter runs: the multilingual model's words (digits, punctuation and apostrophes split them, so
# French "l'économie" and Italian "dell'economia" give the content word on its own).
_LETTERS = re.compile(r"[^\W\d_]{2,}")
WORDS_MAX = 600  # the multilingual model reads the lead: the topic of a story is set early


def _bmp_class(letter: re.Pattern[str]) -> str:
    """The characters of the Basic Multilingual Plane that `letter` matches, as a regex class of ranges."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF or not letter.fullmatch(chr(code)):
            continue  # surrogates are never letters, and cannot stand in a pattern
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


# The same letter runs, the class spelled out for the Basic Multilingual Plane: the regex engine
# tests such a class with a table lookup, not Unicode category calls (half the time on news text).
# Text with characters beyond that plane (emoji, historic scripts) uses _LETTERS.
_BMP_LETTERS = re.compile("[" + _bmp_class(re.compile(r"[^\W\d_]")) + "]{2,}")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def letter_runs(lowered: str) -> list[str]:
    """Runs of two or more letters, as _LETTERS.findall gives them."""
    return (_LETTERS if _ASTRAL.search(lowered) else _BMP_LETTERS).findall(lowered)


def word_counts(title: str, text: str) -> dict[str, int]:
    """Counts of the lower-cased words of an article's lead, headline words counted TITLE_WEIGHT times."""
    counts: dict[str, int] = {}
    get = counts.get
    for word in letter_runs((title or "")[:600].lower()):
        counts[word] = get(word, 0) + TITLE_WEIGHT
    # The body's words are counted in C (the same counts, in first-seen order, as a loop gives).
    _count_elements(counts, letter_runs((text or "")[: WORDS_MAX * 10].lower())[:WORDS_MAX])
    return counts
