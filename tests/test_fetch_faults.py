"""The fetcher against a hostile web: a real misbehaving server on 127.0.0.1.

Every test fails if anything but 127.0.0.1 was connected to (the `only_loopback` fixture,
which records socket.connect through an audit hook); refusal tests also show that nothing at
all was connected to when the first URL is refused.
"""

from __future__ import annotations

import random
import resource
import socket
import sys
import time
from pathlib import Path

import psutil
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # importlib mode: make the helper importable

from hostile_payloads import deflate_bomb, gzip_bomb  # noqa: E402
from hostile_server import (  # noqa: E402
    chunked,
    config,
    garbage,
    only_loopback_fixture,  # noqa: F401 - registers the fixture
    page,
    redirect,
    reset,
    respond,
    serve_fixture,  # noqa: F401 - registers the fixture
    short_body,
    stream,
    trickle,
    trickle_headers,
)
from peak_memory import Peak  # noqa: E402

from tasks.fetch.client import Fetcher  # noqa: E402

pytestmark = [pytest.mark.usefixtures("only_loopback"), pytest.mark.timeout(60)]

GB = 2**30
MB = 2**20


class PeakRSS(Peak):
    """Samples this process's resident memory every 2 ms; reports the rise over the start."""

    def __init__(self) -> None:
        process = psutil.Process()
        super().__init__(lambda: process.memory_info().rss, 0.002)
        self.base = self.peak

    def report(self, case: str) -> float:
        """Print and return the rise in MB; also check the process-wide peak is under 1 GB."""
        rise = (self.peak - self.base) / MB
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"\n[rss] {case}: rise {rise:.1f} MB during fetch, peak {self.peak / MB:.1f} MB, "
              f"process ru_maxrss {max_rss:.1f} MB")
        assert max_rss < 1024, "process peak RSS over 1 GB"
        return rise


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {"gzip": gzip_bomb(2), "deflate": deflate_bomb(2)}


# ---- timeouts ---------------------------------------------------------------------------


def test_slow_response_past_read_timeout(serve) -> None:
    server = serve({"/slow": respond(200, page(), delay=2.0)})
    with Fetcher(config(read_timeout=0.3)) as fetcher:
        began = time.monotonic()
        got = fetcher.fetch(server.url("/slow"))
    assert got.error == "timed out after 0.3 s" and got.status is None
    assert time.monotonic() - began < 1.0 and server.hits["/slow"] == 1  # not retried


def test_trickling_body_is_cut_at_total_timeout(serve) -> None:
    server = serve({"/drip": trickle(100_000, 0.02)})
    with Fetcher(config(read_timeout=0.5, total_timeout=1.0)) as fetcher:
        began = time.monotonic()
        got = fetcher.fetch(server.url("/drip"))
        took = time.monotonic() - began
    assert got.error == "timed out after 1 s (total time limit)" and got.body == b""
    assert 0.9 <= took < 1.5


def test_trickling_headers_are_cut_at_total_timeout(serve) -> None:
    server = serve({"/drip": trickle_headers(0.05)})
    with Fetcher(config(read_timeout=0.5, total_timeout=1.0)) as fetcher:
        began = time.monotonic()
        got = fetcher.fetch(server.url("/drip"))
    assert got.error == "timed out after 1 s (total time limit)"
    assert time.monotonic() - began < 1.5


def test_total_timeout_bounds_retries(serve) -> None:
    server = serve({"/busy": respond(503, b"", headers=[("Retry-After", "1")])})
    with Fetcher(config(retries=5, total_timeout=1.5)) as fetcher:
        began = time.monotonic()
        got = fetcher.fetch(server.url("/busy"))
    assert got.error == "HTTP 503 after 2 attempts"
    assert time.monotonic() - began < 1.6


# ---- broken connections -------------------------------------------------------------------


def test_connection_reset(serve) -> None:
    server = serve({"/rst": reset})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/rst"))
    assert got.error in ("connection reset after 3 attempts",
                         "server closed the connection without a response after 3 attempts")
    assert server.hits["/rst"] == 3


def test_connection_refused() -> None:
    with socket.socket() as probe:  # find a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Fetcher(config(robots=False)) as fetcher:
        got = fetcher.fetch(f"http://127.0.0.1:{port}/")
    assert got.error == "connection refused after 3 attempts"


def test_body_cut_short(serve) -> None:
    server = serve({"/short": short_body})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/short"))
    assert got.error == "connection closed mid-body after 3 attempts" and got.body == b""


def test_not_an_http_response(serve) -> None:
    server = serve({"/junk": garbage})
    with Fetcher(config(robots=False)) as fetcher:
        got = fetcher.fetch(server.url("/junk"))
    assert got.error == "not an HTTP response"


# ---- sizes and bombs ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["gzip", "deflate"])
def test_compression_bomb_stops_at_cap(serve, bombs, kind) -> None:
    body = bombs[kind]
    assert len(body) < 3 * MB  # a couple of MB on the wire, 2 GiB once inflated
    server = serve({"/bomb": stream(0, encoding=kind, body=body)})
    with Fetcher(config()) as fetcher, PeakRSS() as rss:
        got = fetcher.fetch(server.url("/bomb"))
    assert got.error == "body over the 10 MB cap" and got.body == b""
    assert rss.report(f"{kind} bomb ({len(body) / MB:.1f} MB -> 2 GiB), 10 MB cap") < 100


def test_nested_gzip_bomb_stops_at_cap(serve, bombs) -> None:
    import gzip

    body = gzip.compress(bombs["gzip"])
    server = serve({"/bomb": stream(0, encoding="gzip, gzip", body=body)})
    with Fetcher(config()) as fetcher, PeakRSS() as rss:
        got = fetcher.fetch(server.url("/bomb"))
    assert got.error == "body over the 10 MB cap"
    assert rss.report("gzip-in-gzip bomb, 10 MB cap") < 100


def test_gzip_sitemap_bomb_stops_at_cap(serve, bombs) -> None:
    body = bombs["gzip"][: 2 * MB]  # a .xml.gz file (not a transfer encoding) inflating to 2 GiB
    server = serve({"/sitemap.xml.gz": stream(0, "application/x-gzip", body=body)})
    with Fetcher(config()) as fetcher, PeakRSS() as rss:
        got = fetcher.fetch(server.url("/sitemap.xml.gz"), expect="xml")
    assert got.error == "body over the 10 MB cap after gunzip"
    assert rss.report("gzip sitemap file bomb, 10 MB cap") < 100


@pytest.mark.parametrize(("encoding", "reason"), [
    ("br", "unsupported Content-Encoding 'br'"),
    ("zstd", "unsupported Content-Encoding 'zstd'"),
    ("gzip, gzip, gzip, gzip", "too many Content-Encoding layers (4)"),
])
def test_unrequested_content_encodings_are_refused(serve, encoding, reason) -> None:
    server = serve({"/enc": stream(1000, encoding=encoding)})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/enc"))
    assert got.error == reason
    assert server.headers_of("/enc")[0]["Accept-Encoding"] == "gzip, deflate"


def test_over_cap_with_content_length_is_refused_before_reading(serve) -> None:
    server = serve({"/big": stream(50_000_000)})
    with Fetcher(config(max_bytes=1_000_000)) as fetcher:
        began = time.monotonic()
        got = fetcher.fetch(server.url("/big"))
    assert got.error == "body over the 1 MB cap (Content-Length 50,000,000)"
    assert time.monotonic() - began < 0.5


@pytest.mark.parametrize("route", [stream(200_000_000, length=False), chunked(200_000_000)],
                         ids=["close-delimited", "chunked"])
def test_over_cap_without_content_length(serve, route) -> None:
    server = serve({"/big": route})
    with Fetcher(config()) as fetcher, PeakRSS() as rss:
        got = fetcher.fetch(server.url("/big"))
    assert got.error == "body over the 10 MB cap" and got.body == b""
    assert rss.report("200 MB body without Content-Length, 10 MB cap") < 100


def test_body_just_under_the_cap_is_kept(serve) -> None:
    server = serve({"/big": stream(1_000_000)})
    with Fetcher(config(max_bytes=1_000_000)) as fetcher:
        got = fetcher.fetch(server.url("/big"))
    assert got.ok and len(got.body) == 1_000_000


# ---- content types and odd bodies ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["application/pdf", "image/png", "application/octet-stream",
                                  "text/plain"])
def test_non_html_refused_without_download(serve, kind) -> None:
    server = serve({"/file": stream(200_000_000, kind)})
    with Fetcher(config()) as fetcher:
        began = time.monotonic()
        got = fetcher.fetch(server.url("/file"), expect="html")
    assert got.error == f"not HTML ({kind})" and got.status == 200 and got.body == b""
    assert time.monotonic() - began < 0.5


@pytest.mark.parametrize(("body", "reason"), [
    (b"%PDF-1.7\n...", "not HTML (text/html, body is PDF)"),
    (b"\x89PNG\r\n\x1a\n....", "not HTML (text/html, body is PNG image)"),
    (b"\x00" * 8 + random.Random(1).randbytes(4000), "not HTML (text/html, binary body)"),
    (b"", "empty body"),
    (b"  \r\n ", "empty body"),
])
def test_lying_or_empty_html_bodies(serve, body, reason) -> None:
    server = serve({"/p": respond(200, body, "text/html")})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/p"), expect="html")
        anything = fetcher.fetch(server.url("/p"))
    assert got.error == reason and got.body == b""
    assert anything.ok and anything.body == body  # expect="any" takes whatever comes


# ---- hostile robots.txt -------------------------------------------------------------------


def test_huge_robots_txt_is_capped(serve) -> None:
    head = b"User-agent: *\nDisallow: /early\n"
    filler = b"".join(b"Disallow: /filler/%d\n" % i for i in range(300_000))  # ~6 MB
    robots = head + filler + b"Disallow: /late\n"
    server = serve({"/robots.txt": stream(0, "text/plain", body=robots),
                    "/early": respond(200, page()), "/late": respond(200, page())})
    with Fetcher(config()) as fetcher, PeakRSS() as rss:
        early = fetcher.fetch(server.url("/early"))
        began = time.monotonic()
        late = fetcher.fetch(server.url("/late"))
        check = time.monotonic() - began
    assert early.error == "disallowed by robots.txt"
    assert late.ok  # the rule past the first 512 KiB was never read
    assert check < 0.5
    assert rss.report("6 MB robots.txt, 512 KiB cap") < 100


def test_malformed_robots_txt_allows(serve) -> None:
    junk = (random.Random(2).randbytes(3000) + b"\n<html><body>Not a robots file</body></html>\n"
            b"Disallow /no-colon\nDisallow: /before-any-agent\n:::\nUser-agent\n")
    server = serve({"/robots.txt": respond(200, junk, "text/plain"),
                    "/no-colon": respond(200, page()), "/before-any-agent": respond(200, page())})
    with Fetcher(config()) as fetcher:
        assert fetcher.fetch(server.url("/no-colon")).ok
        assert fetcher.fetch(server.url("/before-any-agent")).ok


def test_robots_5xx_disallows_the_host(serve) -> None:
    server = serve({"/robots.txt": respond(503, b"down"), "/a": respond(200, page())})
    with Fetcher(config()) as fetcher:
        first = fetcher.fetch(server.url("/a"))
        second = fetcher.fetch(server.url("/a"))
    assert first.error == "disallowed: robots.txt unreachable (HTTP 503 after 3 attempts)"
    assert second.error == first.error
    assert server.hits["/a"] == 0 and server.hits["/robots.txt"] == 3  # fetched (and retried) once


def test_robots_timeout_disallows_the_host(serve) -> None:
    server = serve({"/robots.txt": respond(200, b"", delay=2.0), "/a": respond(200, page())})
    with Fetcher(config(read_timeout=0.3)) as fetcher:
        got = fetcher.fetch(server.url("/a"))
    assert got.error == "disallowed: robots.txt unreachable (timed out after 0.3 s)"
    assert server.hits["/a"] == 0


def test_robots_redirect_to_private_address_is_refused(serve) -> None:
    server = serve({"/robots.txt": redirect("http://10.1.2.3/robots.txt"),
                    "/a": respond(200, page())})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/a"))
    assert got.error == (
        "disallowed: robots.txt unreachable (refused: 10.1.2.3 is a private address)")
    assert server.hits["/a"] == 0
