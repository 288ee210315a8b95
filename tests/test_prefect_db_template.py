"""The migrated Prefect database template: saved once, copied into new homes, never trusted blindly."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from flows import prefect_db_template as tpl
from flows import prefect_server
from tests.local_env import cli_env

HEAD = "abc123def456"


def migrated_db(path: Path, head: str = HEAD, runs: int = 0) -> Path:
    """A stand-in for a freshly migrated Prefect database, in WAL mode as Prefect keeps it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as con:
        con.execute("pragma journal_mode = wal")
        con.execute("create table alembic_version (version_num varchar(32) not null primary key)")
        con.execute("insert into alembic_version values (?)", (head,))
        con.execute("create table flow_run (id text primary key)")
        con.executemany("insert into flow_run values (?)", [(f"r{i}",) for i in range(runs)])
        con.commit()
    return path


def home(path: Path) -> Path:
    """A Prefect home folder (it exists before its API starts: the API's log is written there)."""
    path.mkdir(parents=True)
    return path


def user_version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as con:
        return int(con.execute("pragma user_version").fetchone()[0])


def test_saved_template_is_one_checked_file(tmp_path: Path) -> None:
    db = migrated_db(tmp_path / "home" / "prefect.db")
    template = tpl.template_path(tmp_path / "cache", "3.9.1", HEAD)
    assert tpl.save(db, template, HEAD)
    assert tpl.usable(template, HEAD)
    assert not tpl.usable(template, "another-head")
    assert sorted(p.name for p in template.parent.iterdir()) == [template.name]  # no -wal, no temp file
    with closing(sqlite3.connect(template)) as con:
        assert con.execute("pragma journal_mode").fetchone()[0] == "delete"


def test_a_database_with_runs_is_never_a_template(tmp_path: Path) -> None:
    db = migrated_db(tmp_path / "home" / "prefect.db", runs=1)
    template = tpl.template_path(tmp_path / "cache", "3.9.1", HEAD)
    assert not tpl.save(db, template, HEAD)
    assert not template.exists()


def test_templates_are_per_prefect_version_and_head(tmp_path: Path) -> None:
    paths = {tpl.template_path(tmp_path, v, h) for v in ("3.9.1", "3.9.2") for h in (HEAD, "fff")}
    assert len(paths) == 4
    assert all(p.parent == tmp_path for p in paths)


def test_seed_copies_the_template_into_a_new_home(tmp_path: Path) -> None:
    template = tpl.template_path(tmp_path / "cache", "3.9.1", HEAD)
    tpl.save(migrated_db(tmp_path / "first" / "prefect.db"), template, HEAD)
    db = home(tmp_path / "new") / "prefect.db"
    assert tpl.seed(db, template, HEAD)
    assert tpl.usable(db, HEAD) and user_version(db) == tpl.MARK
    assert sorted(p.name for p in db.parent.iterdir()) == ["prefect.db"]
    assert user_version(template) == 0  # the template itself is left as it was


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other head", "empty"])
def test_a_damaged_template_is_ignored_and_removed(tmp_path: Path, damage: str) -> None:
    template = tpl.template_path(tmp_path / "cache", "3.9.1", HEAD)
    tpl.save(migrated_db(tmp_path / "first" / "prefect.db", head="other" if damage == "other head" else HEAD),
             template, "other" if damage == "other head" else HEAD)
    data = template.read_bytes()
    if damage == "garbage":
        template.write_bytes(b"not a database" * 1000)
    elif damage == "truncated":
        template.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        template.write_bytes(b"")
    db = home(tmp_path / "new") / "prefect.db"
    assert not tpl.seed(db, template, HEAD)
    assert not db.exists() and not list(db.parent.glob("*prefect.db*"))
    assert not template.exists()  # this run's own migration writes a good one


def test_a_missing_database_folder_is_left_to_prefect(tmp_path: Path) -> None:
    template = tpl.template_path(tmp_path / "cache", "3.9.1", HEAD)
    tpl.save(migrated_db(tmp_path / "first" / "prefect.db"), template, HEAD)
    assert not tpl.seed(tmp_path / "missing" / "prefect.db", template, HEAD)
    assert not (tmp_path / "missing").exists()


def test_a_home_with_any_database_file_is_never_seeded(tmp_path: Path) -> None:
    template = tpl.template_path(tmp_path / "cache", "3.9.1", HEAD)
    tpl.save(migrated_db(tmp_path / "first" / "prefect.db"), template, HEAD)
    folder = home(tmp_path / "home")
    (folder / "prefect.db-wal").write_bytes(b"left over")  # replayed into a new file, it would corrupt it
    assert not tpl.seed(folder / "prefect.db", template, HEAD)
    assert not (folder / "prefect.db").exists()


def test_seed_never_replaces_a_database_another_launch_created(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    template = tpl.template_path(tmp_path / "cache", "3.9.1", HEAD)
    tpl.save(migrated_db(tmp_path / "first" / "prefect.db"), template, HEAD)
    db = home(tmp_path / "home") / "prefect.db"
    copy = shutil.copyfile

    def racing_copy(src: Path, dst: Path) -> Path:  # another launch's API creates the database meanwhile
        migrated_db(db, runs=3)
        return copy(src, dst)

    monkeypatch.setattr(tpl.shutil, "copyfile", racing_copy)
    assert not tpl.seed(db, template, HEAD)
    with closing(sqlite3.connect(db)) as con:
        assert con.execute("select count(*) from flow_run").fetchone() == (3,)
    assert not list(db.parent.glob(".prefect.db.*.tmp"))


def test_prepare_leaves_other_databases_and_existing_homes_alone(tmp_path: Path) -> None:
    assert tpl.prepare(tmp_path, "postgresql+asyncpg://u@h/db", "3.9.1") is None
    assert tpl.prepare(tmp_path, "sqlite+aiosqlite:///file::memory:?cache=shared&uri=true", "3.9.1") is None
    db = migrated_db(tmp_path / "home" / "prefect.db")
    assert tpl.prepare(tmp_path / "cache", f"sqlite+aiosqlite:///{db}", "3.9.1") is None


def url_of(db: Path) -> str:
    return f"sqlite+aiosqlite:///{db}"


def test_a_full_server_home_is_seeded_from_the_one_template_of_its_version(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    template = tpl.template_path(cache, "3.9.1", HEAD)
    tpl.save(migrated_db(tmp_path / "first" / "prefect.db"), template, HEAD)
    tpl.save(migrated_db(tmp_path / "older" / "prefect.db", "0ld"), tpl.template_path(cache, "3.8.0", "0ld"), "0ld")
    db = home(tmp_path / "new") / "prefect.db"
    assert tpl.seed_for_server(cache, url_of(db), "3.9.1")
    assert head_of(db) == HEAD and user_version(db) == tpl.MARK
    assert not tpl.seed_for_server(cache, url_of(db), "3.9.1")  # a home with a database stays as it is
    other = home(tmp_path / "other") / "prefect.db"
    assert not tpl.seed_for_server(cache, url_of(other), "3.10.0")  # no template of that version
    assert not other.exists()


def test_a_full_server_home_is_not_seeded_when_the_template_is_in_doubt(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for head in (HEAD, "fff000"):  # two heads of one version: which one this install has is unknown
        tpl.save(migrated_db(tmp_path / head / "prefect.db", head), tpl.template_path(cache, "3.9.1", head), head)
    db = home(tmp_path / "new") / "prefect.db"
    assert not tpl.seed_for_server(cache, url_of(db), "3.9.1")
    misnamed = tmp_path / "misnamed"  # its stored revision is not the one its name says
    right = tpl.template_path(misnamed, "3.9.1", "fff000")
    assert tpl.save(migrated_db(tmp_path / "m" / "prefect.db", "fff000"), right, "fff000")
    right.rename(tpl.template_path(misnamed, "3.9.1", HEAD))
    assert not tpl.seed_for_server(misnamed, url_of(db), "3.9.1")
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    tpl.template_path(garbage, "3.9.1", HEAD).write_bytes(b"not a database")
    assert not tpl.seed_for_server(garbage, url_of(db), "3.9.1")
    assert not db.exists()
    assert tpl.template_path(garbage, "3.9.1", HEAD).exists()  # left for the run API to replace


# --- the real API ---------------------------------------------------------------------------


def start_and_use_api(home: Path, templates: Path) -> None:
    """Start the run API on a Prefect home, check it answers and writes, stop it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    port = prefect_server.free_port()
    api_url, log = f"http://127.0.0.1:{port}/api", home / "run-api.log"
    proc = prefect_server.start_api(port, env, log, templates)
    try:
        prefect_server.wait_healthy(proc, api_url, 180, log)
        request = urllib.request.Request(f"{api_url}/flows/", data=json.dumps({"name": "probe"}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local URL
            assert response.status in (200, 201)
    finally:
        prefect_server.stop(proc, grace=10)


def head_of(db: Path) -> str:
    with closing(sqlite3.connect(db)) as con:
        return str(con.execute("select version_num from alembic_version").fetchone()[0])


@pytest.mark.slow
def test_new_homes_start_from_the_template_and_a_corrupt_one_is_rebuilt(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    start_and_use_api(tmp_path / "a", templates)  # nothing to start from: migrates, keeps a template
    saved = list(templates.glob("*.db"))
    assert len(saved) == 1 and tpl.usable(saved[0], head_of(tmp_path / "a" / "prefect.db"))
    assert user_version(tmp_path / "a" / "prefect.db") == 0

    start_and_use_api(tmp_path / "b", templates)  # starts from the copy: no migration from nothing
    assert user_version(tmp_path / "b" / "prefect.db") == tpl.MARK
    assert head_of(tmp_path / "b" / "prefect.db") == head_of(tmp_path / "a" / "prefect.db")

    saved[0].write_bytes(saved[0].read_bytes()[:4096])  # a partial file, as a full disk might leave
    start_and_use_api(tmp_path / "c", templates)  # ignores it, migrates, writes a good one again
    assert user_version(tmp_path / "c" / "prefect.db") == 0
    assert "template" in (tmp_path / "c" / "run-api.log").read_text()  # and says so in the API's log
    assert tpl.usable(saved[0], head_of(tmp_path / "c" / "prefect.db"))


@pytest.mark.slow
def test_a_dashboard_on_a_new_data_directory_starts_from_the_template(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    start_and_use_api(tmp_path / "a", templates)  # a first ingest's API keeps the template
    data, log, port = tmp_path / "data", tmp_path / "dashboard.log", prefect_server.free_port()
    newsflow = str(Path(sys.executable).with_name("newsflow"))
    with open(log, "wb") as out:
        proc = subprocess.Popen([newsflow, "dashboard", "--port", str(port), "--data-dir", str(data)],
                                env=cli_env(NEWSFLOW_PREFECT_DB_CACHE=str(templates)),
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 150
        while "dashboard at" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        db = data / ".prefect" / "prefect.db"
        assert user_version(db) == tpl.MARK  # copied, not migrated from nothing
        assert head_of(db) == head_of(tmp_path / "a" / "prefect.db")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
