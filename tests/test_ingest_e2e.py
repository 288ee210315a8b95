"""End to end: a local news site -> the ingest flow -> lake and warehouse, run twice."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.newsite import NewsSite, load_pages, make_outlets

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(corpus_dir: Path):
    pages = load_pages(corpus_dir, ["scrapinghub_aeb.jsonl.gz", "readability_news.jsonl.gz"], limit=48)
    outlets = make_outlets(pages, 4, faults=("500", "slow", "robots"))
    with NewsSite(outlets, slow_seconds=4) as server:
        yield server


@pytest.fixture(scope="module")
def runs(site: NewsSite, prefect_harness, tmp_path_factory, fast_fetch_env):
    """Two ingest runs over the same site, with the site's request counts after each."""
    from flows.ingest import ingest

    root = tmp_path_factory.mktemp("ingest")
    sources = root / "sources.toml"
    sources.write_text(site.sources_toml())
    data = root / "data"
    first = ingest(sources_file=str(sources), data_dir=str(data))
    hits_after_first = dict(site.hits)
    statuses_first = dict(site.statuses)
    site.statuses.clear()
    second = ingest(sources_file=str(sources), data_dir=str(data))
    return {"data": data, "first": first, "second": second, "hits1": hits_after_first,
            "statuses1": statuses_first, "statuses2": dict(site.statuses)}


def query(data: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_served_article_lands_once_or_has_a_reason(site: NewsSite, runs) -> None:
    served = set(site.article_urls())
    loaded = {u for (u,) in query(runs["data"], "select url from articles")}
    reasons = dict(query(runs["data"], "select url, reason from fetches where kind = 'page' and outcome <> 'article'"))
    missing = served - loaded
    assert not missing - set(reasons), f"pages neither loaded nor explained: {sorted(missing - set(reasons))[:5]}"
    assert len(loaded & served) >= 0.95 * len(served)
    dupes = query(runs["data"], "select url, count(*) from articles group by url having count(*) > 1")
    assert dupes == []


def test_articles_have_titles_and_bodies(runs) -> None:
    rows = query(runs["data"], "select title, word_count, language, run_id from articles")
    assert rows and all(title and words > 50 for title, words, _, _ in rows)
    assert {lang for _, _, lang, _ in rows} >= {"en"}


def test_second_run_adds_nothing_and_uses_conditional_get(site: NewsSite, runs) -> None:
    assert runs["second"].total("new") == 0
    assert runs["second"].total("fetched") == 0
    article_paths = [p for p in site.hits if "/a/" in p]
    assert all(site.hits[p] == runs["hits1"][p] for p in article_paths), "article pages fetched again"
    healthy_listings = [site.listing_url(o).removeprefix(site.base) for o in site.outlets.values() if not o.fault]
    assert all(site.last_status[p] == 304 for p in healthy_listings), "listings not answered Not Modified"


def test_faulty_outlets_do_not_stop_others_and_are_recorded(runs) -> None:
    rows = query(runs["data"], "select source_id, outcome, reason from fetches where source_id like 'bad-%'")
    by_source = {}
    for source, outcome, reason in rows:
        by_source.setdefault(source, []).append((outcome, reason or ""))
    assert set(by_source) == {"bad-500", "bad-slow", "bad-robots"}
    assert all(outcome == "failed" for outcome, _ in by_source["bad-500"])
    assert any("500" in reason for _, reason in by_source["bad-500"])
    assert any("robots" in reason for _, reason in by_source["bad-robots"])
    assert any("time" in reason for _, reason in by_source["bad-slow"])
    healthy = query(runs["data"], "select count(distinct source_id) from articles")[0][0]
    assert healthy == 4


def test_lake_files_match_the_warehouse(runs) -> None:
    data = runs["data"]
    files = list((data / "lake" / "articles").glob("date=*/*.parquet"))
    assert files and not list(data.glob("lake/**/.*.tmp"))
    lake_rows = duckdb.execute(f"select count(*) from read_parquet('{data}/lake/articles/**/*.parquet')").fetchone()[0]
    assert lake_rows == query(data, "select count(*) from articles")[0][0]
    raw = list((data / "raw").glob("date=*/*.warc.gz"))
    assert raw, "raw pages are archived as WARC"
    assert query(data, "select count(*) from runs")[0][0] == 2


def test_rebuild_from_lake_and_from_raw_reproduce_the_warehouse(runs, tmp_path: Path) -> None:
    import shutil

    from flows.cli import main

    data = tmp_path / "data"
    shutil.copytree(runs["data"], data, ignore=shutil.ignore_patterns(".prefect", ".ingest.lock"))
    snap = "select url, title, content_hash from articles order by url"
    before = query(data, snap)
    tags = "select count(*) from article_countries"
    tags_before = query(data, tags)
    assert main(["rebuild", "--data-dir", str(data)]) == 0
    assert query(data, snap) == before and query(data, tags) == tags_before
    assert main(["rebuild", "--from-raw", "--data-dir", str(data)]) == 0
    assert query(data, snap) == before and query(data, tags) == tags_before
    assert list((data / "replaced").glob("*/articles/date=*/*.parquet")), "old article files are kept aside"
