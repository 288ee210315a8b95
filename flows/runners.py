"""The ingest flow's task runner: threads by default, Dask with NEWSFLOW_TASK_RUNNER=dask."""

from __future__ import annotations

import os
from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

RUNNERS = ("threads", "dask")
THREADS = 8  # sources are I/O bound: a few in flight per core
DASK_THREADS_PER_WORKER = 4


def task_runner_kind() -> str:
    """threads or dask, from NEWSFLOW_TASK_RUNNER (read here: the flow is built at import)."""
    kind = os.environ.get("NEWSFLOW_TASK_RUNNER", "").strip().lower() or "threads"
    if kind not in RUNNERS:
        raise ValueError(f"NEWSFLOW_TASK_RUNNER={kind!r}: expected one of {', '.join(RUNNERS)}")
    return kind


def make_task_runner(kind: str | None = None) -> TaskRunner[Any]:
    """A fresh task runner of the configured kind."""
    if (kind or task_runner_kind()) == "dask":
        return _dask_runner(os.environ.get("NEWSFLOW_DASK_ADDRESS") or None)
    return ThreadPoolTaskRunner(max_workers=THREADS)


def _dask_runner(address: str | None) -> TaskRunner[Any]:
    """Dask on an existing scheduler (NEWSFLOW_DASK_ADDRESS), or a local cluster of processes."""
    try:
        import dask
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise RuntimeError("NEWSFLOW_TASK_RUNNER=dask needs prefect-dask: pip install 'newsflow[dask]'") from exc
    from flows.dask_workers import ClosePools

    # Dask's worker processes are the extraction parallelism: by default each extracts inline rather
    # than starting a process pool of its own (NEWSFLOW_EXTRACT_WORKERS still overrides this).
    os.environ.setdefault("NEWSFLOW_EXTRACT_WORKERS", "1")
    # Dask workers are daemonic by default and daemonic processes may not start children, which
    # an extraction pool inside a worker needs; ClosePools stops such a pool with its worker.
    dask.config.set({"distributed.worker.daemon": False})
    if address:
        return DaskTaskRunner(address=address)
    workers = max(1, min(os.cpu_count() or 1, 4))
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "processes": True,
            "threads_per_worker": DASK_THREADS_PER_WORKER,
            "dashboard_address": None,
            "plugins": {ClosePools()},
        }
    )
