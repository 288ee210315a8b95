"""MinHash sketches of an article body's word shingles (rensa), and their estimated Jaccard similarity."""

from __future__ import annotations

import re

import rensa

NUM_PERM = 120  # 40 LSH bands of 3 rows (tasks/stories/group.py)
SEED = 20261203  # fixed: sketches of different runs must be comparable
SHINGLE = 5  # words per shingle: long enough that two different articles share almost none
MIN_SHINGLES = 10  # shorter bodies (a teaser, a paywall notice) are never grouped
# Sketches are stored as rensa's own serialised state; this names the format so a later rensa
# (or other parameters) can be detected and the side index rebuilt from the articles' text.
SKETCH_FORMAT = f"rensa-{rensa.RMinHash.ALGORITHM_VERSION}-{NUM_PERM}-{SEED}-w{SHINGLE}"

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """Overlapping word n-grams of the lower-cased text (punctuation and spacing ignored); repeats kept."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return [" ".join(words)] if words else []
    return list(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))


def sketch(text: str | None) -> rensa.RMinHash | None:
    """The body's MinHash, or None when it is too short to be grouped safely."""
    grams = shingles(text or "")
    if len(grams) < MIN_SHINGLES and len(set(grams)) < MIN_SHINGLES:
        return None
    minhash = rensa.RMinHash(NUM_PERM, SEED)
    minhash.update(grams)
    return minhash


def dump(minhash: rensa.RMinHash) -> bytes:
    """The sketch as bytes for the side index."""
    return bytes(minhash.__getstate__())


def load(data: bytes) -> rensa.RMinHash:
    """A sketch back from dump()."""
    minhash = rensa.RMinHash(NUM_PERM, SEED)
    minhash.__setstate__(data)
    return minhash


def similarity(a: rensa.RMinHash, b: rensa.RMinHash) -> float:
    """Estimated Jaccard similarity of the two bodies' shingle sets."""
    return float(a.jaccard(b))
