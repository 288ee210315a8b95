"""Human-readable run summaries: the per-source table and the coverage headline."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb

from tasks.run import RunSummary
from warehouse.db import WarehouseLocked, connect, sql

log = logging.getLogger(__name__)

COLUMNS = ("source", "discovered", "known", "fetched", "new", "skipped", "failed", "listings", "first error")


def summary_rows(summary: RunSummary) -> list[dict[str, Any]]:
    """One row per source: discovered, fetched, new, skipped, failed."""
    rows = []
    for r in summary.sources:
        listings = f"{r.feeds_ok} ok, {r.feeds_not_modified} unchanged, {r.feeds_failed} failed"
        values = (r.source_id, r.discovered, r.known, r.fetched, r.new, r.skipped, r.failed, listings,
                  r.errors[0] if r.errors else "")
        rows.append(dict(zip(COLUMNS, values, strict=True)))
    return rows


def top_coverage(warehouse: Path, run_id: str, n: int = 10) -> tuple[list[tuple], list[tuple]]:
    """The run's most covered countries and topics, read from the warehouse."""
    try:
        with connect(warehouse, read_only=True, wait=2.0) as con:
            params = {"run_id": run_id, "n": n}
            return (con.execute(sql("run_top_countries"), params).fetchall(),
                    con.execute(sql("run_top_topics"), params).fetchall())
    except (FileNotFoundError, WarehouseLocked, duckdb.Error) as exc:
        log.warning("coverage summary unavailable: %s", exc)
        return [], []


def coverage_markdown(summary: RunSummary, warehouse: Path) -> str:
    """Markdown with the run's headline numbers and its top countries and topics."""
    countries, topics = top_coverage(warehouse, summary.run_id)
    lines = [
        f"# newsflow run {summary.run_id}",
        "",
        f"- sources: {len(summary.sources)}; new articles: **{summary.total('new')}**; "
        f"pages fetched: {summary.total('fetched')}; skipped: {summary.total('skipped')}; "
        f"failed: {summary.total('failed')}",
    ]
    if summary.load_error:
        lines.append(f"- warehouse load postponed: {summary.load_error}")
    for title, rows in (("Top countries", countries), ("Top topics", topics)):
        lines += ["", f"## {title}", "", "| code | name | articles |", "|---|---|---:|"]
        lines += [f"| {code} | {name} | {n} |" for code, name, n in rows] or ["| - | none yet | 0 |"]
    return "\n".join(lines) + "\n"
