"""Regenerate derived state: the warehouse from the lake, the lake's articles from the raw WARCs."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tasks.harvest import PageSink, RunContext, SourceReport, process_all, raw_pages
from tasks.process import shared_pool
from tasks.store import loaded
from tasks.store.lake import Stager, publish
from tasks.store.load import load_lake
from warehouse.db import connect
from warehouse.load import LoadReport
from warehouse.search_index import drop_index, replace_index

log = logging.getLogger(__name__)

FROM_RAW = ("articles", "article_countries", "article_topics")


def rebuild_warehouse(data_dir: Path, db_path: Path, *, wait: float = 10.0) -> LoadReport:
    """Load the whole lake into a new database file, then swap it in; the old one stays on failure."""
    new = db_path.with_name(db_path.name + ".rebuild")
    for stale in (new, new.with_name(new.name + ".wal")):
        stale.unlink(missing_ok=True)
    drop_index(new)
    report = load_lake(data_dir, new, wait=wait)
    if db_path.exists():
        with connect(db_path, wait=wait) as con:  # proves nobody holds it, and empties its WAL
            con.execute("checkpoint")
    os.replace(new, db_path)
    replace_index(new, db_path)  # the search index built beside the new file goes with it
    loaded.move(new, db_path)  # a rename keeps what the note records of the file
    return report


def _run_and_source(warc: Path) -> tuple[str, str]:
    """run-<YYYYmmddTHHMMSSZ>-<hex>-<source>.warc.gz -> (run id, source id)."""
    stem = warc.name.removeprefix("run-").removesuffix(".warc.gz")
    stamp, token, source = stem.split("-", 2)
    return f"{stamp}-{token}", source


def reextract(data_dir: Path, *, workers: int = 0, progress: Callable[[str], None] = log.info) -> int:
    """Extract and tag every raw WARC again, replacing the lake's article files; returns articles."""
    staging = data_dir / "staging" / f"rebuild-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    runs: dict[tuple[str, str], Path] = {}
    total = 0
    warcs = sorted((data_dir / "raw").glob("date=*/run-*.warc.gz"))
    for n, warc in enumerate(warcs, 1):
        day = warc.parent.name.removeprefix("date=")
        run_id, source_id = _run_and_source(warc)
        ctx = RunContext(run_id, day, data_dir, datetime.now(UTC))
        report = SourceReport(source_id)
        stager = Stager(staging / day / run_id, source_id, tables=FROM_RAW)
        pages = raw_pages(warc)  # the listing dates its metadata records kept fill in as pages are read
        process_all(pages, shared_pool(workers), PageSink(source_id, stager, ctx, report, pages.listed_dates), None)
        stager.close()
        runs[(day, run_id)] = staging / day / run_id
        total += report.new
        progress(f"[{n}/{len(warcs)}] {warc.name}: {report.new} articles")
    _swap_in(data_dir, runs, staging.name)
    shutil.rmtree(staging, ignore_errors=True)
    return total


def _swap_in(data_dir: Path, runs: dict[tuple[str, str], Path], stamp: str) -> None:
    """Move the old article files aside (kept under data/replaced/) and publish the new ones."""
    for table in FROM_RAW:
        for old in sorted((data_dir / "lake" / table).glob("date=*/*.parquet")):
            target = data_dir / "replaced" / stamp / old.relative_to(data_dir / "lake")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(old), target)
    for (day, run_id), folder in runs.items():
        publish(folder, data_dir, day, run_id)
