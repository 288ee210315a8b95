"""Live counts of the run in progress (sources, pages, archive files), read by a display in another thread.

The counts are the ones the run keeps anyway: each source's `SourceReport` (mutated in place by
the fetch and extraction loop) and each WARC file's `FileReport`. This module only keeps hold of
them and sums them on demand, so following a run costs nothing when nobody looks. A WARC file read
in another process (a Dask worker) cannot be followed that way: its task writes the file's counts
to a small "heartbeat" file in the run's staging folder every few seconds, which the run reads.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

BEAT_EVERY = 2.0  # seconds between two heartbeats of a file being read


class SourceReport(Protocol):
    """What is read of tasks.harvest.SourceReport (not imported: tasks.backfill imports this module)."""

    source_id: str
    fetched: int
    failed: int
    new: int
    skipped: int


class _Scan(Protocol):
    records: int


class FileReport(Protocol):
    """What is read of tasks.backfill.FileReport."""

    @property
    def location(self) -> str: ...

    @property
    def scan(self) -> _Scan: ...

    @property
    def sources(self) -> Mapping[str, SourceReport]: ...


F = TypeVar("F", bound=FileReport)


@dataclass(frozen=True)
class Snapshot:
    """The run's counts at one moment."""

    stage: str  # starting | discovering | fetching | reading | loading | done
    unit: str  # what the run is made of: "sources" (ingest) or "files" (backfill)
    parts_done: int = 0
    parts_total: int = 0
    parts_skipped: int = 0  # files a backfill had already read
    pages_total: int = 0  # pages to fetch, known as sources are discovered
    fetched: int = 0
    failed: int = 0
    extracted: int = 0  # pages through extraction: articles and pages skipped as not articles
    records: int = 0  # WARC records read (backfill)
    new: int = 0
    elapsed: float = 0.0  # seconds since the run began
    pages_elapsed: float = 0.0  # seconds since the first page was due


class RunProgress:
    """Counts of one run; every method is safe to call from the run's worker threads."""

    def __init__(self, unit: str = "sources", parts: int = 0, skipped: int = 0) -> None:
        self.unit, self.parts_total, self.parts_skipped = unit, parts, skipped
        self.stage = "starting" if not parts else ("discovering" if unit == "sources" else "reading")
        self.started = time.monotonic()
        self.pages_started: float | None = None
        self.parts_done = self.pages_total = 0
        self._lock = threading.Lock()
        self._sources: dict[str, SourceReport] = {}
        self._files: list[FileReport] = []
        self._reading: list[FileReport] = []
        self._beats: Path | None = None

    def watch_beats(self, folder: Path) -> None:
        """Also count the files other processes are reading, from their heartbeats in `folder`."""
        self._beats = folder

    def discovered(self, report: SourceReport, to_fetch: int) -> None:
        """A source's listings are read: `to_fetch` of its links are new."""
        with self._lock:
            self.parts_done += 1
            self.pages_total += to_fetch
            self._sources.setdefault(report.source_id, report)
            if to_fetch and self.pages_started is None:
                self.pages_started = time.monotonic()
        if self.parts_done >= self.parts_total:
            self.stage = "fetching"

    def watch(self, report: SourceReport) -> None:
        """Follow the report a source's fetch loop is filling (it may be a copy of the discovered one)."""
        with self._lock:
            self._sources[report.source_id] = report

    def file_started(self, report: FileReport) -> None:
        """Follow an archive file's report while it is being read (in this process)."""
        with self._lock:
            self._reading.append(report)

    def file_done(self, report: F) -> F:
        """An archive file is read to its end (or given up)."""
        with self._lock:
            self.parts_done += 1
            self._reading = [r for r in self._reading if r is not report]
            self._files.append(report)
        return report

    def set_stage(self, stage: str) -> None:
        self.stage = stage

    def snapshot(self) -> Snapshot:
        """Sums of the counts now."""
        now = time.monotonic()
        with self._lock:
            sources = list(self._sources.values())
            files = self._files + self._reading
        files += read_beats(self._beats, {f.location for f in files}) if self._beats else []
        # A file being read gains sources as it goes: copy its dict (one step under the GIL) first.
        reports = sources + [r for f in files for r in dict(f.sources).values()]
        return Snapshot(
            stage=self.stage, unit=self.unit, parts_done=self.parts_done, parts_total=self.parts_total,
            parts_skipped=self.parts_skipped, pages_total=self.pages_total,
            fetched=sum(r.fetched for r in reports), failed=sum(r.failed for r in reports),
            extracted=sum(r.new + r.skipped for r in reports), records=sum(f.scan.records for f in files),
            new=sum(r.new for r in reports), elapsed=now - self.started,
            pages_elapsed=now - self.pages_started if self.pages_started is not None else 0.0,
        )


_current = RunProgress()
_current_lock = threading.Lock()


def begin(parts: int, unit: str = "sources", skipped: int = 0) -> RunProgress:
    """Start following a new run in this process; the display reads `current()`."""
    global _current
    with _current_lock:
        _current = RunProgress(unit, parts, skipped)
        return _current


def current() -> RunProgress:
    """The run this process follows now (an empty one before any run began)."""
    return _current


@dataclass
class _Counts:
    """A source-report look-alike holding a heartbeat's sums."""

    fetched: int = 0
    failed: int = 0
    new: int = 0
    skipped: int = 0


@dataclass
class _Records:
    records: int = 0


@dataclass
class BeatReport:
    """A file being read elsewhere, as its last heartbeat told (a FileReport look-alike)."""

    location: str
    scan: _Records = field(default_factory=_Records)
    sources: dict[str, _Counts] = field(default_factory=dict)


def beat_path(folder: Path, index: int) -> Path:
    return folder / f"progress-{index:05d}.json"


def write_beat(path: Path, location: str, report: FileReport) -> None:
    """The file's counts now, written atomically (a reader never sees half a file)."""
    reports = list(dict(report.sources).values())
    counts = {name: sum(getattr(r, name) for r in reports) for name in ("fetched", "failed", "new", "skipped")}
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"location": location, "records": report.scan.records, **counts}))
    os.replace(tmp, path)


def read_beats(folder: Path, skip: set[str]) -> list[BeatReport]:
    """Heartbeats in `folder`, less the files in `skip` (followed in this process, or done)."""
    beats = []
    for path in sorted(folder.glob("progress-*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):  # removed or replaced between the listing and the read
            continue
        if data.get("location") in skip:
            continue
        counts = _Counts(*(int(data.get(k, 0)) for k in ("fetched", "failed", "new", "skipped")))
        beats.append(BeatReport(data["location"], _Records(int(data.get("records", 0))), {"*": counts}))
    return beats


@contextmanager
def heartbeat(path: Path, location: str, report: FileReport, every: float = BEAT_EVERY) -> Iterator[None]:
    """Write `report`'s counts to `path` every `every` seconds while the block runs; remove it after."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            with suppress(OSError):  # a display's input: never worth failing the file for
                write_beat(path, location, report)

    path.parent.mkdir(parents=True, exist_ok=True)
    thread = threading.Thread(target=beat, name="newsflow-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        path.unlink(missing_ok=True)
