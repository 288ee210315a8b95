"""A real HTTP server on 127.0.0.1 that misbehaves on request, plus a recorder of connects.

Routes map a path to a function that writes the whole response through the handler, so a test
can serve anything from a normal page to a gzip bomb or a connection reset.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import ssl
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tasks.fetch.client import FetchConfig

Route = Callable[["Handler"], None]

# Every socket.connect made by this process, as (host, port): the proof that refused targets
# were never contacted. An audit hook cannot be removed, so it is installed once.
CONNECTS: list[tuple[Any, ...]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        address = args[1]
        CONNECTS.append(tuple(address) if isinstance(address, tuple) else (address,))


sys.addaudithook(_audit)


class Handler(BaseHTTPRequestHandler):
    """Dispatches to the server's routes and keeps server-side statistics."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def handle(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # the client went away, mostly on purpose
            super().handle()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        owner.enter(self.path, dict(self.headers.items()))
        try:
            owner.routes.get(path, not_found)(self)
        finally:
            owner.leave()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HostileServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class HostileServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with counters a test can assert on."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.scheme = "https" if tls else "http"
        self.hits: Counter[str] = Counter()
        self.starts: list[tuple[float, str]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.owner = self
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def enter(self, target: str, headers: dict[str, str]) -> None:
        path = target.split("?", 1)[0]
        with self._lock:
            self.hits[path] += 1
            self.starts.append((time.monotonic(), path))
            self.requests.append((target, headers))
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)

    def leave(self) -> None:
        with self._lock:
            self.inflight -= 1

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [h for target, h in self.requests if target.split("?", 1)[0] == path]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# ---- route builders -----------------------------------------------------------------------


def respond(
    status: int = 200,
    body: bytes = b"",
    content_type: str | None = "text/html; charset=utf-8",
    headers: Iterable[tuple[str, str]] = (),
    delay: float = 0.0,
) -> Route:
    """A route sending one complete response (after an optional delay)."""

    def route(h: Handler) -> None:
        if delay:
            time.sleep(delay)
        h.send_response(status)
        if content_type is not None:
            h.send_header("Content-Type", content_type)
        for name, value in headers:
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return route


def not_found(h: Handler) -> None:
    respond(404, b"not here")(h)


def page(title: str = "Hello") -> bytes:
    return (f"<!doctype html><html><head><title>{title}</title></head>"
            f"<body><p>{title} body text.</p></body></html>").encode()


def redirect(location: str, status: int = 302) -> Route:
    return respond(status, b"", None, [("Location", location)])


def sequence(*routes: Route) -> Route:
    """A route answering with routes[0] first, then routes[1], ...; the last one repeats."""
    calls = iter(range(10**9))

    def route(h: Handler) -> None:
        routes[min(next(calls), len(routes) - 1)](h)

    return route


def reset(h: Handler) -> None:
    """Abort the connection with a TCP RST after reading the request."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def garbage(h: Handler) -> None:
    """Answer with bytes that are not HTTP at all."""
    h.wfile.write(b"\x00\x17garbage that is not an HTTP status line\r\n\r\n")
    h.close_connection = True


def trickle(total: int, every: float, content_type: str = "text/html") -> Route:
    """Announce total bytes, then send one byte every `every` seconds."""

    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(total))
        h.end_headers()
        h.wfile.flush()
        for _ in range(total):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(every)

    return route


def trickle_headers(every: float) -> Route:
    """Send a status line, then one header line every `every` seconds, forever."""

    def route(h: Handler) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(100_000):
            h.wfile.write(f"X-Slow-{n % 50}: y\r\n".encode())
            h.wfile.flush()
            time.sleep(every)

    return route


def stream(total: int, content_type: str = "text/html", length: bool = True,
           encoding: str | None = None, body: bytes | None = None) -> Route:
    """Send a large body (zeros, or the given bytes) with or without Content-Length."""

    def route(h: Handler) -> None:
        data = body if body is not None else b""
        size = len(data) if body is not None else total
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        if encoding:
            h.send_header("Content-Encoding", encoding)
        if length:
            h.send_header("Content-Length", str(size))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        block = bytes(65536)
        sent = 0
        while sent < size:
            piece = data[sent:sent + 65536] if body is not None else block[: size - sent]
            h.wfile.write(piece)
            sent += len(piece)

    return route


def chunked(total: int, content_type: str = "text/html") -> Route:
    """Send total zero bytes with chunked transfer encoding (no Content-Length)."""

    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        block = bytes(65536)
        for start in range(0, total, len(block)):
            piece = block[: min(len(block), total - start)]
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        h.wfile.write(b"0\r\n\r\n")

    return route


def short_body(h: Handler) -> None:
    """Promise 10,000 bytes, send 100, hang up."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "10000")
    h.end_headers()
    h.wfile.write(b"<html>" + b"x" * 94)
    h.close_connection = True


# ---- pytest fixtures (imported by the fetch test modules) ---------------------------------

TEST_AGENT = "newsflow/0.0-test (+https://github.com/newsflow/newsflow)"


def config(**changes: Any) -> FetchConfig:
    """A fast test configuration that may reach 127.0.0.1 only."""
    base = FetchConfig(
        user_agent=TEST_AGENT, connect_timeout=1.0, read_timeout=1.0, total_timeout=3.0,
        host_delay=0.0, retries=2, backoff=0.01, allowed_networks=("127.0.0.1/32",),
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture(name="serve")
def serve_fixture() -> Iterator[Callable[..., HostileServer]]:
    """A factory of servers (one per host:port), closed after the test."""
    servers: list[HostileServer] = []

    def make(routes: dict[str, Route] | None = None,
             tls: ssl.SSLContext | None = None) -> HostileServer:
        server = HostileServer(tls)
        server.routes.update(routes or {})
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture(name="only_loopback")
def only_loopback_fixture() -> Iterator[Callable[[], list[tuple[Any, ...]]]]:
    """Fail the test if anything but 127.0.0.1 was connected to; yields 'this test's connects'."""
    start = len(CONNECTS)

    def connects() -> list[tuple[Any, ...]]:
        return CONNECTS[start:]

    yield connects
    strangers = {addr for addr in connects() if addr[0] != "127.0.0.1"}
    assert not strangers, f"connected outside 127.0.0.1: {strangers}"
