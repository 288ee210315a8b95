"""`newsflow sql`: read-only SQL over the warehouse, one query or an interactive shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The same names as warehouse.query.FORMATS (a test checks); not imported, so that building the
# parser for any newsflow command does not load DuckDB and Arrow.
FORMATS = ("table", "csv", "json", "markdown", "parquet")

EPILOG = """\
The warehouse is opened read-only for each statement and closed as soon as its rows are fetched,
so an open shell never blocks ingestion; a statement that meets a load in progress waits for it
(--wait). Writes (DROP, DELETE, INSERT, UPDATE, CREATE, ATTACH, COPY, ...) are refused.

Other tools lock the file for as long as they keep it open, and a load waits only a few seconds
(NEWSFLOW_LOCK_WAIT) before leaving its files for the next run. Query safely from them with:
  duckdb -readonly data/warehouse.duckdb              DuckDB CLI: quit it when done
  duckdb.connect("data/warehouse.duckdb", read_only=True)   Python: close it after each query
  duckdb -c "from read_parquet('data/lake/articles/**/*.parquet', hive_partitioning = true)"
                                                      the Parquet lake itself: no lock at all
"""


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the `sql` subcommand."""
    p = add("sql", cmd_sql, "read-only SQL over the warehouse; without QUERY, an interactive shell")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("query", nargs="?", metavar="QUERY", help="SQL to run (several statements: ; between)")
    p.add_argument("--format", "-f", choices=FORMATS,
                   help="table (default), csv, json (one object per line), markdown, parquet (--output)")
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help="write the result to FILE; .parquet, .csv, .json, .md pick the format")
    p.add_argument("--max-rows", type=int, default=100, metavar="N",
                   help="rows shown by table and markdown output on the terminal (0: all; default 100)")
    p.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                   help="how long a query waits for a load in progress (default 30)")


def cmd_sql(args: argparse.Namespace) -> int:
    """Run QUERY, or open the shell when there is none."""
    from flows.cli import UserError, settings_from

    settings = settings_from(args)
    db = settings.warehouse_path
    if not db.exists():
        raise UserError(f"no warehouse at {db}: run `newsflow ingest` first")
    if args.format == "parquet" and not args.output:
        raise UserError("--format parquet needs --output FILE")
    if args.query is None:
        if args.output:
            raise UserError("--output needs a QUERY")
        from flows.sql_shell import Shell

        shell = Shell(db, settings.data_dir / ".sql_history", fmt=args.format or "table",
                      max_rows=args.max_rows, wait=args.wait)
        return shell.run()
    return _one_shot(db, args)


def _one_shot(db: Path, args: argparse.Namespace) -> int:
    """Run every statement of QUERY and print, or save, the results."""
    from flows.cli import EXIT_ERROR, EXIT_OK, UserError
    from warehouse.query import QueryError, format_for, run, save, write

    try:
        results = run(db, args.query, wait=args.wait, on_wait=note_wait,
                      progress=sys.stdout.isatty())
    except QueryError as exc:
        raise UserError(str(exc), EXIT_ERROR) from exc
    if args.output is not None:
        if len(results) != 1:
            raise UserError(f"--output takes one statement, QUERY has {len(results)}")
        try:
            fmt = format_for(args.output, args.format)
            save(results[0].table, args.output, fmt)
        except (ValueError, OSError) as exc:
            raise UserError(f"cannot write {args.output}: {exc}") from exc
        print(f"newsflow: wrote {results[0].table.num_rows:,} rows to {args.output}", file=sys.stderr)
        return EXIT_OK
    for result in results:  # a reader that stops early (`| head`) is flows/cli.main's to handle
        if result.table.num_columns:
            write(result.table, args.format or "table", sys.stdout, args.max_rows)
    sys.stdout.flush()
    return EXIT_OK


def note_wait() -> None:
    """Say why nothing happens yet."""
    print("newsflow: the warehouse is being loaded; waiting for the load to finish…",
          file=sys.stderr, flush=True)
