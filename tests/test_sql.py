"""`newsflow sql`: formats, files, refused writes, and never standing in the way of a load."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import queue
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows import cli_sql
from flows.cli import main
from tasks.store.lake import lake_file, write_atomic
from tasks.store.load import load_lake
from warehouse import query
from warehouse.db import connect, writer_flag, writer_waiting

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
LONG_QUERY = "select sum(hash(i)) as s from range(300000000) t(i)"  # 2-4 s on two cores


def article(n: int) -> dict:
    return {"article_id": f"a{n}", "source_id": "s1", "run_id": "r1", "url": f"https://x.org/{n}",
            "canonical_url": f"https://x.org/{n}", "title": f"Title {n}", "text": "body", "description": None,
            "published_at": NOW, "authors": ["A. Writer"], "agencies": [], "language": "en",
            "word_count": 10 * n, "content_hash": f"h{n}", "fetched_at": NOW}


def add_articles(data: Path, run: str, numbers: range) -> None:
    """Publish one run's articles to the lake, as an ingestion run does."""
    write_atomic(lake_file(data, "articles", "2026-11-01", run), "articles", [article(n) for n in numbers])


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data directory with a loaded warehouse of three articles."""
    add_articles(tmp_path, "r1", range(1, 4))
    load_lake(tmp_path, tmp_path / "warehouse.duckdb")
    return tmp_path


def sql(data: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["sql", "--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def fingerprint(data: Path) -> tuple[str, list[str], tuple]:
    """The warehouse file's bytes, the data directory's files, and what the tables hold."""
    db = data / "warehouse.duckdb"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    files = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.name != ".sql_history")
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute("select table_name from information_schema.tables order by 1").fetchall()
        counts = con.execute("select count(*), sum(word_count) from articles").fetchone()
    return digest, files, (tables, counts)


# ---------------------------------------------------------------- one query

Q = "select article_id, word_count, authors from articles order by article_id"


def test_table_format_is_the_default(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = sql(data, capsys, Q)
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split("│")[1:4] == [" article_id ", " word_count ", " authors       "]
    assert lines[3] == "│ a1         │         10 │ [\"A. Writer\"] │"  # numbers right-aligned
    assert lines[-1] == "3 rows"


def test_csv_json_markdown(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = sql(data, capsys, Q, "--format", "csv")
    assert list(csv.reader(io.StringIO(out))) == [
        ["article_id", "word_count", "authors"], ["a1", "10", '["A. Writer"]'],
        ["a2", "20", '["A. Writer"]'], ["a3", "30", '["A. Writer"]']]
    _, out, _ = sql(data, capsys, "select article_id, published_at from articles order by 1", "-f", "json")
    assert [json.loads(line) for line in out.splitlines()][0] == {
        "article_id": "a1", "published_at": "2026-11-01T12:00:00+00:00"}
    _, out, _ = sql(data, capsys, Q, "--format", "markdown", "--max-rows", "2")
    assert out.splitlines()[:3] == ["| article_id | word_count | authors |", "|---|---:|---|",
                                    '| a1 | 10 | ["A. Writer"] |']
    assert out.splitlines()[-1] == "3 rows, 2 shown (--max-rows 0 shows all)"


def test_output_files(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = sql(data, capsys, Q, "--output", str(data / "out.parquet"))
    assert code == 0 and "wrote 3 rows" in err
    table = pq.read_table(data / "out.parquet")
    assert table.column("word_count").to_pylist() == [10, 20, 30]
    assert table.schema.field("authors").type.value_type == "string"  # types survive in Parquet
    assert sql(data, capsys, Q, "-o", str(data / "out.csv"))[0] == 0
    assert (data / "out.csv").read_text().splitlines()[1] == 'a1,10,"[""A. Writer""]"'
    assert sql(data, capsys, Q, "-o", str(data / "out.json"))[0] == 0
    assert json.loads((data / "out.json").read_text().splitlines()[2])["article_id"] == "a3"
    code, _, err = sql(data, capsys, Q, "-o", str(data / "out.dat"))
    assert code == 2 and "add --format" in err


def test_syntax_error_prints_duckdb_message(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = sql(data, capsys, "selec count(*) from articles")
    assert code == 1 and out == ""
    assert 'syntax error at or near "selec"' in err and "Traceback" not in err


def test_missing_warehouse_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = sql(tmp_path, capsys, "select 1")
    assert code == 2 and "run `newsflow ingest` first" in err
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_format_names_agree() -> None:
    assert cli_sql.FORMATS == query.FORMATS


# ---------------------------------------------------------------- writes refused

WRITES = {
    "drop": "drop table articles",
    "delete": "delete from articles",
    "insert": "insert into articles (article_id, source_id, run_id, url, canonical_url) values ('x','s','r','u','u')",
    "update": "update articles set word_count = 0",
    "create": "create table notes as select 1 as n",
    "create-view": "create view v as select 1 as n",
    "attach-for-writing": "attach '{data}/other.duckdb' as other (read_only false)",
    "copy-to": "copy articles to '{data}/lake/articles/date=2026-11-01/run-evil.parquet'",
    "export": "export database '{data}/exported'",
    "install": "install httpfs",
    "set": "set enable_external_access = true",
    "read-then-write": "select 1; drop table articles",
    # These pass the statement check and are stopped by the engine: read-only file, no file system.
    "explain-analyze-copy": "explain analyze copy (select 1) to '{data}/out.parquet'",
    "explain-analyze-delete": "explain analyze delete from articles",
    "explain-analyze-copy-onto-warehouse":
        "explain analyze copy (select 1) to '{data}/warehouse.duckdb' (format csv)",
}


@pytest.mark.parametrize("name", list(WRITES))
def test_write_attempt_is_refused_and_changes_nothing(data: Path, capsys: pytest.CaptureFixture[str],
                                                       name: str) -> None:
    (data / "other.duckdb").unlink(missing_ok=True)
    duckdb.connect(str(data / "other.duckdb")).close()  # an existing file an ATTACH could write to
    before = fingerprint(data)
    code, out, err = sql(data, capsys, WRITES[name].format(data=data))
    assert code == 1 and "Traceback" not in err
    assert any(m in err for m in ("read-only", "off limits", "belongs to an attached database")), err
    assert out == ""  # nothing before the refused statement ran either
    assert fingerprint(data) == before


def test_files_are_off_limits(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = sql(data, capsys, f"select count(*) from read_parquet('{data}/lake/*/*/*.parquet')")
    assert code == 1 and "off limits" in err and "DuckDB CLI" in err


# ---------------------------------------------------------------- two processes

class ShellProcess:
    """`newsflow sql` started as a real process with its standard input a pipe."""

    def __init__(self, data: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "sql", "--data-dir", str(data), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            bufsize=1, cwd=ROOT)
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=lambda s=stream, q=sink: [q.put(x) for x in s], daemon=True).start()

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def rows(self, statement: str, n: int = 1) -> list[dict]:
        """Send a statement and read its n rows (the shell prints JSON lines)."""
        self.send(statement)
        return [json.loads(self.out.get(timeout=60)) for _ in range(n)]

    def error(self) -> str:
        return self.err.get(timeout=60)

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=60)


def test_open_shell_never_blocks_a_load_and_sees_its_rows(data: Path) -> None:
    """Acceptance: a shell stays open while articles are loaded; it then sees them; writes refused."""
    shell = ShellProcess(data, "--format", "json")
    try:
        assert shell.rows("select count(*) as n from articles;") == [{"n": 3}]
        # Multi-line statement, still in the same shell.
        assert shell.rows("select max(word_count)\n  as top\nfrom articles;") == [{"top": 30}]
        add_articles(data, "r2", range(4, 6))
        started = time.monotonic()
        report = load_lake(data, data / "warehouse.duckdb", wait=10)
        assert report.rows == {"articles": 2}
        assert time.monotonic() - started < 5  # it did not wait for the idle shell
        assert shell.rows("select count(*) as n from articles;") == [{"n": 5}]
        before = fingerprint(data)
        shell.send("delete from articles;")
        assert "read-only" in shell.error()
        assert shell.rows("select count(*) as n from articles;") == [{"n": 5}]
        assert fingerprint(data) == before
    finally:
        code = shell.close()
    assert code == 1  # a piped session reports that one of its statements failed


def test_shell_dot_commands(data: Path) -> None:
    shell = ShellProcess(data, "--format", "json")
    try:
        shell.send(".tables")
        names = {json.loads(shell.out.get(timeout=60))["name"] for _ in range(_tables(data) + _views())}
        assert {"articles", "sources", "article_countries"} <= names
        assert shell.rows(".schema sources", 9)[0] == {"column": "source_id", "type": "VARCHAR",
                                                       "nullable": False}
        shell.send(".nonsense")
        assert "unknown" in shell.error()
        shell.send("select 1 as a")  # no ';': runs at the end of the input
    finally:
        assert shell.close() == 0
    assert json.loads(shell.out.get(timeout=10)) == {"a": 1}


def _tables(data: Path) -> int:
    """Base tables in the warehouse (migrations add some)."""
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select count(*) from information_schema.tables where table_schema = 'main' "
                           "and table_type = 'BASE TABLE'").fetchall()[0][0]


def _views() -> int:
    return len(list((ROOT / "warehouse" / "views").glob("*.sql")))


def _lock_held_by_other(db: Path) -> bool:
    """Whether another process holds the warehouse (probing with a read-write open)."""
    try:
        duckdb.connect(str(db)).close()
        return False
    except duckdb.IOException:
        return True


def test_long_query_makes_a_load_wait_not_fail(data: Path) -> None:
    db = data / "warehouse.duckdb"
    reader = subprocess.Popen([sys.executable, "-m", "flows.cli", "sql", "--data-dir", str(data),
                               "-f", "csv", LONG_QUERY], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 30
    while not _lock_held_by_other(db):
        assert reader.poll() is None and time.monotonic() < deadline, "the query never started"
        time.sleep(0.02)
    add_articles(data, "r2", range(4, 6))
    started = time.monotonic()
    assert load_lake(data, db, wait=60).rows == {"articles": 2}
    waited = time.monotonic() - started
    out, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0 and out.startswith("s\n")
    assert waited > 0.3, "the load should have waited for the query"
    assert not writer_flag(db).exists()


def test_query_waits_for_a_load_in_progress(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = data / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(1.5); c.close()", str(db)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    code, out, err = sql(data, capsys, "select count(*) as n from articles", "-f", "csv")
    assert code == 0 and out == "n\n3\n"
    assert "waiting for the load" in err and time.monotonic() - started > 0.5
    holder.wait(timeout=10)


def test_waiting_writer_holds_back_new_readers(data: Path) -> None:
    """While a load waits for a running query, a new query waits for the load instead of joining in."""
    db = data / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1], "
                               "read_only=True); print('held', flush=True); sys.stdin.readline()", str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdin is not None and holder.stdout is not None and holder.stdout.readline() == "held\n"
    order: list[str] = []

    def load() -> None:
        with connect(db, wait=60):
            order.append("load")

    writer = threading.Thread(target=load)
    writer.start()
    deadline = time.monotonic() + 30
    while not writer_waiting(db):
        assert time.monotonic() < deadline, "the writer never flagged that it waits"
        time.sleep(0.01)
    reader = ShellProcess(data, "--format", "json")
    try:
        reader.send("select count(*) as n from articles;")
        # A shared lock is free to take, yet the query holds back for the waiting load.
        assert "waiting for the load" in reader.error()
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert reader.out.get(timeout=60) == '{"n": 3}\n'
        order.append("query")
        writer.join(timeout=30)
    finally:
        reader.close()
        holder.wait(timeout=30)
    assert order == ["load", "query"]
    assert not writer_flag(db).exists()


def test_back_to_back_queries_do_not_starve_a_load(data: Path) -> None:
    """Three shells running scripts of queries keep a shared lock almost all the time; plain DuckDB
    readers doing the same starve a load past its wait, newsflow sql readers let it in."""
    script = "select sum(hash(i)) as s from range(30000000) t(i);\n" * 300  # ~30 s each, no gaps
    shells = [subprocess.Popen([sys.executable, "-m", "flows.cli", "sql", "--data-dir", str(data), "-f", "csv"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=ROOT) for _ in range(3)]
    try:
        for shell in shells:
            assert shell.stdin is not None and shell.stdout is not None
            shell.stdin.write(script)
            shell.stdin.close()
        for shell in shells:
            assert shell.stdout is not None and shell.stdout.readline() == "s\n"  # queries are running
        add_articles(data, "r2", range(4, 6))
        # Plain DuckDB readers doing this keep a load out past its 10 s (measured); these let it in.
        assert load_lake(data, data / "warehouse.duckdb", wait=10).rows == {"articles": 2}
    finally:
        for shell in shells:
            shell.kill()
            shell.wait(timeout=30)
