"""`newsflow serve`: schedule plans; scheduled runs against the local site that never overlap."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from benchmarks import newsite
from benchmarks.newsite import NewsSite, load_pages, make_outlets
from tasks.discover.sources import Source, SourcesError
from tasks.schedules import Cadence, parse_cadence, plan_ingest, select_sources
from tests.local_env import cli_env

CORPUS_FILES = ["scrapinghub_aeb.jsonl.gz", "readability_news.jsonl.gz"]
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


def source(sid: str, schedule: str | None = None) -> Source:
    return Source(sid, sid, "US", "en", feeds=(f"http://x/{sid}.xml",), schedule=schedule)


def test_sources_are_grouped_by_schedule() -> None:
    sources = [source("a"), source("b", "3600"), source("c", "0 6 * * *"), source("d", "3600")]
    plans = {p.name: p for p in plan_ingest(sources)}
    assert plans["default"].cadence == Cadence(interval=1800) and plans["default"].source_ids == ("a",)
    assert plans["every-3600s"].source_ids == ("b", "d")
    assert plans["cron-0-6-x-x-x"].cadence == Cadence(cron="0 6 * * *")


def test_unscheduled_sources_mean_all_and_an_override_wins() -> None:
    assert [(p.name, p.source_ids) for p in plan_ingest([source("a"), source("b")])] == [("default", None)]
    plans = plan_ingest([source("a", "60"), source("b")], override=parse_cadence("*/5 * * * *"))
    assert [(p.name, p.cadence.cron, p.source_ids) for p in plans] == [("default", "*/5 * * * *", None)]


def test_bad_schedules_and_unknown_ids_are_named() -> None:
    with pytest.raises(SourcesError, match="source 'a'"):
        plan_ingest([source("a", "every hour")])
    with pytest.raises(SourcesError, match="unknown source id"):
        select_sources([source("a")], ["a", "zz"])
    assert [s.id for s in select_sources([source("a"), source("b")], ["b"])] == ["b"]




def lake_runs(data: Path) -> list[Path]:
    return sorted(data.glob("lake/runs/date=*/run-*.parquet"))


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"serve exited early ({proc.returncode}) while waiting for {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


def flow_runs(api: str) -> list[dict]:
    response = httpx.post(f"{api}/flow_runs/filter", json={"sort": "EXPECTED_START_TIME_ASC"}, timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.mark.slow
def test_serve_interval_runs_only_new_pages_never_overlaps_and_stops_cleanly(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = load_pages(corpus_dir, CORPUS_FILES, limit=6)
    first, added = pages[:4], pages[4:]
    outlets = make_outlets(first, 2)
    data, log = tmp_path / "data", tmp_path / "serve.log"
    with NewsSite(outlets) as site, open(log, "wb") as out:
        (tmp_path / "sources.toml").write_text(site.sources_toml())
        args = ["--interval", "20", "--grace", "60", "--sources", str(tmp_path / "sources.toml")]
        proc = subprocess.Popen(
            [NEWSFLOW, "serve", *args, "--data-dir", str(data)],
            env=cli_env(PREFECT_RUNNER_POLL_FREQUENCY="2"),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        try:
            wait_for(lambda: len(lake_runs(data)) >= 1, 150, "the first scheduled run", proc, log)
            api = re.findall(r"Prefect API (\S+)", log.read_text())[0]  # serve prints the API it uses
            for i, page in enumerate(added):
                outlets[i % 2].pages.append(page)
            # The site answers If-Modified-Since from one fixed date: move it, as a real site would.
            monkeypatch.setattr(newsite, "LAST_MODIFIED", "Mon, 02 Nov 2026 00:00:00 GMT")
            wait_for(lambda: completed(flow_runs(api)) >= 2, 120, "two completed runs", proc, log)
            runs_in_prefect = flow_runs(api)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=90) == 0, log.read_text()[-3000:]
        finally:
            if proc.poll() is None:
                proc.kill()
    added_urls = {site.page_url(o, i) for o in outlets for i in range(len(first) // 2, len(o.pages))}
    check_runs(data, len(first), added_urls)
    check_prefect_runs(runs_in_prefect)
    check_no_leftovers(data)
    assert "serve stopped" in log.read_text()


def check_runs(data: Path, first_pages: int, added_urls: set[str]) -> None:
    """At least two runs, one after the other; the second fetched exactly the added pages."""
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute("select run_id, started_at, finished_at, fetched from runs order by started_at").fetchall()
        second = {
            u
            for (u,) in con.execute(
                "select url from fetches where kind = 'page' and run_id = ?", [runs[1][0]]
            ).fetchall()
        }
        dupes = con.execute("select count(*) - count(distinct url) from articles").fetchone()[0]
    assert len(runs) >= 2
    for (_, _, finished, _), (_, started, _, _) in zip(runs, runs[1:], strict=False):
        assert finished <= started, "runs overlapped"
    assert runs[0][3] == first_pages
    assert second == added_urls and runs[1][3] == len(added_urls)
    assert all(fetched == 0 for *_, fetched in runs[2:])
    assert dupes == 0


def completed(runs: list[dict]) -> int:
    return sum(r["state_type"] == "COMPLETED" for r in runs)


def check_prefect_runs(runs: list[dict]) -> None:
    """What Prefect saw: runs one at a time; a run due during another was cancelled, never run."""
    ran = [r for r in runs if r.get("start_time") and r["state_type"] != "CANCELLED"]
    assert completed(ran) >= 2, [r["state_type"] for r in runs]
    spans = sorted((r["start_time"], r.get("end_time") or "9999") for r in ran)
    assert all(s[1] <= t[0] for s, t in zip(spans, spans[1:], strict=False)), spans
    for r in runs:
        if r["state_type"] == "CANCELLED":  # skipped by the deployment's CANCEL_NEW limit: zero duration
            assert "concurrency limit" in r["state"]["message"] and r["start_time"] == r["end_time"]


def check_no_leftovers(data: Path) -> None:
    """No temporary or hidden files in the lake, no staging left, every lake file loaded."""
    assert not [p for p in data.glob("lake/**/.*")]
    assert not list(data.glob("staging/*"))
    files = {p.relative_to(data).as_posix() for p in data.glob("lake/*/*/*.parquet")}
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        loaded = {r[0] for r in con.execute("select path from lake_files").fetchall()}
    assert files == loaded


def test_task_runner_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.runners import make_task_runner, task_runner_kind

    monkeypatch.delenv("NEWSFLOW_TASK_RUNNER", raising=False)
    assert isinstance(make_task_runner(), ThreadPoolTaskRunner)
    monkeypatch.setenv("NEWSFLOW_TASK_RUNNER", "ray")
    with pytest.raises(ValueError, match="threads, dask"):
        task_runner_kind()


@pytest.mark.slow
def test_dask_task_runner_completes_an_ingest(
    corpus_dir: Path, prefect_harness, fast_fetch_env, tmp_path: Path
) -> None:
    pytest.importorskip("prefect_dask", reason="the dask extra is not installed (pip install 'newsflow[dask]')")
    from prefect_dask import DaskTaskRunner

    from flows.ingest import ingest
    from flows.runners import make_task_runner

    runner = make_task_runner("dask")
    assert isinstance(runner, DaskTaskRunner)
    pages = load_pages(corpus_dir, CORPUS_FILES, limit=6)
    with NewsSite(make_outlets(pages, 2, faults=("500",))) as site:
        (tmp_path / "sources.toml").write_text(site.sources_toml())
        summary = ingest.with_options(task_runner=runner)(
            sources_file=str(tmp_path / "sources.toml"), data_dir=str(tmp_path / "data")
        )
    assert summary.total("fetched") == 6 and summary.total("new") >= 5
    assert {r.source_id for r in summary.sources if r.feeds_failed} == {"bad-500"}
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone()[0] == summary.total("new")
