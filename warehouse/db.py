"""DuckDB connections, migrations and queries kept in .sql files."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from warehouse.storage import WRITE_CONFIG

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


class WarehouseLocked(RuntimeError):
    """Another process holds the DuckDB file; the message says what to do."""


@cache
def sql(name: str) -> str:
    """Text of warehouse/sql/<name>.sql."""
    return (HERE / "sql" / f"{name}.sql").read_text(encoding="utf-8")


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


# A writer that finds the file locked keeps this flag fresh while it retries; readers seeing a fresh
# flag hold back before opening, so a stream of short read-only queries cannot starve a load.
WRITER_FLAG_FRESH = 2.0


def writer_flag(path: Path) -> Path:
    """The flag file a waiting writer keeps beside the warehouse."""
    return path.with_name(path.name + ".writer-waiting")


def writer_waiting(path: Path) -> bool:
    """Whether a writer touched the flag within the last WRITER_FLAG_FRESH seconds."""
    try:
        return time.time() - writer_flag(path).stat().st_mtime < WRITER_FLAG_FRESH
    except OSError:
        return False


def _touch(flag: Path) -> bool:
    try:
        flag.touch()
        return True
    except OSError:  # a read-only data directory: readers simply won't yield
        return False


@contextmanager
def connect(path: Path, *, read_only: bool = False, wait: float = 10.0,
            on_wait: Callable[[], None] | None = None,
            config: dict[str, Any] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, retrying briefly while another process holds its lock.

    on_wait is called once, the first time the call has to wait (for a lock or a waiting writer);
    config holds DuckDB options applied as the database opens.
    """
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `newsflow ingest` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    notify = _once(on_wait)
    while read_only and writer_waiting(path) and time.monotonic() < deadline:
        notify()
        time.sleep(0.05)
    # A file created here is written in the format older DuckDB clients read (warehouse/storage.py).
    options = {**({} if read_only else WRITE_CONFIG), **(config or {})}
    con = _open(path, read_only, deadline, notify, options)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def shared_reads(path: Path) -> Iterator[None]:
    """Read-only connections opened while the block runs share one open database.

    DuckDB builds a database for each connection (~12 ms of CPU in 2.0, even in memory) unless one
    to the same file with the same options is open in the process: then a connection costs ~1 ms.
    A run's discovery reads the warehouse once per source (and a backfill once per batch of pages).
    The open database holds the file's shared lock, so the block must end before this process
    writes; other writers are newsflow runs, which the run lock (tasks/runlock.py) keeps out anyway.
    """
    keeper = None
    if path.exists() and not writer_waiting(path):
        try:
            keeper = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:  # locked or unreadable: each read opens its own, as without the block
            log.debug("warehouse reads not shared: %s", exc)
    try:
        yield
    finally:
        if keeper is not None:
            keeper.close()


def _once(func: Callable[[], None] | None) -> Callable[[], None]:
    """A callable running func on its first call only."""
    done = False

    def call() -> None:
        nonlocal done
        if func is not None and not done:
            done = True
            func()
    return call


def _open(path: Path, read_only: bool, deadline: float, notify: Callable[[], None],
          config: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with backoff while the file is locked; a writer flags that it is waiting."""
    delay, flagged = 0.05, False
    try:
        while True:
            try:
                return duckdb.connect(str(path), read_only=read_only, config=config)
            except duckdb.IOException as exc:
                if not _is_lock_error(exc):
                    raise
                if not read_only:
                    flagged = _touch(writer_flag(path)) or flagged
                if time.monotonic() >= deadline:
                    raise WarehouseLocked(
                        f"the warehouse {path} is locked by another process (a DuckDB client or another "
                        f"newsflow run); nothing is lost: the next run loads what is waiting in the lake"
                    ) from exc
                notify()
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
    finally:
        if flagged:
            writer_flag(path).unlink(missing_ok=True)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply schema/NNN_*.sql files not yet applied, in order; returns the names applied."""
    con.execute(
        "create table if not exists schema_migrations ("
        "name varchar primary key, applied_at timestamptz default current_timestamp)"
    )
    done = {row[0] for row in con.execute("select name from schema_migrations").fetchall()}
    applied = []
    for path in sorted((HERE / "schema").glob("[0-9][0-9][0-9]_*.sql")):
        if path.name in done:
            continue
        con.execute("begin")
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("insert into schema_migrations (name) values (?)", [path.name])
        con.execute("commit")
        applied.append(path.name)
    return applied


def load_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh the countries and topics dimensions from the package's CSV files."""
    for table in ("countries", "topics"):
        path = HERE / "data" / f"{table}.csv"
        if not path.exists():
            continue
        con.execute(f"delete from {table}")  # table names are constants, never user input
        con.execute(
            f"insert into {table} by name select * from read_csv(?, header = true, all_varchar = true)",
            [str(path)],
        )


def number_articles(con: duckdb.DuckDBPyConnection) -> None:
    """Give new articles their numbers and copy them onto tag rows (sql/number_articles.sql)."""
    con.execute("begin")
    con.execute(sql("number_articles"))
    con.execute("commit")


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create every analytics view in views/, one view per file."""
    names = []
    for path in sorted((HERE / "views").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
        names.append(path.stem)
    return names


def known_keys(path: Path, keys: list[str], wait: float = 2.0) -> set[str]:
    """URL keys already fetched to a final outcome; empty when the warehouse cannot be read."""
    if not keys or not path.exists():
        return set()
    try:
        with connect(path, read_only=True, wait=wait) as con:
            return {row[0] for row in con.execute(sql("known_keys"), {"keys": keys}).fetchall()}
    except (WarehouseLocked, duckdb.Error) as exc:
        log.warning("cannot read known URLs from the warehouse (%s); pages may be fetched again", exc)
        return set()


def feed_validators(path: Path, wait: float = 2.0) -> dict[str, tuple[str | None, str | None]]:
    """ETag and Last-Modified per feed URL from earlier runs."""
    if not path.exists():
        return {}
    try:
        with connect(path, read_only=True, wait=wait) as con:
            rows = con.execute(sql("feed_validators")).fetchall()
    except (WarehouseLocked, duckdb.Error) as exc:
        log.warning("cannot read feed validators (%s); feeds are fetched unconditionally", exc)
        return {}
    return {url: (etag, modified) for url, etag, modified in rows}
