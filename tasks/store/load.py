"""The lake's files into the warehouse: lists them and wires the crash hook for warehouse.load."""

from __future__ import annotations

from pathlib import Path

from tasks.crashpoints import crash_point
from tasks.store.lake import lake_files
from warehouse.load import LoadReport, load_files


def load_lake(data_dir: Path, db_path: Path, *, wait: float = 10.0) -> LoadReport:
    """Load every lake file not yet in the warehouse at db_path (idempotent)."""
    return load_files(data_dir, db_path, lake_files(data_dir), wait=wait, hook=crash_point)
