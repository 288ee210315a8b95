"""The stages of one ingestion run as plain functions; flows/stages.py wraps them for Prefect."""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tasks import health, progress
from tasks.discover import prefetch
from tasks.discover.sources import Source
from tasks.discover.urls import url_key
from tasks.fetch.client import FetchConfig, Fetcher
from tasks.harvest import RunContext, SourceReport, collect_links, harvest
from tasks.health import Deferral, StatusChange
from tasks.models import Link
from tasks.process import prestart, shared_pool, shutdown_pools
from tasks.store.lake import Stager, publish, remove_leftovers
from tasks.store.load import load_lake, nothing_to_load
from tasks.stories.stage import commit_sketches, group_staged
from warehouse.db import WarehouseLocked, feed_validators, known_keys
from warehouse.load import LoadReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunConfig:
    """What the stages need to know, built from the settings by the flow."""

    data_dir: Path
    fetch: FetchConfig
    max_per_source: int = 200
    extract_workers: int = 0
    lock_wait: float = 10.0

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"


@dataclass
class RunSummary:
    """The outcome of a run, for the CLI and the Prefect artifacts."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    sources: list[SourceReport]
    lake_rows: dict[str, int] = field(default_factory=dict)
    loaded: LoadReport | None = None
    load_error: str | None = None
    backed_off: list[Deferral] = field(default_factory=list)  # sources not tried this run
    health_changes: list[StatusChange] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.sources)

    @property
    def nothing_fetched(self) -> bool:
        """True when no request of the run got any answer (e.g. no network at all)."""
        if not self.sources and self.backed_off:
            return False  # every source is waiting out its back-off: nothing was asked
        return all(r.feeds_ok + r.feeds_not_modified + r.fetched == 0 for r in self.sources)


_fetchers: dict[FetchConfig, Fetcher] = {}
_fetchers_lock = threading.Lock()


def shared_fetcher(config: FetchConfig) -> Fetcher:
    """One fetcher per configuration, so politeness per host holds across all sources."""
    with _fetchers_lock:
        if config not in _fetchers:
            _fetchers[config] = Fetcher(config)
        return _fetchers[config]


def new_run(data_dir: Path) -> RunContext:
    """A fresh run identity; ids sort by start time."""
    now = datetime.now(UTC)
    run_id = f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    return RunContext(run_id=run_id, day=f"{now:%Y-%m-%d}", data_dir=data_dir, started_at=now)


def catch_up(config: RunConfig) -> LoadReport | None:
    """Clear what a dead run left half-written, then load lake files an earlier run could not load.

    None when nothing was waiting (the warehouse is not opened) or the warehouse was locked.
    """
    if removed := remove_leftovers(config.data_dir):
        log.warning("removed %d leftovers of an interrupted run (never published, fetched again now)", removed)
    if nothing_to_load(config.data_dir, config.warehouse):
        return None
    try:
        return load_lake(config.data_dir, config.warehouse, wait=config.lock_wait)
    except WarehouseLocked as exc:
        log.warning("%s", exc)
        return None


_validators: dict[str, dict[str, tuple[str | None, str | None]]] = {}
_validators_lock = threading.Lock()


def run_validators(config: RunConfig, ctx: RunContext) -> dict[str, tuple[str | None, str | None]]:
    """The feeds' ETag/Last-Modified, read once per run: opening the warehouse costs ~20 ms of CPU."""
    with _validators_lock:
        if ctx.run_id not in _validators:
            _validators.clear()  # only the current run's are ever needed
            _validators[ctx.run_id] = feed_validators(config.warehouse)
        return _validators[ctx.run_id]


def discover_source(source: Source, config: RunConfig, ctx: RunContext) -> tuple[list[Link], SourceReport]:
    """Links of a source not seen before, at most max_per_source, and the source's counts so far."""
    report = SourceReport(source.id)
    stager = Stager(ctx.staging_dir, f"{source.id}-discover")
    try:
        validators = run_validators(config, ctx)
        links = collect_links(source, shared_fetcher(config.fetch), validators, stager, ctx, report)
    finally:
        stager.close()
    report.discovered = len(links)
    known = known_keys(config.warehouse, [url_key(link.url) for link in links])
    fresh = [link for link in links if url_key(link.url) not in known]
    report.known = len(links) - len(fresh)
    log.info("%s: %d links, %d already known, %d to fetch", source.id, len(links), report.known,
             min(len(fresh), config.max_per_source))
    if fresh:  # the extraction workers warm up (about a second) while other sources are discovered
        prestart(config.extract_workers)
    return fresh[: config.max_per_source], report


def harvest_source(source: Source, links: list[Link], report: SourceReport, config: RunConfig,
                   ctx: RunContext) -> SourceReport:
    """Fetch, archive, extract and tag a source's new pages into staged lake rows."""
    progress.current().watch(report)
    stager = Stager(ctx.staging_dir, f"{source.id}-pages")
    try:
        harvest(source, links, shared_fetcher(config.fetch), shared_pool(config.extract_workers),
                stager, ctx, report)
    finally:
        stager.close()
    log.info("%s: fetched %d, new %d, skipped %d, failed %d", source.id, report.fetched, report.new,
             report.skipped, report.failed)
    return report


def finish_run(sources: list[Source], reports: list[SourceReport], config: RunConfig,
               ctx: RunContext) -> RunSummary:
    """Publish the run's lake files, then load them; a failed load is caught up next run."""
    progress.current().set_stage("loading")
    summary = RunSummary(ctx.run_id, ctx.started_at, datetime.now(UTC), reports)
    stager = Stager(ctx.staging_dir, "run")
    for source in sources:
        stager.add("sources", _source_row(source, ctx))
    stager.add("runs", _run_row(summary, len(sources)))
    stager.close()
    group_staged(ctx.staging_dir, config.data_dir)  # the run's articles into stories, before publishing
    commit_sketches(ctx.staging_dir, config.data_dir, ctx.run_id)
    summary.lake_rows = publish(ctx.staging_dir, config.data_dir, ctx.day, ctx.run_id)
    shutil.rmtree(ctx.staging_dir, ignore_errors=True)
    try:
        summary.loaded = load_lake(config.data_dir, config.warehouse, wait=config.lock_wait)
    except WarehouseLocked as exc:
        summary.load_error = str(exc)
        log.error("%s", exc)
    return summary


@contextmanager
def listings_ahead(config: RunConfig, sources: list[Source], backoff: bool) -> Iterator[None]:
    """Request the due sources' feeds and sitemaps now, for the run started inside to take over.

    For `newsflow ingest`, whose run waits for its Prefect API to start with the network idle. The
    sources and validators are read as the run will read them, and a run that reads them otherwise
    (another run loaded in between) fetches for itself. Leftovers are dropped on the way out.
    """
    try:
        due = sources
        if backoff:
            now = datetime.now(UTC)
            due, _ = health.plan_backoff(sources, health.snapshot(config.warehouse, now), now, announce=False)
        validators = feed_validators(config.warehouse)
        listings = [(url, *validators.get(url, (None, None))) for s in due for url in (*s.feeds, *s.sitemaps)]
        started = prefetch.start(shared_fetcher(config.fetch), listings)
        log.info("%d feeds and sitemaps requested while the run starts", started)
    except Exception as exc:  # noqa: BLE001 - only a head start: the run fetches what is missing itself
        log.warning("listings not requested ahead: %r", exc)
    try:
        yield
    finally:
        prefetch.drop()


def close_shared() -> None:
    """Release fetchers and worker processes at the end of a run."""
    with _fetchers_lock:
        for fetcher in _fetchers.values():
            fetcher.close()
        _fetchers.clear()
    with _validators_lock:
        _validators.clear()
    shutdown_pools()


def _source_row(source: Source, ctx: RunContext) -> dict[str, Any]:
    row = {k: v for k, v in asdict(source).items() if k not in ("id", "schedule")}
    return {**row, "source_id": source.id, "run_id": ctx.run_id, "updated_at": ctx.started_at}


def _run_row(summary: RunSummary, n_sources: int) -> dict[str, Any]:
    failed_sources = sum(1 for r in summary.sources if r.feeds_failed and not r.feeds_ok)
    return {
        "run_id": summary.run_id, "started_at": summary.started_at, "finished_at": summary.finished_at,
        "sources": n_sources, "discovered": summary.total("discovered"), "fetched": summary.total("fetched"),
        "new_articles": summary.total("new"), "skipped": summary.total("skipped"),
        "failed": summary.total("failed"), "status": "partial" if failed_sources else "completed",
    }
