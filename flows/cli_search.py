"""`newsflow search`: keyword search with attention over time, per outlet or country, or the articles."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.cli import EXIT_ERROR, EXIT_OK, UserError, country_arg, day_arg, language_arg, settings_from

LANGUAGE = """\
query language:
  words          match whole words, ignoring case and accents: munchen finds "München"; a word is
                 a run of letters and digits, anything else separates words
  word*          words starting with word: climat* finds climate, climatic (inside quotes, * is
                 punctuation; climate-chang* is a phrase ending in a prefix)
  "a phrase"     consecutive words; punctuation between them does not matter, so
                 "climate change" also finds "climate-change" (so does climate-change unquoted)
  a AND b, a b   both (adjacent terms mean AND)
  a OR b         either
  NOT a, -a      not a
  ( )            grouping; NOT binds tighter than AND, AND tighter than OR
  Operators are upper case (and, or, not are words). A document is the article's title and text.

examples:
  newsflow search '"border wall" AND (Mexico OR Guatemala)' --by week
  newsflow search 'climat* -sport' --since 2026-01-01 --country MX --format csv
  newsflow search 'munchen OR münchen' --by outlet
  newsflow search '"prime minister" NOT (cricket OR football)' --list 20
  newsflow search 'wildfire*' --html wildfires.html

output: per period (or outlet, country): matches, total (all articles in that period within the
filters) and share = matches / total; days are the articles' UTC publish days (fetch day when
unknown). The index is kept in step by every load and rebuilt by `newsflow rebuild`; searching
opens the warehouse read-only, one query at a time, and never blocks ingestion.
"""


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the `search` subcommand."""
    p = add("search", cmd_search, "keyword search: matching articles over time, per outlet or country")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = LANGUAGE
    p.add_argument("query", nargs="+", metavar="QUERY", help="the query (several arguments are joined by spaces)")
    p.add_argument("--since", type=day_arg, metavar="DATE", help="first day counted (YYYY-MM-DD)")
    p.add_argument("--until", type=day_arg, metavar="DATE", help="last day counted (YYYY-MM-DD)")
    p.add_argument("--source", action="append", default=[], metavar="ID", help="only this outlet (repeatable)")
    p.add_argument("--country", type=country_arg, metavar="CC",
                   help="only articles tagged with this country")
    p.add_argument("--topic", type=_topic, metavar="CODE",
                   help="only articles with this IPTC topic (medtop:11000000 or 11000000)")
    p.add_argument("--language", type=language_arg, metavar="LL",
                   help="only articles in this language (ISO 639-1)")
    p.add_argument("--by", choices=("auto", "day", "week", "month", "outlet", "country"), default="auto",
                   help="count per day, week, month, outlet or country; auto (default): per day up to 92 days, "
                        "per week up to two years, else per month")
    p.add_argument("--list", type=_positive, metavar="N", help="the N newest matching articles instead of counts")
    p.add_argument("--format", "-f", choices=("table", "csv", "json", "markdown"), default="table",
                   help="table (default, with sparklines), csv, json (one object per line), markdown")
    p.add_argument("--html", type=Path, metavar="FILE", help="write a page with the attention chart and top outlets")
    p.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                   help="how long to wait for a load in progress (default 30)")


def _topic(text: str) -> str:
    code = text.removeprefix("medtop:")
    if not (code.isdigit() and len(code) == 8):
        raise argparse.ArgumentTypeError(f"'{text}' is not an IPTC Media Topic code (medtop:11000000)")
    return f"medtop:{code}"


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return int(text)


def _filters(args: argparse.Namespace) -> str:
    """The filters given, as 'since 2026-01-01; country MX', or ''."""
    parts = [f"{name} {value}" for name, value in (("since", args.since), ("until", args.until),
             ("country", args.country), ("topic", args.topic), ("language", args.language)) if value]
    if args.source:
        parts.append("outlets " + ", ".join(args.source))
    return "; ".join(parts)


def _scope(args: argparse.Namespace, by: str) -> str:
    filters = _filters(args)
    return "All articles" + (f" ({filters})" if filters else "") + f", per {by}."


def _say_if_empty(table: Any, args: argparse.Namespace) -> None:
    """One line on stderr when nothing matched, naming the filters; csv and json stay machine-readable."""
    filters = _filters(args)
    given = f" ({filters})" if filters else ""
    if not table.num_rows and not args.list:
        print(f"newsflow: no articles pass the filters{given}", file=sys.stderr)
    elif not table.num_rows or ("matches" in table.column_names and not any(table.column("matches").to_pylist())):
        print(f"newsflow: no article matches the query{given}", file=sys.stderr)


def cmd_search(args: argparse.Namespace) -> int:
    """Run the search and print (or write) its result."""
    from warehouse.query import QueryError
    from warehouse.search import Filters, SearchError, search
    from warehouse.search_query import QueryError as BadQuery
    from warehouse.search_query import parse

    settings = settings_from(args)
    db = settings.warehouse_path
    query = " ".join(args.query)
    try:
        node = parse(query)
    except BadQuery as exc:
        raise UserError(f"bad query: {exc}") from exc
    if args.html and (args.by in ("outlet", "country") or args.list):
        raise UserError("--html draws attention over time: use it with --by auto, day, week or month, without --list")
    if not db.exists():
        raise UserError(f"no warehouse at {db}: run `newsflow ingest` first")
    filters = Filters(args.since, args.until, args.source, args.country, args.topic, args.language)
    try:
        result = search(db, node, filters, by=args.by, limit=args.list, wait=args.wait)
        outlets = search(db, node, filters, by="outlet", wait=args.wait) if args.html else None
    except SearchError as exc:
        raise UserError(str(exc)) from exc
    except QueryError as exc:
        raise UserError(str(exc), EXIT_ERROR) from exc
    if result.unindexed:
        print(f"newsflow: {result.unindexed:,} articles not yet in the search index were matched one by one "
              f"(the next load indexes them)", file=sys.stderr)
    if outlets is not None:
        _html(args, query, result.table, outlets.table, result.by)
    else:
        _print(result.table, args)
    _say_if_empty(result.table, args)
    return EXIT_OK


def _html(args: argparse.Namespace, query: str, periods: Any, outlets: Any, by: str) -> None:
    from warehouse.search_html import render_search_html

    try:
        args.html.write_text(render_search_html(query, _scope(args, by), periods, outlets, by), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {args.html}: {exc.strerror or exc}") from exc
    print(f"newsflow: search page written to {args.html}", file=sys.stderr)


def _print(table: Any, args: argparse.Namespace) -> None:
    """The rows in the chosen format; in a table of periods, sparklines of matches and share below."""
    from warehouse.query import write
    from warehouse.report_text import sparkline

    write(table, args.format, sys.stdout)
    if args.format == "table" and "period" in table.column_names and table.num_rows > 1:
        matches = [float(v) for v in table.column("matches").to_pylist()]
        shares = [float(v or 0) for v in table.column("share").to_pylist()]
        width = min(60, table.num_rows)
        print(f"matches {sparkline(matches, width)}  max {int(max(matches)):,}")
        print(f"share   {sparkline(shares, width)}  max {max(shares) * 100:.2f} %")
    sys.stdout.flush()
