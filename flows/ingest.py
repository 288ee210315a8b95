"""The ingest flow: outlets to articles in the lake and the warehouse."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

# Prefect imports its engines, and FastAPI's encoder for the flow's parameters, on the first flow
# call, after the run's API answers; `newsflow ingest` imports this module while that API starts.
import fastapi.encoders  # noqa: F401
import prefect.flow_engine  # noqa: F401
import prefect.task_engine  # noqa: F401
from prefect import flow
from prefect.futures import PrefectFuture, as_completed

from flows import events, stages
from flows.runners import make_task_runner
from flows.settings import Settings
from tasks import health, progress, runlock
from tasks.discover.sources import Source, load_sources
from tasks.fetch.client import FetchConfig
from tasks.harvest import RunContext, SourceReport
from tasks.run import RunConfig, RunSummary, close_shared, new_run
from tasks.schedules import select_sources
from warehouse.db import shared_reads

# The stages log progress at INFO; Prefect collects these loggers (PREFECT_LOGGING_EXTRA_LOGGERS)
# but they would stay at the root's WARNING level without this.
for _name in ("tasks", "warehouse"):
    logging.getLogger(_name).setLevel(logging.INFO)


def run_config(settings: Settings) -> RunConfig:
    """Stage configuration from the settings."""
    networks = tuple(n.strip() for n in settings.allowed_networks.split(",") if n.strip())
    fetch = FetchConfig(
        user_agent=settings.user_agent, read_timeout=settings.timeout, max_bytes=settings.max_bytes,
        total_timeout=settings.total_timeout,
        host_delay=settings.host_delay, host_concurrency=settings.host_concurrency,
        allow_private=settings.allow_private_hosts, allowed_networks=networks,
        robots=settings.respect_robots,
    )
    return RunConfig(data_dir=settings.data_dir, fetch=fetch, max_per_source=settings.max_per_source,
                     extract_workers=settings.extract_workers, lock_wait=settings.lock_wait)


def _report(future: PrefectFuture, source: Source) -> SourceReport:
    """A source's report even when its task crashed."""
    result = future.result(raise_on_failure=False)
    if isinstance(result, SourceReport):
        return result
    if isinstance(result, tuple):
        return result[1]
    return SourceReport(source.id, errors=[f"task crashed: {result!r}"])


def _found(future: PrefectFuture, source: Source) -> tuple:
    result = future.result(raise_on_failure=False)
    return result if isinstance(result, tuple) else ([], _report(future, source))


def _harvest_all(sources: list[Source], config: RunConfig, ctx: RunContext) -> list[SourceReport]:
    """Discover and harvest every source concurrently; every source's report, crashed or not."""
    meter = progress.begin(len(sources))
    try:
        harvesting: list[tuple[PrefectFuture | SourceReport, Source]] = []
        with shared_reads(config.warehouse):  # each source's discovery looks up its links there
            discovering = {stages.discover.submit(s, config, ctx): s for s in sources}
            for f in as_completed(list(discovering)):
                source, found = discovering[f], _found(f, discovering[f])
                meter.discovered(found[1], len(found[0]))
                # Nothing new, no harvest task: each task run costs Prefect tens of milliseconds.
                job = stages.harvest.submit(source, found, config, ctx) if found[0] else found[1]
                harvesting.append((job, source))
        return [job if isinstance(job, SourceReport) else _report(job, s) for job, s in harvesting]
    finally:
        close_shared()


# The task runner is chosen at import (NEWSFLOW_TASK_RUNNER) so deployment runs, which re-import
# this module in a fresh process, get the same one as `newsflow ingest`.
@flow(name="ingest", task_runner=make_task_runner(), log_prints=True)
def ingest(sources_file: str | None = None, data_dir: str | None = None,
           max_per_source: int | None = None, source_ids: list[str] | None = None) -> RunSummary:
    """One ingestion run: discover, fetch, extract and tag per source, then publish and load."""
    overrides = {"sources": sources_file, "data_dir": data_dir, "max_per_source": max_per_source}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    sources = select_sources(load_sources(Path(settings.sources)), source_ids)
    config = run_config(settings)
    # One writer per data directory: a second run waits here instead of interleaving lake writes.
    with runlock.hold(settings.data_dir, purpose="ingest"):
        ctx = new_run(settings.data_dir)
        stages.catch_up(config)
        before = health.snapshot(config.warehouse, ctx.started_at)
        due, deferred = health.plan_backoff(sources, before, ctx.started_at) if settings.backoff else (sources, [])
        reports = _harvest_all(due, config, ctx)
        summary = stages.finish(sources, reports, config, ctx)
        summary.backed_off = deferred
        after = health.snapshot(config.warehouse, datetime.now(UTC))
        summary.health_changes = health.status_changes(before, after, [s.id for s in sources])
    stages.publish_summary(summary, config)
    events.announce(summary.health_changes)
    return summary
