"""The report's "Sources that need attention": failing or silent outlets and moved feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from warehouse.health import PROBLEMS

HEAD = ["source", "status", "failed runs", "last success", "newest article", "what to do"]
WHAT = ("Failing: its last two or more runs could read none of its feeds or sitemaps. Silent: its feeds "
        "answer, but its newest article is much older than its usual gap between articles. "
        "`newsflow sources` lists every source.")


def needs_attention(rows: list[dict[str, Any]], source: str | None = None) -> list[dict[str, Any]]:
    """source_health rows that are failing or silent, or whose feed moved; optionally one source's."""
    return [r for r in rows if (r["status"] in PROBLEMS or r.get("suggested_url"))
            and (source is None or r["source_id"] == source)]


def _when(stamp: datetime | None) -> str:
    return f"{stamp.astimezone(UTC):%Y-%m-%d %H:%M}" if stamp else "never"


def advice(row: dict[str, Any]) -> str:
    """What the user can do about this source, in a few words."""
    if row.get("suggested_url"):
        return f"feed moved permanently: use {row['suggested_url']} instead of {row['moved_listing']}"
    if row["status"] == "failing":
        return f"check its feeds; last error: {row.get('last_error') or 'none kept'}"
    return "check whether its feed still lists new articles"


def cells(row: dict[str, Any]) -> list[str]:
    """One table row of formatted values (HEAD's columns)."""
    return [row["source_id"], row["status"], str(row["consecutive_failures"]), _when(row.get("last_success_at")),
            _when(row.get("last_article_at")), advice(row)]


def attention_html(rows: list[dict[str, Any]]) -> str:
    """The HTML section (nothing when every source is fine)."""
    if not rows:
        return ""
    from warehouse.report_html import _section, _table  # only the HTML report needs its drawing code

    return _section("Sources that need attention", WHAT, _table(HEAD, [cells(r) for r in rows], {2}), wide=True)
