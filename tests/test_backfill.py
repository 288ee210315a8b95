"""The backfill flow against a CC-NEWS tree served on 127.0.0.1: kept hosts only, once, resumable, damage kept."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.backfill_data import FETCHED, hosts_toml, serve_tree, write_cc_news, write_warc
from benchmarks.newsite import load_pages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pages(corpus_dir: Path) -> list[dict]:
    return [p for p in load_pages(corpus_dir, ["readability_news.jsonl.gz"], limit=40) if p.get("url")][:24]


@pytest.fixture()
def tree(pages: list[dict], tmp_path: Path):
    write_cc_news(tmp_path / "tree", "2024/01", [pages[:12], pages[12:]], others=2)
    (tmp_path / "sources.toml").write_text(hosts_toml(pages))
    with serve_tree(tmp_path / "tree") as base:
        yield base, tmp_path


def run(tmp_path: Path, monkeypatch, base: str, **kw):  # type: ignore[no-untyped-def]
    from flows.backfill import backfill

    monkeypatch.setenv("NEWSFLOW_CCNEWS_BASE", base)
    monkeypatch.setenv("NEWSFLOW_EXTRACT_WORKERS", "2")
    return backfill(sources_file=str(tmp_path / "sources.toml"), data_dir=str(tmp_path / "data"), **kw)


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_cc_news_tree_loads_kept_hosts_once_then_nothing(tree, pages, monkeypatch, prefect_harness) -> None:
    base, tmp = tree
    summary, files = run(tmp, monkeypatch, base, cc_news="2024-01")
    assert [f.status for f in files] == ["loaded", "loaded"]
    kept = sum(f.scan.kept for f in files)
    assert kept == len(pages) and sum(f.scan.other_hosts for f in files) == 2 * len(pages)
    articles = query(tmp, "select count(*), count(distinct article_id) from articles")[0]
    outcomes = dict(query(tmp, "select outcome, count(*) from fetches where kind = 'page' group by all"))
    assert articles[0] == articles[1] == summary.total("new") >= 0.8 * len(pages)
    assert articles[0] == outcomes.get("article", 0)
    assert query(tmp, "select count(*) from articles where url like '%example.net%'") == [(0,)]
    # every backfilled article is in a story, as an ingested one is
    assert query(tmp, "select count(*) from articles anti join article_stories using (article_id)") == [(0,)]
    # WARC-Date is the fetch time, never the publication date
    fetched = query(tmp, "select distinct cast(fetched_at as date) from articles")
    assert fetched == [(FETCHED.date(),)]
    assert query(tmp, f"select count(*) from articles where cast(published_at as date) = '{FETCHED.date()}'") == [(0,)]
    before = query(tmp, "select (select count(*) from articles), (select count(*) from fetches where kind = 'page')")
    summary2, files2 = run(tmp, monkeypatch, base, cc_news="2024-01")
    assert files2 == [] and summary2.total("new") == 0
    assert query(tmp, "select (select count(*) from articles), (select count(*) from fetches where kind = 'page')") \
        == before


def test_truncated_file_keeps_complete_records_and_reports(tree, pages, monkeypatch, prefect_harness) -> None:
    base, tmp = tree
    warcs = sorted((tmp / "tree").rglob("*.warc.gz"))
    data = warcs[0].read_bytes()
    warcs[0].write_bytes(data[: len(data) // 2])
    summary, files = run(tmp, monkeypatch, base, cc_news="2024-01")
    by_name = {f.location.rsplit("/", 1)[-1]: f for f in files}
    broken, whole = by_name[warcs[0].name], by_name[warcs[1].name]
    assert broken.status == "damaged" and broken.error and 0 < broken.scan.kept < 12
    assert whole.status == "loaded" and whole.scan.kept == 12
    assert query(tmp, "select outcome from fetches where kind = 'archive' order by url") == [("damaged",), ("ok",)]
    assert summary.total("new") > 0


def test_all_hosts_and_local_files(pages, tmp_path, monkeypatch, prefect_harness) -> None:
    write_warc(tmp_path / "in" / "a.warc.gz", pages[:6], others=1, extras=False)
    (tmp_path / "sources.toml").write_text(hosts_toml(pages[:1]))
    summary, files = run(tmp_path, monkeypatch, "http://127.0.0.1:9/", paths=[str(tmp_path / "in")], all_hosts=True)
    assert files[0].status == "loaded" and files[0].scan.kept == 12 and files[0].scan.other_hosts == 0
    sources = dict(query(tmp_path, "select source_id, country from sources"))
    assert "example.net" in sources and sources["example.net"] is None  # a new domain: country unknown


def test_small_local_files_are_read_as_one_group_each_recorded_apart(pages, tmp_path, monkeypatch,
                                                                      prefect_harness) -> None:
    """A folder of small WARCs (newsflow's own data/raw holds one per source and run) is read by one
    task and published once; each file still has its own archive row, damage and resumption."""
    for n in range(4):
        write_warc(tmp_path / "in" / f"{n}.warc.gz", pages[n * 6:(n + 1) * 6], others=1, extras=False)
    write_warc(tmp_path / "in" / "4.warc.gz", pages[:2], extras=False)  # crawled again: loads once
    broken = tmp_path / "in" / "2.warc.gz"
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 2])
    (tmp_path / "sources.toml").write_text(hosts_toml(pages))
    summary, files = run(tmp_path, monkeypatch, "http://127.0.0.1:9/", paths=[str(tmp_path / "in")])
    by_name = {Path(f.location).name: f for f in files}
    assert sorted(by_name) == ["0.warc.gz", "1.warc.gz", "2.warc.gz", "3.warc.gz", "4.warc.gz"]
    assert [by_name[n].status for n in sorted(by_name)] == ["loaded", "loaded", "damaged", "loaded", "loaded"]
    assert 0 < by_name["2.warc.gz"].scan.kept < 6 and by_name["3.warc.gz"].scan.kept == 6
    assert by_name["4.warc.gz"].new == 0  # its two pages were staged from 0.warc.gz already
    assert query(tmp_path, "select count(*) from fetches where kind = 'archive'") == [(5,)]
    assert len(list((tmp_path / "data" / "lake" / "articles").rglob("*.parquet"))) == 1  # one publish
    articles = query(tmp_path, "select count(*), count(distinct url) from articles")[0]
    assert articles[0] == articles[1] == summary.total("new") > 0
    summary2, files2 = run(tmp_path, monkeypatch, "http://127.0.0.1:9/", paths=[str(tmp_path / "in")])
    # files read whole are not read again; the damaged one is (it may have been repaired), adding nothing
    assert [(Path(f.location).name, f.status) for f in files2] == [("2.warc.gz", "damaged")]
    assert summary2.total("new") == 0
    assert query(tmp_path, "select count(*) from articles") == [(articles[0],)]
