"""A run's grouping step: the staged articles against the window's sketches, kept in a side index.

The side index (data/stories/sketches/day=YYYY-MM-DD/*.parquet, by publish day) holds each grouped
article's sketch and story id. It is derived state: when it is missing, the window a run needs is
recreated from the lake (tasks/stories/rebuild.py). The lake's article_stories table is the record of
every story id.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.store.lake import Stager, read_parquet
from tasks.stories.group import Member, StoryIndex
from tasks.stories.rebuild import rebuild_window
from tasks.stories.side import SIDE_SCHEMA, side_dir, stamp_of, window_days, write_side
from tasks.stories.sketch import NUM_PERM, SKETCH_FORMAT, dump, sketch, undump

log = logging.getLogger(__name__)

STAGED_SKETCHES = "sketches.parquet"  # in the run's staging folder until the lake files are published
MAX_FILES_PER_DAY = 16  # a day folder with more files is merged into one, so window reads stay cheap


class Window:
    """The index of the window's sketches, kept warm between runs in one process.

    Each run reads only the side-index files it has not read yet and drops the days that left its
    window, so a run's cost depends on the window's size, not on the warehouse's.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.index = StoryIndex()
        self.files: dict[date, set[Path]] = {}

    def cover(self, first: date, last: date) -> None:
        """Make the index hold every sketched article around [first, last], and nothing older or newer."""
        days = set(window_days(first, last))
        if not side_dir(self.data_dir).exists() and (self.data_dir / "lake" / "articles").exists():
            rebuild_window(self.data_dir, first, last)
        dropped = any(day not in days for day in self.files)
        self.files = {day: paths for day, paths in self.files.items() if day in days}
        new: list[Member] = []
        for day, folder in _day_folders(side_dir(self.data_dir), days):
            loaded = self.files.setdefault(day, set())
            for path in sorted(folder.glob("*.parquet")):
                if path not in loaded:
                    loaded.add(path)
                    new.extend(_members(path))
        # Re-sorting costs a pass over the window: do it when days leave it or much is unsorted,
        # so a warm window re-sorts about once per day of articles, not once per run.
        if dropped or self.index.unsorted + len(new) > len(self.index) // 4:
            self.index.rebuild([m for m in self.index.members() if m.stamp.date() in days] + new)
        else:
            for member in new:
                self.index.add(member)


def _day_folders(root: Path, days: set[date]) -> list[tuple[date, Path]]:
    """The side index's day folders among `days`, oldest first.

    One listing of the root, not one look-up per day: an archive's pages span years of publish
    days, and the window then covers thousands of days that have no folder.
    """
    found = []
    with suppress(FileNotFoundError):
        for entry in os.scandir(root):
            if entry.name.startswith("day=") and entry.is_dir():
                with suppress(ValueError):  # a stray folder is not the index's
                    day = date.fromisoformat(entry.name[4:])
                    if day in days:
                        found.append((day, Path(entry.path)))
    return sorted(found)


# One warm window per data directory. A run takes it out while it groups and puts it back once its
# sketches are committed: a run that fails before that leaves the next one to read the side index.
# A run's window spans its articles' publish days +- 8: an archive backfill covering months holds
# those months' sketches while it runs.
_WINDOWS: dict[Path, Window] = {}


@contextmanager
def grouping_turn(data_dir: Path) -> Iterator[None]:
    """Held from grouping a set of staged articles until their lake files are published.

    A backfill reads WARC files in parallel; each file's articles must see the sketches of the files
    grouped before it, so files take turns. An flock, so Dask workers in other processes wait too.
    """
    path = side_dir(data_dir).parent / ".grouping.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def group_staged(staging_dir: Path, data_dir: Path) -> int:
    """Assign every article staged in this run to a story; stages article_stories rows and sketches."""
    articles = _staged_articles(staging_dir)
    if not articles:
        return 0
    window = _WINDOWS.pop(data_dir, None) or Window(data_dir)
    window.cover(articles[0]["stamp"].date(), max(a["stamp"] for a in articles).date())
    stager = Stager(staging_dir, "stories", tables=("article_stories",))
    side: list[dict[str, Any]] = []
    for a in articles:
        known = window.index.get(a["article_id"])
        if known is not None:  # grouped before: fetched again (another URL, or a run that died unpublished)
            stager.add("article_stories", {"article_id": known.article_id, "story_id": known.story_id,
                                           "matched_id": None, "similarity": None})
            continue
        digest = undump(a["sketch"]) if a["sketch"] is not None else sketch(a["text"])
        result = window.index.assign(a["article_id"], a["stamp"], digest)
        stager.add("article_stories", {"article_id": result.article_id, "story_id": result.story_id,
                                       "matched_id": result.matched_id, "similarity": result.similarity})
        if digest is not None:
            side.append({"article_id": a["article_id"], "story_id": result.story_id, "stamp": a["stamp"],
                         "sketch": dump(digest)})
    stager.close()
    pq.write_table(pa.Table.from_pylist(side, schema=SIDE_SCHEMA), staging_dir / STAGED_SKETCHES)
    _PENDING[staging_dir] = window
    return len(articles)


_PENDING: dict[Path, Window] = {}  # windows of runs that grouped but have not committed yet


def _staged_articles(staging_dir: Path) -> list[dict[str, Any]]:
    """The run's staged articles (id, stamp, and the workers' sketch, else the text to make one), one per
    id, in (stamp, id) order."""
    sketches: dict[str, bytes] = {}
    for part in sorted(staging_dir.glob("article_sketches--*.parquet")):
        sketches.update((row["article_id"], row["sketch"]) for row in read_parquet(part).to_pylist())
    seen: dict[str, dict[str, Any]] = {}
    for part in sorted(staging_dir.glob("articles--*.parquet")):
        rows = read_parquet(part, ["article_id", "published_at", "fetched_at"]).to_pylist()
        texts: list[str | None] = [None] * len(rows)
        if any(row["article_id"] not in sketches for row in rows):  # pages no worker sketched: read their text
            texts = read_parquet(part, ["text"]).column("text").to_pylist()
        for row, body in zip(rows, texts, strict=True):
            stamp = stamp_of(row["published_at"], row["fetched_at"])
            if stamp is not None and row["article_id"] not in seen:
                made = sketches.get(row["article_id"])
                seen[row["article_id"]] = {"article_id": row["article_id"], "stamp": stamp, "sketch": made,
                                           "text": None if made is not None else body}
    return sorted(seen.values(), key=lambda a: (a["stamp"], a["article_id"]))


def _members(path: Path) -> Iterable[Member]:
    """The side index rows of one file; files of another sketch format are ignored (rebuild them)."""
    table = read_parquet(path)
    found = (table.schema.metadata or {}).get(b"sketch_format", b"").decode()
    if found != SKETCH_FORMAT:
        log.warning("ignoring %s: sketches in format %r, not %r", path, found, SKETCH_FORMAT)
        return
    sketches = table.column("sketch").combine_chunks()
    digests = np.frombuffer(sketches.buffers()[1], dtype="<u4", count=len(sketches) * NUM_PERM,
                            offset=sketches.offset * 4 * NUM_PERM).reshape(-1, NUM_PERM).astype(np.uint32)
    columns = [table.column(name).to_pylist() for name in ("article_id", "story_id", "stamp")]
    for n, (article_id, story_id, stamp) in enumerate(zip(*columns, strict=True)):
        yield Member(article_id, story_id, stamp, digests[n])


def commit_sketches(staging_dir: Path, data_dir: Path, run_id: str) -> int:
    """Move the run's staged sketches into the side index, one file per publish day.

    Call it before publishing the run's lake files: a run that dies in between leaves sketches of
    articles that are not in the lake; the next run fetches those pages again and gives each the
    story its sketch records, so the side index and the lake never disagree.
    """
    staged = staging_dir / STAGED_SKETCHES
    window = _PENDING.pop(staging_dir, None)
    if not staged.exists():
        return 0
    rows = read_parquet(staged).to_pylist()
    by_day: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_day.setdefault(row["stamp"].date().isoformat(), []).append(row)
    for day, day_rows in by_day.items():
        folder = side_dir(data_dir) / f"day={day}"
        path = folder / f"run-{run_id}.parquet"
        write_side(path, day_rows)
        if window is not None:
            window.files.setdefault(date.fromisoformat(day), set()).add(path)
        _compact_day(folder, run_id)
    staged.unlink()
    if window is not None:
        _WINDOWS[data_dir] = window
    return len(rows)


def _compact_day(folder: Path, run_id: str) -> None:
    """Merge a day's files into one when there are many; a crash leaves duplicates, which are ignored."""
    parts = sorted(folder.glob("*.parquet"))
    if len(parts) <= MAX_FILES_PER_DAY:
        return
    rows = [r for part in parts for r in read_parquet(part).to_pylist()]
    write_side(folder / f"merged-{run_id}.parquet", rows)
    for part in parts:
        part.unlink()
