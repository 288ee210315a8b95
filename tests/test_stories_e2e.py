"""Stories end to end: corpus copies served by a local site, two ingest runs, then rebuilds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.stories import build_site, ingest
from benchmarks.stories_data import load_records, story_pages
from tasks.discover.urls import url_key
from tasks.store.rebuild import rebuild_warehouse, reextract

pytestmark = pytest.mark.slow


def stories_by_url(data: Path) -> dict[str, str]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select a.url, s.story_id from articles a join article_stories s using (article_id)")
        return {url_key(url): story for url, story in rows.fetchall()}


def test_copies_join_across_runs_and_keep_their_story_through_rebuild_from_raw(corpus_dir: Path,
                                                                             tmp_path: Path) -> None:
    pages = story_pages(load_records(corpus_dir, limit=9))
    site, by_url = build_site(pages)
    with site:
        data = tmp_path / "data"
        wires = sorted(o for o in site.outlets if o.startswith("wire"))
        ingest(site, data, wires, workers=1)  # the wire outlets' articles first
        ingest(site, data, sorted(site.outlets), workers=1)  # then the papers' copies, in a later run
    got = stories_by_url(data)
    assert set(got) == set(by_url), "every served page is an article with a story"
    origin = {by_url[k][0].truth: got[k] for k in got if by_url[k][0].role == "origin"}
    for key, story in got.items():
        served = by_url[key][0]
        if served.role in ("verbatim", "edited", "second_url"):
            assert story == origin[served.truth], f"{served.role} copy of {served.truth} not in its story"
        elif served.role == "lookalike":
            assert story not in origin.values(), "a lookalike joined another article's story"
    assert len(set(origin.values())) == len(origin)
    reextract(data, workers=1)
    rebuild_warehouse(data, data / "warehouse.duckdb")
    assert stories_by_url(data) == got
