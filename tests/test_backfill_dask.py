"""The backfill on a Dask cluster: a scheduler and two worker processes started here, on 127.0.0.1."""

from __future__ import annotations

import os
import socket
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
DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


@pytest.fixture()
def cluster(prefect_harness, tmp_path):
    """`dask scheduler` and two `dask worker` processes (one thread each) seeing this checkout."""
    pytest.importorskip("prefect_dask")
    if not DASK.exists():
        pytest.skip("the dask command is not installed")
    from prefect.settings import get_current_settings

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": str(get_current_settings().api.url),
           "NEWSFLOW_EXTRACT_WORKERS": "1", "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    log = (tmp_path / "dask.log").open("w")
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], env=env, stdout=log, stderr=subprocess.STDOUT)]
    try:
        wait_for_port(port)
        for _ in range(2):
            procs.append(subprocess.Popen([str(DASK), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                           "--host", "127.0.0.1", "--no-dashboard"], env=env, stdout=log,
                                          stderr=subprocess.STDOUT))
        yield f"tcp://127.0.0.1:{port}", env
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_backfill_runs_its_file_tasks_on_dask_workers(cluster, corpus_dir, tmp_path) -> None:
    address, env = cluster
    pages = [p for p in load_pages(corpus_dir, ["readability_news.jsonl.gz"], limit=40) if p.get("url")][:16]
    write_cc_news(tmp_path / "tree", "2024/03", [pages[:4], pages[4:8], pages[8:12], pages[12:]], others=1)
    (tmp_path / "sources.toml").write_text(hosts_toml(pages))
    with serve_tree(tmp_path / "tree") as base:
        run_env = {**env, "NEWSFLOW_TASK_RUNNER": "dask", "NEWSFLOW_DASK_ADDRESS": address,
                   "NEWSFLOW_CCNEWS_BASE": base}
        done = subprocess.run([sys.executable, "-m", "flows.cli", "backfill", "--cc-news", "2024-03", "--sources",
                               str(tmp_path / "sources.toml"), "--data-dir", str(tmp_path / "data")],
                              env=run_env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 files" in done.stderr
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        archives = con.execute("select count(*) from fetches where kind = 'archive' and outcome = 'ok'").fetchone()
        articles = con.execute("select count(*), count(distinct url) from articles").fetchone()
    assert archives == (4,)
    assert articles is not None and articles[0] == articles[1] >= 12
    # the file tasks ran in the Dask workers' processes: their log lines are in the workers' output
    worker_log = (tmp_path / "dask.log").read_text()
    assert worker_log.count(": loaded, ") == 4 and ": loaded, " not in done.stderr
