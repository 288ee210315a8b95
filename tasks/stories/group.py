"""Incremental grouping: each new article joins the story of its most similar recent article, or starts one.

The index is MinHash LSH: 40 bands of 3 sketch rows, each band hashed to one 64-bit key. The window's
articles read from the side index sit in sorted numpy arrays (built in one vectorised pass, about
1 KB per article); articles added during a run go to a small dict. rensa's own LSH index was the
first choice, but it costs about 10 us and 5 KB per inserted article, so a new process re-reading a
window of 100k articles spent seconds and half a gigabyte before grouping anything
(benchmarks/stories_scale.py measures both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from tasks.stories.sketch import NUM_PERM

WINDOW = timedelta(days=7)  # candidates are published at most this long before or after the article
# Estimated Jaccard of 5-word shingle sets above which two bodies are one story. Edited copies (a new
# first paragraph, the end cut) keep about half of the original's shingles; two different articles
# on one subject share almost none. Chosen on the fit half of benchmarks/stories.py's corpus pages.
THRESHOLD = 0.3
# 40 bands of 3 rows: a pair at similarity 0.3 becomes a candidate with p = 0.67, at 0.4 with
# p = 0.93, at 0.5 with p = 0.99; at 0.01 (unrelated bodies sharing a few stock phrases) with
# p = 4e-5, so a query against 100k articles verifies a handful of candidates. 2 rows would catch
# 0.3 with p = 0.99 but verify ~100 times more candidates.
BANDS = 40
_ROWS = NUM_PERM // BANDS
# Odd 64-bit multipliers mixing a band's rows into one key (arithmetic wraps modulo 2**64).
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9][:_ROWS], dtype=np.uint64)
_SALT = np.arange(BANDS, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)  # keeps bands apart


def band_keys(digests: np.ndarray) -> np.ndarray:
    """One 64-bit key per band for each sketch: (n, NUM_PERM) uint32 -> (n, BANDS) uint64."""
    rows = digests.reshape(len(digests), BANDS, _ROWS).astype(np.uint64)
    keys = np.broadcast_to(_SALT, (len(digests), BANDS)).copy()
    with np.errstate(over="ignore"):
        for n in range(_ROWS):  # a loop of 3 beats a reduction over a length-3 axis
            keys ^= rows[:, :, n] * _MIX[n]
            keys *= np.uint64(0x100000001B3)
    return keys.reshape(len(digests), BANDS)


@dataclass(frozen=True, slots=True)
class Member:
    """An article already in a story, as the side index keeps it."""

    article_id: str
    story_id: str
    stamp: datetime
    digest: np.ndarray  # uint32[NUM_PERM]


@dataclass(frozen=True, slots=True)
class Assignment:
    """The story a new article was put in: the article it matched, if any, and how closely."""

    article_id: str
    story_id: str
    matched_id: str | None
    similarity: float | None


class StoryIndex:
    """MinHash LSH over the sketches of the articles in the time window."""

    def __init__(self, threshold: float = THRESHOLD, window: timedelta = WINDOW) -> None:
        self.threshold, self.window = threshold, window
        self._members: list[Member] = []
        self._rows: dict[str, int] = {}  # article id -> position in _members
        self._digests = np.zeros((0, NUM_PERM), dtype=np.uint32)  # rows of the sorted part
        self._sorted = np.zeros(0, dtype=np.uint64)  # band keys of the sorted part, ascending
        self._owner = np.zeros(0, dtype=np.int64)  # member position of each sorted key
        self._recent: dict[int, list[int]] = {}  # band key -> positions, for members added since
        self._digest_rows: dict[int, np.ndarray] = {}  # position -> digest, for those members

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._rows

    def get(self, article_id: str) -> Member | None:
        """The indexed article with this id, if any."""
        row = self._rows.get(article_id)
        return None if row is None else self._members[row]

    def rebuild(self, members: Sequence[Member]) -> None:
        """Index exactly these articles (duplicates by id keep the first), in one vectorised pass."""
        self._members, self._rows = [], {}
        for member in members:
            if member.article_id not in self._rows:
                self._rows[member.article_id] = len(self._members)
                self._members.append(member)
        self._recent, self._digest_rows = {}, {}
        digests = np.stack([m.digest for m in self._members]) if self._members else np.zeros((0, NUM_PERM), np.uint32)
        keys = band_keys(digests).ravel()
        order = np.argsort(keys)
        self._digests, self._sorted, self._owner = digests, keys[order], order // BANDS

    @property
    def unsorted(self) -> int:
        """Members added one by one since the last rebuild."""
        return len(self._digest_rows)

    def members(self) -> list[Member]:
        """Every indexed article."""
        return list(self._members)

    def add(self, member: Member) -> None:
        """Index one article whose story is known (it goes to the small unsorted part)."""
        if member.article_id in self._rows:
            return
        row = len(self._members)
        self._rows[member.article_id] = row
        self._members.append(member)
        self._digest_rows[row] = member.digest
        for key in band_keys(member.digest[None, :])[0].tolist():
            self._recent.setdefault(key, []).append(row)

    def candidates(self, digest: np.ndarray) -> set[int]:
        """Positions of members sharing at least one band with the sketch."""
        keys = band_keys(digest[None, :])[0]
        lo = np.searchsorted(self._sorted, keys, side="left")
        hi = np.searchsorted(self._sorted, keys, side="right")
        hits = np.flatnonzero(hi > lo)
        found: set[int] = set()
        for n in hits.tolist():
            found.update(self._owner[lo[n] : hi[n]].tolist())
        if self._recent:
            for key in keys.tolist():
                found.update(self._recent.get(key, ()))
        return found

    def best_match(self, digest: np.ndarray, stamp: datetime) -> tuple[Member, float] | None:
        """The most similar indexed article within the window and above the threshold."""
        best: tuple[Member, float] | None = None
        for row in self.candidates(digest):
            member = self._members[row]
            if abs(member.stamp - stamp) > self.window:
                continue
            other = self._digest_rows.get(row)
            score = float(np.count_nonzero((self._digests[row] if other is None else other) == digest)) / NUM_PERM
            # Ties go to the earlier article, then the smaller id, so the outcome never depends on order.
            if score >= self.threshold and (best is None or _better(member, score, *best)):
                best = (member, score)
        return best

    def assign(self, article_id: str, stamp: datetime, digest: np.ndarray | None) -> Assignment:
        """Put a new article in a story (its match's, or a new one named after it) and index it."""
        found = self.best_match(digest, stamp) if digest is not None else None
        if found is None:
            result = Assignment(article_id, article_id, None, None)
        else:
            member, score = found
            result = Assignment(article_id, member.story_id, member.article_id, round(score, 4))
        if digest is not None:
            self.add(Member(article_id, result.story_id, stamp, digest))
        return result


def _better(member: Member, score: float, best: Member, best_score: float) -> bool:
    return (-score, member.stamp, member.article_id) < (-best_score, best.stamp, best.article_id)
