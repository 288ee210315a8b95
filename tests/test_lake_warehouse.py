"""Lake files and the warehouse: one schema each, agreeing; loads are idempotent and safe."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tasks.store.lake import SCHEMAS, Stager, lake_file, publish, write_atomic
from tasks.store.load import load_lake
from warehouse import storage
from warehouse.db import WarehouseLocked, connect, known_keys, migrate, shared_reads

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def article(n: int) -> dict:
    return {"article_id": f"a{n}", "source_id": "s", "run_id": "r1", "url": f"https://x.org/{n}",
            "canonical_url": f"https://x.org/{n}", "title": f"T{n}", "text": "body", "description": None,
            "published_at": NOW, "authors": ["A"], "agencies": ["AP"], "language": "en", "word_count": 1,
            "content_hash": "h", "fetched_at": NOW}


DUCK_TYPES = {
    pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.int16(): "SMALLINT",
    pa.float32(): "FLOAT", pa.bool_(): "BOOLEAN", pa.timestamp("us", tz="UTC"): "TIMESTAMP WITH TIME ZONE",
    pa.list_(pa.string()): "VARCHAR[]",
}


DERIVED = {"article_no"}  # numbered by the load (schema/005), not in the lake


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_lake_schema_agrees_with_warehouse_table(tmp_path: Path, table: str) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        migrate(con)
        columns = dict(con.execute(
            "select column_name, data_type from information_schema.columns where table_name = ?", [table]
        ).fetchall())
    lake = {f.name: DUCK_TYPES[f.type] for f in SCHEMAS[table]}
    assert lake == {name: columns[name] for name in lake}, f"{table}: lake and warehouse disagree"
    assert set(columns) - DERIVED == set(lake)


def test_load_is_idempotent_and_catches_up(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r1"), "articles", [article(1), article(2)])
    assert load_lake(tmp_path, db).rows == {"articles": 2}
    assert load_lake(tmp_path, db).files == 0
    # A second file repeating an article keeps the first copy and adds the new one.
    write_atomic(lake_file(tmp_path, "articles", "2026-11-02", "r2"), "articles", [article(2), article(3)])
    load_lake(tmp_path, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*), count(distinct article_id) from articles").fetchone() == (3, 3)


def mention(n: int, code: str) -> dict:
    return {"article_id": f"a{n}", "country_code": code, "mentions": 1, "is_focus": True, "tagger": None}


def numbers(db: Path, table: str) -> dict[tuple[str, str], int | None]:
    with duckdb.connect(str(db), read_only=True) as con:
        key = "country_code" if table == "article_countries" else "'-'"
        return {(a, k): no for a, k, no in con.execute(f"select article_id, {key}, article_no from {table}").fetchall()}


def test_load_numbers_articles_once_and_their_tags_even_when_the_tags_came_first(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r1"), "articles", [article(1), article(2)])
    write_atomic(lake_file(tmp_path, "article_countries", "2026-11-01", "r1"), "article_countries",
                 [mention(1, "MX"), mention(2, "MX"), mention(3, "US")])  # a3's article comes later
    load_lake(tmp_path, db)
    first = numbers(db, "articles")
    assert sorted(first.values()) == [1, 2]
    tags = numbers(db, "article_countries")
    assert tags[("a1", "MX")] == first[("a1", "-")] and tags[("a2", "MX")] == first[("a2", "-")]
    assert tags[("a3", "US")] is None
    write_atomic(lake_file(tmp_path, "articles", "2026-11-02", "r2"), "articles", [article(2), article(3)])
    load_lake(tmp_path, db)
    again = numbers(db, "articles")
    assert {k: again[k] for k in first} == first  # a repeated article keeps its number
    assert again[("a3", "-")] > max(first.values())  # numbers may skip the repeats, never reuse one
    assert numbers(db, "article_countries")[("a3", "US")] == again[("a3", "-")]


def test_a_warehouse_with_the_fetches_url_index_loses_it_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r1"), "articles", [article(1)])
    load_lake(tmp_path, db)
    with duckdb.connect(str(db)) as con:  # as a warehouse migrated before 006 has it
        con.execute("create index fetches_url_key on fetches (url_key)")
        con.execute("insert into fetches (run_id, kind, url, url_key, outcome) "
                    "values ('r0', 'page', 'u', 'k', 'article')")
        con.execute("delete from schema_migrations where name = '006_drop_fetches_url_key.sql'")
    write_atomic(lake_file(tmp_path, "articles", "2026-11-02", "r2"), "articles", [article(2)])
    assert load_lake(tmp_path, db).rows == {"articles": 1}
    with duckdb.connect(str(db), read_only=True) as con:
        indexes = con.execute("select index_name from duckdb_indexes()").fetchall()
        assert ("fetches_url_key",) not in indexes
        assert con.execute("select url_key from fetches").fetchall() == [("k",)]
        assert con.execute("select count(*) from articles").fetchone() == (2,)


def test_locked_warehouse_fails_clearly_and_next_load_catches_up(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    load_lake(tmp_path, db)
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r1"), "articles", [article(1)])
    import subprocess
    import sys
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); "
                               "print('ok', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(WarehouseLocked, match="nothing is lost"):
            load_lake(tmp_path, db, wait=0.3)
    finally:
        holder.kill()
        holder.wait()
    assert load_lake(tmp_path, db).rows == {"articles": 1}


def test_corrupt_lake_file_is_quarantined(tmp_path: Path) -> None:
    good = lake_file(tmp_path, "articles", "2026-11-01", "r1")
    write_atomic(good, "articles", [article(1)])
    bad = lake_file(tmp_path, "articles", "2026-11-01", "r0")
    bad.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])  # truncated mid-write elsewhere
    report = load_lake(tmp_path, tmp_path / "warehouse.duckdb")
    assert report.rows == {"articles": 1}
    assert len(report.quarantined) == 1 and not bad.exists()
    assert (tmp_path / "quarantine" / "articles" / "date=2026-11-01" / "run-r0.parquet").exists()


def test_stager_and_publish_merge_parts(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    for name, ids in (("a", range(0, 5)), ("b", range(5, 7))):
        stager = Stager(staging, name, batch_rows=2)
        for n in ids:
            stager.add("articles", article(n))
        stager.close()
    assert publish(staging, tmp_path, "2026-11-01", "r1") == {"articles": 7}
    rows = duckdb.execute(f"select count(*) from read_parquet('{tmp_path}/lake/articles/*/*.parquet')").fetchone()
    assert rows == (7,)


def _storage(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return storage.storage_version(con)


def test_new_warehouse_is_written_for_older_clients(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r1"), "articles", [article(1)])
    load_lake(tmp_path, db)
    assert _storage(db).startswith(storage.STORAGE_VERSION)


def test_warehouse_in_a_newer_format_is_rewritten_once_with_everything(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:  # DuckDB 2's own default format, as older newsflow wrote it
        migrate(con)
    assert not _storage(db).startswith(storage.STORAGE_VERSION)
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r1"), "articles", [article(1), article(2)])
    assert load_lake(tmp_path, db).rows == {"articles": 2}
    assert _storage(db).startswith(storage.STORAGE_VERSION)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone() == (2,)
        assert con.execute("select count(*) from lake_files").fetchone() == (1,)
        assert con.execute("select count(*) from coverage_country_daily").fetchone() is not None
    assert load_lake(tmp_path, db).files == 0  # the copy kept the record of loaded files
    assert not list(tmp_path.glob("*.compat*"))


def test_duckdb_1_x_cli_opens_the_warehouse(tmp_path: Path) -> None:
    cli = shutil.which("duckdb") or shutil.which("duckdb", path=str(Path(sys.executable).parent))
    if cli is None:
        pytest.skip("the DuckDB CLI is not installed (pip install 'duckdb-cli<2'; the test extras include it)")
    db = tmp_path / "warehouse.duckdb"
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r1"), "articles", [article(1)])
    load_lake(tmp_path, db)
    with duckdb.connect(str(db), read_only=True) as con:
        views = [r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()]
    assert views
    query = "select count(*) from articles; " + " ".join(f"select count(*) from {v};" for v in views)
    done = subprocess.run([cli, "-readonly", "-csv", str(db), "-c", query], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stdout + done.stderr


def test_shared_reads_answer_as_usual_and_release_the_file(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with shared_reads(db):  # no warehouse yet: nothing to share, nothing fails
        assert known_keys(db, ["k"]) == set()
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r1"), "articles", [article(1)])
    load_lake(tmp_path, db)
    with connect(db, read_only=True) as con:
        (article_id,) = con.execute("select article_id from articles").fetchone()  # type: ignore[misc]
    with shared_reads(db):
        assert known_keys(db, [article_id, "unknown"]) == {article_id}
        with connect(db, read_only=True) as con:
            assert con.execute("select count(*) from articles").fetchone() == (1,)
            con.execute("set global default_order = 'DESC'")
        with connect(db, read_only=True) as con:  # the same database, not a new one
            assert con.execute("select current_setting('default_order')").fetchone() == ("DESC",)
    with connect(db, read_only=True) as con:
        assert con.execute("select current_setting('default_order')").fetchone() == ("ASCENDING",)
    # the shared database is closed with the block: this process and others may write again
    write_atomic(lake_file(tmp_path, "articles", "2026-11-01", "r2"), "articles", [article(2)])
    assert load_lake(tmp_path, db, wait=0.3).rows == {"articles": 1}
    other = subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(db)!r}).close()"],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr


def test_shared_reads_on_a_locked_warehouse_leave_each_read_to_wait_as_usual(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    load_lake(tmp_path, db)
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); "
                               "print('ok', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with shared_reads(db):
            assert known_keys(db, ["k"], wait=0.2) == set()  # (logged: the lookup could not read)
    finally:
        holder.kill()
        holder.wait()
