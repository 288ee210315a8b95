"""Analytics views on small hand-built warehouses: every row checked against hand-made answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.coverage_warehouse import CONFLICT, D1, D2, ECONOMY, POLITICS, SPIKE_DAY, build
from warehouse.db import connect, create_views, migrate

VIEWS = [
    "coverage_country_daily",
    "coverage_topic_daily",
    "country_topic",
    "country_pairs",
    "outlet_profile",
    "attention_spikes",
    "coverage_language_daily",
    "country_language",
    "topic_language",
]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    """The coverage warehouse, read-only, in a session whose time zone is not UTC."""
    path = build(tmp_path_factory.mktemp("views") / "warehouse.duckdb")
    with connect(path, read_only=True) as con:
        con.execute(
            "set timezone = 'America/New_York'"
        )  # days must stay UTC whatever the session says
        yield con


def rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[tuple]:
    return con.execute(query, params or []).fetchall()


def test_views_exist_and_are_empty_on_a_fresh_warehouse(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        migrate(con)
        names = create_views(con)
        assert set(VIEWS) <= set(names)
        assert create_views(con) == names  # recreated after every load
        for view in VIEWS:
            assert rows(con, f"select * from {view}") == [], view


def test_coverage_country_daily_shares_per_outlet_and_day(con) -> None:
    got = rows(con, "select * from coverage_country_daily order by day, source_id, country_code")
    assert got == [
        # mx-daily on 2 March: 4 articles, one without any country
        (D1, "mx-daily", "CN", 1, 0.25),
        (D1, "mx-daily", "MX", 2, 0.5),
        (D1, "mx-daily", "US", 2, 0.5),
        (D1, "nohome", "FR", 1, 1.0),
        # us-wire on 2 March: b1 (fetch date, no publish date), b2 (published 1 March in New York)
        (D1, "us-wire", "MX", 1, 0.5),
        (D1, "us-wire", "US", 2, 1.0),
        (D2, "us-wire", "CN", 1, 1.0),
        (D2, "us-wire", "MX", 1, 1.0),
        (D2, "us-wire", "US", 1, 1.0),
    ]


def test_multi_country_articles_count_once_per_country(con) -> None:
    # 8 articles, 12 (article, country) pairs: the daily counts add up to the pairs, never more
    assert rows(con, "select sum(articles) from coverage_country_daily") == [(12,)]
    assert rows(con, "select count(*) from article_countries") == [(12,)]


def test_coverage_topic_daily_counts_every_listed_topic(con) -> None:
    got = rows(con, "select * from coverage_topic_daily order by day, source_id, topic_code")
    assert got == [
        (D1, "mx-daily", ECONOMY, 2, 0.5),
        (D1, "mx-daily", POLITICS, 2, 0.5),
        (D1, "us-wire", POLITICS, 1, 0.5),
        (D1, "us-wire", CONFLICT, 2, 1.0),
        (D2, "us-wire", ECONOMY, 1, 1.0),
    ]


def test_country_topic(con) -> None:
    got = rows(con, "select * from country_topic order by country_code, topic_code")
    assert got == [
        ("CN", ECONOMY, 2),
        ("MX", ECONOMY, 2),
        ("MX", POLITICS, 3),
        ("MX", CONFLICT, 1),
        ("US", ECONOMY, 3),
        ("US", POLITICS, 2),
        ("US", CONFLICT, 2),
    ]


def test_country_pairs_are_ordered_and_counted_per_article(con) -> None:
    got = rows(con, "select * from country_pairs order by country_a, country_b")
    assert got == [("CN", "MX", 1), ("CN", "US", 2), ("MX", "US", 3)]
    assert rows(con, "select count(*) from country_pairs where country_a >= country_b") == [(0,)]


def test_outlet_profile_home_and_foreign_shares(con) -> None:
    got = rows(con, "select * from outlet_profile order by source_id")
    assert got == [
        # a1 (MX, US) counts as home and foreign, a2 home, a3 foreign, a4 neither
        ("mx-daily", 4, 3, 0.5, 0.5, ["MX", "US", "CN"], [ECONOMY, POLITICS]),
        # no home country on record: shares unknown
        ("nohome", 1, 1, None, None, ["FR"], []),
        (
            "us-wire",
            3,
            3,
            1.0,
            pytest.approx(2 / 3),
            ["US", "MX", "CN"],
            [CONFLICT, ECONOMY, POLITICS],
        ),
    ]


def test_coverage_language_daily_shares_per_outlet_and_day(con) -> None:
    got = rows(con, "select * from coverage_language_daily order by day, source_id, language")
    assert got == [
        # mx-daily on 2 March: a1, a2, a4 in Spanish, a3 in English
        (D1, "mx-daily", "en", 1, 0.25),
        (D1, "mx-daily", "es", 3, 0.75),
        (D1, "nohome", "und", 1, 1.0),  # c1: language unknown
        (D1, "us-wire", "en", 2, 1.0),
        (D2, "us-wire", "en", 1, 1.0),
    ]


def test_countries_and_topics_per_language(con) -> None:
    # English: a3, b1, b2, b3 (4 articles); Spanish: a1, a2, a4 (3); unknown: c1
    got = rows(con, "select * from country_language order by language, country_code")
    assert got == [
        ("en", "CN", 2, 0.5),
        ("en", "MX", 2, 0.5),
        ("en", "US", 4, 1.0),
        ("es", "MX", 2, pytest.approx(2 / 3)),
        ("es", "US", 1, pytest.approx(1 / 3)),
        ("und", "FR", 1, 1.0),
    ]
    got = rows(con, "select * from topic_language order by language, topic_code")
    assert got == [
        ("en", ECONOMY, 2, 0.5),
        ("en", POLITICS, 1, 0.25),
        ("en", CONFLICT, 2, 0.5),
        ("es", ECONOMY, 1, pytest.approx(1 / 3)),
        ("es", POLITICS, 2, pytest.approx(2 / 3)),
    ]


def test_day_falls_back_to_fetch_date_in_utc(con) -> None:
    got = dict(
        rows(con, "select article_id, day from article_days where article_id in ('b1', 'b2', 'b3')")
    )
    assert got == {"b1": D1, "b2": D1, "b3": D2}


def test_attention_spikes(tmp_path: Path) -> None:
    path = build(tmp_path / "w.duckdb", coverage=False, spikes=True)
    with connect(path, read_only=True) as con:
        got = rows(con, "select * from attention_spikes order by day, country_code")
        # DE: 8 articles against a median of 2 over the 8 days with articles in the 28 before (the
        # 12 days of the collection gap are not zeros, which would make the median 0); JP: first,
        # 5 articles against a median of 0 (floored at 1); FR: 4 is below the minimum of 5;
        # DE's 10 on 5 January had only 4 days of history.
        assert got == [(SPIKE_DAY, "DE", 8, 2.0, 4.0), (SPIKE_DAY, "JP", 5, 0.0, 5.0)]
        history = rows(
            con, "select count(distinct day) from article_days where day < ?", [SPIKE_DAY]
        )
        assert history == [(8,)]
        assert rows(
            con, "select count(*) from attention_spikes where day = ?", [date(2024, 1, 5)]
        ) == [(0,)]


def test_attention_spikes_since_matches_the_view(tmp_path: Path) -> None:
    path = build(tmp_path / "w.duckdb", coverage=False, spikes=True)
    with connect(path, read_only=True) as con:
        for first in (date(2024, 1, 1), date(2024, 1, 15), SPIKE_DAY, date(2024, 1, 22)):
            whole = rows(con, "select * from attention_spikes where day >= ? order by all", [first])
            since = rows(con, "select * from attention_spikes_since(?::date) order by all", [first])
            assert since == whole, first
