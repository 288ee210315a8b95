"""What a run shows on the terminal: the progress line's counts, rate and ETA, and a quiet offline ingest."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.progress import LiveProgress, clock, format_line, rate_and_eta
from tasks.harvest import SourceReport
from tasks.progress import RunProgress, Snapshot
from tests.local_env import cli_env

ROOT = Path(__file__).resolve().parents[1]


def test_rate_and_eta_of_pages() -> None:
    # 40 of 100 pages done (30 extracted, 10 failed) in the 10 s since the first page was due
    snap = Snapshot(stage="fetching", unit="sources", parts_done=26, parts_total=26, pages_total=100,
                    fetched=35, failed=10, extracted=30, elapsed=25.0, pages_elapsed=10.0)
    rate, eta = rate_and_eta(snap)
    assert rate == pytest.approx(4.0)
    assert eta == pytest.approx(15.0)
    line = format_line(snap)
    assert "sources 26/26" in line and "pages fetched 45/100" in line and "extracted 30/100 (4.0/s)" in line
    assert "ETA 0:00:15" in line and "failed 10" in line


def test_no_eta_before_the_first_page_or_while_loading() -> None:
    assert rate_and_eta(Snapshot(stage="discovering", unit="sources", parts_total=5, elapsed=3.0)) == (0.0, None)
    loading = Snapshot(stage="loading", unit="sources", pages_total=10, extracted=10, elapsed=9, pages_elapsed=5)
    assert rate_and_eta(loading)[1] is None and "ETA" not in format_line(loading)
    assert "no new pages yet" in format_line(Snapshot(stage="discovering", unit="sources", parts_total=5))


def test_rate_and_eta_of_archive_files() -> None:
    snap = Snapshot(stage="reading", unit="files", parts_done=2, parts_total=6, parts_skipped=3,
                    records=12_000, new=900, elapsed=60.0)
    rate, eta = rate_and_eta(snap)
    assert rate == pytest.approx(200.0) and eta == pytest.approx(120.0)
    line = format_line(snap)
    assert "files 2/6 (3 already loaded)" in line and "records 12,000 (200/s)" in line and "ETA 0:02:00" in line


def test_clock() -> None:
    assert clock(0) == "0:00:00" and clock(59.6) == "0:01:00" and clock(3725) == "1:02:05"


def test_counts_follow_the_reports_the_run_fills() -> None:
    meter = RunProgress(parts=2)
    first = SourceReport("a")
    meter.discovered(first, 3)
    assert meter.snapshot().stage == "discovering"
    meter.discovered(SourceReport("b"), 0)
    assert meter.snapshot().stage == "fetching"
    live = SourceReport("a")  # the fetch loop may fill a copy of the discovered report
    meter.watch(live)
    live.fetched, live.failed, live.new, live.skipped = 2, 1, 1, 1
    snap = meter.snapshot()
    assert (snap.parts_done, snap.pages_total, snap.fetched, snap.failed, snap.extracted) == (2, 3, 2, 1, 2)
    assert snap.pages_elapsed > 0


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    snap = Snapshot(stage="discovering", unit="sources", parts_done=1, parts_total=4)
    with LiveProgress(out=out, interval=0.05, source=lambda: snap):
        time.sleep(0.3)
    lines = out.getvalue().splitlines()
    assert 2 <= len(lines) <= 7
    assert all(line.startswith("newsflow: discovering: sources 1/4") for line in lines)


def _unreachable_sources(folder: Path, count: int) -> Path:
    """Outlets on 127.0.0.1 ports where nothing listens: every fetch fails, as with no network."""
    ports = []
    for _ in range(3):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    lines = []
    for i in range(count):
        port = ports[i % len(ports)]
        lines += [f'[[sources]]\nid = "outlet-{i}"\nname = "Outlet {i}"\ncountry = "DE"\nlanguage = "de"',
                  f'feeds = ["http://127.0.0.1:{port}/{i}/feed.xml"]',
                  f'sitemaps = ["http://127.0.0.1:{port}/{i}/news-sitemap.xml"]\n']
    path = folder / "sources.toml"
    path.write_text("\n".join(lines))
    return path


def _ingest(tmp_path: Path, sources: Path, *extra: str) -> subprocess.CompletedProcess:

    # The default progress interval (12 s): the run lasts longer than that, so it prints some.
    env = cli_env(PYTHONPATH=str(ROOT), PREFECT_HOME=str(tmp_path / "prefect"))
    env.pop("NEWSFLOW_PROGRESS_INTERVAL", None)
    return subprocess.run([sys.executable, "-m", "flows.cli", "ingest", "--sources", str(sources),
                           "--data-dir", str(tmp_path / "data"), *extra],
                          cwd=tmp_path, env=env, text=True, capture_output=True, timeout=300)


@pytest.mark.slow
def test_offline_ingest_is_quiet(tmp_path: Path) -> None:
    proc = _ingest(tmp_path, _unreachable_sources(tmp_path, 26))
    lines = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode == 3, proc.stderr
    assert len(lines) <= 40, proc.stderr
    assert not any("Traceback" in line or "NoneType" in line or "Warning" in line for line in lines), proc.stderr
    errors = [line for line in lines if line.startswith("newsflow: error:")]
    assert len(errors) == 1 and errors[0].startswith("newsflow: error: nothing could be fetched (no network?)")
    assert any(line.startswith(("newsflow: starting", "newsflow: discovering")) for line in lines), proc.stderr
    assert "Task run" not in proc.stderr  # Prefect's per-task lines went to the run's log file instead
    logs = list((tmp_path / "data" / "logs").glob("*.log"))
    assert len(logs) == 1 and "Task run 'discover-outlet-0'" in logs[0].read_text()
    assert f"log of the run: {logs[0]}" in proc.stderr


@pytest.mark.slow
def test_maintenance_is_quiet_and_logs_to_a_file(tmp_path: Path) -> None:
    (tmp_path / "data" / "lake").mkdir(parents=True)
    env = cli_env(PYTHONPATH=str(ROOT), PREFECT_HOME=str(tmp_path / "prefect"))
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "maintenance", "--data-dir", str(tmp_path / "data")],
                          cwd=tmp_path, env=env, text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Task run" not in proc.stderr and "temporary server" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("newsflow: merged 0 lake files") and len(proc.stderr.splitlines()) == 1
    logs = list((tmp_path / "data" / "logs").glob("*-maintenance.log"))
    assert len(logs) == 1 and "Task run 'compact-lake" in logs[0].read_text() and str(logs[0]) in proc.stderr


@pytest.mark.slow
def test_verbose_ingest_shows_prefect_log_lines(tmp_path: Path) -> None:
    proc = _ingest(tmp_path, _unreachable_sources(tmp_path, 1), "-v")
    assert proc.returncode == 3, proc.stderr
    assert "Task run 'discover-outlet-0'" in proc.stderr
    assert "NoneType" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("name", "value"), [("NEWSFLOW_TASK_RUNNER", "fibers"),
                                             ("NEWSFLOW_ALLOWED_NETWORKS", "127.0.0.1/32,localnet")])
def test_bad_setting_is_one_line(tmp_path: Path, name: str, value: str) -> None:
    # both used to get past the checks: one raised a traceback, the other crashed every source's task
    env = {**cli_env(PYTHONPATH=str(ROOT)), name: value}
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", "--data-dir", str(tmp_path / "d")],
                          cwd=tmp_path, env=env, text=True, capture_output=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.splitlines()[0]]
    assert proc.stderr.startswith(f"newsflow: error: bad setting {name}:")


def test_archive_files_count_while_they_are_read() -> None:
    from tasks.backfill import FileReport

    meter = RunProgress("files", parts=2)
    reading = FileReport("a.warc.gz")
    meter.file_started(reading)
    reading.scan.records = 40
    reading.sources["x"] = SourceReport("x", new=5, fetched=6, skipped=1)
    snap = meter.snapshot()
    assert (snap.parts_done, snap.records, snap.new, snap.extracted) == (0, 40, 5, 6)
    meter.file_done(reading)  # the same report, now finished: counted once
    snap = meter.snapshot()
    assert (snap.parts_done, snap.records, snap.new) == (1, 40, 5)


def test_run_log_is_named_by_the_run_and_old_logs_go(tmp_path: Path) -> None:
    import logging
    import os

    from flows.logfile import KEEP_DAYS, RunLog

    folder = tmp_path / "logs"
    folder.mkdir()
    old, recent = folder / "old-run.log", folder / "recent-run.log"
    for path, age_days in ((old, KEEP_DAYS + 1), (recent, 1)):
        path.write_text("x\n")
        stamp = time.time() - age_days * 86400
        os.utime(path, (stamp, stamp))
    log = RunLog(tmp_path, "ingest").start()
    logging.getLogger("newsflow-test").warning("a warning of the run")
    log.run_id = "20260101T000000Z-abcdef"
    path = log.finish()
    assert path == folder / "20260101T000000Z-abcdef.log" and "a warning of the run" in path.read_text()
    assert not old.exists() and recent.exists()


def test_files_read_in_other_processes_count_from_their_heartbeats(tmp_path: Path) -> None:
    from tasks.backfill import FileReport
    from tasks.progress import beat_path, heartbeat, write_beat

    meter = RunProgress("files", parts=3)
    meter.watch_beats(tmp_path)
    remote = FileReport("remote.warc.gz")  # stands for a report filled in a Dask worker
    remote.scan.records = 30
    remote.sources["x"] = SourceReport("x", new=4, fetched=5, skipped=1)
    with heartbeat(beat_path(tmp_path, 0), remote.location, remote, every=0.02):
        deadline = time.monotonic() + 5
        while meter.snapshot().records != 30 and time.monotonic() < deadline:
            time.sleep(0.01)
        snap = meter.snapshot()
        assert (snap.parts_done, snap.records, snap.new, snap.extracted) == (0, 30, 4, 5)
    assert not list(tmp_path.glob("progress-*"))  # the file is done: its heartbeat is gone
    meter.file_done(remote)
    assert (meter.snapshot().records, meter.snapshot().new) == (30, 4)
    # a file this process follows itself is not counted twice when it also has a heartbeat
    local = FileReport("local.warc.gz")
    local.scan.records = 7
    meter.file_started(local)
    write_beat(beat_path(tmp_path, 1), local.location, local)
    (tmp_path / "progress-00002.json").write_text("{not json")  # a torn or foreign file is ignored
    assert meter.snapshot().records == 37
