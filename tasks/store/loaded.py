"""A note beside the warehouse of what its last complete load left behind.

Each run starts by loading lake files an earlier run published but could not load. Usually there are
none, and finding that out opened the warehouse for writing, applied the schema and views and
checkpointed: ~0.14 s, and ~45 MB of DuckDB held by the run's main process while its pages are
extracted. The note records the warehouse file as that load left it (size, modification time,
inode), the lake files it had loaded and the schema files it applied; while all three are unchanged
there is nothing to catch up. Anything else (a failed or crashed load, another writer, a restored
file, a newer newsflow's schema, a WAL left behind) shows as a difference, and the load runs as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import warehouse
from tasks.store.user_cache import write_atomic

SCHEMA_FILES = ("schema/*.sql", "views/*.sql", "data/*.csv")  # what warehouse.db applies on every load
WAREHOUSE_CODE = Path(warehouse.__file__).parent


def note_path(db_path: Path) -> Path:
    """warehouse.duckdb -> warehouse.duckdb.loaded"""
    return db_path.with_name(db_path.name + ".loaded")


def forget(db_path: Path) -> None:
    """Drop the note before the warehouse is written: a load that stops half-way leaves none."""
    note_path(db_path).unlink(missing_ok=True)


def move(old_db: Path, new_db: Path) -> None:
    """The note of a warehouse file renamed from old_db to new_db (none if it had none)."""
    try:
        note_path(old_db).replace(note_path(new_db))
    except FileNotFoundError:
        forget(new_db)


def record(db_path: Path, lake: Iterable[Path], data_dir: Path) -> None:
    """Note the warehouse as a complete load of these lake files left it."""
    if (state := _state(db_path, lake, data_dir)) is not None:
        write_atomic(note_path(db_path), lambda f: f.write(json.dumps(state).encode()))


def up_to_date(db_path: Path, lake: Iterable[Path], data_dir: Path) -> bool:
    """True when the last complete load left the warehouse as it is now, with this lake and schema."""
    try:
        noted = json.loads(note_path(db_path).read_bytes())
    except (OSError, ValueError):
        return False
    return noted == _state(db_path, lake, data_dir)


def _state(db_path: Path, lake: Iterable[Path], data_dir: Path) -> dict[str, object] | None:
    if db_path.with_name(db_path.name + ".wal").exists():
        return None  # changes not yet in the file itself: its stat says nothing about them
    try:
        st = db_path.stat()
    except FileNotFoundError:
        return None
    return {"warehouse": [st.st_size, st.st_mtime_ns, st.st_ino],
            "lake": _digest(p.relative_to(data_dir).as_posix() for p in lake),
            "schema": _schema_digest()}


def _digest(names: Iterable[str]) -> str:
    h = hashlib.sha256()
    for name in sorted(names):
        h.update(name.encode() + b"\0")
    return h.hexdigest()


def _schema_digest() -> str:
    h = hashlib.sha256()
    for pattern in SCHEMA_FILES:
        for path in sorted(WAREHOUSE_CODE.glob(pattern)):
            h.update(f"{path.parent.name}/{path.name}\0".encode() + path.read_bytes() + b"\0")
    return h.hexdigest()
