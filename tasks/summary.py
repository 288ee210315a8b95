"""Human-readable run summaries: the per-source table and the coverage headline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.health import health_markdown
from tasks.run import RunSummary
from warehouse.report_text import headline_markdown

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


def coverage_markdown(summary: RunSummary, warehouse: Path) -> str:
    """Markdown with the run's counts, then the coverage report's headline figures."""
    lines = [
        f"# newsflow run {summary.run_id}",
        "",
        f"- sources: {len(summary.sources)}; new articles: **{summary.total('new')}**; "
        f"pages fetched: {summary.total('fetched')}; skipped: {summary.total('skipped')}; "
        f"failed: {summary.total('failed')}",
    ]
    if summary.load_error:
        lines.append(f"- warehouse load postponed: {summary.load_error}")
    if health := health_markdown(summary.health_changes, summary.backed_off):
        lines += ["", health.rstrip()]
    return "\n".join(lines) + "\n\n" + headline_markdown(warehouse, summary.run_id)
