"""Issue 2's acceptance 2 on a benchmark run: every served page loaded once or explained; reruns add nothing."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.e2e_site import Sites

_NUMBERS = re.compile(r"\d+")


def _query(data: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def table_counts(data: Path) -> dict[str, int]:
    """Rows per warehouse table that a run adds to."""
    tables = ("articles", "article_countries", "article_topics", "fetches", "runs")
    return {t: int(_query(data, f"select count(*) from {t}")[0][0]) for t in tables}


def _reason(outcome: str, reason: str | None, loaded_as: str | None) -> tuple[str, str]:
    """Why a page is not in `articles` under its own URL, as its fetch row tells."""
    if outcome == "article" and loaded_as:  # its canonical URL was loaded from another page first
        return outcome, "same canonical URL as an article loaded from another page"
    return outcome, reason or ""


def first_run(sites: Sites, data: Path) -> dict[str, Any]:
    """Share of served article pages in `articles` exactly once; the reasons of those not loaded."""
    served = sites.article_urls()
    counts = dict(_query(data, "select url, count(*) from articles group by url"))
    explained = {url: _reason(outcome, reason, loaded_as) for url, outcome, reason, loaded_as in _query(
        data, "select f.url, f.outcome, f.reason, a.url from fetches f "
              "left join articles a on a.article_id = f.article_id where f.kind = 'page'")}
    missing = [u for u in served if u not in counts]
    explained = {u: why for u, why in explained.items() if why != ("article", "")}
    reasons = Counter(f"{explained[u][0]}: {_NUMBERS.sub('N', explained[u][1])[:70]}"
                      for u in missing if u in explained)
    once = sum(1 for u in served if counts.get(u) == 1)
    return {
        "served": len(served), "loaded_once": once, "loaded_once_pct": round(100 * once / len(served), 2),
        "loaded_more_than_once": sum(1 for u in served if counts.get(u, 0) > 1),
        "not_loaded": len(missing), "not_loaded_unexplained": sum(1 for u in missing if u not in explained),
        "reasons": dict(reasons.most_common()),
    }


def rerun(sites: Sites, data: Path, hits_before: Counter[str], rows_before: dict[str, int]) -> dict[str, Any]:
    """What a run with nothing new did: rows added, article pages fetched, listings answered 304."""
    hits = sites.hits()
    rows = table_counts(data)
    listings = sites.listing_urls()
    return {
        "articles_added": rows["articles"] - rows_before["articles"],
        "tag_rows_added": rows["article_countries"] + rows["article_topics"]
        - rows_before["article_countries"] - rows_before["article_topics"],
        "article_pages_fetched": sum(hits[u] - hits_before.get(u, 0) for u in sites.article_urls()),
        "listings": len(listings),
        "listings_304": sum(1 for u in listings if sites.last_status(u) == 304),
    }


def lines(first: dict[str, Any], reruns: dict[str, dict[str, Any]]) -> list[str]:
    """The acceptance figures as printed lines."""
    out = [
        f"served article pages: {first['served']}; in `articles` exactly once: {first['loaded_once']} "
        f"({first['loaded_once_pct']:.2f}%); more than once: {first['loaded_more_than_once']}",
        f"not loaded: {first['not_loaded']}, of which without a row in `fetches`: "
        f"{first['not_loaded_unexplained']}; reasons:",
        *(f"  {n:>5}  {reason}" for reason, n in first["reasons"].items()),
    ]
    for label, r in reruns.items():
        out.append(f"{label}: articles added {r['articles_added']}, tag rows added {r['tag_rows_added']}, "
                   f"article pages fetched {r['article_pages_fetched']}, listings answered 304: "
                   f"{r['listings_304']}/{r['listings']}")
    return out
