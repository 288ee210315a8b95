"""The stories views on a small hand-built warehouse, every figure worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect, create_views, migrate, number_articles

SOURCES = [("ap", "US"), ("daily", "GB"), ("herald", "FR")]
# article, outlet, published (UTC hour on 2 or 3 Nov 2026), agencies, language, countries, story
ARTICLES = [
    ("wire1", "ap", (2, 8), ["AP"], "en", ["US", "MX"], "wire1"),
    ("copy1", "daily", (2, 12), ["AP"], "en", ["US"], "wire1"),
    ("copy1b", "daily", (2, 13), [], "en", ["US"], "wire1"),  # the same copy at a second URL
    ("edit1", "herald", (3, 9), [], "en", ["US", "FR"], "wire1"),
    ("x2", "daily", (2, 10), ["Reuters"], "en", ["DE"], "x2"),
    # published before x2 but fetched later, so it joined x2's story: ap still saw it first
    ("y2", "ap", (2, 9), [], "de", ["DE", "FR"], "x2"),
    ("solo", "herald", (2, 11), [], "en", ["FR"], None),  # no story row: a story of its own
]


def stamp(day_hour: tuple[int, int]) -> datetime:
    return datetime(2026, 11, day_hour[0], day_hour[1], tzinfo=UTC)


def build(path: Path) -> Path:
    """The warehouse of ARTICLES with its views (docs/analysis.md quotes answers from it)."""
    with connect(path) as con:
        migrate(con)
        con.executemany("insert into sources (source_id, name, country) values (?, ?, ?)",
                        [(s, s.title(), c) for s, c in SOURCES])
        for article_id, source, when, agencies, language, countries, story in ARTICLES:
            con.execute(
                "insert into articles (article_id, source_id, run_id, url, canonical_url, title, agencies, "
                "language, published_at, fetched_at) values (?, ?, 'r', ?, ?, ?, ?, ?, ?, ?)",
                [article_id, source, f"https://{source}.test/{article_id}", f"https://{source}.test/{article_id}",
                 f"Title {article_id}", agencies, language, stamp(when), stamp((3, 20))])
            for n, code in enumerate(countries):
                con.execute("insert into article_countries (article_id, country_code, mentions, is_focus) "
                            "values (?, ?, 1, ?)", [article_id, code, n == 0])
            if story:
                con.execute("insert into article_stories values (?, ?, ?, ?)",
                            [article_id, story, None if story == article_id else story, None])
        number_articles(con)  # as a load does
        create_views(con)
    return path


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    path = build(tmp_path_factory.mktemp("stories") / "warehouse.duckdb")
    with connect(path, read_only=True) as con:
        con.execute("set timezone = 'UTC'")
        yield con


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_syndicated_means_first_seen_in_another_outlet(con) -> None:
    got = dict(rows(con, "select article_id, syndicated from article_syndication"))
    assert got == {"wire1": False, "copy1": True, "copy1b": True, "edit1": True,
                   "x2": True, "y2": False, "solo": False}


def test_stories_view(con) -> None:
    got = rows(con, "select story_id, first_seen, first_outlet, articles, outlets, countries, languages, title "
                    "from stories order by story_id")
    assert got == [
        ("solo", stamp((2, 11)), "herald", 1, 1, ["FR"], ["en"], "Title solo"),
        # US in all four copies, then FR and MX once each (ties by code)
        ("wire1", stamp((2, 8)), "ap", 4, 3, ["US", "FR", "MX"], ["en"], "Title wire1"),
        ("x2", stamp((2, 9)), "ap", 2, 2, ["DE", "FR"], ["de", "en"], "Title y2"),
    ]


def test_story_agencies_count_the_whole_story(con) -> None:
    got = rows(con, "select agency, story_id, first_outlet, credited_articles, articles, outlets "
                    "from story_agencies order by agency")
    assert got == [("AP", "wire1", "ap", 2, 4, 3), ("Reuters", "x2", "ap", 1, 2, 2)]


def test_outlet_profile_syndicated_share(con) -> None:
    got = dict(rows(con, "select source_id, syndicated_share from outlet_profile"))
    assert got == {"ap": 0.0, "daily": 1.0, "herald": 0.5}


def test_coverage_counts_stories_beside_articles(con) -> None:
    got = rows(con, "select source_id, country_code, articles, stories from coverage_country_daily "
                    f"where day = '{date(2026, 11, 2)}' order by source_id, country_code")
    # y2 (ap) mentions DE and FR; daily ran wire1 twice on 2 November: 2 articles, 1 story
    assert got == [("ap", "DE", 1, 1), ("ap", "FR", 1, 1), ("ap", "MX", 1, 1), ("ap", "US", 1, 1),
                   ("daily", "DE", 1, 1), ("daily", "US", 2, 1), ("herald", "FR", 1, 1)]
