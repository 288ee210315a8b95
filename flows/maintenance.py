"""The maintenance flow: daily lake compaction and warehouse checkpoint."""

from __future__ import annotations

from prefect import flow

from flows import upkeep
from flows.settings import Settings
from tasks import runlock
from tasks.store.compact import CompactReport


@flow(name="maintenance", log_prints=True)
def maintenance(data_dir: str | None = None, include_today: bool = False) -> CompactReport:
    """Load what is pending, compact each day's small lake files, checkpoint the warehouse."""
    settings = Settings(**({"data_dir": data_dir} if data_dir else {}))
    # Same lock as ingest: compaction renames lake files, so no run may write meanwhile.
    with runlock.hold(settings.data_dir, purpose="maintenance"):
        upkeep.load_pending(settings.data_dir, settings.warehouse_path, settings.lock_wait)
        leftovers = upkeep.tidy(settings.data_dir)
        report = upkeep.compact(settings.data_dir, settings.warehouse_path, include_today, settings.lock_wait)
        sizes = upkeep.checkpoint(settings.warehouse_path, settings.lock_wait)
    upkeep.publish(report, leftovers, sizes)
    return report
