"""Archive backfill: pages read from WARC files (CC-NEWS or local) enter the pipeline at "skip known".

One call of backfill_files handles one WARC file, or a group of small ones, end to end (read,
skip other hosts and known URLs, extract and tag, stage) and publishes their lake files together
with an `archive` row per file in fetches; a file is done only when its row is in the warehouse.
A run killed mid-file leaves only staging files, removed by the next run, which reads the file
(and the rest of its group) again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from tasks import progress
from tasks.crashpoints import crash_point
from tasks.discover.hosts import HostMatcher, bare_host, registered_domain
from tasks.discover.sources import Source
from tasks.discover.urls import url_key
from tasks.fetch.stream import StreamError, archive_session, open_archive
from tasks.harvest import PageSink, RunContext, SourceReport, process_all
from tasks.models import Page, Processed
from tasks.process import shared_pool
from tasks.store.archive import with_metadata
from tasks.store.lake import Stager, publish
from tasks.store.replay import Replay
from tasks.store.warcscan import ScanStats, host_of, scan_warc
from tasks.stories.stage import commit_sketches, group_staged, grouping_turn
from warehouse.db import WarehouseLocked, connect, known_keys, sql

log = logging.getLogger(__name__)
KNOWN_BATCH = 64  # pages per warehouse look-up of known URLs


@dataclass(frozen=True)
class BackfillConfig:
    """What a WARC-file task needs, built from the settings by the flow."""

    data_dir: Path
    sources: tuple[Source, ...]
    all_hosts: bool = False
    extract_workers: int = 0
    user_agent: str = "newsflow"
    timeout: float = 30.0

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"


@dataclass
class FileReport:
    """What one WARC file gave: records seen, kept, skipped, articles, and any damage."""

    location: str
    status: str = "loaded"  # loaded | damaged | failed
    scan: ScanStats = field(default_factory=ScanStats)
    sources: dict[str, SourceReport] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    def __repr__(self) -> str:  # Prefect prints task results in state messages: keep them short
        return f"FileReport({self.location}: {self.status}, {self.new} new of {self.scan.records} records)"

    @property
    def new(self) -> int:
        return sum(r.new for r in self.sources.values())

    @property
    def known(self) -> int:
        return sum(r.known for r in self.sources.values())


def archives_done(warehouse: Path, wait: float = 2.0) -> set[str]:
    """Archive files a backfill read to their end and loaded."""
    if not warehouse.exists():
        return set()
    try:
        with connect(warehouse, read_only=True, wait=wait) as con:
            return {row[0] for row in con.execute(sql("archives_done")).fetchall()}
    except (WarehouseLocked, duckdb.Error) as exc:
        log.warning("cannot read finished archive files (%s); all are read again", exc)
        return set()


class Router:
    """The PageSink of a file with pages of several sources: one sink per source, one stager, one seen set."""

    def __init__(self, config: BackfillConfig, stager: Stager, ctx: RunContext, replay: Replay,
                 report: FileReport, seen: set[str]) -> None:
        self.config, self.stager, self.ctx, self.replay, self.file = config, stager, ctx, replay, report
        self.by_id = {s.id: s for s in config.sources}
        self.matcher = HostMatcher(list(config.sources))
        self.sinks: dict[str, PageSink] = {}
        self.seen = seen  # articles staged from this file and the files before it in its group
        self.report = SourceReport("archive")  # process_all counts fetched pages here

    def wanted(self, host: str | None) -> bool:
        """Whether records of this host are read at all (the cheap test, before any HTTP parsing)."""
        if not host:
            return False
        return self.config.all_hosts or self.matcher.source_of(host) is not None

    def source_id(self, page: Page) -> str:
        """The configured source named by the page's metadata record, else the owner of its host."""
        named = self.replay.source_ids.get(page.url)
        if named in self.by_id:
            return str(named)
        host = host_of(page.final_url) or ""
        owner = self.matcher.source_of(host)
        return owner or registered_domain(host) or bare_host(host)

    def language(self, page: Page) -> str | None:
        source = self.by_id.get(self.source_id(page))
        return source.language if source else None

    def sink(self, page: Page) -> PageSink:
        sid = self.source_id(page)
        if sid not in self.sinks:
            report = self.file.sources.setdefault(sid, SourceReport(sid))
            sink = PageSink(sid, self.stager, self.ctx, report, self.replay.listed_dates)
            sink.seen = self.seen  # the same URL twice in a file loads once, whichever source
            self.sinks[sid] = sink
        return self.sinks[sid]

    def failed(self, page: Page) -> None:
        self.sink(page).failed(page)

    def processed(self, page: Page, result: Processed) -> None:
        sink = self.sink(page)
        sink.report.fetched += 1
        sink.processed(page, result)

    def fresh(self, pages: Iterable[Page]) -> Iterator[Page]:
        """Pages whose URL the warehouse does not know yet (looked up in batches)."""
        batch: list[Page] = []
        for page in pages:
            batch.append(page)
            if len(batch) >= KNOWN_BATCH:
                yield from self._unknown(batch)
                batch = []
        yield from self._unknown(batch)

    def _unknown(self, batch: list[Page]) -> Iterator[Page]:
        keys = {p.url: url_key(p.url) for p in batch} | {p.final_url: url_key(p.final_url) for p in batch}
        known = known_keys(self.config.warehouse, sorted(set(keys.values())))
        for page in batch:
            if keys[page.url] in known or keys[page.final_url] in known:
                self.file.sources.setdefault(self.source_id(page), SourceReport(self.source_id(page))).known += 1
                continue
            yield page


def backfill_files(locations: list[str], index: int, config: BackfillConfig, ctx: RunContext) -> list[FileReport]:
    """Read WARC files (one, or a group of small ones) into the lake, published together with
    their `archive` fetches rows: a group is loaded whole or, after a crash, read again whole."""
    folder = ctx.staging_dir / f"file-{index:05d}"
    stager = Stager(folder, "pages")
    seen: set[str] = set()  # the same article twice in a group is staged once, as in one file
    reports = [_one_file(location, index, config, ctx, stager, seen) for location in locations]
    stager.close()
    name = f"{ctx.run_id}-{index:05d}"
    with grouping_turn(config.data_dir):  # the files' articles join stories, as a run's do
        group_staged(folder, config.data_dir)
        commit_sketches(folder, config.data_dir, name)
        publish(folder, config.data_dir, ctx.day, name)
    for report in reports:
        log.info("%s: %s, %d records, %d kept, %d new", report.location, report.status, report.scan.records,
                 report.scan.kept, report.new)
    return reports


def _one_file(location: str, index: int, config: BackfillConfig, ctx: RunContext, stager: Stager,
              seen: set[str]) -> FileReport:
    """Stage one file's pages and its `archive` row; damage and failures are in the report."""
    report = FileReport(location)
    progress.current().file_started(report)
    started = time.monotonic()
    try:
        with progress.heartbeat(progress.beat_path(ctx.staging_dir, index), location, report):
            _read_file(location, config, ctx, stager, report, seen)
    except StreamError as exc:
        report.status, report.error = "failed", str(exc)
    if report.scan.damage and report.status != "failed":
        report.status, report.error = "damaged", report.scan.damage
    report.seconds = time.monotonic() - started
    stager.add("fetches", _archive_row(ctx, report))
    crash_point("archive-file-read")  # staged, not yet published (in a group: before the next file)
    return report


def _read_file(location: str, config: BackfillConfig, ctx: RunContext, stager: Stager,
               report: FileReport, seen: set[str]) -> None:
    session = archive_session(config.user_agent)
    try:
        with open_archive(location, session, config.timeout) as stream:
            holder: dict[str, Router] = {}
            records = with_metadata(scan_warc(stream, lambda h: holder["r"].wanted(h), report.scan))
            replay = Replay(records)
            router = holder["r"] = Router(config, stager, ctx, replay, report, seen)
            process_all(router.fresh(replay), shared_pool(config.extract_workers), router,  # type: ignore[arg-type]
                        None, language_of=router.language)
    finally:
        session.close()


def _archive_row(ctx: RunContext, report: FileReport) -> dict[str, Any]:
    """The fetches row that marks a file read: 'ok' files are never read again."""
    outcome = {"loaded": "ok", "damaged": "damaged", "failed": "failed"}[report.status]
    return {
        "run_id": ctx.run_id, "source_id": None, "kind": "archive", "url": report.location,
        "url_key": None, "final_url": None, "status": None, "outcome": outcome, "reason": report.error,
        "bytes": None, "elapsed_ms": int(report.seconds * 1000),
        "fetched_at": datetime.now(UTC), "etag": None, "last_modified": None, "article_id": None,
    }


def merge_reports(files: list[FileReport]) -> list[SourceReport]:
    """One report per source across every file of the run."""
    merged: dict[str, SourceReport] = {}
    for f in files:
        for sid, r in f.sources.items():
            m = merged.setdefault(sid, SourceReport(sid))
            for name in ("discovered", "known", "fetched", "new", "skipped", "failed"):
                setattr(m, name, getattr(m, name) + getattr(r, name))
            for error in r.errors:
                m.note_error(error)
    for m in merged.values():
        m.discovered = m.fetched + m.known
    return sorted(merged.values(), key=lambda r: r.source_id)


def run_sources(config: BackfillConfig, reports: list[SourceReport]) -> list[Source]:
    """The configured sources, plus one of unknown country and language per new domain (--all-hosts)."""
    ids = {s.id for s in config.sources}
    extra = [Source(id=r.source_id, name=r.source_id, country=None, language=None)  # type: ignore[arg-type]
             for r in reports if r.source_id not in ids]
    return [*config.sources, *extra]
