"""One writer per data directory: an exclusive flock held for the whole of a run or maintenance."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_NAME = ".ingest.lock"
DEFAULT_WAIT = 1800.0  # a scheduled run waits out a long run or maintenance rather than failing


class RunLocked(RuntimeError):
    """Another process kept the data directory busy for longer than we were willing to wait."""


def lock_path(data_dir: Path) -> Path:
    """Where the lock of a data directory lives."""
    return data_dir / LOCK_NAME


def holder(data_dir: Path) -> str:
    """Who holds (or last held) the lock, for messages; empty when unknown."""
    try:
        info = json.loads(lock_path(data_dir).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return ""
    if not isinstance(info, dict) or "pid" not in info:
        return ""
    where = f"pid {info['pid']} on {info.get('host', '?')}, since {info.get('since', '?')}"
    return f"{info.get('purpose', 'a run')} ({where})"


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _acquire(fd: int, data_dir: Path, wait: float, poll: float) -> None:
    """Take the lock, polling until `wait` seconds have passed; a log line says who we wait for."""
    deadline = time.monotonic() + wait
    if _try_lock(fd):
        return
    log.warning(
        "data directory %s is busy with %s; waiting up to %.0f s",
        data_dir,
        holder(data_dir) or "another newsflow process",
        wait,
    )
    while time.monotonic() < deadline:
        time.sleep(min(poll, max(deadline - time.monotonic(), 0)))
        if _try_lock(fd):
            log.info("data directory %s is free now", data_dir)
            return
    raise RunLocked(
        f"data directory {data_dir} is still busy with "
        f"{holder(data_dir) or 'another newsflow process'} "
        f"after {wait:.0f} s; run again when it has finished"
    )


def _describe(fd: int, purpose: str) -> None:
    """Record the holder in the lock file, so a waiting process can say whom it waits for."""
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "purpose": purpose,
        "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)


@contextmanager
def hold(data_dir: Path, *, purpose: str = "ingest", wait: float = DEFAULT_WAIT, poll: float = 0.5) -> Iterator[None]:
    """Hold the data directory's lock for the block; the kernel drops it if the process dies."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(data_dir), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, data_dir, wait, poll)
        _describe(fd, purpose)
        yield
        os.ftruncate(fd, 0)  # the next waiter must not name a holder that has gone
    finally:
        os.close(fd)  # closing the descriptor releases the flock
