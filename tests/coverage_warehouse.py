"""Small hand-built warehouses whose views have answers worked out by hand (see test_views)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from warehouse.db import connect, create_views, load_dimensions, migrate, number_articles

POLITICS, ECONOMY, CONFLICT = "medtop:11000000", "medtop:04000000", "medtop:16000000"
D1, D2 = date(2024, 3, 2), date(2024, 3, 3)

SOURCES = [
    ("mx-daily", "Diario MX", "MX"),
    ("us-wire", "US Wire", "US"),
    ("nohome", "Nowhere Post", None),
    ("de-post", "DE Post", "DE"),
]

# article, outlet, published_at, fetched_at, countries, topics (best first)
COVERAGE = [
    (
        "a1",
        "mx-daily",
        "2024-03-02 09:00+00",
        "2024-03-02 10:00+00",
        ["MX", "US"],
        [POLITICS, ECONOMY],
    ),
    ("a2", "mx-daily", "2024-03-02 11:00+00", "2024-03-02 12:00+00", ["MX"], [POLITICS]),
    ("a3", "mx-daily", "2024-03-02 13:00+00", "2024-03-02 14:00+00", ["US", "CN"], [ECONOMY]),
    ("a4", "mx-daily", "2024-03-02 15:00+00", "2024-03-02 16:00+00", [], []),
    # no publish date: the fetch date counts
    ("b1", "us-wire", None, "2024-03-02 10:00+00", ["US"], [CONFLICT]),
    # published late on 1 March in New York, which is 2 March (04:30) in UTC
    (
        "b2",
        "us-wire",
        "2024-03-01 23:30-05:00",
        "2024-03-03 08:00+00",
        ["MX", "US"],
        [POLITICS, CONFLICT],
    ),
    ("b3", "us-wire", "2024-03-03 12:00+00", "2024-03-03 13:00+00", ["US", "MX", "CN"], [ECONOMY]),
    ("c1", "nohome", "2024-03-02 12:00+00", "2024-03-02 12:00+00", ["FR"], []),
]

# article languages (the rest have none: 'und' in the views)
LANGUAGES = {"a1": "es", "a2": "es", "a3": "en", "a4": "es", "b1": "en", "b2": "en", "b3": "en"}
# b3 is us-wire's copy of a3's story (tasks/stories): 8 articles, 7 stories; us-wire's b3 is syndicated
STORIES = [("a3", "a3", None, None), ("b3", "a3", "a3", 0.8)]

SPIKE_START = date(2024, 1, 1)
SPIKE_DAY = date(2024, 1, 21)
# no article at all on these days: a collection gap, not twelve days of zero coverage
GAP = (date(2024, 1, 8), date(2024, 1, 19))


def spike_articles() -> list[tuple]:
    """de-post: 2 articles a day on DE (10 on 5 January, too early to count), a gap in collection,
    then 8 on 21 January, when JP appears for the first time with 5 and FR with 4 (too few)."""
    rows, n = [], 0
    day = SPIKE_START
    while day <= SPIKE_DAY:
        per_day = {"DE": 10 if day == date(2024, 1, 5) else 8 if day == SPIKE_DAY else 2}
        if day == SPIKE_DAY:
            per_day |= {"JP": 5, "FR": 4}
        if not GAP[0] <= day <= GAP[1]:
            for code, count in per_day.items():
                for _ in range(count):
                    n += 1
                    stamp = f"{day} 12:00+00"
                    rows.append((f"s{n}", "de-post", stamp, stamp, [code], [POLITICS]))
        day += timedelta(1)
    return rows


def insert_articles(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Articles with their countries (first = focus) and topics (first = rank 1)."""
    for article_id, source_id, published, fetched, countries, topics in rows:
        con.execute(
            "insert into articles (article_id, source_id, run_id, url, canonical_url, title, "
            "published_at, fetched_at, language) "
            "values (?, ?, 'run-1', ?, ?, ?, ?::timestamptz, ?::timestamptz, ?)",
            [
                article_id,
                source_id,
                f"https://x.test/{article_id}",
                f"https://x.test/{article_id}",
                f"Title {article_id}",
                published,
                fetched,
                LANGUAGES.get(article_id),
            ],
        )
        for rank, code in enumerate(countries):
            con.execute(
                "insert into article_countries (article_id, country_code, mentions, is_focus) "
                "values (?, ?, 1, ?)",
                [article_id, code, rank == 0],
            )
        for rank, code in enumerate(topics, start=1):
            con.execute(
                "insert into article_topics (article_id, topic_code, score, rank) values (?, ?, ?, ?)",
                [article_id, code, 1.0 / rank, rank],
            )


def build(path: Path, *, coverage: bool = True, spikes: bool = False) -> Path:
    """A migrated warehouse with dimensions, sources, the chosen article sets and the views."""
    with connect(path) as con:
        migrate(con)
        load_dimensions(con)
        for code, name in (
            ("MX", "Mexico"),
            ("US", "United States"),
            ("CN", "China"),
            ("FR", "France"),
            ("DE", "Germany"),
            ("JP", "Japan"),
        ):
            con.execute("insert or replace into countries (code, name) values (?, ?)", [code, name])
        for code, label in (
            (POLITICS, "politics"),
            (ECONOMY, "economy, business and finance"),
            (CONFLICT, "conflict, war and peace"),
        ):
            con.execute("insert or replace into topics (code, label) values (?, ?)", [code, label])
        for source_id, name, country in SOURCES:
            con.execute(
                "insert into sources (source_id, name, country) values (?, ?, ?)",
                [source_id, name, country],
            )
        insert_articles(con, (COVERAGE if coverage else []) + (spike_articles() if spikes else []))
        if coverage:
            con.executemany("insert into article_stories values (?, ?, ?, ?)", STORIES)
        number_articles(con)  # as a load does
        create_views(con)
    return path
