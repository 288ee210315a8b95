"""Per-host politeness: a minimum delay between request starts and a cap on requests in flight.

A "host" key is the lowercased hostname, plus ":port" when the port is not the scheme's
default. So http://example.org and https://example.org share one budget (same server), while
two servers on 127.0.0.1:8001 and 127.0.0.1:8002 are different hosts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_key(url: str) -> str:
    """The politeness key of a URL: 'host' or 'host:port' for a non-default port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


@dataclass
class _HostState:
    slots: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0


class HostSlots:
    """Grants request slots per host: at most `concurrency` in flight, starts `delay` apart."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.concurrency = max(1, concurrency)
        self.delay = max(0.0, delay)
        self._hosts: dict[str, _HostState] = {}
        self._lock = threading.Lock()

    def _state(self, key: str) -> _HostState:
        with self._lock:
            state = self._hosts.get(key)
            if state is None:
                state = _HostState(threading.Semaphore(self.concurrency))
                self._hosts[key] = state
            return state

    @contextmanager
    def slot(self, key: str, delay: float | None = None) -> Iterator[float]:
        """Hold one request slot for key; yields the seconds spent waiting for it."""
        state = self._state(key)
        begun = time.monotonic()
        state.slots.acquire()
        try:
            gap = self.delay if delay is None else max(self.delay, delay)
            with state.lock:
                # Reserve a start time so concurrent waiters queue up instead of all waking at once.
                start = max(time.monotonic(), state.next_start)
                state.next_start = start + gap
            pause = start - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            yield time.monotonic() - begun
        finally:
            state.slots.release()
