"""Bring every lake file not yet loaded into DuckDB, idempotently."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse import storage
from warehouse.db import connect, create_views, load_dimensions, migrate, number_articles, sql

log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    """What one load did."""

    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)


LakeFiles = Iterable[tuple[str, Path]]  # (table, path), parents first


def _no_hook(point: str) -> None:
    """The default before-commit hook: nothing."""


def load_files(data_dir: Path, db_path: Path, files: LakeFiles, *, wait: float = 10.0,
               hook: Callable[[str], None] = _no_hook) -> LoadReport:
    """Load the given lake files not yet loaded, each in one transaction with its record in lake_files.

    The caller lists the files (the lake's layout is tasks.store's business); `hook("load")` runs
    just before each commit, where the crash-safety tests kill the process.
    """
    report = LoadReport()
    with connect(db_path, wait=wait) as con:
        migrate(con)
        load_dimensions(con)
        loaded = {row[0] for row in con.execute("select path from lake_files").fetchall()}
        with _one_thread(con):
            for table, path in files:
                rel = path.relative_to(data_dir).as_posix()
                if rel in loaded:
                    continue
                try:
                    rows = _load_file(con, table, path, rel, hook)
                except duckdb.Error as exc:
                    con.execute("rollback")
                    if not _is_bad_file(exc):
                        raise
                    report.quarantined.append(_quarantine(data_dir, path, exc))
                    continue
                report.files += 1
                report.rows[table] = report.rows.get(table, 0) + rows
        number_articles(con)
        report.views = create_views(con)
        con.execute("checkpoint")
        compat = storage.rewrite_file(con, db_path) if storage.needs_rewrite(con) else None
    if compat is not None:  # once per file written by a newer default; swapped in after closing it
        storage.swap_in(compat, db_path)
    return report


@contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the file inserts on one DuckDB thread, then restore the connection's setting.

    With two threads DuckDB's batch insert builds a collection of rows per thread and merges them
    before the commit; the merge and the coordination cost more than the parallel Parquet read saves
    (1M-article load: article inserts 8.7-9.0 -> 5.3-6.1 s of CPU, tag inserts 7.8 -> 4.5 s, the whole
    file loop 44-51 -> 34-38 s, and faster in wall time too).
    """
    threads = int(con.execute("select current_setting('threads')").fetchone()[0])  # type: ignore[index]
    con.execute("set threads = 1")
    try:
        yield
    finally:
        con.execute(f"set threads = {threads}")  # an int read back from DuckDB, not user input


# A plain INSERT takes DuckDB's batch insert path; INSERT ... ON CONFLICT is planned as a MERGE that
# scans the whole target table, 0.4-0.6 s per file at a million articles and about a third of a full
# load's CPU. Files seldom repeat loaded keys, so these tables try the plain insert first.
APPENDABLE = ("articles", "article_countries", "article_topics", "article_stories")


def _load_file(con: duckdb.DuckDBPyConnection, table: str, path: Path, rel: str,
               hook: Callable[[str], None]) -> int:
    """Insert one file's rows and record the file, atomically."""
    if table in APPENDABLE:
        try:
            return _load_file_with(con, table, path, rel, f"append_{table}", hook)
        except duckdb.ConstraintException:  # the file repeats loaded rows: keep their first copies
            con.execute("rollback")
    return _load_file_with(con, table, path, rel, f"load_{table}", hook)


def _load_file_with(con: duckdb.DuckDBPyConnection, table: str, path: Path, rel: str, statement: str,
                    hook: Callable[[str], None]) -> int:
    """Insert one file's rows with the named statement and record the file, in one transaction."""
    params = {"path": str(path)}
    con.execute("begin")
    rows = con.execute("select count(*) from read_parquet($path, hive_partitioning = false)", params).fetchone()[0]  # type: ignore[index]
    start = con.execute("select coalesce(max(rowid) + 1, 0) from articles").fetchall()[0][0]
    con.execute(sql(statement), params)
    if table == "articles":  # the search index's key of each new article, in the same transaction
        con.execute(sql("insert_search_docs"), {"start": start})
    if table == "fetches":
        con.execute(sql("update_feed_state"), params)
    hook("load")
    con.execute(
        "insert into lake_files (path, lake_table, rows) values (?, ?, ?)", [rel, table, rows]
    )
    con.execute("commit")
    return int(rows)


def _is_bad_file(exc: duckdb.Error) -> bool:
    """A file DuckDB cannot read as Parquet (truncated, corrupt), as opposed to a database fault."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.InvalidInputException | duckdb.IOException) or "parquet" in text


def _quarantine(data_dir: Path, path: Path, exc: Exception) -> str:
    """Move an unreadable lake file aside so later loads are not blocked by it."""
    target = data_dir / "quarantine" / path.relative_to(data_dir / "lake")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)
    log.error("quarantined unreadable lake file %s -> %s: %s", path, target, exc)
    return str(target)
