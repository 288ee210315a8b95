"""The lake's files into the warehouse: lists them and wires the crash hook for warehouse.load."""

from __future__ import annotations

import logging
from pathlib import Path

from tasks.crashpoints import crash_point
from tasks.store.lake import lake_files
from warehouse.load import LoadReport, load_files
from warehouse.search_index import update_index

log = logging.getLogger(__name__)


def load_lake(data_dir: Path, db_path: Path, *, wait: float = 10.0) -> LoadReport:
    """Load every lake file not yet in the warehouse at db_path (idempotent), then catch the search index up."""
    report = load_files(data_dir, db_path, lake_files(data_dir), wait=wait, hook=crash_point)
    try:
        update_index(db_path, wait=wait)
    except (OSError, ValueError) as exc:  # the load stands; search matches unindexed articles itself
        log.warning("search index not updated (the next load retries): %s", exc)
    return report
