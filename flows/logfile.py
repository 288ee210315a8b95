"""Where a run's log lines go: Prefect's API (the UI) and the run's log file; the terminal only with -v."""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

KEEP_DAYS = 30  # older run logs are removed when a run starts: an hourly schedule writes 720 a month

# Prefect's loggers of flow and task runs; the stages' own loggers (tasks, warehouse) propagate to the root.
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


class NoEmptyTraceback(logging.Filter):
    """Drop exc_info=True logged outside an exception, which prints as 'NoneType: None'."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is None:
            record.exc_info = None
        return True


NO_EMPTY_TRACEBACK = NoEmptyTraceback()  # one instance: adding it again is a no-op


class RunLog:
    """The log file of one command under <data>/logs/, named by the run once it is known."""

    def __init__(self, data_dir: Path, command: str, verbose: bool = False) -> None:
        self.folder = data_dir / "logs"
        self.path = self.folder / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{command}.log"
        self.verbose = verbose
        self.run_id: str | None = None  # set by the command once the run has one
        self.handler: logging.FileHandler | None = None
        self.console: list[tuple[logging.Logger, logging.Handler]] = []

    def start(self) -> RunLog:
        """Send log lines to the file; take Prefect's console handler off unless verbose."""
        import prefect.main  # noqa: F401 - configures Prefect's logging, which this then adjusts
        from prefect.logging.handlers import PrefectConsoleHandler

        self.folder.mkdir(parents=True, exist_ok=True)
        self._prune()
        root = logging.getLogger()
        consoles = [h for h in root.handlers if isinstance(h, PrefectConsoleHandler)]
        self.handler = logging.FileHandler(self.path, encoding="utf-8", delay=True)
        self.handler.setLevel(logging.INFO)
        if consoles and consoles[0].formatter:
            self.handler.setFormatter(consoles[0].formatter)
        root.addHandler(self.handler)
        for name in RUN_LOGGERS:
            logging.getLogger(name).addFilter(NO_EMPTY_TRACEBACK)
        if not self.verbose:
            for handler in consoles:
                root.removeHandler(handler)
                self.console.append((root, handler))
        return self

    def _prune(self) -> None:
        """Remove run logs older than KEEP_DAYS."""
        cutoff = time.time() - KEEP_DAYS * 86400
        for old in self.folder.glob("*.log"):
            with contextlib.suppress(OSError):  # another run's, removed or in use meanwhile
                if old.stat().st_mtime < cutoff:
                    old.unlink()

    def finish(self) -> Path:
        """Close the file (and give it the run's name); put the console handler back."""
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)
            self.handler.close()
        for logger, handler in self.console:
            logger.addHandler(handler)
        self.console.clear()
        if self.run_id and self.path.exists():
            named = self.folder / f"{self.run_id}.log"
            self.path = self.path.replace(named)
        return self.path
