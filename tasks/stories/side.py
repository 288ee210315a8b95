"""The side index of sketches: data/stories/sketches/day=YYYY-MM-DD/*.parquet, by publish day."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.store.lake import TS
from tasks.stories.group import WINDOW
from tasks.stories.sketch import NUM_PERM, SKETCH_FORMAT

SIDE_SCHEMA = pa.schema(
    [("article_id", pa.string()), ("story_id", pa.string()), ("stamp", TS), ("sketch", pa.binary(4 * NUM_PERM))],
    metadata={"sketch_format": SKETCH_FORMAT},
)


def side_dir(data_dir: Path) -> Path:
    """Root of the side index."""
    return data_dir / "stories" / "sketches"


def stamp_of(published_at: datetime | None, fetched_at: datetime | None) -> datetime | None:
    """An article's time for the window: its publish time, else its fetch time."""
    return published_at or fetched_at


def window_days(first: date, last: date, window: timedelta = WINDOW) -> list[date]:
    """The publish days whose articles can match articles published between first and last."""
    start, end = first - window - timedelta(days=1), last + window + timedelta(days=1)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def write_side(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write rows atomically (temporary name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(pa.Table.from_pylist(rows, schema=SIDE_SCHEMA), tmp, compression="zstd")
    os.replace(tmp, path)
