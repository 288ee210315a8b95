"""`newsflow dashboard` on a non-loopback address: the API needs the generated credentials, and ingest has them."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from flows.auth import is_loopback
from flows.prefect_server import free_port
from tests.health_site import Outlet, Site
from tests.local_env import cli_env

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


def test_which_addresses_count_as_loopback() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "", "::", "192.168.1.20", "news.example.org"))


def _auth_string(data: Path) -> str:
    """The string the dashboard saved into the project-local profile."""
    profiles = tomllib.loads((data / ".prefect" / "profiles.toml").read_text())
    found = {v.get("PREFECT_API_AUTH_STRING") for v in profiles.get("profiles", {}).values()} - {None}
    assert len(found) == 1, profiles
    return found.pop()


@pytest.mark.slow
def test_dashboard_off_loopback_requires_auth_and_ingest_passes_it(tmp_path: Path) -> None:
    data, log, port = tmp_path / "data", tmp_path / "dashboard.log", free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([NEWSFLOW, "dashboard", "--host", "0.0.0.0", "--port", str(port),
                                 "--data-dir", str(data)], env=cli_env(), stdout=out, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 150
        while "dashboard at" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        assert "requires basic auth" in log.read_text() and "profiles.toml" in log.read_text()
        secret = _auth_string(data)
        assert len(secret) > 30 and secret not in log.read_text(), "the password is not printed"
        assert (data / ".prefect" / "profiles.toml").stat().st_mode & 0o077 == 0
        assert httpx.post(f"{api}/flow_runs/filter", json={}).status_code == 401
        wrong = {"Authorization": "Basic " + base64.b64encode(b"newsflow:guess").decode()}
        assert httpx.post(f"{api}/flow_runs/filter", json={}, headers=wrong).status_code == 401
        good = {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
        assert httpx.post(f"{api}/flow_runs/filter", json={}, headers=good).json() == []

        day = datetime.now(UTC) - timedelta(days=1)
        with Site([Outlet("solo", [day - timedelta(hours=h) for h in range(3)])]) as site:
            (tmp_path / "sources.toml").write_text(site.sources_toml())
            done = subprocess.run([NEWSFLOW, "ingest", "--sources", str(tmp_path / "sources.toml"),
                                   "--data-dir", str(data)], env=cli_env(), capture_output=True, text=True,
                                  timeout=240)
        assert done.returncode == 0, done.stderr[-3000:]
        runs = httpx.post(f"{api}/flow_runs/filter", json={}, headers=good).json()
        assert [r["state_type"] for r in runs] == ["COMPLETED"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
