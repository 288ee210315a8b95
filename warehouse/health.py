"""Reading the source_health view (warehouse/views/source_health.sql) at a given time."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import WarehouseLocked, connect, sql

log = logging.getLogger(__name__)

STATUSES = ("failing", "silent", "new", "ok")  # problems first
PROBLEMS = ("failing", "silent")


def health_rows(con: duckdb.DuckDBPyConnection, as_of: datetime) -> list[dict[str, Any]]:
    """One dict per source, problems first, evaluated at as_of."""
    cursor = con.execute(sql("source_health"), {"as_of": as_of})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def health_or_none(con: duckdb.DuckDBPyConnection, as_of: datetime) -> list[dict[str, Any]]:
    """health_rows, or empty when the warehouse has no view yet or cannot answer."""
    try:
        return health_rows(con, as_of)
    except duckdb.CatalogException:
        return []  # a warehouse loaded before the view existed: the next load creates it
    except duckdb.Error as exc:
        return _unreadable(exc)


def read_health(path: Path, as_of: datetime, wait: float = 2.0) -> list[dict[str, Any]]:
    """Every source's health; empty when there is no warehouse (or no view yet) or it is locked."""
    if not path.exists():
        return []
    try:
        with connect(path, read_only=True, wait=wait) as con:
            return health_or_none(con, as_of)
    except (WarehouseLocked, duckdb.Error) as exc:  # opening it: locked, or not a warehouse
        return _unreadable(exc)


def _unreadable(exc: Exception) -> list[dict[str, Any]]:
    log.warning("cannot read source health from the warehouse (%s); no back-off this run", exc)
    return []
