"""The Parquet lake: one schema per table, staged per task, published atomically per run."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.crashpoints import crash_point

log = logging.getLogger(__name__)

TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "sources": pa.schema([
        ("source_id", pa.string()), ("name", pa.string()), ("country", pa.string()),
        ("language", pa.string()), ("feeds", pa.list_(pa.string())),
        ("sitemaps", pa.list_(pa.string())), ("urls", pa.list_(pa.string())),
        ("run_id", pa.string()), ("updated_at", TS),
    ]),
    "runs": pa.schema([
        ("run_id", pa.string()), ("started_at", TS), ("finished_at", TS), ("sources", pa.int32()),
        ("discovered", pa.int32()), ("fetched", pa.int32()), ("new_articles", pa.int32()),
        ("skipped", pa.int32()), ("failed", pa.int32()), ("status", pa.string()),
    ]),
    "fetches": pa.schema([
        ("run_id", pa.string()), ("source_id", pa.string()), ("kind", pa.string()),
        ("url", pa.string()), ("url_key", pa.string()), ("final_url", pa.string()),
        ("status", pa.int32()), ("outcome", pa.string()), ("reason", pa.string()),
        ("bytes", pa.int64()), ("elapsed_ms", pa.int32()), ("fetched_at", TS),
        ("etag", pa.string()), ("last_modified", pa.string()), ("article_id", pa.string()),
    ]),
    "articles": pa.schema([
        ("article_id", pa.string()), ("source_id", pa.string()), ("run_id", pa.string()),
        ("url", pa.string()), ("canonical_url", pa.string()), ("title", pa.string()),
        ("text", pa.string()), ("description", pa.string()), ("published_at", TS),
        ("authors", pa.list_(pa.string())), ("agencies", pa.list_(pa.string())),
        ("language", pa.string()), ("word_count", pa.int32()), ("content_hash", pa.string()),
        ("fetched_at", TS),
    ]),
    "article_countries": pa.schema([
        ("article_id", pa.string()), ("country_code", pa.string()), ("mentions", pa.int32()),
        ("is_focus", pa.bool_()), ("tagger", pa.string()),
    ]),
    "article_topics": pa.schema([
        ("article_id", pa.string()), ("topic_code", pa.string()), ("score", pa.float32()),
        ("rank", pa.int16()), ("tagger", pa.string()),
    ]),
    # The story of each article (tasks/stories): story_id is the article_id of the story's first article.
    "article_stories": pa.schema([
        ("article_id", pa.string()), ("story_id", pa.string()), ("matched_id", pa.string()),
        ("similarity", pa.float32()),
    ]),
}

# Staged with a run's rows but never published: what the run's end needs and workers made already.
STAGING_SCHEMAS: dict[str, pa.Schema] = {
    "article_sketches": pa.schema([("article_id", pa.string()), ("sketch", pa.binary())]),
}

# article_countries.tagger and article_topics.tagger: the version of the tagger that wrote the row
# ("countries/2"); null in files written before versions were recorded.
TABLES = tuple(SCHEMAS)
# A retag's commit records (tasks/store/retag.py), one per day partition, under the data directory:
# while one exists, that day's tag files are being swapped and must not be compacted.
RETAG_JOURNALS = "retag-journal"
# Articles go first and fetches after them: a crash between the two leaves pages that are
# fetched again next run (duplicates are dropped by key), never pages marked done with no article.
PUBLISH_ORDER = ("articles", "article_countries", "article_topics", "article_stories", "fetches", "sources", "runs")


def lake_file(data_dir: Path, table: str, day: str, run_id: str) -> Path:
    """Where a run's file of one table lives in the lake."""
    return data_dir / "lake" / table / f"date={day}" / f"run-{run_id}.parquet"


def write_atomic(path: Path, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write rows as one Parquet file via a temporary name and a rename; returns the row count."""
    batch = pa.Table.from_pylist(list(rows), schema=SCHEMAS[table])
    _replace_with(path, lambda tmp: pq.write_table(batch, tmp, compression="zstd"))
    return batch.num_rows


# Files are read with ParquetFile, not pq.read_table or pyarrow.dataset: those load pyarrow.dataset
# (~15 MB of libraries and ~50 ms of CPU) into a run's main process for what a plain read does.
def read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """One Parquet file as a table."""
    with pq.ParquetFile(path) as parquet:
        return parquet.read(columns=columns)


def parquet_rows(paths: Iterable[Path], columns: list[str]) -> Iterator[dict[str, Any]]:
    """The columns of every row of the files, batch by batch (memory bounded by a batch)."""
    for path in paths:
        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(columns=columns):
                yield from batch.to_pylist()


def _schema(table: str) -> pa.Schema:
    return SCHEMAS.get(table) or STAGING_SCHEMAS[table]


class Stager:
    """Buffers one task's rows per table and spills them to staging Parquet files in bounded batches."""

    def __init__(self, staging_dir: Path, name: str, batch_rows: int = 500,
                 tables: tuple[str, ...] = (*TABLES, *STAGING_SCHEMAS)) -> None:
        self.dir, self.name, self.batch_rows = staging_dir, name, batch_rows
        self._rows: dict[str, list[dict[str, Any]]] = {t: [] for t in tables}
        self._writers: dict[str, pq.ParquetWriter] = {}

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Queue one row; flushes the table's buffer when it is full."""
        rows = self._rows.get(table)
        if rows is None:  # a table this stager was told to leave out
            return
        rows.append(row)
        if len(rows) >= self.batch_rows:
            self._flush(table)

    def _flush(self, table: str) -> None:
        rows = self._rows[table]
        if not rows:
            return
        if table not in self._writers:
            self.dir.mkdir(parents=True, exist_ok=True)
            path = self.dir / f"{table}--{self.name}.parquet"
            self._writers[table] = pq.ParquetWriter(path, _schema(table), compression="zstd")
        self._writers[table].write_table(pa.Table.from_pylist(rows, schema=_schema(table)))
        rows.clear()

    def close(self) -> None:
        """Flush everything; staged files are complete after this returns."""
        for table in self._rows:
            self._flush(table)
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def publish(staging_dir: Path, data_dir: Path, day: str, run_id: str) -> dict[str, int]:
    """Merge a run's staged files into one lake file per table; returns rows per table."""
    counts: dict[str, int] = {}
    for table in PUBLISH_ORDER:
        parts = sorted(staging_dir.glob(f"{table}--*.parquet"))
        if not parts:
            continue
        target = lake_file(data_dir, table, day, run_id)
        counts[table] = _replace_with(target, lambda tmp, parts=parts, table=table: merge_files(parts, tmp, table))
    return counts


def merge_files(parts: list[Path], out: Path, table: str) -> int:
    """Concatenate Parquet files of one table batch by batch, so memory stays bounded."""
    rows = 0
    with pq.ParquetWriter(out, SCHEMAS[table], compression="zstd") as writer:
        for part in parts:
            for batch in pq.ParquetFile(part).iter_batches(batch_size=2000):
                writer.write_batch(batch)
                rows += batch.num_rows
    return rows


def _replace_with(path: Path, write: Any) -> Any:
    """Run write(tmp) then rename tmp onto path, so readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        result = write(tmp)
        crash_point("lake-write")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return result


def remove_leftovers(data_dir: Path) -> int:
    """Delete staging folders and temporary files of runs that died; call only under the run lock."""
    import shutil

    removed = 0
    for folder in (data_dir / "staging").glob("*"):
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    for pattern in ("lake/**/.*.tmp", "raw/**/.*.part"):
        for tmp in data_dir.glob(pattern):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def lake_files(data_dir: Path) -> list[tuple[str, Path]]:
    """Every published lake file as (table, path), parents first; temp files are never listed."""
    root = data_dir / "lake"
    return [(t, p) for t in TABLES for p in sorted((root / t).glob("date=*/*.parquet"))]
