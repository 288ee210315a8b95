"""Lake upkeep: merge each day's small run files into one file per partition, crash-safely."""

# The loader loads every visible `*.parquet` file whose path is not in `lake_files`. So a compacted
# file stays invisible (`.<name>.pending`) until its record is committed, and the parts it replaces
# are hidden (`.<name>.compacted`) before their records go: a crash at any point leaves each row
# in exactly one visible, recorded file, or hidden and recoverable by `recover`. Call with the data
# directory's run lock held (tasks/runlock.py): nothing else may write the lake meanwhile.

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.store.lake import RETAG_JOURNALS, TABLES, merge_files
from warehouse.db import connect, sql

log = logging.getLogger(__name__)

PENDING = ".pending"  # compacted, not yet recorded
RETIRED = ".compacted"  # replaced by a compacted file whose record may or may not be committed


@dataclass
class CompactReport:
    """What one compaction pass did."""

    partitions: int = 0
    files_in: int = 0
    rows: int = 0
    recovered: list[str] = field(default_factory=list)


def compact_lake(
    data_dir: Path, db_path: Path, *, before: str | None, min_files: int = 2, wait: float = 10.0
) -> CompactReport:
    """Compact loaded files of days before `before` (YYYY-MM-DD; None: every day)."""
    report = CompactReport()
    if not db_path.exists():
        return report  # nothing was ever loaded, so there is nothing it is safe to merge
    with connect(db_path, wait=wait) as con:
        report.recovered = recover(data_dir, con)
        recorded = _recorded(con)
        for table, part_dir in _partitions(data_dir, before):
            if (data_dir / RETAG_JOURNALS / f"{part_dir.name}.json").exists():
                continue  # a retag died swapping this day's tag files: the next retag finishes it
            # Only loaded parts: merging an unloaded file would record rows the warehouse lacks.
            parts = [p for p in sorted(part_dir.glob("*.parquet")) if _rel(data_dir, p) in recorded]
            if len(parts) < min_files:
                continue
            rows = compact_partition(con, data_dir, table, parts, sum(recorded[_rel(data_dir, p)] for p in parts))
            if rows is not None:
                report.partitions += 1
                report.files_in += len(parts)
                report.rows += rows
    return report


def compact_partition(
    con: duckdb.DuckDBPyConnection, data_dir: Path, table: str, parts: list[Path], expected: int
) -> int | None:
    """Replace a partition's parts by one file; returns its rows, None when skipped."""
    final = parts[0].parent / f"compact-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}.parquet"
    pending = _hidden(final, PENDING)
    try:
        rows = _write_merged(parts, pending, table)
    except (OSError, pa.ArrowException) as exc:
        pending.unlink(missing_ok=True)
        log.error("cannot compact %s: %s", parts[0].parent, exc)
        return None
    if rows != expected:
        pending.unlink()
        log.error(
            "not compacting %s: its files hold %d rows but %d were loaded",
            parts[0].parent,
            rows,
            expected,
        )
        return None
    retired = [_retire(p) for p in parts]
    fsync_path(final.parent)
    try:
        _swap_records(con, [_rel(data_dir, p) for p in parts], _rel(data_dir, final), table, rows)
    except BaseException:
        # Whether the commit happened is for the records to say, not for us to guess.
        with contextlib.suppress(duckdb.Error):
            recover(data_dir, con)
        raise
    _promote(pending, final)
    for path in retired:
        path.unlink()
    log.info("compacted %d files of %s into %s (%d rows)", len(parts), table, _rel(data_dir, final), rows)
    return rows


def recover(data_dir: Path, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Finish or undo an interrupted compaction, as the committed load records say."""
    recorded = _recorded(con)
    done = []
    for retired in _lake_glob(data_dir, f".*{RETIRED}"):
        original = _visible(retired, RETIRED)
        if _rel(data_dir, original) in recorded:
            os.replace(retired, original)  # the swap never committed: the part is still the loaded copy
        else:
            retired.unlink()  # the swap committed: a compacted file holds these rows
        done.append(_rel(data_dir, original))
    for pending in _lake_glob(data_dir, f".*{PENDING}"):
        final = _visible(pending, PENDING)
        if _rel(data_dir, final) in recorded:
            _promote(pending, final)
        else:
            pending.unlink()
        done.append(_rel(data_dir, final))
    if done:
        log.warning("recovered from an interrupted write or compaction: %s", ", ".join(done))
    return done


def checkpoint_warehouse(db_path: Path, *, wait: float = 10.0) -> tuple[int, int]:
    """Refresh statistics and checkpoint the DuckDB file; returns its size before and after."""
    if not db_path.exists():
        return 0, 0
    before = db_path.stat().st_size
    with connect(db_path, wait=wait) as con:
        con.execute("vacuum analyze")
        con.execute("checkpoint")
    return before, db_path.stat().st_size


def _write_merged(parts: list[Path], out: Path, table: str) -> int:
    """Concatenate parts into `out`, durably; returns the rows written."""
    rows = merge_files(parts, out, table)
    with open(out, "rb") as fh:
        os.fsync(fh.fileno())
    return rows


def _swap_records(con: duckdb.DuckDBPyConnection, parts: list[str], final: str, table: str, rows: int) -> None:
    """In one transaction: forget the parts' load records and record the compacted file."""
    con.execute("begin")
    try:
        con.execute(sql("lake_files_forget"), {"paths": parts})
        con.execute(sql("lake_files_record"), {"path": final, "lake_table": table, "rows": rows})
        con.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # fails harmlessly when the commit went through
            con.execute("rollback")
        raise


def _retire(part: Path) -> Path:
    hidden = _hidden(part, RETIRED)
    os.replace(part, hidden)
    return hidden


def _promote(pending: Path, final: Path) -> None:
    os.replace(pending, final)
    fsync_path(final.parent)


def _hidden(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}{suffix}")


def _visible(path: Path, suffix: str) -> Path:
    return path.with_name(path.name[1 : -len(suffix)])


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's renames, to disk before the next step depends on them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _recorded(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {path: int(rows) for path, _table, rows in con.execute(sql("lake_files_recorded")).fetchall()}


def _rel(data_dir: Path, path: Path) -> str:
    return path.relative_to(data_dir).as_posix()


def _lake_glob(data_dir: Path, pattern: str) -> list[Path]:
    return sorted((data_dir / "lake").glob(f"*/date=*/{pattern}"))


def _partitions(data_dir: Path, before: str | None) -> Iterator[tuple[str, Path]]:
    """(table, partition folder) of days before `before`, parents first."""
    for table in TABLES:
        for part_dir in sorted((data_dir / "lake" / table).glob("date=*")):
            if part_dir.is_dir() and (before is None or part_dir.name.removeprefix("date=") < before):
                yield table, part_dir
