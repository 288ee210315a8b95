"""The fast views and report queries give exactly what their plain first definitions give (tests/data)."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from warehouse import report
from warehouse.db import connect, create_views, migrate, number_articles, sql
from warehouse.report import build_report

REFERENCE = Path(__file__).parent / "data" / "views_reference"
SOURCES = [("s0", "US"), ("s1", "GB"), ("s2", None), ("s3", "FR")]  # "s4" writes but is not listed
COUNTRIES = ["US", "GB", "FR", "DE", "MX"]
TOPICS = ["medtop:11000000", "medtop:04000000", "medtop:16000000", "medtop:04010000"]
AGENCIES = ["AP", "Reuters", "EFE"]


def _article(rng: random.Random, n: int) -> list:
    """One article row: some without a language, a publish time, or any time at all. Articles
    0-119 come in stories of six (see _stories), most of them copies run by one outlet on one day."""
    base = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(24 * 40))
    source = f"s{rng.randrange(5)}"
    if n < 120 and rng.random() < 0.6:
        source, base = f"s{n // 6 % 5}", datetime(2026, 10, 1 + n // 6, rng.randrange(3), tzinfo=UTC)
    published = None if rng.random() < 0.15 else base
    fetched = None if published is None and rng.random() < 0.3 else base + timedelta(hours=rng.randrange(48))
    agencies = rng.sample(AGENCIES, rng.choice([0, 0, 1, 2]))
    if agencies and rng.random() < 0.2:
        agencies.append(agencies[0])  # a credit repeated in one article
    return [f"a{n:03d}", source, f"https://x.test/{n}", f"https://x.test/{n}", f"T{n}",
            agencies, rng.choice(["en", "en", "de", None]), published, fetched]


def _stories(rng: random.Random, ids: list[str]) -> list[tuple]:
    """Story rows of several shapes: first article with and without its own row, a story named after an
    article not loaded, and most articles with no row at all."""
    rows = []
    for start in range(0, 120, 6):
        first, members = ids[start], ids[start + 1:start + rng.randrange(2, 6)]
        if rng.random() < 0.5:
            rows.append((first, first, None, None))
        rows += [(m, first, first, 0.9) for m in members]
    rows += [(ids[130], "gone", "gone", 0.8), (ids[131], "gone", "gone", 0.8)]
    return rows


def build(path: Path, seed: int) -> None:
    """A warehouse of 200 articles drawn from the seed."""
    rng = random.Random(seed)
    with connect(path) as con:
        migrate(con)
        con.execute("insert into topics values ('medtop:11000000', 'politics', null), "
                    "('medtop:04000000', 'economy', null), ('medtop:16000000', 'conflict', null), "
                    "('medtop:04010000', 'business', 'medtop:04000000')")
        con.executemany("insert into sources (source_id, name, country) values (?, ?, ?)",
                        [(s, s.upper(), c) for s, c in SOURCES])
        articles = [_article(rng, n) for n in range(200)]
        con.executemany("insert into articles (article_id, source_id, run_id, url, canonical_url, title, agencies, "
                        "language, published_at, fetched_at) values (?, ?, 'r', ?, ?, ?, ?, ?, ?, ?)",
                        articles)
        ids = [a[0] for a in articles]
        for article_id in ids + ["unloaded"]:  # tags of an article not loaded count nowhere
            for code in rng.sample(COUNTRIES[:2], 1) + rng.sample(COUNTRIES[2:], rng.choice([0, 0, 1, 2])):
                con.execute("insert into article_countries (article_id, country_code, mentions, is_focus) "
                            "values (?, ?, 1, false)", [article_id, code])
            for rank, code in enumerate(rng.sample(TOPICS, rng.choice([0, 1, 1, 2]))):
                con.execute("insert into article_topics (article_id, topic_code, score, rank) "
                            "values (?, ?, 0.5, ?)", [article_id, code, rank])
        con.executemany("insert into article_stories values (?, ?, ?, ?)", _stories(rng, ids))
        number_articles(con)  # as a load does
        create_views(con)


def reference(path: Path) -> None:
    """Replace the rewritten views by their first definitions (dependencies first)."""
    with connect(path) as con:
        for name in ("article_syndication", "coverage_country_daily", "coverage_topic_daily", "outlet_profile",
                     "stories", "story_agencies"):
            con.execute((REFERENCE / f"{name}.sql").read_text(encoding="utf-8"))


def rows(path: Path, view: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The view's column names and types, and its rows in a fixed order."""
    with connect(path, read_only=True) as con:
        con.execute("set timezone = 'UTC'")
        columns = con.execute(f"select column_name, column_type from (describe select * from {view})").fetchall()
        return columns, sorted(repr(row) for row in con.execute(f"select * from {view}").fetchall())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_views_match_their_plain_definitions(tmp_path: Path, seed: int) -> None:
    fast, plain = tmp_path / "fast.duckdb", tmp_path / "plain.duckdb"
    build(fast, seed)
    shutil.copy(fast, plain)
    reference(plain)
    for view in ("article_syndication", "stories", "story_agencies", "coverage_country_daily",
                 "coverage_topic_daily", "outlet_profile"):
        got, want = rows(fast, view), rows(plain, view)
        assert got[0] == want[0], view
        assert len(got[1]) > 0, view
        assert got[1] == want[1], view


def test_the_reference_differs_from_a_wrong_view(tmp_path: Path) -> None:
    """The comparison can fail: a story view that drops the shared stories is caught."""
    path = tmp_path / "w.duckdb"
    build(path, 1)
    with connect(path) as con:
        con.execute("create or replace view stories as select * from stories_among(false) "
                    "where articles = 1")
    plain = tmp_path / "plain.duckdb"
    shutil.copy(path, plain)
    reference(plain)
    assert rows(path, "stories")[1] != rows(plain, "stories")[1]


@pytest.mark.parametrize(("days", "source", "country"), [(40, None, None), (40, None, "US"), (20, "s1", "DE")])
def test_fast_report_matches_its_plain_queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               days: int, source: str | None, country: str | None) -> None:
    path = tmp_path / "w.duckdb"
    build(path, 4)
    today = date(2026, 11, 10)
    with connect(path, read_only=True) as con:
        fast = build_report(con, days=days, source=source, country=country, today=today)
    plain_sql = {p.stem: p.read_text(encoding="utf-8") for p in (REFERENCE.parent / "report_reference").glob("*.sql")}
    monkeypatch.setattr(report, "sql", lambda name: plain_sql.get(name) or sql(name))
    with connect(path, read_only=True) as con:
        plain = build_report(con, days=days, source=source, country=country, today=today)
    assert fast.stories > 0 and fast.outlet_rows
    assert fast == plain


def test_report_reads_a_warehouse_whose_views_predate_the_fast_ones(tmp_path: Path) -> None:
    """Until its next load creates the new views, an older warehouse still gives the same report."""
    fast, older = tmp_path / "fast.duckdb", tmp_path / "older.duckdb"
    build(fast, 5)
    shutil.copy(fast, older)
    reference(older)
    with connect(older) as con:
        con.execute("drop view article_shared_stories")
        con.execute("drop macro table stories_among")
    today = date(2026, 11, 10)
    with connect(fast, read_only=True) as con:
        want = build_report(con, days=40, today=today)
    with connect(older, read_only=True) as con:
        assert build_report(con, days=40, today=today) == want
