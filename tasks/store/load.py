"""The lake's files into the warehouse: lists them and wires the crash hook for warehouse.load."""

from __future__ import annotations

import logging
from pathlib import Path

from tasks.crashpoints import crash_point
from tasks.store import loaded
from tasks.store.lake import lake_files
from warehouse.load import LoadReport, load_files
from warehouse.search_index import update_index

log = logging.getLogger(__name__)


def load_lake(data_dir: Path, db_path: Path, *, wait: float = 10.0) -> LoadReport:
    """Load every lake file not yet in the warehouse at db_path (idempotent), then catch the search index up."""
    files = lake_files(data_dir)
    loaded.forget(db_path)
    report = load_files(data_dir, db_path, files, wait=wait, hook=crash_point)
    try:
        update_index(db_path, wait=wait)
    except (OSError, ValueError) as exc:  # the load stands; search matches unindexed articles itself
        log.warning("search index not updated (the next load retries): %s", exc)
    else:
        loaded.record(db_path, [path for _, path in files if path.exists()], data_dir)  # less the quarantined
    return report


def nothing_to_load(data_dir: Path, db_path: Path) -> bool:
    """True when the last complete load left the warehouse as it is, with every lake file there is in it.

    An empty lake with no warehouse yet (a first run) has nothing to load either: the run's own load
    at its end creates the warehouse.
    """
    files = [path for _, path in lake_files(data_dir)]
    if not files and not db_path.exists():
        return True
    return loaded.up_to_date(db_path, files, data_dir)
