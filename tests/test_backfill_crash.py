"""SIGKILL in the middle of a WARC file, then a rerun: the warehouse equals an uninterrupted backfill's
(files served as a CC-NEWS month, one task each; and the same files read from a folder, one group)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from benchmarks.backfill_data import hosts_toml, serve_tree, write_cc_news
from benchmarks.newsite import load_pages

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = """
select a.url, a.source_id, a.content_hash, a.published_at,
       (select list(t.topic_code order by t.topic_code) from article_topics t where t.article_id = a.article_id)
from articles a order by a.url
"""


@pytest.fixture(scope="module")
def tree(corpus_dir: Path, tmp_path_factory):
    pages = [p for p in load_pages(corpus_dir, ["readability_news.jsonl.gz"], limit=40) if p.get("url")][:20]
    root = tmp_path_factory.mktemp("cc")
    write_cc_news(root / "tree", "2024/02", [pages[:10], pages[10:]], others=1)
    (root / "sources.toml").write_text(hosts_toml(pages))
    with serve_tree(root / "tree") as base:
        yield base, root


def backfill(base: str, root: Path, data: Path, api_url: str, crash_at: str | None = None,
             local: bool = False) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": api_url, "NEWSFLOW_CCNEWS_BASE": base,
           "NEWSFLOW_EXTRACT_WORKERS": "2"}
    env.pop("NEWSFLOW_CRASH_AT", None)
    if crash_at:
        env["NEWSFLOW_CRASH_AT"] = crash_at
    log = root / f"run-{time.monotonic_ns()}.log"
    with log.open("w") as out:
        where = [str(root / "tree")] if local else ["--cc-news", "2024-02"]
        code = subprocess.run([sys.executable, "-m", "flows.cli", "backfill", *where, "--sources",
                               str(root / "sources.toml"), "--data-dir", str(data)],
                              env=env, stdout=out, stderr=subprocess.STDOUT, timeout=300).returncode
    return code, log.read_text()


def snapshot(data: Path) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(SNAPSHOT).fetchall()


# A CC-NEWS month is read one file per task: killed at its first page. A folder of small files is
# read as one group: killed after its first file is staged, before the group is published.
@pytest.mark.parametrize(("local", "crash_at"), [(False, "fetch"), (True, "archive-file-read")],
                         ids=["cc-news", "local-group"])
def test_kill_mid_file_then_rerun_equals_uninterrupted(tree, prefect_harness, tmp_path, local: bool,
                                                       crash_at: str) -> None:
    from prefect.settings import get_current_settings

    api_url = str(get_current_settings().api.url)
    base, root = tree
    code, out = backfill(base, root, tmp_path / "ref", api_url, local=local)
    assert code == 0, out
    reference = snapshot(tmp_path / "ref")
    assert len(reference) >= 15
    code, out = backfill(base, root, tmp_path / "data", api_url, crash_at=crash_at, local=local)
    assert code == -9, out
    assert not (tmp_path / "data" / "warehouse.duckdb").exists() or snapshot(tmp_path / "data") == []
    code, out = backfill(base, root, tmp_path / "data", api_url, local=local)
    assert code == 0, out
    assert snapshot(tmp_path / "data") == reference
    code, out = backfill(base, root, tmp_path / "data", api_url, local=local)
    assert code == 0 and "0 files" in out, out
    assert snapshot(tmp_path / "data") == reference
