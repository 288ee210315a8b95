"""Lake compaction with real Parquet files and DuckDB: exact counts, crash safety, recovery."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tasks import runlock
from tasks.store import compact
from tasks.store.lake import lake_file, write_atomic
from tasks.store.load import load_lake

pytestmark = pytest.mark.slow

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Crash(BaseException):
    """Stands in for the process dying at a given step."""


def write_run(data: Path, day: str, run_id: str, n: int) -> None:
    """One run's lake files: a runs row, n fetches (no key: duplicates show) and n articles."""
    write_atomic(
        lake_file(data, "runs", day, run_id),
        "runs",
        [
            {
                "run_id": run_id,
                "started_at": T0,
                "finished_at": T0,
                "sources": 1,
                "discovered": n,
                "fetched": n,
                "new_articles": n,
                "skipped": 0,
                "failed": 0,
                "status": "completed",
            }
        ],
    )
    write_atomic(
        lake_file(data, "fetches", day, run_id),
        "fetches",
        [
            {
                "run_id": run_id,
                "source_id": "s",
                "kind": "page",
                "url": f"http://x/{run_id}/{i}",
                "url_key": f"{run_id}-{i}",
                "status": 200,
                "outcome": "article",
                "bytes": 10,
                "fetched_at": T0,
            }
            for i in range(n)
        ],
    )
    write_atomic(
        lake_file(data, "articles", day, run_id),
        "articles",
        [
            {
                "article_id": f"{run_id}-{i}",
                "source_id": "s",
                "run_id": run_id,
                "url": f"http://x/{run_id}/{i}",
                "canonical_url": f"http://x/{run_id}/{i}",
                "title": "t",
                "text": "body",
                "language": "en",
            }
            for i in range(n)
        ],
    )


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("runs", "fetches", "articles")}


def lake_counts(data: Path) -> dict[str, int]:
    """Rows in the visible lake files per table (what a rebuild would load)."""
    out = {}
    for t in ("runs", "fetches", "articles"):
        files = sorted((data / "lake" / t).glob("date=*/*.parquet"))
        out[t] = duckdb.execute("select count(*) from read_parquet($f)", {"f": [str(f) for f in files]}).fetchone()[0]
    return out


def recorded(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("select path from lake_files").fetchall()}


@pytest.fixture
def lake(tmp_path: Path) -> tuple[Path, Path]:
    """Two days of three small runs each, loaded; then a fourth run on day one, not yet loaded."""
    data, db = tmp_path / "data", tmp_path / "data" / "warehouse.duckdb"
    for day in ("2026-01-01", "2026-01-02"):
        for i in range(3):
            write_run(data, day, f"{day}-r{i}", 5 + i)
    load_lake(data, db)
    write_run(data, "2026-01-01", "late", 4)
    return data, db


def test_compaction_merges_loaded_files_and_keeps_counts(lake: tuple[Path, Path]) -> None:
    data, db = lake
    before = counts(db)
    report = compact.compact_lake(data, db, before=None)
    assert report.partitions == 2 * len(("runs", "fetches", "articles"))
    assert report.files_in == 18 and report.rows == 2 * (3 + 18 + 18)
    assert counts(db) == before
    day1 = sorted(p.name for p in (data / "lake" / "fetches" / "date=2026-01-01").iterdir())
    assert len(day1) == 2 and day1[0].startswith("compact-") and day1[1] == "run-late.parquet"
    assert not any(p.name.startswith("run-2026") for p in data.glob("lake/*/*/*")), "parts deleted"
    assert all(not p.name.startswith(".") for p in data.glob("lake/*/*/*")), "no hidden leftovers"
    loaded = load_lake(data, db)
    assert loaded.files == 3, "only the late run's files are new"
    assert counts(db) == lake_counts(data)


def test_compaction_respects_the_day_cutoff_and_skips_single_files(lake: tuple[Path, Path]) -> None:
    data, db = lake
    report = compact.compact_lake(data, db, before="2026-01-02")
    assert report.partitions == 3  # only day one; day two is "today"
    again = compact.compact_lake(data, db, before="2026-01-02")
    assert again.partitions == 0, "one loaded file per partition: nothing left to merge"


def test_rebuild_from_compacted_lake_matches(lake: tuple[Path, Path], tmp_path: Path) -> None:
    data, db = lake
    load_lake(data, db)
    compact.compact_lake(data, db, before=None)
    fresh = tmp_path / "rebuilt.duckdb"
    load_lake(data, fresh)
    assert counts(fresh) == counts(db)


def _crash_after(monkeypatch: pytest.MonkeyPatch, name: str, *, before: bool = False, nth: int = 1) -> None:
    """Make compact.<name> kill the compaction on its nth call (before or after doing its work)."""
    original = getattr(compact, name)
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if before and calls["n"] == nth:
            raise Crash(name)
        result = original(*args, **kwargs)
        if not before and calls["n"] == nth:
            raise Crash(name)
        return result

    monkeypatch.setattr(compact, name, wrapped)
    monkeypatch.setattr(compact, "recover", lambda *a, **k: [])  # a dead process cleans nothing up


STEPS: dict[str, dict[str, Any]] = {
    "merged file written": dict(name="_write_merged"),
    "some parts hidden": dict(name="_retire", nth=2),
    "before the swap": dict(name="_swap_records", before=True),
    "swap committed": dict(name="_swap_records"),
    "compacted file promoted": dict(name="_promote"),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_crash_at_any_step_never_loads_rows_twice(
    lake: tuple[Path, Path], step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, db = lake
    before = counts(db)
    with monkeypatch.context() as mp:
        _crash_after(mp, **STEPS[step])
        with pytest.raises(Crash):
            compact.compact_lake(data, db, before=None)
    load_lake(data, db)  # the next ingest's load, before any recovery
    assert counts(db)["fetches"] == before["fetches"] + 4, "only the late run's rows were added"
    report = compact.compact_lake(data, db, before=None)  # next maintenance: recover, then compact
    assert report.recovered, "the interrupted compaction was found"
    assert not [p for p in data.glob("lake/*/*/.*")], "recovery leaves no hidden files"
    assert counts(db) == lake_counts(data)
    visible = {p.relative_to(data).as_posix() for p in data.glob("lake/*/*/*.parquet")}
    assert visible == recorded(db)
    assert load_lake(data, db).files == 0


def test_run_lock_makes_a_second_writer_wait_then_explains(tmp_path: Path) -> None:
    outcome: dict[str, object] = {}
    with runlock.hold(tmp_path, purpose="ingest"):

        def second() -> None:
            try:
                with runlock.hold(tmp_path, purpose="maintenance", wait=0.4, poll=0.1):
                    outcome["got"] = True
            except runlock.RunLocked as exc:
                outcome["error"] = str(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert "got" not in outcome
    assert "busy with ingest (pid" in str(outcome["error"])
    with runlock.hold(tmp_path, wait=0):  # released with the block
        pass


def test_maintenance_flow_loads_compacts_and_checkpoints(lake: tuple[Path, Path], prefect_harness) -> None:
    from flows.maintenance import maintenance

    data, db = lake
    staging = data / "staging" / "dead-run"
    staging.mkdir(parents=True)
    report = maintenance(data_dir=str(data), include_today=True)
    assert report.partitions == 6 and report.files_in == 21, "the late run was loaded first, then merged"
    assert not staging.exists(), "a dead run's staging folder is removed under the lock"
    assert counts(db) == lake_counts(data)
    assert load_lake(data, db).files == 0
