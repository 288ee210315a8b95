"""SIGKILL at each stage, then rerun: the warehouse ends as an uninterrupted run's; two runs at once are safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from benchmarks.newsite import NewsSite, load_pages, make_outlets

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = """
select a.url, a.title, a.content_hash, a.published_at,
       (select list(c.country_code order by c.country_code) from article_countries c where c.article_id = a.article_id),
       (select list(t.topic_code order by t.topic_code) from article_topics t where t.article_id = a.article_id),
       (select s.story_id from article_stories s where s.article_id = a.article_id)
from articles a order by a.url
"""


@pytest.fixture(scope="module")
def site(corpus_dir: Path):
    pages = load_pages(corpus_dir, ["readability_news.jsonl.gz"], limit=10)
    with NewsSite(make_outlets(pages, 2)) as server:
        yield server


@pytest.fixture(scope="module")
def api_url(prefect_harness) -> str:
    """The harness's API, so each subprocess skips starting a temporary server of its own."""
    from prefect.settings import get_current_settings

    return str(get_current_settings().api.url)


def ingest(site: NewsSite, data: Path, api_url: str, crash_at: str | None = None) -> subprocess.Popen:
    """Start `newsflow ingest` as a real process against the local site."""
    data.mkdir(parents=True, exist_ok=True)
    (data.parent / "sources.toml").write_text(site.sources_toml())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": api_url, "NEWSFLOW_HOST_DELAY": "0",
           "NEWSFLOW_ALLOWED_NETWORKS": "127.0.0.1/32", "NEWSFLOW_EXTRACT_WORKERS": "2"}
    env.pop("NEWSFLOW_CRASH_AT", None)
    if crash_at:
        env["NEWSFLOW_CRASH_AT"] = crash_at
    cmd = [sys.executable, "-m", "flows.cli", "ingest", "--sources", str(data.parent / "sources.toml"),
           "--data-dir", str(data)]
    # Output goes to a file: worker processes orphaned by a SIGKILL may hold a pipe open for a while.
    log = (data.parent / f"ingest-{time.monotonic_ns()}.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    proc.log_path = log.name  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen, timeout: float = 240) -> tuple[int, str]:
    code = proc.wait(timeout=timeout)
    return code, Path(proc.log_path).read_text()  # type: ignore[attr-defined]


def snapshot(data: Path) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(SNAPSHOT).fetchall()


@pytest.fixture(scope="module")
def reference(site: NewsSite, api_url: str, tmp_path_factory) -> list[tuple]:
    data = tmp_path_factory.mktemp("reference") / "data"
    code, err = finish(ingest(site, data, api_url))
    assert code == 0, err
    return snapshot(data)


@pytest.mark.parametrize("stage", ["fetch", "lake-write", "load"])
def test_kill_at_stage_then_rerun_equals_uninterrupted(stage: str, site, api_url, reference, tmp_path) -> None:
    data = tmp_path / "data"
    code, err = finish(ingest(site, data, api_url, crash_at=stage))
    assert code == -signal.SIGKILL, f"the crash hook did not fire at {stage}: {err[-2000:]}"
    for lake in data.glob("lake/**/*.parquet"):  # whatever was published is a complete file
        duckdb.execute("select count(*) from read_parquet(?)", [str(lake)]).fetchall()
    code, err = finish(ingest(site, data, api_url))
    assert code == 0, err
    assert snapshot(data) == reference
    assert not list(data.glob("staging/*")) and not list(data.glob("lake/**/.*.tmp"))


def test_two_runs_at_once_do_not_interleave(site, api_url, reference, tmp_path) -> None:
    data = tmp_path / "data"
    first = ingest(site, data, api_url)
    time.sleep(0.5)
    second = ingest(site, data, api_url)
    (code1, err1), (code2, err2) = finish(first), finish(second)
    assert code1 == 0 and code2 == 0, err1 + err2
    assert snapshot(data) == reference
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute("select started_at, finished_at, new_articles from runs order by started_at").fetchall()
    assert len(runs) == 2 and runs[0][1] <= runs[1][0], "the runs overlapped"
    assert runs[1][2] == 0, "the second run found what the first had already loaded"
