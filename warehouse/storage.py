"""The warehouse's on-disk format: written so that DuckDB 1.4+ clients open it, not only 2.x.

DuckDB 2.0 writes storage version 69 by default, which every 1.x client (the CLI package, most
R/Java/Node bindings) refuses. Nothing newsflow stores needs the newer format, so new files are
created in the v1.4.0 format and a file written in a newer one is copied into it once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

STORAGE_VERSION = "v1.4.0"
# Applied whenever the warehouse is opened for writing: it only decides the format of a new file.
WRITE_CONFIG = {"storage_compatibility_version": STORAGE_VERSION}


def _version_key(version: str) -> tuple[int, ...]:
    """'v1.4.0+' -> (1, 4, 0)."""
    return tuple(int(part) for part in version.strip("v+").split(".") if part.isdigit())


def storage_version(con: duckdb.DuckDBPyConnection) -> str:
    """The storage version DuckDB reports for the connection's main database file, e.g. 'v1.4.0+'."""
    row = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return str(row[0]) if row and row[0] else ""


def needs_rewrite(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the open file is in a newer format than older clients read."""
    found = storage_version(con)
    return bool(found) and _version_key(found) > _version_key(STORAGE_VERSION)


def rewrite_file(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Copy the open database into a STORAGE_VERSION file beside it; the caller swaps it in after closing."""
    target = path.with_name(path.name + ".compat")
    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    con.execute("checkpoint")
    con.execute(f"attach ? as compat (storage_version '{STORAGE_VERSION}')", [str(target)])
    con.execute(f"copy from database {_quoted(con)} to compat")
    con.execute("detach compat")
    return target


def swap_in(new: Path, path: Path) -> None:
    """Replace the warehouse file by its rewritten copy (atomic rename); the old WAL is empty after checkpoint."""
    os.replace(new, path)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    log.info("rewrote %s in DuckDB storage format %s so that DuckDB 1.4+ clients can open it", path, STORAGE_VERSION)


def _quoted(con: duckdb.DuckDBPyConnection) -> str:
    """The main database's name as an identifier."""
    name = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
    return '"' + str(name).replace('"', '""') + '"'
