"""`newsflow report`: the coverage summary in the terminal, or as one self-contained HTML file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.cli import EXIT_ERROR, EXIT_NOTHING, EXIT_OK, UserError, country_arg, day_arg, settings_from

# Imported where used, so that building the parser for any newsflow command loads neither
# DuckDB nor rich (a quarter of a second).
if TYPE_CHECKING:
    from warehouse.report import Report


def register(sub: argparse._SubParsersAction, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the `report` subcommand."""
    p = add(
        "report",
        cmd_report,
        "coverage summary: top countries and topics, outlets, attention spikes",
    )
    p.add_argument(
        "--days",
        type=_positive,
        default=7,
        help="days covered, ending today or on the newest article day if older (default 7)",
    )
    p.add_argument("--until", type=day_arg, metavar="DATE",
                   help="end the period on this day (YYYY-MM-DD) instead, or on the newest article day if older")
    p.add_argument("--source", metavar="ID", help="only this outlet (its id in the sources file)")
    p.add_argument(
        "--country",
        metavar="CC",
        type=country_arg,
        help="focus on articles mentioning this country (ISO 3166-1 alpha-2, e.g. MX)",
    )
    p.add_argument(
        "--html",
        metavar="FILE",
        type=Path,
        help="write a self-contained HTML report with charts to FILE instead",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def cmd_report(args: argparse.Namespace) -> int:
    """Print the coverage report, or write it as HTML."""
    settings = settings_from(args)
    try:
        report, attention = load_report(settings.warehouse_path, args, settings.lock_wait)
    except OutdatedWarehouse:
        print("newsflow: the warehouse was last loaded by an older newsflow; bringing it up to date "
              "once (schema, article numbers, views) ...", file=sys.stderr)
        upgrade_warehouse(settings.data_dir, settings.warehouse_path, settings.lock_wait)
        report, attention = load_report(settings.warehouse_path, args, settings.lock_wait)
    if args.html is None:
        from rich.console import Console

        from flows.cli_sources import print_attention
        from flows.report_terminal import print_report

        # piped output (a file, a pager, a test) gets room for the outlet table, not 80 columns
        console = Console(width=None if sys.stdout.isatty() else 120)
        console.on_broken_pipe = _reader_left  # type: ignore[method-assign]  # rich would exit 1
        print_report(report, console)
        print_attention(attention, console)
        return EXIT_OK
    from warehouse.report_health import attention_html
    from warehouse.report_html import render_html

    page = render_html(report).replace("</div><footer>", attention_html(attention) + "</div><footer>", 1)
    try:
        args.html.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {args.html}: {exc.strerror or exc}") from exc
    print(f"newsflow: report written to {args.html}", file=sys.stderr)
    return EXIT_OK


def _reader_left() -> None:
    """`newsflow report | head`: end as every command does when its reader stops (flows/cli.main)."""
    raise BrokenPipeError


def load_report(path: Path, args: argparse.Namespace, wait: float) -> tuple[Report, list[dict[str, Any]]]:
    """The report's figures and the sources needing attention, read over one read-only connection
    (a second one would read the same articles again); problems become one-line errors."""
    import duckdb

    from warehouse.db import WarehouseLocked, connect
    from warehouse.health import health_or_none
    from warehouse.report import NoArticles, ReportError, build_report
    from warehouse.report_health import needs_attention

    if not path.exists():
        raise UserError(f"no warehouse at {path}: run `newsflow ingest` first (or pass --data-dir)")
    top = 15 if args.html else 10
    try:
        with connect(path, read_only=True, wait=wait) as con:
            report = build_report(
                con, days=args.days, source=args.source, country=args.country, today=args.until, top=top
            )
            return report, needs_attention(health_or_none(con, datetime.now(UTC)), args.source)
    except NoArticles as exc:
        raise UserError(str(exc), EXIT_NOTHING) from exc
    except ReportError as exc:
        raise UserError(str(exc)) from exc
    except WarehouseLocked as exc:
        raise UserError(
            f"the warehouse {path} is being written by another process (an ingestion run?); "
            "try again in a moment",
            EXIT_ERROR,
        ) from exc
    except duckdb.CatalogException as exc:
        raise UserError(
            f"the warehouse {path} has no analytics views yet: run `newsflow ingest` "
            "(every load creates them)"
        ) from exc
    except duckdb.BinderException as exc:
        if "article_no" not in str(exc):
            raise
        raise OutdatedWarehouse(str(path)) from exc  # loaded by a version without article numbers


class OutdatedWarehouse(Exception):
    """The warehouse's schema or views predate this version: a load with no new files updates them."""


def upgrade_warehouse(data_dir: Path, path: Path, wait: float) -> None:
    """Migrate, number and re-create the views as every load does, loading no lake file."""
    from warehouse.db import WarehouseLocked
    from warehouse.load import load_files

    try:
        load_files(data_dir, path, [], wait=wait)
    except WarehouseLocked as exc:
        raise UserError(f"the warehouse {path} is being written by another process (an ingestion run?); "
                        "try again in a moment", EXIT_ERROR) from exc
