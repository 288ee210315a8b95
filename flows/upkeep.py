"""Thin Prefect task wrappers for the maintenance flow over tasks/store/compact.py and the loader."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.store import compact as lake_compact
from tasks.store.lake import remove_leftovers
from tasks.store.load import load_lake
from warehouse.load import LoadReport


# Inputs are paths and results are not reusable, so nothing is cached.
@task(name="catch-up-load", cache_policy=NO_CACHE, persist_result=False)
def load_pending(data_dir: Path, db_path: Path, wait: float) -> LoadReport:
    """Load lake files no run has loaded yet, so compaction can include them."""
    return load_lake(data_dir, db_path, wait=wait)


@task(name="remove-leftovers", cache_policy=NO_CACHE, persist_result=False)
def tidy(data_dir: Path) -> int:
    """Delete staging folders and temporary files left by runs that died (run lock held)."""
    return remove_leftovers(data_dir)


@task(name="compact-lake", cache_policy=NO_CACHE, persist_result=False)
def compact(data_dir: Path, db_path: Path, include_today: bool, wait: float) -> lake_compact.CompactReport:
    """Merge each earlier day's files into one per partition (today's too when asked)."""
    before = None if include_today else datetime.now(UTC).strftime("%Y-%m-%d")
    return lake_compact.compact_lake(data_dir, db_path, before=before, wait=wait)


@task(name="checkpoint-warehouse", cache_policy=NO_CACHE, persist_result=False)
def checkpoint(db_path: Path, wait: float) -> tuple[int, int]:
    """Refresh statistics and checkpoint DuckDB; returns file sizes before and after."""
    return lake_compact.checkpoint_warehouse(db_path, wait=wait)


@task(name="maintenance-summary", cache_policy=NO_CACHE, persist_result=False)
def publish(report: lake_compact.CompactReport, leftovers: int, sizes: tuple[int, int]) -> None:
    """Attach what maintenance did to its flow run."""
    rows: list[dict[str, Any]] = [
        {"what": "partitions compacted", "value": report.partitions},
        {"what": "files merged", "value": report.files_in},
        {"what": "rows in merged files", "value": report.rows},
        {"what": "interrupted writes recovered", "value": len(report.recovered)},
        {"what": "leftovers of dead runs removed", "value": leftovers},
        {
            "what": "warehouse MB before / after",
            "value": f"{sizes[0] / 1e6:.1f} / {sizes[1] / 1e6:.1f}",
        },
    ]
    create_table_artifact(key="maintenance", table=rows, description="newsflow lake and warehouse upkeep")
