"""Plain-text pieces of the coverage report: sparklines, percentages, the markdown headline."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.db import WarehouseLocked, connect, sql
from warehouse.report import LanguageRow, Report, ReportError, build_report

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 30) -> str:
    """Unicode block sparkline scaled to the series' own maximum (its shape, not its level)."""
    if len(values) > width:  # long periods: average consecutive days so the line stays short
        step = len(values) / width
        values = [_mean(values[round(i * step) : round((i + 1) * step)]) for i in range(width)]
    top = max(values, default=0.0)
    if top <= 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[round(v / top * (len(BLOCKS) - 1))] for v in values)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def percent(share: float | None, digits: int = 1) -> str:
    """A share as a percentage, or a dash when it is unknown."""
    return "–" if share is None else f"{share * 100:.{digits}f} %"


def named(name: str, code: str) -> str:
    """ "Mexico (MX)", or just the code when the dimension table has no name for it."""
    return code if name == code else f"{name} ({code})"


def language_mix(rows: list[LanguageRow], top: int = 5) -> str:
    """ "en 81.0 % · es 19.0 %": an outlet's languages by share, the rarest summed up."""
    parts = [f"{r.language} {percent(r.share)}" for r in rows[:top]]
    if len(rows) > top:
        parts.append(f"{len(rows) - top} more {percent(sum(r.share for r in rows[top:]))}")
    return " · ".join(parts)


def scope_line(report: Report) -> str:
    """What the report covers, in one line."""
    p = report.period
    days, outlets = len(p.days), report.outlets
    text = (
        f"{p.first} to {p.last} ({days} day{'s' if days > 1 else ''}, UTC): "
        f"{report.articles:,} articles from {outlets} outlet{'s' if outlets != 1 else ''}"
    )
    if report.source:
        text += f" (outlet {report.source})"
    if report.country:
        share = report.focus_articles / report.articles if report.articles else 0.0
        text += f"; {report.focus_articles:,} mention {report.country} ({percent(share)})"
    return text


def headline_markdown(
    source: duckdb.DuckDBPyConnection | Path | str, run_id: str | None = None, days: int = 7
) -> str:
    """The report's headline figures as markdown (a Prefect artifact); never raises."""
    if isinstance(source, Path | str):
        try:
            with connect(Path(source), read_only=True, wait=2.0) as con:
                return headline_markdown(con, run_id, days)
        except (FileNotFoundError, WarehouseLocked, duckdb.Error) as exc:
            return f"# newsflow coverage\n\nCoverage figures unavailable: {exc}\n"
    try:
        report = build_report(source, days=days, top=5)
        added = None
        if run_id is not None:
            added = source.execute(sql("report_run_articles"), {"run_id": run_id}).fetchall()[0][0]
    except (ReportError, duckdb.Error) as exc:
        return f"# newsflow coverage\n\n{exc}\n"
    lines = [f"# newsflow coverage, last {days} days", "", f"- {scope_line(report)}"]
    if added is not None:
        lines.append(f"- this run ({run_id}) added **{added:,}** articles")
    return "\n".join(lines + _markdown_tables(report)) + "\n"


def _markdown_tables(report: Report) -> list[str]:
    """Top countries, top topics and spikes as markdown."""
    lines = [
        "",
        "## Top countries",
        "",
        "| country | articles | share | trend |",
        "|---|---:|---:|---|",
    ]
    lines += [
        f"| {named(c.name, c.code)} | {c.articles:,} | {percent(c.share)} | {sparkline(c.trend)} |"
        for c in report.countries
    ] or ["| none yet | 0 | – | |"]
    lines += ["", "## Top topics", "", "| topic | articles | share |", "|---|---:|---:|"]
    lines += [f"| {t.name} | {t.articles:,} | {percent(t.share)} |" for t in report.topics] or [
        "| none yet | 0 | – |"
    ]
    lines += ["", "## Attention spikes", ""]
    lines += [
        f"- {s.day}: {named(s.name, s.code)} {s.articles} articles, {s.ratio:.1f}x its 28-day "
        f"median ({s.baseline:g})"
        for s in report.spikes
    ] or ["- none in this period"]
    return lines
