"""Incremental grouping: each new article joins the story of its most similar recent article, or starts one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import rensa

from tasks.stories.sketch import NUM_PERM, similarity

WINDOW = timedelta(days=7)  # candidates are published at most this long before or after the article
# Estimated Jaccard of 5-word shingle sets above which two bodies are one story. Edited copies (a new
# first paragraph, the end cut) keep about half of the original's shingles; two different articles
# on one subject share almost none. Fitted on half of the benchmark's corpus pages (benchmarks/stories.py).
THRESHOLD = 0.3
# 40 bands of 3 rows: a pair at similarity 0.3 becomes a candidate with p = 0.67, at 0.4 with
# p = 0.93, at 0.5 with p = 0.99; at 0.01 (unrelated bodies sharing a few stock phrases) with
# p = 4e-5, so a query against 100k articles verifies a handful of candidates. 2 rows would catch
# 0.3 with p = 0.99 but verify ~100 times more candidates.
BANDS = 40


@dataclass(frozen=True, slots=True)
class Member:
    """An article already in a story, as the index keeps it."""

    article_id: str
    story_id: str
    stamp: datetime
    minhash: rensa.RMinHash


@dataclass(frozen=True, slots=True)
class Assignment:
    """The story a new article was put in: the article it matched, if any, and how closely."""

    article_id: str
    story_id: str
    matched_id: str | None
    similarity: float | None


class StoryIndex:
    """MinHash LSH over the sketches of the articles in the time window."""

    def __init__(self, threshold: float = THRESHOLD, window: timedelta = WINDOW, bands: int = BANDS) -> None:
        self.threshold, self.window = threshold, window
        self._lsh = rensa.RMinHashLSH(threshold, NUM_PERM, bands)
        self._members: dict[int, Member] = {}
        self._keys: dict[str, int] = {}  # article id -> LSH key
        self._next = 0

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._keys

    def get(self, article_id: str) -> Member | None:
        """The indexed article with this id, if any."""
        key = self._keys.get(article_id)
        return None if key is None else self._members[key]

    def add(self, member: Member) -> None:
        """Index an article whose story is already known."""
        if member.article_id in self._keys:
            return
        key, self._next = self._next, self._next + 1
        self._lsh.insert(key, member.minhash)
        self._members[key] = member
        self._keys[member.article_id] = key

    def remove(self, article_id: str) -> None:
        """Forget an article (it left the time window)."""
        key = self._keys.pop(article_id, None)
        if key is not None:
            self._lsh.remove(key)
            del self._members[key]

    def extend(self, members: Iterable[Member]) -> list[Member]:
        """Index many known articles at once (one bulk LSH insert: ten times faster); returns the new ones."""
        fresh: dict[str, Member] = {}
        for member in members:
            if member.article_id not in self._keys and member.article_id not in fresh:
                fresh[member.article_id] = member
        pairs = []
        for member in fresh.values():
            key, self._next = self._next, self._next + 1
            self._members[key] = member
            self._keys[member.article_id] = key
            pairs.append((key, member.minhash))
        self._lsh.insert_pairs(pairs)
        return list(fresh.values())

    def best_match(self, minhash: rensa.RMinHash, stamp: datetime) -> tuple[Member, float] | None:
        """The most similar indexed article within the window and above the threshold."""
        best: tuple[Member, float] | None = None
        for key in self._lsh.query(minhash):
            member = self._members[key]
            if abs(member.stamp - stamp) > self.window:
                continue
            score = similarity(minhash, member.minhash)
            # Ties go to the earlier article, then the smaller id, so the outcome never depends on order.
            if score >= self.threshold and (best is None or _better(member, score, *best)):
                best = (member, score)
        return best

    def assign(self, article_id: str, stamp: datetime, minhash: rensa.RMinHash | None) -> Assignment:
        """Put a new article in a story (its match's, or a new one named after it) and index it."""
        found = self.best_match(minhash, stamp) if minhash is not None else None
        if found is None:
            result = Assignment(article_id, article_id, None, None)
        else:
            member, score = found
            result = Assignment(article_id, member.story_id, member.article_id, round(score, 4))
        if minhash is not None:
            self.add(Member(article_id, result.story_id, stamp, minhash))
        return result


def _better(member: Member, score: float, best: Member, best_score: float) -> bool:
    return (-score, member.stamp, member.article_id) < (-best_score, best.stamp, best.article_id)
