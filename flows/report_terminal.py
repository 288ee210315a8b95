"""The coverage report in the terminal, as rich tables with sparklines."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from warehouse.report import Report, languages_by_outlet
from warehouse.report_text import language_mix, named, percent, scope_line, sparkline

OUTLET_ROWS = 12
TOP_SUBTOPICS = 8
TEXT_COLUMNS = {"country", "topic", "within", "outlet", "day", "trend", "top countries", "languages"}
SPIKE_RULE = ">= 3x the median of the 28 days before, >= 5 articles"


def print_report(report: Report, console: Console) -> None:
    """The report as rich tables."""
    console.print(f"[bold]newsflow coverage[/] {scope_line(report)}", highlight=False)
    if report.span:  # an empty period: say where the articles are (--until and --days move it)
        first, last = report.span
        console.print(f"no articles in this period; the warehouse's are from {first} to {last} "
                      "(--until and --days choose the period)", highlight=False)
    if report.country:
        step = {"day": "daily", "week": "weekly", "month": "monthly"}[report.period.bucket]
        console.print(f"{step} share mentioning {report.country}: {sparkline(report.focus_trend)}")
    for table in (_countries(report), _topics(report), _outlets(report), _languages(report), _spikes(report)):
        console.print(table)


def _table(title: str, *columns: str) -> Table:
    """A table with text columns left-aligned and figures right-aligned."""
    table = Table(title=title, title_justify="left", title_style="bold")
    for col in columns:
        table.add_column(col, justify="left" if col in TEXT_COLUMNS else "right")
    return table


def _countries(report: Report) -> Table:
    title = f"Countries mentioned with {report.country}" if report.country else "Top countries"
    table = _table(title, "country", "articles", "stories", "share", "trend")
    for c in report.countries:
        table.add_row(
            named(c.name, c.code), f"{c.articles:,}", f"{c.stories:,}", percent(c.share), sparkline(c.trend)
        )
    if not report.countries:
        table.caption = "none in this period"
    return table


def _topics(report: Report) -> Table:
    title = f"Topics of articles mentioning {report.country}" if report.country else "Top topics"
    table = _table(title, "topic", "within", "articles", "stories", "share")
    for t in report.topics:
        table.add_row(t.name, "", f"{t.articles:,}", f"{t.stories:,}", percent(t.share))
    if report.subtopics:
        table.add_section()  # second-level topics apart, each naming its top-level topic
    for t in report.subtopics[:TOP_SUBTOPICS]:
        table.add_row(t.name, t.parent or t.parent_code or "?", f"{t.articles:,}", f"{t.stories:,}",
                      percent(t.share))
    if not report.topics:
        table.caption = "none in this period"
    return table


def _outlets(report: Report) -> Table:
    focus = [f"{report.country} share"] if report.country else []
    table = _table(
        "Outlets (home = own country mentioned, foreign = another country mentioned, "
        "syndicated = joined a story first seen in another outlet)",
        "outlet",
        "home",
        "articles",
        "stories",
        "syndicated",
        *focus,
        "home",
        "foreign",
        "countries",
        "top countries",
    )
    for o in report.outlet_rows[:OUTLET_ROWS]:
        shares = [percent(o.focus_share)] if report.country else []
        table.add_row(
            o.name,
            o.home or "?",
            f"{o.articles:,}",
            f"{o.stories:,}",
            percent(o.syndicated_share),
            *shares,
            percent(o.home_share),
            percent(o.foreign_share),
            str(o.countries_covered),
            " ".join(o.top_countries),
        )
    if len(report.outlet_rows) > OUTLET_ROWS:
        table.caption = (
            f"{len(report.outlet_rows) - OUTLET_ROWS} more outlets: see --html or --source ID"
        )
    return table


def _languages(report: Report) -> Table:
    table = _table("Languages (share of each outlet's articles)", "outlet", "articles", "languages")
    outlets = languages_by_outlet(report)
    for name, articles, rows in outlets[: OUTLET_ROWS + 1]:  # all outlets, then the largest ones
        table.add_row(name, f"{articles:,}", language_mix(rows))
    if len(outlets) > OUTLET_ROWS + 1:
        table.caption = f"{len(outlets) - OUTLET_ROWS - 1} more outlets: see --html or --source ID"
    return table


def _spikes(report: Report) -> Table | str:
    if not report.spikes:
        return f"[bold]Attention spikes[/] ({SPIKE_RULE}): none in this period"
    table = _table(
        "Attention spikes (all outlets)", "day", "country", "articles", "baseline", "ratio"
    )
    table.caption = SPIKE_RULE
    for s in report.spikes:
        table.add_row(
            str(s.day), named(s.name, s.code), str(s.articles), f"{s.baseline:g}", f"{s.ratio:.1f}x"
        )
    return table
