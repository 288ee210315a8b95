"""MinHash sketches of an article body's word shingles (rensa), and their estimated Jaccard similarity."""

from __future__ import annotations

import re

import numpy as np
import rensa

NUM_PERM = 120  # 40 LSH bands of 3 rows (tasks/stories/group.py)
SEED = 20261203  # fixed: sketches of different runs must be comparable
SHINGLE = 5  # words per shingle: long enough that two different articles share almost none
MIN_SHINGLES = 10  # shorter bodies (a teaser, a paywall notice) are never grouped
# Names what produced the stored digests, so sketches of another rensa algorithm version or other
# parameters are never compared with these (the side index is then rebuilt from the articles' text).
SKETCH_FORMAT = f"rensa-{rensa.RMinHash.ALGORITHM_VERSION}-{NUM_PERM}-{SEED}-w{SHINGLE}"

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """Overlapping word n-grams of the lower-cased text (punctuation and spacing ignored); repeats kept."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return [" ".join(words)] if words else []
    return list(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))


def sketch(text: str | None) -> np.ndarray | None:
    """The body's MinHash digest (NUM_PERM uint32), or None when it is too short to be grouped safely."""
    grams = shingles(text or "")
    if len(grams) < MIN_SHINGLES and len(set(grams)) < MIN_SHINGLES:
        return None
    minhash = rensa.RMinHash(NUM_PERM, SEED)
    minhash.update(grams)
    return np.array(minhash.digest(), dtype=np.uint32)


def dump(digest: np.ndarray) -> bytes:
    """The digest as bytes for the side index (little-endian uint32)."""
    return digest.astype("<u4").tobytes()


def digest_bytes(text: str | None) -> bytes:
    """What an extraction worker hands back: dump(sketch(text)), or b"" when the body is too short."""
    digest = sketch(text)
    return b"" if digest is None else dump(digest)


def undump(data: bytes) -> np.ndarray | None:
    """digest_bytes back to a digest (None for b"")."""
    return np.frombuffer(data, dtype="<u4").astype(np.uint32) if data else None


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two bodies' shingle sets: the share of equal MinHash values."""
    return float(np.count_nonzero(a == b)) / len(a)
