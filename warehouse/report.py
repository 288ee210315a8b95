"""The coverage report's figures, read from the warehouse's analytics views (no Prefect)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from warehouse.db import sql


class ReportError(ValueError):
    """A report that cannot be made as asked (unknown outlet)."""


class NoArticles(ReportError):
    """The warehouse holds no article yet."""


@dataclass(frozen=True)
class Period:
    """The report's days, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(n) for n in range((self.last - self.first).days + 1)]

    @property
    def bucket(self) -> str:
        """The time series' step: a day up to ~3 months, a week up to 2 years, then a month."""
        length = (self.last - self.first).days + 1
        return "day" if length <= DAILY_MAX else "week" if length <= WEEKLY_MAX else "month"

    @property
    def buckets(self) -> list[date]:
        """The first day of each step (weeks start on Monday), the first one cut to the period."""
        starts = sorted({_bucket_start(d, self.bucket) for d in self.days})
        return [max(self.first, s) for s in starts]


DAILY_MAX, WEEKLY_MAX = 92, 731  # period lengths (days) up to which the series is daily, weekly


def _bucket_start(day: date, bucket: str) -> date:
    """The first day of the day's week (Monday) or month."""
    if bucket == "week":
        return day - timedelta(day.weekday())
    return day.replace(day=1) if bucket == "month" else day


@dataclass
class CountryRow:
    """A country's coverage: focus articles mentioning it, their share, and the daily share."""

    code: str
    name: str
    articles: int
    share: float
    stories: int = 0  # copies of one story count once
    trend: list[float] = field(default_factory=list)


@dataclass
class TopicRow:
    """A topic's coverage among the focus articles; parent is None for a top-level topic."""

    code: str
    name: str
    articles: int
    share: float
    stories: int = 0
    parent_code: str | None = None
    parent: str | None = None


@dataclass
class OutletRow:
    """One outlet over the period; focus_share is 1 without a country filter."""

    source_id: str
    name: str
    home: str | None
    articles: int
    focus_share: float
    home_share: float | None
    foreign_share: float | None
    countries_covered: int
    top_countries: list[str]
    stories: int = 0
    syndicated_share: float = 0.0


@dataclass
class SpikeRow:
    """A day when a country's coverage jumped against its trailing 28-day median."""

    day: date
    code: str
    name: str
    articles: int
    baseline: float
    ratio: float


@dataclass
class LanguageRow:
    """An outlet's articles in one language (source_id None: all outlets together)."""

    source_id: str | None
    name: str
    language: str
    articles: int
    share: float


@dataclass
class HeatCell:
    """Focus articles mentioning a country and listing a topic."""

    country_code: str
    topic_code: str
    topic: str
    articles: int
    country_articles: int


@dataclass
class Report:
    """Everything the terminal, HTML and markdown reports show."""

    period: Period
    source: str | None
    country: str | None
    articles: int
    focus_articles: int
    outlets: int
    focus_trend: list[float]
    countries: list[CountryRow]
    topics: list[TopicRow]
    outlet_rows: list[OutletRow]
    spikes: list[SpikeRow]
    heatmap: list[HeatCell]
    languages: list[LanguageRow] = field(default_factory=list)
    stories: int = 0  # distinct stories among the period's articles
    subtopics: list[TopicRow] = field(default_factory=list)  # second-level topics
    all_countries: list[CountryRow] = field(default_factory=list)  # every country mentioned (map)
    span: tuple[date, date] | None = None  # first and last article day of the warehouse, read when the period has none


def _query(con: duckdb.DuckDBPyConnection, name: str, values: dict[str, Any]) -> list[tuple]:
    """Run warehouse/sql/<name>.sql with the values it names (DuckDB rejects unused parameters)."""
    text = sql(name)
    used = set(re.findall(r"\$(\w+)", text))
    return con.execute(text, {k: v for k, v in values.items() if k in used}).fetchall()


def report_period(con: duckdb.DuckDBPyConnection, days: int, today: date | None = None) -> Period:
    """The last `days` days up to today, or up to the newest article day when that is older."""
    newest = _query(con, "report_newest_day", {})[0][0]
    if newest is None:
        raise NoArticles("the warehouse holds no articles yet: run `newsflow ingest` first")
    last = min(today or datetime.now(UTC).date(), newest)
    return Period(last - timedelta(days - 1), last)


def check_sources(con: duckdb.DuckDBPyConnection, sources: Iterable[str]) -> None:
    """Refuse an outlet id the warehouse has never seen, naming a few it knows."""
    known = [row[0] for row in _query(con, "report_known_sources", {})]
    for source in sources:
        if source not in known:
            listed = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
            raise ReportError(f"unknown outlet '{source}' (known: {listed or 'none'})")


def build_report(
    con: duckdb.DuckDBPyConnection,
    *,
    days: int = 7,
    source: str | None = None,
    country: str | None = None,
    today: date | None = None,
    top: int = 10,
) -> Report:
    """Gather the report's figures; raises ReportError when there is nothing to report on."""
    if source is not None:
        check_sources(con, [source])
    period = report_period(con, days, today)
    values: dict[str, Any] = {
        "first_day": period.first,
        "last_day": period.last,
        "source": source,
        "country": country,
        "top": top,
        "bucket": period.bucket,
    }
    for table in ("report_articles", "report_mentions", "report_topic_mentions"):
        _query(con, table, values)
    articles, focus_articles, outlets, stories = _query(con, "report_totals", values)[0]
    span = None if articles else _query(con, "article_span", {})[0]
    all_countries = _country_rows(con, values, top)
    topics = [TopicRow(*row) for row in _query(con, "report_top_topics", values)]
    return Report(
        period=period,
        source=source,
        country=country,
        articles=articles,
        focus_articles=focus_articles,
        outlets=outlets,
        focus_trend=[r[1] for r in _query(con, "report_focus_trend", values)],
        countries=all_countries[:top],
        topics=[t for t in topics if t.parent_code is None],
        outlet_rows=[OutletRow(*row) for row in _query(con, "report_outlets", values)],
        spikes=[SpikeRow(*row) for row in _query(con, "report_spikes", values)],
        heatmap=[HeatCell(*row) for row in _query(con, "report_heatmap", values)],
        languages=[LanguageRow(*row) for row in _query(con, "report_languages", values)],
        stories=stories,
        subtopics=[t for t in topics if t.parent_code is not None],
        all_countries=all_countries,
        span=span,
    )


def languages_by_outlet(report: Report) -> list[tuple[str, int, list[LanguageRow]]]:
    """(outlet name, articles, its languages best first) per outlet, all outlets first."""
    grouped: dict[str | None, list[LanguageRow]] = {}
    for row in report.languages:
        grouped.setdefault(row.source_id, []).append(row)
    return [(rows[0].name, sum(r.articles for r in rows), rows) for rows in grouped.values()]


def _country_rows(
    con: duckdb.DuckDBPyConnection, values: dict[str, Any], top: int
) -> list[CountryRow]:
    """Every country mentioned, the top ones with their trend (one share per period bucket);
    leaves the top codes in values["codes"]."""
    countries = [
        CountryRow(*row) for row in _query(con, "report_top_countries", {**values, "top": None})
    ]
    values["codes"] = [c.code for c in countries[:top]]
    trends: dict[str, list[float]] = {}
    for code, _day, _articles, share in _query(con, "report_country_trend", values):
        trends.setdefault(code, []).append(share)
    for c in countries[:top]:
        c.trend = trends.get(c.code, [])
    return countries
