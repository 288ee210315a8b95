"""A one-line progress display for backfills on the terminal: files, records, records/s, ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tasks.backfill import FileReport


class Progress:
    """Counts finished files; redraws one line on a terminal, prints a line per file otherwise."""

    def __init__(self, files: int, already: int, enabled: bool = True, out: TextIO | None = None) -> None:
        self.files, self.already, self.enabled = files, already, enabled
        self.out = out or sys.stderr
        self.done_files = self.records = self.kept = self.new = 0
        self.started = time.monotonic()
        if enabled and already:
            self.out.write(f"newsflow: {already} archive files already loaded are skipped\n")

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.records / elapsed
        left = self.files - self.done_files
        eta = "?" if not self.done_files else _clock(elapsed / self.done_files * left)
        return (f"files {self.done_files}/{self.files}  records {self.records:,} ({rate:,.0f}/s)  "
                f"kept {self.kept:,}  new {self.new:,}  ETA {eta}")

    def done(self, report: FileReport) -> FileReport:
        """Count a finished file and redraw."""
        self.done_files += 1
        self.records += report.scan.records
        self.kept += report.scan.kept
        self.new += report.new
        if self.enabled:
            tty = self.out.isatty()
            self.out.write(("\r" if tty else "") + self.line() + ("" if tty else "\n"))
            self.out.flush()
        return report

    def close(self) -> None:
        if self.enabled and self.out.isatty():
            self.out.write("\n")


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
