"""The multilingual word model of the topic tagger: per-word topic logits learned across languages.

Weights (tasks/tag/data/topics_words.npz, written by `python -m benchmarks.train_topics`): for each
of ~100,000 lower-cased words, 17 logits (one per top-level IPTC Media Topic) and an idf. A text's
logits are the idf-weighted mean of its words' rows plus a bias; softmax at the stored temperature
gives calibrated probabilities. The rows started as the projection of each word's embedding by
Google's Universal Sentence Encoder multilingual v3 (numpy port: the `fast-universal-sentence-
encoder` package, Apache-2.0), which places a word and its translations close together, and
were then fitted on labelled text (benchmarks/train_topics.py) whose licences, as their sources
state them, are: IPTC subject codes CC BY 4.0; SIB-200 Apache-2.0 over Flores-200 text CC BY-SA 4.0;
FakeNewsCorpusSpanish CC BY 4.0; 10kGNAD CC BY-NC-SA 4.0 (non-commercial); MasakhaNEWS and Fake.br
research data with no licence stated; BBC News and AG News as for the English model. The file
holds only fitted numbers, no text but the word list. The tagger mixes this model with an
embedding of the lead (tasks/tag/topic_embed.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from tasks.tag.topic_features import word_counts

WORDS_PATH = Path(__file__).with_name("data") / "topics_words.npz"


@dataclass(frozen=True, slots=True)
class WordModel:
    """Per-word logits and idf, immutable once loaded."""

    codes: tuple[str, ...]
    index: dict[str, int]
    idf: np.ndarray  # (words,) float32
    weights: np.ndarray  # (words, topics) float32
    bias: np.ndarray  # (topics,)
    temperature: float
    threshold: float

    def logits(self, title: str, text: str) -> np.ndarray | None:
        """Topic logits of a text (before the temperature), None when it has no known word."""
        found = word_counts(title, text)
        # Unknown words map to -1 and are masked out; known ones keep their first-seen order, so
        # the sums below add the same numbers in the same order as a per-word loop would.
        everyone = np.fromiter(map(self.index.get, found, repeat(-1)), dtype=np.intp, count=len(found))
        known = everyone >= 0
        rows = everyone[known]
        if not len(rows):
            return None
        counts = np.fromiter(found.values(), dtype=np.float32, count=len(found))[known]
        share = self.idf[rows] * (1.0 + np.log(counts))
        return (share @ self.weights[rows]) / share.sum() + self.bias

    def probabilities(self, title: str, text: str) -> np.ndarray | None:
        """Calibrated topic probabilities of a text, None when it has no known word."""
        z = self.logits(title, text)
        if z is None:
            return None
        z = (z - z.max()) / self.temperature
        e = np.exp(z)
        return e / e.sum()


@functools.cache
def word_model() -> WordModel:
    """The model, read from disk on first use only (two threads racing at start both read it, harmlessly)."""
    return _read(WORDS_PATH)


def _read(path: Path) -> WordModel:
    """Build the model from the shipped file (float16 on disk, float32 in memory)."""
    with np.load(path) as z:
        vocab = str(z["words"]).split("\n")
        temperature, threshold = (float(v) for v in z["calibration"])
        return WordModel(
            codes=tuple(str(c) for c in z["codes"]),
            index={w: i for i, w in enumerate(vocab)},
            idf=z["idf"].astype(np.float32),
            weights=z["weights"].astype(np.float32),
            bias=z["bias"].astype(np.float32),
            temperature=temperature,
            threshold=threshold,
        )
