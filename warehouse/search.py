"""Keyword search over the warehouse: matches and all articles per period, outlet or country, or the articles.

The index (search_index) gives the matching content keys; the warehouse, opened read-only and
sealed as for `newsflow sql`, counts the articles in scope. Contents the index does not hold yet
(a load whose index update has not run, or failed) are matched here with the reference matcher,
so a result is always exactly the query language's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from warehouse.db import sql
from warehouse.query import read_only
from warehouse.report import Period, ReportError, check_sources
from warehouse.search_index import articles_end, index_dir, read_mark, search_keys, unindexed
from warehouse.search_query import Node, document_words, matches, parse

log = logging.getLogger(__name__)
CATCH_UP_LIMIT = 20_000  # contents matched without the index before a search gives up (2-4 s of CPU)
BY = ("auto", "day", "week", "month", "outlet", "country")  # auto: the report's step for the period


class SearchError(ValueError):
    """A search that cannot run (unknown topic, no warehouse, ...); one line saying why."""


@dataclass
class Filters:
    """Which articles a search counts."""

    since: date | None = None
    until: date | None = None
    sources: list[str] = field(default_factory=list)
    country: str | None = None
    topic: str | None = None
    language: str | None = None

    def params(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until, "sources": list(self.sources),
                "country": self.country, "topic": self.topic, "language": self.language}


@dataclass
class SearchResult:
    """A search's rows and how it ran."""

    table: pa.Table
    seconds: float
    unindexed: int  # distinct contents matched without the index (0 when the index is in step)
    by: str = "day"  # what the rows count per ("auto" resolved)


def _step(con: Any, filters: Filters) -> str:
    """Day, week or month: the report's step (warehouse/report.py) for the days asked, or else the
    days the warehouse holds, so that years of articles come as months rather than thousands of days."""
    first, last = filters.since, filters.until
    if first is None or last is None:
        oldest, newest = con.execute(sql("article_span")).fetchone()
        first, last = first or oldest, last or newest
    return Period(first, last).bucket if first and last else "day"


def _statement(by: str, limit: int | None) -> tuple[str, dict[str, Any]]:
    """The SQL after the scope and its own parameters."""
    if limit is not None:
        return sql("search_list"), {"limit": limit}
    if by in ("day", "week", "month"):
        return sql("search_by_period"), {"unit": by}
    return sql(f"search_by_{by}"), {}


def _catch_up(con: Any, node: Node, known: np.ndarray) -> tuple[np.ndarray, int]:
    """Keys of contents the index lacks that match node (reference matcher), and how many it lacks.

    A search holds the warehouse open meanwhile, so an index far behind (missing, or never built
    after an upgrade) is an error rather than minutes of matching that would keep a load waiting.
    """
    con.register("search_indexed", pa.table({"doc_key": pa.array(known, type=pa.uint64())}))
    lacking = con.execute(sql("search_unindexed_count")).fetchall()[0][0]
    if lacking > CATCH_UP_LIMIT:
        raise SearchError(f"the search index lacks {lacking:,} articles' contents: the next `newsflow ingest` "
                          f"(or `newsflow rebuild`) brings it up to date")
    found, seen = [], 0
    for batch in unindexed(con, known):
        keys, titles, texts = (batch.column(i).to_pylist() for i in range(3))
        seen += len(keys)
        found += [k for k, ti, te in zip(keys, titles, texts, strict=True) if matches(node, document_words(ti, te))]
    return np.array(found, dtype=np.uint64), seen


def _check(con: Any, filters: Filters) -> None:
    """Clear errors for a warehouse from before search, and for an outlet or topic the warehouse does not know."""
    tables = con.execute("select count(*) from information_schema.tables where table_name = 'search_docs'")
    if not tables.fetchall()[0][0]:
        raise SearchError("this warehouse has no search table yet: the next `newsflow ingest` (or `newsflow "
                          "rebuild`) adds it")
    if filters.topic is not None:
        known = con.execute("select count(*) from topics where code = ?", [filters.topic]).fetchall()[0][0]
        if not known:
            raise SearchError(f"unknown topic {filters.topic}: see `newsflow sql \"from topics\"`")
    try:
        check_sources(con, filters.sources)
    except ReportError as exc:
        raise SearchError(str(exc)) from None


def search(db_path: Path, query: str | Node, filters: Filters | None = None, *, by: str = "day",
           limit: int | None = None, wait: float = 30.0) -> SearchResult:
    """Counts per period/outlet/country (or, with limit, the newest matching articles) for query."""
    if by not in BY:
        raise SearchError(f"--by must be one of {', '.join(BY)}")
    filters = filters or Filters()
    node = parse(query) if isinstance(query, str) else query
    started = time.perf_counter()
    mark = read_mark(index_dir(db_path))  # before the keys: an update writes it after them
    try:
        keys, known = search_keys(db_path, node)
    except (ValueError, OSError) as exc:  # an index damaged or half deleted: match without it
        log.warning("search index unreadable (%s); matching every article without it", exc)
        keys = known = np.empty(0, dtype=np.uint64)
        mark = None
    with read_only(db_path, wait=wait) as con:
        _check(con, filters)
        if by == "auto":
            by = _step(con, filters)
        tail, extra = _statement(by, limit)
        # An index whose mark is the table's end holds every content (update_index leaves it so).
        late, missing = (keys[:0], 0) if mark == articles_end(con) else _catch_up(con, node, known)
        con.register("search_hits", pa.table({"doc_key": pa.array(np.concatenate([keys, late]), type=pa.uint64())}))
        table = con.sql(f"{sql('search_scope')}\n{tail}", params=filters.params() | extra).to_arrow_table()
    return SearchResult(table, time.perf_counter() - started, missing, by)
