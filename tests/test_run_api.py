"""The run's own Prefect API: started before Prefect's settings are read, used only when they want it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from flows import prefect_server

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
from flows.run_api import run_api
with run_api() as ready:
    from prefect.settings import get_current_settings
    print("api", get_current_settings().api.url, ready(), flush=True)
    print("heartbeats", get_current_settings().flows.heartbeat_frequency, flush=True)
"""


def api_processes(home: Path) -> list[psutil.Process]:
    """Run API processes (gated or not) started for this Prefect home that are still alive."""
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd, env = proc.info["cmdline"] or (), proc.info["environ"] or {}
        except psutil.Error:
            continue
        if any("prefect_server:api_app" in a for a in cmd) and env.get("PREFECT_HOME") == str(home):
            found.append(proc)
    return found


def probe(home: Path, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    full.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", **env)
    return subprocess.run([sys.executable, "-c", PROBE], env=full, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_a_gated_api_waits_and_a_cancelled_one_never_opens_its_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    proc = prefect_server.start_api(prefect_server.free_port(), env, home / "run-api.log", gated=True)
    try:
        time.sleep(6)  # its imports done (or nearly): it must still be waiting at the gate
        assert proc.poll() is None
        assert not list(home.glob("prefect.db*"))
    finally:
        began = time.monotonic()
        prefect_server.cancel(proc)
    assert proc.poll() is not None and time.monotonic() - began < 10
    assert not list(home.glob("prefect.db*"))


@pytest.mark.slow
def test_an_api_cancelled_while_still_importing_stops_at_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    proc = prefect_server.start_api(prefect_server.free_port(), env, home / "run-api.log", gated=True)
    time.sleep(0.5)  # importing: uvicorn holds SIGTERM back until its app is loaded
    began = time.monotonic()
    prefect_server.cancel(proc)
    assert proc.poll() is not None and time.monotonic() - began < 1.0
    assert not list(home.glob("prefect.db*"))


AHEAD = """
import os, sys
from flows import prefect_server, run_api
starts = []
real = prefect_server.start_api
prefect_server.start_api = lambda *a, **k: starts.append(a[2]) or real(*a, **k)
run_api.start_ahead({**os.environ, "PREFECT_HOME": sys.argv[1]}, None)
with run_api.run_api() as ready:
    print("api", ready() >= 0, "homes", [str(p.parent) for p in starts], flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("guessed_right", [True, False])
def test_the_api_started_ahead_is_adopted_or_killed_when_its_home_is_not_the_runs(tmp_path: Path,
                                                                                 guessed_right: bool) -> None:
    home, other = tmp_path / "home", tmp_path / "other"
    full = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    full.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    ahead = home if guessed_right else other
    done = subprocess.run([sys.executable, "-c", AHEAD, str(ahead)], env=full, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("api "))
    # one API when the guess was right; otherwise a second, in the run's home, and the first never
    # opened a database in the home it was given
    assert line == f"api True homes {[str(home)] if guessed_right else [str(other), str(home)]}"
    assert (home / "prefect.db").exists() and not list(other.glob("prefect.db*"))
    assert not api_processes(home) and not api_processes(other)


@pytest.mark.slow
def test_a_command_stopped_by_a_bad_setting_leaves_no_api_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFLOW_"))}
    full.update(PYTHONPATH=str(ROOT), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    done = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", "--data-dir", str(data), "--sources",
                           str(tmp_path / "missing.toml")], env=full, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "missing.toml" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not api_processes((data / ".prefect").resolve())
    assert not list((data / ".prefect").glob("prefect.db*"))


def test_a_running_dashboard_means_no_early_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from flows import dashboard, run_api

    def no_start(*args: object, **kwargs: object) -> None:
        raise AssertionError("an early API was started")

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(prefect_server, "start_api", no_start)
    (tmp_path / dashboard.STATE_FILE).write_text(json.dumps({"api_url": "http://127.0.0.1:9/api",
                                                             "pid": os.getpid()}))
    assert run_api._start_early(None) is None
    (tmp_path / dashboard.STATE_FILE).unlink()  # no dashboard: the early API would start
    with pytest.raises(AssertionError, match="early API"):
        run_api._start_early(None)


@pytest.mark.slow
def test_the_api_app_is_built_without_collections_and_leaves_the_collector_on(tmp_path: Path) -> None:
    code = ("import gc; from flows.prefect_server import api_app; app = api_app(); "
            "print(gc.isenabled(), gc.get_freeze_count() > 100000)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(tmp_path),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["True", "True"], out.stderr[-2000:]


@pytest.mark.slow
def test_a_profile_naming_an_api_stops_the_early_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "profiles.toml").write_text('active = "remote"\n\n[profiles.remote]\n'
                                        'PREFECT_API_URL = "http://127.0.0.1:9/api"\n')
    done = probe(home)
    assert done.returncode == 0, done.stderr
    assert "api http://127.0.0.1:9/api None" in done.stdout  # the profile's API, no waiting
    assert "heartbeats None" not in done.stdout  # a lasting API may watch for them: Prefect's default
    assert not api_processes(home)
    assert not list(home.glob("prefect.db*"))


@pytest.mark.slow
def test_with_no_api_configured_the_run_gets_its_own(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = probe(home)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("api "))
    _, url, waited = line.split(" ")
    assert url.startswith("http://127.0.0.1:") and float(waited) >= 0
    assert "heartbeats None" in done.stdout  # no one would read them: the API stops with the run
    assert (home / "prefect.db").exists()
    assert not api_processes(home)


@pytest.mark.slow
def test_a_second_start_on_the_same_database_serves_without_registering_blocks_again(tmp_path: Path) -> None:
    import sqlite3

    home = tmp_path / "home"
    for _ in range(2):
        done = probe(home)
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(home / "prefect.db") as con:  # registered by the first start, kept by the second
        assert con.execute("select count(*) from block_type").fetchone()[0] > 0
    from flows.prefect_db_template import has_automations

    assert not has_automations(f"sqlite+aiosqlite:///{home / 'prefect.db'}")  # Prefect's own table, read


def test_block_registration_is_left_out_only_for_a_database_that_was_ready(tmp_path: Path) -> None:
    from flows.prefect_db_template import has_database

    db = tmp_path / "prefect.db"  # api_app asks after the template step: a copied database is there
    assert not has_database(f"sqlite+aiosqlite:///{db}")  # created by this start
    (tmp_path / "prefect.db-wal").write_bytes(b"")
    assert has_database(f"sqlite+aiosqlite:///{db}")  # a part of an existing one
    assert has_database(f"sqlite+aiosqlite:///{__file__}")  # an existing file
    assert not has_database("postgresql+asyncpg://db/prefect")  # not ours to judge
    assert not has_database(None)
    code = ("from flows.prefect_server import _leave_out, BLOCK_REGISTRATION_OFF as B, AUTOMATIONS_OFF as A; "
            "import prefect.settings as s; from prefect.settings import get_current_settings as g; "
            "_leave_out(B | A); print(bool(s.PREFECT_API_BLOCKS_REGISTER_ON_START), "
            "bool(s.PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION), g().server.services.triggers.enabled)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.split() == ["False", "False", "False"]


def test_migrations_are_left_out_only_for_a_database_at_the_installed_head(tmp_path: Path) -> None:
    import sqlite3

    from flows.prefect_db_template import at_revision

    db = tmp_path / "prefect.db"
    url = f"sqlite+aiosqlite:///{db}"
    assert not at_revision(url, "abc123")  # to be created: Prefect migrates it
    with sqlite3.connect(db) as con:
        con.execute("create table flow_run (id text)")  # part-made: no revision recorded
    assert not at_revision(url, "abc123")
    with sqlite3.connect(db) as con:
        con.execute("create table alembic_version (version_num text)")
        con.execute("insert into alembic_version values ('abc123')")
    assert at_revision(url, "abc123")
    assert not at_revision(url, "def456")  # an older schema, or a newer Prefect: migrate
    assert not at_revision("postgresql+asyncpg://db/prefect", "abc123")  # not ours to judge
    code = ("from flows.prefect_server import _leave_out, MIGRATIONS_OFF as M; import prefect.settings as s; "
            "_leave_out(M); print(bool(s.PREFECT_API_DATABASE_MIGRATE_ON_START))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.split() == ["False"]


def test_automation_services_are_left_out_only_for_a_database_without_automations(tmp_path: Path) -> None:
    import sqlite3

    from flows.prefect_db_template import has_automations

    db = tmp_path / "prefect.db"
    url = f"sqlite+aiosqlite:///{db}"
    assert not has_automations(url)  # created by this start: none yet
    with sqlite3.connect(db) as con:
        con.execute("create table flow_run (id)")
    assert has_automations(url)  # a part-made database: cannot tell, so keep them
    with sqlite3.connect(db) as con:
        con.execute("create table automation (id, name)")
    assert not has_automations(url)
    with sqlite3.connect(db) as con:
        con.execute("insert into automation values (1, 'notify on failure')")
    assert has_automations(url)
    assert has_automations("postgresql+asyncpg://db/prefect")  # not ours to read
