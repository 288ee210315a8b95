"""Guarded HTTP transport: connect only to checked addresses, and enforce wall-clock deadlines.

The connection classes resolve the host themselves, check every address against the
AddressPolicy and connect to one of the checked addresses, so there is no window between
checking and connecting (DNS rebinding). The Host header and the TLS SNI/certificate name stay
the URL's hostname because only the socket's peer address changes.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import sys
import threading
import time
from typing import Any, cast

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from tasks.fetch.netguard import AddressPolicy, AddressRefused

log = logging.getLogger(__name__)
_local = threading.local()


class Deadline:
    """A wall-clock limit on one HTTP exchange; on expiry its sockets are shut down.

    Socket timeouts only bound the gap between two reads, so a server trickling a byte a second
    would never time out; shutting the socket down makes any blocked read return at once.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = False

    def __enter__(self) -> Deadline:
        _local.deadline = self
        _watch.add(self, time.monotonic() + max(self.seconds, 0.0))
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True  # the watch drops it when its time comes
            self._socks.clear()
        _local.deadline = None

    def attach(self, sock: socket.socket) -> None:
        """Watch sock until the exchange ends (shut it down now if already expired)."""
        with self._lock:
            if self._done:
                return
            self._socks.append(sock)
            if self.expired:
                _shutdown(sock)

    def expire(self) -> None:
        """Shut the exchange's sockets down, unless it has ended."""
        with self._lock:
            if self._done:
                return
            self.expired = True
            for sock in self._socks:
                _shutdown(sock)


class _Watch:
    """One thread expiring every Deadline of the process in time order.

    A timer thread per exchange cost a thread start and exit per request (~0.13 ms of CPU each,
    and a thousand short-lived threads a run taking turns at the interpreter).
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Deadline]] = []
        self._changed = threading.Condition(threading.Lock())
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline, when: float) -> None:
        with self._changed:
            heapq.heappush(self._due, (when, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="newsflow-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][2] is deadline:  # sooner than the watch is sleeping for
                self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or (wait := self._due[0][0] - time.monotonic()) > 0:
                    self._changed.wait(None if not self._due else wait)
                deadline = heapq.heappop(self._due)[2]
            try:
                deadline.expire()
            except Exception:  # noqa: BLE001 - the watch must outlive any one exchange
                log.exception("expiring a fetch deadline failed")


def _watch_anew() -> None:
    """In a forked child: the parent's thread and deadlines are not there."""
    global _watch
    _watch = _Watch()


_watch = _Watch()
os.register_at_fork(after_in_child=_watch_anew)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed, or detached by the TLS wrapper
        sock.shutdown(socket.SHUT_RDWR)


def _attach_current(sock: socket.socket) -> None:
    deadline: Deadline | None = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.attach(sock)


class _GuardedMixin:
    """Replaces urllib3's resolve-and-connect with resolve, check every address, connect."""

    policy: AddressPolicy
    host: str
    port: int
    timeout: Any
    socket_options: Any
    sock: socket.socket | None

    def _new_conn(self) -> socket.socket:
        try:
            targets = self.policy.resolve(self.host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, cast(HTTPConnection, self), exc) from exc
        error: OSError | None = None
        for family, sockaddr in targets:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if self.timeout is not _DEFAULT_TIMEOUT:
                    sock.settimeout(self.timeout)
                _attach_current(sock)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from error
        raise NewConnectionError(
            cast(HTTPConnection, self), f"Failed to establish a new connection: {error}"
        ) from error

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a pooled connection being reused
            _attach_current(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


def _pool_classes(policy: AddressPolicy) -> dict[str, type]:
    """Connection-pool classes whose connections obey this policy."""
    http_conn = type("GuardedHTTPConnection", (_GuardedMixin, HTTPConnection), {"policy": policy})
    https_conn = type(
        "GuardedHTTPSConnection", (_GuardedMixin, HTTPSConnection), {"policy": policy}
    )
    return {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose pools connect only to addresses the policy allows; no proxies."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self._policy = policy  # set first: HTTPAdapter.__init__ calls init_poolmanager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self._policy)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        # A proxy would be connected to instead of the checked address, defeating the guard.
        raise AddressRefused("refused: proxies are not supported by the guarded fetcher")
