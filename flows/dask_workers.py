"""A Dask worker plugin that stops the worker's extraction process pool when the worker closes."""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class ClosePools(WorkerPlugin):
    """Shut down tasks.process pools at worker teardown, so no pool process outlives its worker."""

    name = "newsflow-close-pools"

    def teardown(self, worker: Any) -> None:
        from tasks.process import shutdown_pools

        shutdown_pools()
