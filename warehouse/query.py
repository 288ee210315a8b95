"""Read-only SQL over the warehouse on short-lived, sealed connections, and its result formats."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.db import WarehouseLocked, connect

# Statement kinds that only read. Everything else is refused before any lock is taken; the engine
# would refuse most of it anyway (read-only file, no file system), this gives a clear message and
# makes a script all-or-nothing. MULTI is PIVOT, which runs two reading queries.
_READING = {"SELECT", "EXPLAIN", "PRAGMA", "CALL", "MULTI"}

_HINTS = {
    "COPY": "to save a result use --output FILE (.parquet, .csv, .json, .md)",
    "EXPORT": "to save a result use --output FILE (.parquet, .csv, .json, .md)",
    "ATTACH": "to combine other databases, open them in the DuckDB CLI (see `newsflow sql --help`)",
    "SET": "settings are fixed here; each statement runs on a fresh connection",
    "CREATE": "views belong in warehouse/views/; each statement runs on a fresh connection",
    "LOAD": "extensions are neither installed nor loaded here",
}


class QueryError(Exception):
    """A statement the warehouse refused or could not run; the message says why."""


@dataclass
class Result:
    """One statement's rows and how long it took."""

    statement: str
    table: pa.Table
    seconds: float  # run and fetch
    lock_seconds: float  # from opening the warehouse to closing it (includes any wait for a load)


def statements(sql: str) -> list[str]:
    """The statements of sql, refusing the whole text if any of them would write."""
    parser = duckdb.connect()  # an in-memory database: parsing needs no lock on the warehouse
    try:
        parsed = parser.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc
    finally:
        parser.close()
    for statement in parsed:
        kind = statement.type.name
        if kind not in _READING:
            hint = _HINTS.get(kind, "newsflow sql only runs queries")
            raise QueryError(f"newsflow sql is read-only: {kind.replace('_', ' ')} statements are refused "
                             f"and nothing was run ({hint})")
    return [statement.query for statement in parsed]


# Read-only mode still lets a connection write elsewhere: DuckDB 2.0 accepts ATTACH of another file
# with READ_ONLY false, COPY ... TO any path (the lake included) and EXPORT DATABASE. No file access
# at all closes those, and it is set as the database opens, so no statement ever runs without it.
# The options also keep this database instance apart from any plain connection in the same process.
_SEALED = {"enable_external_access": False}


@contextmanager
def read_only(path: Path, *, wait: float = 30.0, on_wait: Callable[[], None] | None = None,
              progress: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A sealed read-only connection, waiting up to `wait` seconds for a load in progress."""
    try:
        with connect(path, read_only=True, wait=wait, on_wait=on_wait, config=_SEALED) as con:
            con.execute(f"set enable_progress_bar = {str(progress).lower()}")  # only for a person watching
            con.execute("set lock_configuration = true")  # and nothing else can be changed back
            yield con
    except WarehouseLocked as exc:
        raise QueryError(f"the warehouse {path} is busy: a load (or another read-write client) has held "
                         f"it for over {wait:g} s; try again in a moment, or raise --wait") from exc
    except duckdb.ConnectionException as exc:  # this process holds the file with other options
        raise QueryError(str(exc)) from exc


def run(path: Path, sql: str, params: dict[str, Any] | None = None, *, wait: float = 30.0,
        on_wait: Callable[[], None] | None = None, progress: bool = False) -> list[Result]:
    """Run the statements of sql on one fresh read-only connection, closed before this returns."""
    texts = statements(sql)
    if not texts:
        return []
    results = []
    opened = time.perf_counter()
    with read_only(path, wait=wait, on_wait=on_wait, progress=progress) as con:
        for text in texts:
            started = time.perf_counter()
            results.append(Result(text, _fetch(con, text, params), time.perf_counter() - started, 0.0))
    held = time.perf_counter() - opened
    for result in results:
        result.lock_seconds = held
    return results


def _fetch(con: duckdb.DuckDBPyConnection, text: str, params: dict[str, Any] | None) -> pa.Table:
    """All rows of one statement, with DuckDB's message (made friendlier where we can) on failure."""
    try:
        relation = con.sql(text, params=params)
        return relation.to_arrow_table() if relation is not None else pa.table({})
    except duckdb.PermissionException as exc:
        raise QueryError(
            f"{exc}\nnewsflow sql reads only the warehouse tables and views; files (including the "
            f"Parquet lake) are off limits here: query them with the DuckDB CLI or Python instead"
        ) from exc
    except duckdb.Error as exc:
        text = str(exc)
        if "read-only mode" in text:
            text = f"newsflow sql is read-only: {text}"
        raise QueryError(text) from exc


def timed_open(path: Path, wait: float = 30.0) -> float:
    """Seconds to open and close a sealed read-only connection: the floor of every statement's lock."""
    started = time.perf_counter()
    with read_only(path, wait=wait):
        pass
    return time.perf_counter() - started



# ---------------------------------------------------------------- formats

FORMATS = ("table", "csv", "json", "markdown", "parquet")
_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json",
             ".ndjson": "json", ".md": "markdown", ".txt": "table"}
_CELL_WIDTH = 40  # table cells are cut here so one long text cannot push every other column away


def format_for(path: Path, explicit: str | None) -> str:
    """The format to write path in: the one asked for, else the one its suffix names."""
    fmt = explicit or _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path.name} from its suffix: add --format "
                         f"({', '.join(FORMATS)})")
    return fmt


def write(table: pa.Table, fmt: str, out: TextIO, max_rows: int = 0) -> None:
    """Write a result as text; max_rows > 0 cuts table and markdown output with a note."""
    if fmt == "csv":
        _csv(table, out)
    elif fmt == "json":
        for row in table.to_pylist():
            out.write(json.dumps(row, ensure_ascii=False, default=_jsonable) + "\n")
    elif fmt == "table" and table.column_names == ["explain_key", "explain_value"]:
        for plan in table.column("explain_value").to_pylist():  # EXPLAIN's drawing, as drawn
            out.write(f"{plan}\n")
    elif fmt in ("table", "markdown"):
        shown = table.slice(0, max_rows) if max_rows > 0 else table
        (_markdown if fmt == "markdown" else _box)(shown, out)
        if fmt == "table" or shown.num_rows < table.num_rows:
            out.write(_footer(table.num_rows, shown.num_rows) + "\n")
    else:
        raise ValueError(f"{fmt} cannot be written as text: use --output FILE.{fmt}")


def save(table: pa.Table, path: Path, fmt: str) -> None:
    """Write a whole result to a file (Parquet keeps the column types)."""
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        write(table, fmt, fh)


def _footer(total: int, shown: int) -> str:
    rows = f"{total:,} row{'s' if total != 1 else ''}"
    return rows if shown == total else f"{rows}, {shown:,} shown (--max-rows 0 shows all)"


def _jsonable(value: Any) -> Any:
    """JSON for values the json module does not know: times as ISO 8601, decimals as numbers."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)  # timedelta, UUID, intervals


def _text(value: Any) -> str:
    """A value as one line of text; nested values as JSON."""
    if value is None:
        return "NULL"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=_jsonable)
    return str(value).replace("\n", " ")


def _csv(table: pa.Table, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in _values(table):
        writer.writerow("" if v is None else _text(v) for v in row)


def _values(table: pa.Table) -> list[tuple[Any, ...]]:
    """Rows as tuples, by position (result columns may share a name)."""
    return list(zip(*(c.to_pylist() for c in table.columns), strict=True))


def _rows(table: pa.Table) -> list[list[str]]:
    return [[_text(v) for v in row] for row in _values(table)]


def _numeric(table: pa.Table) -> list[bool]:
    return [pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
            for f in table.schema]


def _box(table: pa.Table, out: TextIO) -> None:
    """A boxed table; numbers right-aligned, long cells cut with an ellipsis."""
    rows = [[c if len(c) <= _CELL_WIDTH else c[: _CELL_WIDTH - 1] + "…" for c in r] for r in _rows(table)]
    names, numeric = table.column_names, _numeric(table)
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]

    def line(cells: Sequence[str], align: Sequence[bool]) -> str:
        return "│ " + " │ ".join(c.rjust(w) if a else c.ljust(w)
                                 for c, w, a in zip(cells, widths, align, strict=True)) + " │\n"
    rule = "─┼─".join("─" * w for w in widths)
    out.write("┌─" + rule.replace("┼", "┬") + "─┐\n")
    out.write(line(names, [False] * len(names)))
    out.write("├─" + rule + "─┤\n")
    for row in rows:
        out.write(line(row, numeric))
    out.write("└─" + rule.replace("┼", "┴") + "─┘\n")


def _markdown(table: pa.Table, out: TextIO) -> None:
    """A GitHub-flavoured Markdown table (pipes in values escaped)."""
    def cells(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |\n"
    out.write(cells(table.column_names))
    out.write("|" + "|".join("---:" if n else "---" for n in _numeric(table)) + "|\n")
    for row in _rows(table):
        out.write(cells(row))
