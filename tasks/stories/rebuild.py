"""Recreate the side index of sketches from the lake (articles' text, article_stories' ids).

Used when data/stories/ is missing (deleted, a lake copied without it, a lake older than stories):
only the window a run needs is rebuilt. Articles without a story row become stories of their own,
named after themselves, as the views already count them.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tasks.store.lake import parquet_rows
from tasks.stories.side import side_dir, stamp_of, window_days, write_side
from tasks.stories.sketch import dump, sketch

log = logging.getLogger(__name__)


def _lake_days(data_dir: Path, table: str, since: date) -> list[Path]:
    """A lake table's files in partitions (run days) on or after since."""
    root = data_dir / "lake" / table
    return [p for folder in sorted(root.glob("date=*")) if folder.name.removeprefix("date=") >= since.isoformat()
            for p in sorted(folder.glob("*.parquet"))]


def rebuild_window(data_dir: Path, first: date, last: date) -> int:
    """Write side-index files for every lake article published in the window around [first, last]."""
    days = set(window_days(first, last))
    # An article is fetched after it is published, so its run day is never before its publish day
    # (a day of slack for time zones): older partitions cannot hold an article of the window.
    since = min(days) - timedelta(days=1)
    stories = _story_ids(data_dir, since)
    rows: dict[str, list[dict[str, Any]]] = {}
    columns = ["article_id", "text", "published_at", "fetched_at"]
    files = _lake_days(data_dir, "articles", since)
    if not files:
        return 0
    seen: set[str] = set()
    for row in parquet_rows(files, columns):
        stamp = stamp_of(row["published_at"], row["fetched_at"])
        if stamp is None or stamp.date() not in days or row["article_id"] in seen:
            continue
        seen.add(row["article_id"])
        digest = sketch(row["text"])
        if digest is not None:
            rows.setdefault(stamp.date().isoformat(), []).append({
                "article_id": row["article_id"], "story_id": stories.get(row["article_id"], row["article_id"]),
                "stamp": stamp, "sketch": dump(digest)})
    for day, day_rows in rows.items():
        write_side(side_dir(data_dir) / f"day={day}" / "rebuilt.parquet", day_rows)
    total = sum(len(r) for r in rows.values())
    log.info("stories: side index rebuilt from the lake for %s to %s: %d sketches", min(days), max(days), total)
    return total


def _story_ids(data_dir: Path, since: date) -> dict[str, str]:
    """Story id per article from the lake's article_stories files of the run days since `since`."""
    files = _lake_days(data_dir, "article_stories", since)
    if not files:
        return {}
    return {row["article_id"]: row["story_id"] for row in parquet_rows(files, ["article_id", "story_id"])}
