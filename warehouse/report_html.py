"""The coverage report as one self-contained HTML page: inline CSS and SVG, no script."""

from __future__ import annotations

from html import escape

from warehouse.report import OutletRow, Report, languages_by_outlet
from warehouse.report_svg import bar_chart, heatmap, line_chart, paired_bars
from warehouse.report_text import language_mix, named, percent, scope_line

LINES = 5  # countries drawn in the daily-coverage chart
OUTLETS = 30  # outlets drawn in the profile chart

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;
background:#f8fafc;margin:0;padding:24px}
main{max-width:1240px;margin:auto}
h1{font-size:22px;margin:0 0 4px}
p.scope{margin:0 0 20px;color:#475569}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:18px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 16px;
overflow-x:auto}
section.wide{grid-column:1/-1}
h2{font-size:16px;margin:0 0 2px}
p.what{margin:0 0 10px;color:#64748b;font-size:12px}
svg.chart{display:block;height:auto;font-size:12px;fill:#1f2937}
svg .tick,svg .note{fill:#64748b;font-size:11px}
svg .value{font-size:10px}
svg .grid{stroke:#e2e8f0}
table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 10px;border-bottom:1px solid #e2e8f0;text-align:left}
.n{text-align:right;font-variant-numeric:tabular-nums}
p.empty{color:#64748b;font-style:italic}
footer{margin-top:18px;color:#64748b;font-size:12px}
"""


def _section(title: str, what: str, body: str, wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""
    return (
        f'<section{cls}><h2>{escape(title)}</h2><p class="what">{escape(what)}</p>{body}</section>'
    )


def _empty(text: str = "No data in this period.") -> str:
    return f'<p class="empty">{escape(text)}</p>'


def _table(head: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """An HTML table of already formatted values; columns in `numeric` are right-aligned."""

    def cells(tag: str, values: list[str]) -> str:
        return "".join(
            f"<{tag}{' class=n' if i in numeric else ''}>{escape(v)}</{tag}>"
            for i, v in enumerate(values)
        )

    return (
        "<table>"
        + f"<tr>{cells('th', head)}</tr>"
        + "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
        + "</table>"
    )


def _countries(r: Report) -> str:
    rows = [
        (named(c.name, c.code), c.share, f"{percent(c.share)} · {c.articles:,}")
        for c in r.countries
    ]
    chart = bar_chart("countries", rows, "Country coverage") if rows else _empty()
    whose = f"of the articles mentioning {r.country}" if r.country else "of all articles"
    return _section("Country coverage", f"Share {whose} that mention each country.", chart)


def _topics(r: Report) -> str:
    rows = [(t.name, t.share, f"{percent(t.share)} · {t.articles:,}") for t in r.topics]
    chart = bar_chart("topics", rows, "Topic coverage") if rows else _empty()
    return _section(
        "Topics", "Share of articles listing each topic (an article can list several).", chart
    )


def _lines(r: Report) -> str:
    series = [(c.name, c.trend) for c in r.countries[:LINES]]
    chart = line_chart("daily", series, r.period.days, "Daily coverage") if series else _empty()
    return _section(
        "Coverage over time", "Daily share of articles mentioning each of the top countries.", chart
    )


def _heatmap(r: Report) -> str:
    countries = [c.code for c in r.countries]
    topics = sorted({(cell.topic_code, cell.topic) for cell in r.heatmap})
    names = {c.code: named(c.name, c.code) for c in r.countries}
    cells = {}
    for cell in r.heatmap:
        i, j = countries.index(cell.country_code), topics.index((cell.topic_code, cell.topic))
        share = cell.articles / cell.country_articles
        cells[(i, j)] = (
            share,
            f"{names[cell.country_code]} × {cell.topic}: {cell.articles:,} of "
            f"{cell.country_articles:,} articles ({percent(share)})",
        )
    chart = (
        heatmap(
            "heatmap",
            [names[c] for c in countries],
            [t[1] for t in topics],
            cells,
            "Country by topic",
        )
        if cells
        else _empty()
    )
    return _section(
        "What countries are covered for",
        "Percent of each country's articles that list the topic (row by row).",
        chart,
        wide=True,
    )


def _outlet_table(r: Report, shown: list[OutletRow]) -> str:
    focus = [f"{r.country} share"] if r.country else []
    head = ["outlet", "home", "articles", *focus, "countries", "top countries"]
    rows = [
        [
            o.name,
            o.home or "?",
            f"{o.articles:,}",
            *([percent(o.focus_share)] if r.country else []),
            str(o.countries_covered),
            " ".join(o.top_countries),
        ]
        for o in shown
    ]
    return _table(head, rows, {2, 3, 4} if r.country else {2, 3})


def _outlets(r: Report) -> str:
    shown = r.outlet_rows[:OUTLETS]
    bars = [(f"{o.name} ({o.home or '?'})", o.home_share, o.foreign_share) for o in shown]
    chart = (
        paired_bars("outlets", bars, ("home", "foreign"), "Outlet profiles") if bars else _empty()
    )
    hidden = len(r.outlet_rows) - len(shown)
    more = f"<p class='what'>{hidden} more outlets not shown.</p>" if hidden else ""
    what = (
        "home: share of the outlet's articles mentioning its own country; foreign: share "
        "mentioning at least one other country (an article can count for both or neither)."
    )
    return _section("Outlet profiles", what, chart + _outlet_table(r, shown) + more, wide=True)


def _languages(r: Report) -> str:
    outlets = languages_by_outlet(r)[: OUTLETS + 1]  # all outlets, then the largest ones
    rows = [[name, f"{articles:,}", language_mix(langs)] for name, articles, langs in outlets]
    table = _table(["outlet", "articles", "languages"], rows, {1}) if rows else _empty()
    what = ("Share of each outlet's articles per language (ISO 639-1; und: could not be told), "
            "all outlets first.")
    return _section("Languages", what, table, wide=True)


def _spikes(r: Report) -> str:
    rows = [
        [str(s.day), named(s.name, s.code), str(s.articles), f"{s.baseline:g}", f"{s.ratio:.1f}×"]
        for s in r.spikes
    ]
    head = ["day", "country", "articles", "28-day median", "ratio"]
    table = _table(head, rows, {2, 3, 4}) if rows else _empty("No spikes in this period.")
    what = (
        "Days when a country's articles (all outlets) reached at least 3× its median of the 28 "
        "days before, and at least 5 articles."
    )
    return _section("Attention spikes", what, table)


def render_html(report: Report) -> str:
    """The whole report page."""
    title = "newsflow coverage report"
    sections = [
        _countries(report),
        _lines(report),
        _heatmap(report),
        _topics(report),
        _spikes(report),
        _outlets(report),
        _languages(report),
    ]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{title}</title><style>{CSS}</style></head>'
        f'<body><main><h1>{title}</h1><p class="scope">{escape(scope_line(report))}</p>'
        f'<div class="grid">{"".join(sections)}</div>'
        "<footer>Days are UTC publish dates (fetch date when unknown). Generated by newsflow from "
        "its DuckDB warehouse; this file needs no network.</footer></main></body></html>\n"
    )
