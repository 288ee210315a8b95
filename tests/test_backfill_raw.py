"""newsflow's own raw archive is complete: rebuild --from-raw and a backfill of data/raw reproduce an ingest."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.newsite import NewsSite, load_pages, make_outlets

pytestmark = pytest.mark.slow
SNAPSHOT = """
select a.url, a.source_id, a.title, a.content_hash, a.published_at, a.language,
       (select list(c.country_code order by c.country_code) from article_countries c where c.article_id = a.article_id),
       (select list(t.topic_code order by t.topic_code) from article_topics t where t.article_id = a.article_id)
from articles a order by a.url
"""


def snapshot(data: Path) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(SNAPSHOT).fetchall()


@pytest.fixture(scope="module")
def ingested(corpus_dir: Path, prefect_harness, tmp_path_factory, fast_fetch_env):
    from flows.ingest import ingest

    pages = load_pages(corpus_dir, ["l3s_gn1.jsonl.gz"], limit=24)
    root = tmp_path_factory.mktemp("raw")
    with NewsSite(make_outlets(pages, 3)) as site:
        (root / "sources.toml").write_text(site.sources_toml())
        ingest(sources_file=str(root / "sources.toml"), data_dir=str(root / "data"))
    return root, snapshot(root / "data")


def test_the_ingest_took_listing_dates(ingested) -> None:
    """Without pages whose date came from their listing, the tests below would prove nothing."""
    _, rows = ingested
    assert len(rows) >= 15
    assert sum(1 for r in rows if r[4] is not None and r[4].year == 2026 and r[4].month == 11) >= 3


def test_rebuild_from_raw_reproduces_the_warehouse(ingested) -> None:
    from tasks.store.rebuild import rebuild_warehouse, reextract

    root, rows = ingested
    reextract(root / "data", workers=2)
    rebuild_warehouse(root / "data", root / "data" / "warehouse.duckdb")
    assert snapshot(root / "data") == rows


def test_backfill_of_raw_into_a_fresh_directory_gives_the_same_articles(ingested, monkeypatch) -> None:
    from flows.backfill import backfill

    root, rows = ingested
    monkeypatch.setenv("NEWSFLOW_EXTRACT_WORKERS", "2")
    summary, files = backfill(paths=[str(root / "data" / "raw")], sources_file=str(root / "sources.toml"),
                              data_dir=str(root / "fresh"))
    assert files and all(f.status == "loaded" for f in files)
    assert snapshot(root / "fresh") == rows
