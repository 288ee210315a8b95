"""`newsflow search` on a real warehouse and index: the engine agrees with the reference matcher for every
operator, filters and groupings count right, output formats, bad queries, and the index stays in step."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.cli import main
from tasks.store.lake import lake_file, write_atomic
from tasks.store.load import load_lake
from tasks.store.rebuild import rebuild_warehouse
from warehouse.search import Filters, search
from warehouse.search_index import MANIFEST, MARK, index_dir
from warehouse.search_query import match

POLITICS, ECONOMY, SPORT = "medtop:11000000", "medtop:04000000", "medtop:15000000"

# id, outlet, published (None: the fetch day counts), title, text, language, countries, topics
ARTICLES = [
    ("a1", "de-post", "2024-03-02 09:00", "Talks in München", "Leaders met in Munich. Climate-change was discussed.",
     "de", ["DE"], [POLITICS]),
    ("a2", "mx-daily", "2024-03-02 11:00", "Climate change summit", "The climate change debate goes on in Mexico City.",
     "es", ["MX"], [POLITICS, ECONOMY]),
    ("a3", "us-wire", "2024-03-03 08:00", "Border wall", "The border wall between Mexico and Guatemala.",
     "en", ["US", "MX", "GT"], [POLITICS]),
    ("a4", "us-wire", "2024-03-09 12:00", "Football", "Cricket and football results; climatic conditions.",
     "en", ["GB"], [SPORT]),
    ("a5", "de-post", "2024-04-01 07:00", "Straße gesperrt", "Die Strasse ist zu. ÉCOLE fermée, growth_rate 50%.",
     "de", ["DE", "FR"], [ECONOMY]),
    # a2's content again (wire copy): one index document for both
    ("a6", "us-wire", "2024-04-02 10:00", "Climate change summit", "The climate change debate goes on in Mexico City.",
     "en", ["US"], [POLITICS]),
    ("a7", "mx-daily", "2024-03-03 15:00", "Border news", "Wall Street fell; the border stays open. Wall.",
     "es", ["MX"], [ECONOMY]),
    ("a8", "mx-daily", None, "Guatemala votes", "Guatemala elects a president.", "es", ["GT"], [POLITICS]),
]
FETCHED = "2024-03-02 23:00"

QUERIES = [
    "munchen", "MÜNCHEN", "munich", "strasse", "ecole", "straße", '"climate change"', "climate-change",
    "climat*", "climate-chang*", "border wall", '"border wall"', "wall street", '"wall street"',
    "mexico OR guatemala", "mexico guatemala", "border AND NOT wall", "border -wall", "NOT climate",
    "-climate -border", "(mexico OR guatemala) AND border", "mexico OR guatemala border",
    "NOT mexico OR wall", "NOT (mexico OR wall)", '"mexico city" OR "wall street"', "growth_rate", "50",
    "talks in munchen leaders", "g*", "nothingmatches", "summit -mexico",
]


def _row(n: tuple) -> dict:
    aid, outlet, published, title, text, language, _, _ = n
    stamp = lambda s: datetime.fromisoformat(s).replace(tzinfo=UTC)  # noqa: E731
    return {"article_id": aid, "source_id": outlet, "run_id": "r1", "url": f"https://{outlet}.example/{aid}",
            "canonical_url": f"https://{outlet}.example/{aid}", "title": title, "text": text, "description": None,
            "published_at": stamp(published) if published else None, "authors": [], "agencies": [],
            "language": language, "word_count": len(text.split()), "content_hash": aid,
            "fetched_at": stamp(published or FETCHED)}


def publish(data: Path, run: str, articles: list[tuple]) -> None:
    """One run's articles, countries and topics in the lake."""
    write_atomic(lake_file(data, "articles", "2024-04-02", run), "articles", [_row(a) for a in articles])
    write_atomic(lake_file(data, "article_countries", "2024-04-02", run), "article_countries",
                 [{"article_id": a[0], "country_code": c, "mentions": 1, "is_focus": i == 0}
                  for a in articles for i, c in enumerate(a[6])])
    write_atomic(lake_file(data, "article_topics", "2024-04-02", run), "article_topics",
                 [{"article_id": a[0], "topic_code": c, "score": 0.9, "rank": i + 1}
                  for a in articles for i, c in enumerate(a[7])])


@pytest.fixture
def data(tmp_path: Path) -> Path:
    publish(tmp_path, "r1", ARTICLES)
    load_lake(tmp_path, tmp_path / "warehouse.duckdb")
    return tmp_path


def day_of(a: tuple) -> date:
    return datetime.fromisoformat(a[2] or FETCHED).date()


def expected(query: str, articles: list[tuple] = ARTICLES) -> list[tuple]:
    return [a for a in articles if match(query, a[3], a[4])]


def listed(db: Path, query: str, filters: Filters | None = None) -> set[str]:
    result = search(db, query, filters, limit=100)
    return {r["article_id"] for r in result.table.to_pylist()}


@pytest.mark.parametrize("query", QUERIES)
def test_the_index_agrees_with_the_reference_matcher(data: Path, query: str) -> None:
    db = data / "warehouse.duckdb"
    result = search(db, query, by="day")
    assert result.unindexed == 0  # the load indexed everything: these answers come from tantivy
    want = Counter(day_of(a) for a in expected(query))
    totals = Counter(day_of(a) for a in ARTICLES)
    rows = result.table.to_pylist()
    assert [r["period"] for r in rows] == sorted(totals)
    assert {r["period"]: r["matches"] for r in rows} == {d: want.get(d, 0) for d in totals}
    assert all(r["total"] == totals[r["period"]] and r["share"] == pytest.approx(r["matches"] / r["total"], abs=1e-6)
               for r in rows)
    assert listed(db, query) == {a[0] for a in expected(query)}


def test_the_operators_find_what_they_should(data: Path) -> None:
    """A few answers spelled out, so the reference matcher is not the only judge."""
    db = data / "warehouse.duckdb"
    assert listed(db, "munchen") == {"a1"}
    assert listed(db, "straße") == listed(db, "strasse") == {"a5"}
    assert listed(db, '"climate change"') == {"a1", "a2", "a6"}
    assert listed(db, "climat*") == {"a1", "a2", "a4", "a6"}
    assert listed(db, '"border wall"') == {"a3"} and listed(db, "border wall") == {"a3", "a7"}
    assert listed(db, "border -wall") == set() and listed(db, "border -guatemala") == {"a7"}
    assert listed(db, "mexico OR guatemala border") == {"a2", "a3", "a6"}
    assert listed(db, "(mexico OR guatemala) border") == {"a3"}


def test_filters_narrow_matches_and_totals(data: Path) -> None:
    db = data / "warehouse.duckdb"
    cases = [
        (Filters(since=date(2024, 3, 3)), lambda a: day_of(a) >= date(2024, 3, 3)),
        (Filters(until=date(2024, 3, 2)), lambda a: day_of(a) <= date(2024, 3, 2)),
        (Filters(sources=["us-wire", "de-post"]), lambda a: a[1] in ("us-wire", "de-post")),
        (Filters(country="MX"), lambda a: "MX" in a[6]),
        (Filters(topic=POLITICS), lambda a: POLITICS in a[7]),
        (Filters(language="es"), lambda a: a[5] == "es"),
    ]
    for filters, keep in cases:
        scope = [a for a in ARTICLES if keep(a)]
        rows = search(db, "mexico OR climat*", filters, by="month").table.to_pylist()
        assert sum(r["total"] for r in rows) == len(scope), filters
        assert sum(r["matches"] for r in rows) == len(expected("mexico OR climat*", scope)), filters
        assert listed(db, "mexico OR climat*", filters) == {a[0] for a in expected("mexico OR climat*", scope)}


def test_by_week_month_outlet_and_country(data: Path) -> None:
    db = data / "warehouse.duckdb"
    week = {r["period"]: (r["matches"], r["total"]) for r in search(db, "climat*", by="week").table.to_pylist()}
    assert week == {date(2024, 2, 26): (2, 5), date(2024, 3, 4): (1, 1), date(2024, 4, 1): (1, 2)}
    month = {r["period"]: (r["matches"], r["total"]) for r in search(db, "climat*", by="month").table.to_pylist()}
    assert month == {date(2024, 3, 1): (3, 6), date(2024, 4, 1): (1, 2)}
    outlets = search(db, "climat*", by="outlet").table.to_pylist()
    assert [(r["outlet"], r["matches"], r["total"]) for r in outlets] == [
        ("us-wire", 2, 3), ("mx-daily", 1, 3), ("de-post", 1, 2)]  # most matches, then most articles
    by_country = search(db, "guatemala", by="country").table.to_pylist()
    countries = {r["country"]: (r["matches"], r["total"]) for r in by_country}
    assert countries == {"GT": (2, 2), "MX": (1, 3), "US": (1, 2), "DE": (0, 2), "GB": (0, 1), "FR": (0, 1)}


def test_auto_step_follows_the_period(data: Path) -> None:
    db = data / "warehouse.duckdb"
    weeks = search(db, "climat*").table.to_pylist()  # the function's default stays per day
    short = search(db, "climat*", by="auto")  # the articles span six weeks: per day
    assert short.by == "day" and short.table.to_pylist() == weeks
    year = search(db, "climat*", Filters(since=date(2023, 6, 1), until=date(2024, 6, 1)), by="auto")
    assert year.by == "week" and {r["period"] for r in year.table.to_pylist()} == {
        date(2024, 2, 26), date(2024, 3, 4), date(2024, 4, 1)}
    years = search(db, "climat*", Filters(since=date(2020, 1, 1)), by="auto")  # until: the last article's day
    months = {r["period"] for r in years.table.to_pylist()}
    assert years.by == "month" and months == {date(2024, 3, 1), date(2024, 4, 1)}


def test_list_gives_the_newest_matches_first(data: Path) -> None:
    rows = search(data / "warehouse.duckdb", "climate OR border", limit=2).table.to_pylist()
    assert [r["article_id"] for r in rows] == ["a6", "a7"]
    assert rows[0] == {"article_id": "a6", "day": date(2024, 4, 2), "outlet": "us-wire",
                       "title": "Climate change summit", "url": "https://us-wire.example/a6"}


def cli(data: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["search", "--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_formats(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(data, capsys, "climat*", "--format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows[0] == {"period": "2024-03-02", "matches": 2, "total": 3, "share": 0.666667}
    code, out, _ = cli(data, capsys, '"border wall"', "--list", "5", "--format", "csv")
    assert out.splitlines() == ["article_id,day,outlet,title,url",
                                "a3,2024-03-03,us-wire,Border wall,https://us-wire.example/a3"]
    code, out, _ = cli(data, capsys, "climat*", "--by", "month", "--format", "markdown")
    assert out.splitlines()[2] == "| 2024-03-01 | 3 | 6 | 0.5 |"
    code, out, _ = cli(data, capsys, "climat*")
    assert "2024-03-09" in out and "matches █▁▅▁▅  max 2" in out and "share   ▆▁█▁█" in out  # table, sparklines


def test_cli_writes_an_html_page(data: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "climate.html"
    code, _, err = cli(data, capsys, "climat*", "--by", "week", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert code == 0 and "written to" in err
    assert 'data-chart="search-matches"' in html and 'data-chart="search-share"' in html
    assert 'data-chart="search-outlets"' in html and "us-wire" in html and "climat*" in html


@pytest.mark.parametrize(("query", "message"), [
    ("(mexico OR guatemala", "never closed"), ("mexico AND", "nothing after"), ("", "empty query"),
    ("OR mexico", "nothing before"), ("a)", "closes nothing"),
])
def test_bad_queries_are_one_line_and_exit_2(data: Path, capsys: pytest.CaptureFixture[str], query: str,
                                            message: str) -> None:
    code, out, err = cli(data, capsys, query)
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1


def test_bad_options_exit_2(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(data, capsys, "x", "--topic", "medtop:99999999")[0] == 2  # unknown to the warehouse
    assert cli(data, capsys, "x", "--html", "p.html", "--by", "outlet")[0] == 2
    code, out, err = cli(data, capsys, "x", "--source", "us-wire", "--source", "nope")
    assert code == 2 and out == "" and "unknown outlet 'nope'" in err and "us-wire" in err
    for option in (["--since", "March"], ["--country", "XX"], ["--country", "USA"], ["--language", "english"]):
        with pytest.raises(SystemExit) as caught:
            cli(data, capsys, "x", *option)
        assert caught.value.code == 2
    assert "not an ISO 639-1 language code" in capsys.readouterr().err


def test_codes_in_any_case_and_empty_results_say_why(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(data, capsys, "climat*", "--country", "mx", "--language", "EN", "-f", "csv")[:2] == \
        cli(data, capsys, "climat*", "--country", "MX", "--language", "en", "-f", "csv")[:2]
    code, out, err = cli(data, capsys, "climat*", "--since", "2030-01-01", "--country", "zw", "-f", "csv")
    assert code == 0 and out.splitlines() == ["period,matches,total,share"]
    assert err.strip() == "newsflow: no articles pass the filters (since 2030-01-01; country ZW)"
    code, out, err = cli(data, capsys, "zzyzx")
    assert code == 0 and "0 rows" not in out and err.strip() == "newsflow: no article matches the query"
    assert cli(data, capsys, "zzyzx", "--list", "3")[2].strip() == "newsflow: no article matches the query"
    assert cli(data, capsys, "climat*")[2] == ""


def test_index_in_step_after_a_second_load_and_a_rebuild(data: Path) -> None:
    db = data / "warehouse.duckdb"
    later = [("b1", "de-post", "2024-04-03 10:00", "München again", "Climate-change in München.", "de", ["DE"],
              [POLITICS])]
    publish(data, "r2", later)
    load_lake(data, db)
    assert search(db, "munchen", limit=10).unindexed == 0
    assert listed(db, "munchen") == {"a1", "b1"}
    keys = (index_dir(db) / MANIFEST).stat().st_size // 8
    assert keys == 8  # 9 articles, a2 and a6 share one content
    load_lake(data, db)  # nothing new: nothing added
    assert (index_dir(db) / MANIFEST).stat().st_size // 8 == keys
    rebuild_warehouse(data, db)
    assert not index_dir(data / "warehouse.duckdb.rebuild").exists()
    result = search(db, '"climate change"', limit=10)
    assert result.unindexed == 0 and {r["article_id"] for r in result.table.to_pylist()} == {"a1", "a2", "a6", "b1"}


def test_search_stays_exact_without_the_index_and_a_load_catches_it_up(data: Path) -> None:
    db = data / "warehouse.duckdb"
    manifest = index_dir(db) / MANIFEST
    manifest.write_bytes(manifest.read_bytes()[:-3])  # a crash mid-write: the last key is lost ...
    (index_dir(db) / MARK).unlink()  # ... and the mark, written after the keys, never was
    result = search(db, "climat*", limit=10)
    assert result.unindexed == 1 and {r["article_id"] for r in result.table.to_pylist()} == {"a1", "a2", "a4", "a6"}
    load_lake(data, db)  # indexes the lost key again (a repeated key is harmless)
    assert search(db, "climat*", limit=10).unindexed == 0
    assert listed(db, "climat*") == {"a1", "a2", "a4", "a6"}
    for path in index_dir(db).iterdir():  # the whole index gone: still exact, the reference matcher answers
        path.unlink() if path.is_file() else None
    assert listed(db, '"border wall"') == {"a3"}


def test_a_file_repeating_loaded_articles_keeps_one_key_per_article(data: Path) -> None:
    """The load's fallback path (a file with articles already loaded) keys only the new ones."""
    changed = ("a1", "de-post", "2024-03-02 09:00", "Rewritten", "Entirely new words.", "de", ["DE"], [POLITICS])
    fresh = ("c1", "us-wire", "2024-03-04 09:00", "Fresh", "Munich news.", "en", ["DE"], [POLITICS])
    publish(data, "r3", [changed, fresh])
    db = data / "warehouse.duckdb"
    load_lake(data, db)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        counts = con.execute("select count(*), count(distinct article_id) from search_docs").fetchall()[0]
    assert counts == (9, 9)
    assert listed(db, "munchen") == {"a1"} and listed(db, "rewritten") == set() and listed(db, "munich") == {"a1", "c1"}


def test_a_warehouse_from_before_search_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import duckdb

    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()  # a warehouse without search_docs
    code, _, err = cli(tmp_path, capsys, "anything")
    assert code == 2 and "no search table yet" in err


def test_a_half_deleted_index_neither_misleads_search_nor_the_next_load(data: Path) -> None:
    db = data / "warehouse.duckdb"
    (index_dir(db) / "meta.json").unlink()  # the keys and mark files survive, tantivy's index does not
    assert listed(db, "climat*") == {"a1", "a2", "a4", "a6"}  # matched without it
    load_lake(data, db)  # starts a new index rather than trusting the old key list
    result = search(db, "climat*", limit=10)
    assert result.unindexed == 0 and {r["article_id"] for r in result.table.to_pylist()} == {"a1", "a2", "a4", "a6"}


def test_a_phrase_ending_in_a_prefix_finds_every_expansion(tmp_path: Path) -> None:
    """More expansions of the last word than tantivy's phrase-prefix query follows (50)."""
    many = [(f"p{i}", "us-wire", "2024-03-02 09:00", f"Item {i}", f"The climate chang{chr(97 + i % 26)}{i} story.",
             "en", ["US"], [POLITICS]) for i in range(80)]
    publish(tmp_path, "r1", many)
    db = tmp_path / "warehouse.duckdb"
    load_lake(tmp_path, db)
    assert listed(db, "climate-chang*") == {a[0] for a in many}
    assert listed(db, "climate-changb*") == {a[0] for a in many if a[4].split()[2].startswith("changb")}


def test_an_index_far_behind_is_a_clear_error(data: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import warehouse.search

    shutil.rmtree(index_dir(data / "warehouse.duckdb"))
    monkeypatch.setattr(warehouse.search, "CATCH_UP_LIMIT", 5)  # 7 distinct contents lack an index
    code, out, err = cli(data, capsys, "climat*")
    assert code == 2 and out == "" and "lacks 7 articles' contents" in err
