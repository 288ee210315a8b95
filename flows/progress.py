"""What a run shows on the terminal while it works: one live progress line, or a plain line every few seconds.

Shared by `newsflow ingest` and `newsflow backfill` (the counts come from tasks/progress.py), and by
`newsflow rebuild`, whose steps report themselves as "[n/N] ..." messages.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from flows.logfile import RunLog
from tasks.progress import Snapshot, begin, current

if TYPE_CHECKING:
    from rich.live import Live

STAGES = {"starting": "starting", "discovering": "discovering", "fetching": "fetching",
          "reading": "reading archives", "loading": "loading the warehouse", "done": "done"}


def clock(seconds: float) -> str:
    """h:mm:ss of a duration."""
    s = max(int(seconds + 0.5), 0)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def rate_and_eta(snap: Snapshot) -> tuple[float, float | None]:
    """Pages (or records) per second so far, and the seconds left at that pace (None: not known yet)."""
    finished = snap.stage in ("starting", "loading", "done")
    if snap.unit == "files":
        rate = snap.records / snap.elapsed if snap.elapsed > 0 else 0.0
        if not snap.parts_done or finished:
            return rate, None
        return rate, snap.elapsed / snap.parts_done * (snap.parts_total - snap.parts_done)
    done = snap.extracted + snap.failed
    rate = done / snap.pages_elapsed if snap.pages_elapsed > 0 else 0.0
    if not done or finished:
        return rate, None
    return rate, max(snap.pages_total - done, 0) / rate if rate > 0 else None


def format_line(snap: Snapshot) -> str:
    """One line: stage, parts n/N, pages fetched/extracted x/y, rate and ETA."""
    stage = STAGES.get(snap.stage, snap.stage)
    if snap.stage == "starting":
        return f"{stage} (Prefect flow run) {clock(snap.elapsed)}"
    rate, eta = rate_and_eta(snap)
    parts = f"{snap.unit} {snap.parts_done}/{snap.parts_total}"
    if snap.parts_skipped:
        parts += f" ({snap.parts_skipped} already loaded)"
    if snap.unit == "files":
        counts = f"records {snap.records:,} ({rate:,.0f}/s) · new articles {snap.new:,}"
    elif not snap.pages_total:
        counts = "no new pages yet"
    else:
        counts = (f"pages fetched {snap.fetched + snap.failed:,}/{snap.pages_total:,}"
                  f" · extracted {snap.extracted:,}/{snap.pages_total:,} ({rate:,.1f}/s)")
        if snap.failed:
            counts += f" · failed {snap.failed:,}"
    tail = f" · ETA {clock(eta)}" if eta is not None else ""
    return f"{stage}: {parts} · {counts}{tail} · {clock(snap.elapsed)}"


class LiveProgress:
    """Redraws the progress line on a terminal; prints it every `interval` seconds elsewhere."""

    def __init__(self, out: TextIO | None = None, interval: float = 12.0, live: bool | None = None,
                 source: Callable[[], Snapshot] = lambda: current().snapshot()) -> None:
        self.out = out or sys.stderr
        self.interval, self.source = interval, source
        self.live = self.out.isatty() if live is None else live
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rich: Live | None = None

    def __enter__(self) -> LiveProgress:
        if self.live:
            from rich.console import Console
            from rich.live import Live
            from rich.text import Text

            # transient: the line disappears when the run ends, and the summary takes its place
            self._rich = Live(get_renderable=lambda: Text(format_line(self.source()), no_wrap=True,
                                                          overflow="ellipsis"),
                              console=Console(file=self.out), refresh_per_second=4, transient=True,
                              redirect_stdout=False, redirect_stderr=False)
            self._rich.start()
        elif self.interval > 0:
            self._thread = threading.Thread(target=self._plain, name="newsflow-progress", daemon=True)
            self._thread.start()
        return self

    def _plain(self) -> None:
        while not self._stop.wait(self.interval):
            self.out.write(f"newsflow: {format_line(self.source())}\n")
            self.out.flush()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._rich is not None:
            self._rich.stop()
        if self._thread is not None:
            self._thread.join(timeout=2)


@contextmanager
def terminal(data_dir: Path, command: str, verbose: bool = False, interval: float = 12.0) -> Iterator[RunLog]:
    """A run's terminal: log lines to the run's file (and the terminal if verbose), progress while it runs."""
    log = RunLog(data_dir, command, verbose).start()
    begin(0)  # the clock of the "starting" line starts now
    try:
        # With -v Prefect's own lines go to the terminal too: a redrawn line would garble them.
        with LiveProgress(interval=interval, live=False if verbose else None):
            yield log
    finally:
        log.finish()


class StepLines:
    """Messages of a job done in steps ("[3/40] ..."): one line redrawn with an ETA on a terminal, else a line each."""

    STEP = re.compile(r"\[(\d+)/(\d+)\]")

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.started = time.monotonic()
        self._open = False  # a redrawn line is on the screen

    def __call__(self, message: str) -> None:
        step = self.STEP.match(message)
        if step and 0 < int(step[1]) < int(step[2]):
            done, total = int(step[1]), int(step[2])
            message += f" · ETA {clock((time.monotonic() - self.started) / done * (total - done))}"
        if step and self.tty:
            self.out.write(f"\r\x1b[2Knewsflow: {message}")
            self._open = True
        else:
            self.close()
            self.out.write(f"newsflow: {message}\n")
        self.out.flush()

    def close(self) -> None:
        """End a redrawn line, so what follows starts on a line of its own."""
        if self._open:
            self.out.write("\n")
            self._open = False
