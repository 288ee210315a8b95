"""`newsflow sources`: every source's health from the warehouse, problems first."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.cli import EXIT_ERROR, EXIT_OK, UserError, settings_from

FORMATS = ("table", "csv", "json", "markdown")
# The table keeps to what fits a terminal; csv, json and markdown carry every column of the view.
TABLE_COLUMNS = ("source_id", "status", "consecutive_failures", "last_success_at", "last_article_at",
                 "new_1d", "new_7d", "new_28d", "typical_per_day", "last_error", "suggested_url")
ERROR_WIDTH = 60


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the sources subcommand."""
    p = add("sources", cmd_sources,
            "source health: which outlets fail, went silent, are new or are fine, problems first")
    p.add_argument("--format", "-f", choices=FORMATS, default="table", help="output format (default table)")
    p.add_argument("--now", type=_instant, help="judge as of this ISO 8601 time instead of now (UTC if no offset)")


def _instant(text: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO 8601 time, e.g. 2026-05-01T12:00") from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def cmd_sources(args: argparse.Namespace) -> int:
    """Print the source_health view."""
    settings = settings_from(args)
    rows = health_table(settings.warehouse_path, args.now or datetime.now(UTC), settings.lock_wait)
    from warehouse.query import write

    if rows.num_rows == 0 and args.format == "table":
        print("newsflow: no sources in the warehouse yet: run `newsflow ingest`", file=sys.stderr)
        return EXIT_OK
    if args.format == "table":
        import pyarrow as pa

        rows = pa.Table.from_pylist([{k: _cell(v) for k, v in row.items()}
                                     for row in rows.select(list(TABLE_COLUMNS)).to_pylist()])
    write(rows, args.format, sys.stdout)
    return EXIT_OK


def _cell(value: Any) -> Any:
    """Times to the minute in UTC, long errors cut, for the terminal table."""
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M}"
    if isinstance(value, str) and len(value) > ERROR_WIDTH:
        return value[: ERROR_WIDTH - 1] + "…"
    return value


def health_table(path: Path, now: datetime, wait: float):  # type: ignore[no-untyped-def]
    """The view's rows at `now` as an Arrow table, or a UserError saying what to do."""
    from warehouse.db import sql
    from warehouse.query import QueryError, read_only

    if not path.exists():
        raise UserError(f"no warehouse at {path}: run `newsflow ingest` first (or pass --data-dir)")
    try:
        with read_only(path, wait=wait) as con:
            return con.sql(sql("source_health"), params={"as_of": now}).to_arrow_table()
    except QueryError as exc:
        raise UserError(str(exc), EXIT_ERROR) from exc
    except Exception as exc:  # duckdb.CatalogException: the view is made by a load of this version
        if "source_health" in str(exc):
            raise UserError(f"the warehouse {path} has no source_health yet: run `newsflow ingest` "
                            "(every load creates it)") from exc
        raise



def print_attention(rows: list[dict[str, Any]], console: Any) -> None:
    """The report's attention table in the terminal (one line when every source is fine)."""
    from rich.table import Table

    from warehouse.report_health import HEAD, cells

    if not rows:
        console.print("[bold]Sources that need attention[/]: none (`newsflow sources` lists them all)")
        return
    table = Table(title="Sources that need attention", title_justify="left", title_style="bold")
    for col in HEAD:
        table.add_column(col, justify="right" if col == "failed runs" else "left")
    for row in rows:
        table.add_row(*cells(row), style="red" if row["status"] == "failing" else None)
    table.caption = "failing: the last runs could read no feed; silent: no new article for far longer than usual"
    console.print(table)
