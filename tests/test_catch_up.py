"""A run's catch-up load runs only when something waits: the note beside the warehouse (tasks/store/loaded.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tasks import run
from tasks.store import load as store_load
from tasks.store import loaded
from tasks.store.lake import lake_file, write_atomic
from tasks.store.load import load_lake, nothing_to_load
from tasks.store.rebuild import rebuild_warehouse

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def article(n: int) -> dict:
    return {"article_id": f"a{n}", "source_id": "s", "run_id": "r1", "url": f"https://x.org/{n}",
            "canonical_url": f"https://x.org/{n}", "title": f"T{n}", "text": "body", "description": None,
            "published_at": NOW, "authors": [], "agencies": [], "language": "en", "word_count": 1,
            "content_hash": f"h{n}", "fetched_at": NOW}


def publish_run(data: Path, run_id: str, n: int) -> Path:
    path = lake_file(data, "articles", "2026-11-01", run_id)
    write_atomic(path, "articles", [article(n)])
    return path


def articles(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select count(*) from articles").fetchone()[0]  # type: ignore[index]


@pytest.fixture
def config(tmp_path: Path) -> run.RunConfig:
    return run.RunConfig(data_dir=tmp_path, fetch=None, max_per_source=10, extract_workers=0)  # type: ignore[arg-type]


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every load_lake the catch-up starts."""
    calls: list[Path] = []
    real = run.load_lake

    def counted(data_dir: Path, db_path: Path, **kw: object) -> object:
        calls.append(db_path)
        return real(data_dir, db_path, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(run, "load_lake", counted)
    return calls


def test_a_first_run_does_not_open_a_warehouse_before_its_own_load(config: run.RunConfig, loads: list) -> None:
    assert run.catch_up(config) is None
    assert loads == [] and not config.warehouse.exists()


def test_nothing_waiting_after_a_complete_load_skips_the_warehouse(config: run.RunConfig, loads: list) -> None:
    publish_run(config.data_dir, "r1", 1)
    load_lake(config.data_dir, config.warehouse)
    assert nothing_to_load(config.data_dir, config.warehouse)
    duckdb.connect(str(config.warehouse), read_only=True).close()  # readers change nothing
    assert run.catch_up(config) is None and loads == []


def test_a_file_published_but_not_loaded_is_caught_up(config: run.RunConfig, loads: list) -> None:
    publish_run(config.data_dir, "r1", 1)
    load_lake(config.data_dir, config.warehouse)
    publish_run(config.data_dir, "r2", 2)  # a run that died between publish and load
    assert not nothing_to_load(config.data_dir, config.warehouse)
    assert run.catch_up(config) is not None and loads == [config.warehouse]
    assert articles(config.warehouse) == 2
    assert nothing_to_load(config.data_dir, config.warehouse)


def test_another_writer_or_a_newer_schema_means_a_load(config: run.RunConfig, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    publish_run(config.data_dir, "r1", 1)
    load_lake(config.data_dir, config.warehouse)
    with duckdb.connect(str(config.warehouse)) as con:  # a user's client deletes rows
        con.execute("delete from articles")
    assert not nothing_to_load(config.data_dir, config.warehouse)
    load_lake(config.data_dir, config.warehouse)
    assert nothing_to_load(config.data_dir, config.warehouse)
    code = tmp_path / "code"
    (code / "views").mkdir(parents=True)
    (code / "views" / "new_view.sql").write_text("create or replace view v as select 1")
    monkeypatch.setattr(loaded, "WAREHOUSE_CODE", code)  # a newsflow upgrade with other schema files
    assert not nothing_to_load(config.data_dir, config.warehouse)


def test_a_load_that_fails_leaves_no_note(config: run.RunConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    publish_run(config.data_dir, "r1", 1)
    load_lake(config.data_dir, config.warehouse)
    publish_run(config.data_dir, "r2", 2)

    def broken_index(db_path: Path, **kw: object) -> int:
        raise OSError("disk full")
    monkeypatch.setattr(store_load, "update_index", broken_index)
    load_lake(config.data_dir, config.warehouse)  # the rows load; the index does not
    assert not loaded.note_path(config.warehouse).exists()
    assert not nothing_to_load(config.data_dir, config.warehouse)

    def crash(*args: object, **kw: object) -> None:
        raise RuntimeError("killed")
    monkeypatch.setattr(store_load, "load_files", crash)
    with pytest.raises(RuntimeError):
        load_lake(config.data_dir, config.warehouse)
    assert not loaded.note_path(config.warehouse).exists()


def test_a_rebuilt_warehouse_keeps_a_valid_note(config: run.RunConfig) -> None:
    publish_run(config.data_dir, "r1", 1)
    load_lake(config.data_dir, config.warehouse)
    rebuild_warehouse(config.data_dir, config.warehouse)
    assert nothing_to_load(config.data_dir, config.warehouse)
    assert sorted(p.name for p in config.data_dir.glob("*.loaded")) == ["warehouse.duckdb.loaded"]
