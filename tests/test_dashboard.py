"""`newsflow dashboard` + one `newsflow ingest`: the run, its tasks and artifacts in API and UI."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from benchmarks.newsite import NewsSite, load_pages, make_outlets
from flows.prefect_server import free_port
from tests.browser import CHROMIUM_FLAGS
from tests.local_env import cli_env

pytestmark = pytest.mark.slow

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))




@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """A running `newsflow dashboard` on a free port; stopped (and checked) at the end."""
    root = tmp_path_factory.mktemp("dashboard")
    data, log, port = root / "data", root / "dashboard.log", free_port()
    with open(log, "wb") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [NEWSFLOW, "dashboard", "--port", str(port), "--data-dir", str(data)],
            env=cli_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 150
    while "dashboard at" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"dashboard did not come up:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    yield {
        "root": root,
        "data": data,
        "ui": f"http://127.0.0.1:{port}",
        "api": f"http://127.0.0.1:{port}/api",
        "proc": proc,
        "log": log,
    }
    if proc.poll() is None:  # a test failed before the Ctrl-C test: stop it the graceful way first
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def ingested(dashboard, corpus_dir: Path):
    """One `newsflow ingest` against the local site (with a broken outlet), and its flow run."""
    pages = load_pages(corpus_dir, ["scrapinghub_aeb.jsonl.gz"], limit=4)
    with NewsSite(make_outlets(pages, 2, faults=("500",))) as site:
        sources = dashboard["root"] / "sources.toml"
        sources.write_text(site.sources_toml())
        done = subprocess.run(
            [NEWSFLOW, "ingest", "--sources", str(sources), "--data-dir", str(dashboard["data"])],
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = api_post(dashboard["api"], "flow_runs/filter", {})
    assert len(runs) == 1, "the ingest reported to the dashboard's server, not a temporary one"
    return runs[0]


def api_post(api: str, path: str, body: dict) -> list[dict]:
    response = httpx.post(f"{api}/{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def test_the_run_completed_with_both_artifacts(dashboard, ingested) -> None:
    assert ingested["state_type"] == "COMPLETED"
    assert ingested["total_run_time"] > 0
    arts = api_post(
        dashboard["api"],
        "artifacts/filter",
        {"artifacts": {"flow_run_id": {"any_": [ingested["id"]]}}},
    )
    kinds = {a["key"]: a["type"] for a in arts}
    assert kinds == {"ingest-summary": "table", "coverage": "markdown"}


def test_task_runs_per_source_and_stage_with_the_broken_source_failed(dashboard, ingested) -> None:
    tasks = api_post(
        dashboard["api"],
        "task_runs/filter",
        {"task_runs": {"flow_run_id": {"any_": [ingested["id"]]}}},
    )
    states = {t["name"]: t["state_type"] for t in tasks}
    assert {"discover-o0", "harvest-o0", "discover-o1", "harvest-o1"} <= set(states)
    assert states["discover-bad-500"] == "FAILED"
    assert states["harvest-o0"] == "COMPLETED"
    bad = next(t["id"] for t in tasks if t["name"] == "discover-bad-500")
    logs = api_post(dashboard["api"], "logs/filter", {"logs": {"task_run_id": {"any_": [bad]}}})
    assert any("no feed or sitemap could be read" in entry["message"] for entry in logs), "the task's log says why"


def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not found:
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI installs it")
    return found


def browse(url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    """Load a page in headless Chromium (fresh profile); virtual time lets the UI's requests end."""
    profile = tmp / f"chromium-{time.monotonic_ns()}"
    return subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1400,1000",
            "--virtual-time-budget=30000",
            "--run-all-compositor-stages-before-draw",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def dom_with(url: str, tmp: Path, text: str, tries: int = 3) -> str:
    """The rendered DOM once it contains text (the list renders after its data arrives)."""
    dom = ""
    for _ in range(tries):
        dom = browse(url, tmp, "--dump-dom").stdout
        if text in dom:
            break
    return dom


def test_the_ui_runs_page_shows_the_run(dashboard, ingested) -> None:
    shot = dashboard["root"] / "runs-page.png"
    browse(f"{dashboard['ui']}/runs", dashboard["root"], f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000
    dom = dom_with(f"{dashboard['ui']}/runs", dashboard["root"], ingested["name"])
    assert ingested["name"] in dom and ">ingest<" in dom and "Completed" in dom
    run_page = f"{dashboard['ui']}/runs/flow-run/{ingested['id']}"
    run_shot = dashboard["root"] / "flow-run-page.png"
    browse(run_page, dashboard["root"], "--window-size=1400,1100", f"--screenshot={run_shot}")
    assert run_shot.exists()
    dom = dom_with(run_page, dashboard["root"], "discover-bad-500")
    assert "harvest-o0" in dom and "discover-bad-500" in dom
    print(f"screenshots: {shot} {run_shot}")


def test_ctrl_c_stops_the_server_and_unpoints_later_runs(dashboard, ingested) -> None:
    proc = dashboard["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0, dashboard["log"].read_text()[-2000:]
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{dashboard['api']}/health", timeout=2)
    profiles = (dashboard["data"] / ".prefect" / "profiles.toml").read_text()
    assert "PREFECT_API_URL" not in profiles
    assert not (dashboard["data"] / ".prefect" / "dashboard.json").exists()
