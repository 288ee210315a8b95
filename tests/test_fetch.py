"""The fetcher's normal behaviour against a real HTTP server on 127.0.0.1.

Hostile servers are in test_fetch_faults.py. Every test fails if anything but 127.0.0.1 was
connected to (the `only_loopback` fixture).
"""

from __future__ import annotations

import gzip
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # importlib mode: make the helper importable

from hostile_server import (  # noqa: E402
    config,
    only_loopback_fixture,  # noqa: F401 - registers the fixture
    page,
    redirect,
    respond,
    sequence,
    serve_fixture,  # noqa: F401 - registers the fixture
)

from tasks.fetch.client import Fetcher  # noqa: E402
from tasks.fetch.politeness import host_key  # noqa: E402

pytestmark = [pytest.mark.usefixtures("only_loopback"), pytest.mark.timeout(30)]


def test_normal_html_page(serve) -> None:
    server = serve({"/a": respond(200, page("Front"), headers=[
        ("ETag", '"v1"'), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")])})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/a"), expect="html")
    assert got.ok and got.error is None and got.status == 200
    assert b"Front body text" in got.body
    assert got.final_url == server.url("/a")
    assert got.content_type == "text/html; charset=utf-8"
    assert got.headers["etag"] == '"v1"'
    assert got.headers["last-modified"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert 0 <= got.elapsed < 1 and got.fetched_at.tzinfo is not None
    sent = server.headers_of("/a")[0]
    assert sent["User-Agent"].startswith("newsflow/")
    assert "text/html" in sent["Accept"]


def test_conditional_get_with_etag_gives_304(serve) -> None:
    def conditional(h) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            respond(304, b"", None, [("ETag", '"v1"')])(h)
        else:
            respond(200, page(), headers=[("ETag", '"v1"')])(h)

    server = serve({"/feed": conditional})
    with Fetcher(config()) as fetcher:
        first = fetcher.fetch(server.url("/feed"))
        second = fetcher.fetch(server.url("/feed"), etag=first.headers["etag"])
    assert first.status == 200
    assert second.status == 304 and second.error is None and second.body == b""


def test_conditional_get_with_last_modified(serve) -> None:
    stamp = "Tue, 02 Jan 2024 10:00:00 GMT"

    def conditional(h) -> None:
        if h.headers.get("If-Modified-Since") == stamp:
            respond(304, b"", None)(h)
        else:
            respond(200, page(), headers=[("Last-Modified", stamp)])(h)

    server = serve({"/feed": conditional})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/feed"), last_modified=stamp, expect="xml")
    assert got.status == 304 and got.error is None


def test_404_is_recorded_not_retried(serve) -> None:
    server = serve()
    with Fetcher(config(retries=3)) as fetcher:
        got = fetcher.fetch(server.url("/missing"))
    assert got.status == 404 and got.error == "HTTP 404" and not got.ok
    assert server.hits["/missing"] == 1


def test_500_then_200_is_retried(serve) -> None:
    server = serve({"/flaky": sequence(respond(500, b"oops"), respond(200, page()))})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/flaky"), expect="html")
    assert got.ok and server.hits["/flaky"] == 2


def test_503_retry_after_seconds_is_honoured(serve) -> None:
    server = serve({"/busy": sequence(
        respond(503, b"", headers=[("Retry-After", "1")]), respond(200, page()))})
    with Fetcher(config()) as fetcher:
        began = time.monotonic()
        got = fetcher.fetch(server.url("/busy"))
        took = time.monotonic() - began
    assert got.ok and server.hits["/busy"] == 2
    assert took >= 0.95
    starts = [t for t, path in server.starts if path == "/busy"]
    assert starts[1] - starts[0] >= 0.95


def test_retry_after_http_date(serve) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    server = serve({"/busy": sequence(
        respond(503, b"", headers=[("Retry-After", when)]), respond(200, page()))})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/busy"))
    assert got.ok and server.hits["/busy"] == 2


def test_retry_after_over_the_limit_gives_up_at_once(serve) -> None:
    server = serve({"/busy": respond(503, b"", headers=[("Retry-After", "3600")])})
    with Fetcher(config(max_retry_after=5)) as fetcher:
        got = fetcher.fetch(server.url("/busy"))
    assert got.status == 503
    assert got.error == "HTTP 503 (Retry-After 3600 s is over the 5 s limit)"
    assert server.hits["/busy"] == 1


def test_429_is_retried_then_recorded(serve) -> None:
    server = serve({"/limited": respond(429, b"slow down")})
    with Fetcher(config(retries=2)) as fetcher:
        got = fetcher.fetch(server.url("/limited"))
    assert got.status == 429 and got.error == "HTTP 429 after 3 attempts"
    assert server.hits["/limited"] == 3


def test_backoff_doubles(serve) -> None:
    server = serve({"/down": respond(502, b"")})
    with Fetcher(config(retries=3, backoff=0.1)) as fetcher:
        got = fetcher.fetch(server.url("/down"))
    starts = [t for t, path in server.starts if path == "/down"]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert got.error == "HTTP 502 after 4 attempts"
    assert len(gaps) == 3
    for gap, expected in zip(gaps, [0.1, 0.2, 0.4], strict=True):
        assert expected - 0.01 <= gap < expected + 0.15, gaps


def test_redirects_followed_and_final_url_recorded(serve) -> None:
    other = serve({"/end": respond(200, page("End"))})
    server = serve({"/start": redirect("/middle", 301),
                    "/middle": redirect(other.url("/end"), 307)})
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(server.url("/start"), expect="html")
    assert got.ok and got.url == server.url("/start") and got.final_url == other.url("/end")
    assert b"End body" in got.body


def test_exactly_max_redirects_is_fine(serve) -> None:
    routes = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(5)}
    routes["/r5"] = respond(200, page())
    server = serve(routes)
    with Fetcher(config(max_redirects=5)) as fetcher:
        got = fetcher.fetch(server.url("/r0"))
    assert got.ok and got.final_url == server.url("/r5")


def test_cookies_live_within_one_redirect_chain(serve) -> None:
    def gate(h) -> None:
        if "seen=1" in h.headers.get("Cookie", ""):
            respond(200, page("Inside"))(h)
        else:
            respond(302, b"", None, [("Location", "/gate"), ("Set-Cookie", "seen=1; Path=/")])(h)

    server = serve({"/gate": gate})
    with Fetcher(config()) as fetcher:
        first = fetcher.fetch(server.url("/gate"))
        second = fetcher.fetch(server.url("/gate"))
    assert first.ok and second.ok
    assert server.hits["/gate"] == 4  # the cookie was not kept between the two fetches


def test_xml_accepts_mislabelled_feeds_and_gzip_sitemaps(serve) -> None:
    rss = b"<?xml version='1.0'?><rss><channel><title>t</title></channel></rss>"
    server = serve({
        "/feed.txt": respond(200, rss, "text/plain"),
        "/feed.rss": respond(200, rss, "application/rss+xml"),
        "/sitemap.xml.gz": respond(200, gzip.compress(rss), "application/octet-stream"),
        "/sitemap2.xml.gz": respond(200, gzip.compress(rss), "application/x-gzip"),
        "/doc.pdf": respond(200, b"%PDF-1.4 ...", "application/pdf"),
    })
    with Fetcher(config()) as fetcher:
        pages = {p: fetcher.fetch(server.url(p), expect="xml") for p in
                 ("/feed.txt", "/feed.rss", "/sitemap.xml.gz", "/sitemap2.xml.gz", "/doc.pdf")}
    for path in ("/feed.txt", "/feed.rss", "/sitemap.xml.gz", "/sitemap2.xml.gz"):
        assert pages[path].ok and pages[path].body == rss, path
    assert pages["/doc.pdf"].error == "not a feed or sitemap (application/pdf)"


def test_missing_content_type_is_sniffed(serve) -> None:
    server = serve({"/html": respond(200, page(), None),
                    "/text": respond(200, b"just some words, no markup", None)})
    with Fetcher(config()) as fetcher:
        html = fetcher.fetch(server.url("/html"), expect="html")
        text = fetcher.fetch(server.url("/text"), expect="html")
    assert html.ok
    assert text.error == "not HTML (no content type, body does not look like HTML)"


# ---- robots.txt -------------------------------------------------------------------------


def test_robots_disallow_is_honoured_and_fetched_once(serve) -> None:
    robots = b"User-agent: *\nDisallow: /private\n\nUser-agent: newsflow\nDisallow: /nf-only\n"
    server = serve({"/robots.txt": respond(200, robots, "text/plain"),
                    "/private": respond(200, page()), "/nf-only": respond(200, page()),
                    "/public": respond(200, page())})
    with Fetcher(config()) as fetcher:
        public = fetcher.fetch(server.url("/public"))
        blocked = fetcher.fetch(server.url("/nf-only"))
        star_only = fetcher.fetch(server.url("/private"))  # our group replaces the '*' group
    assert public.ok and star_only.ok
    assert blocked.error == "disallowed by robots.txt" and blocked.status is None
    assert server.hits["/nf-only"] == 0
    assert server.hits["/robots.txt"] == 1


def test_robots_404_allows_everything(serve) -> None:
    server = serve({"/a": respond(200, page())})
    with Fetcher(config()) as fetcher:
        assert fetcher.fetch(server.url("/a")).ok
    assert server.hits["/robots.txt"] == 1


def test_robots_can_be_switched_off(serve) -> None:
    server = serve({"/robots.txt": respond(200, b"User-agent: *\nDisallow: /\n", "text/plain"),
                    "/a": respond(200, page())})
    with Fetcher(config(robots=False)) as fetcher:
        assert fetcher.fetch(server.url("/a")).ok
    assert server.hits["/robots.txt"] == 0


def test_robots_crawl_delay_spaces_requests(serve) -> None:
    server = serve({"/robots.txt": respond(200, b"User-agent: *\nCrawl-delay: 0.3\n", "text/plain"),
                    "/a": respond(200, page())})
    with Fetcher(config()) as fetcher:
        for _ in range(3):
            assert fetcher.fetch(server.url("/a")).ok
    starts = [t for t, path in server.starts if path == "/a"]
    assert all(b - a >= 0.29 for a, b in zip(starts, starts[1:], strict=False))


# ---- politeness -------------------------------------------------------------------------


def test_host_key() -> None:
    assert host_key("https://Example.org/a") == "example.org"
    assert host_key("http://example.org:80/a") == "example.org"
    assert host_key("http://example.org:8080/a") == "example.org:8080"
    assert host_key("http://127.0.0.1:5000/") != host_key("http://127.0.0.1:5001/")


def test_per_host_delay_is_respected(serve) -> None:
    server = serve({f"/p{i}": respond(200, page()) for i in range(4)})
    with Fetcher(config(host_delay=0.3, host_concurrency=4)) as fetcher:
        pages = list(fetcher.fetch_many([server.url(f"/p{i}") for i in range(4)]))
    assert all(p.ok for p in pages) and len(pages) == 4
    starts = sorted(t for t, _ in server.starts)  # robots.txt included: it is a request too
    assert len(starts) == 5
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    # The fetcher spaces its starts exactly; seen from the server, one request can arrive a
    # little late on a loaded machine and shorten the next gap, so allow some jitter.
    assert starts[-1] - starts[0] >= 4 * 0.3 - 0.02, gaps
    assert min(gaps) >= 0.15, gaps


def test_per_host_concurrency_cap_is_respected(serve) -> None:
    server = serve({f"/s{i}": respond(200, page(), delay=0.2) for i in range(6)})
    urls = [server.url(f"/s{i}") for i in range(6)]
    with Fetcher(config(host_concurrency=2)) as fetcher:
        pages = list(fetcher.fetch_many(urls, max_workers=8))
        # fetch() from many threads is capped as well, not only fetch_many
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(6) as pool:
            direct = list(pool.map(fetcher.fetch, urls))
    assert all(p.ok for p in pages + direct)
    assert server.max_inflight == 2


def test_different_hosts_are_fetched_in_parallel(serve) -> None:
    one = serve({f"/s{i}": respond(200, page(), delay=0.3) for i in range(2)})
    two = serve({f"/s{i}": respond(200, page(), delay=0.3) for i in range(2)})
    urls = [s.url(f"/s{i}") for s in (one, two) for i in range(2)]
    with Fetcher(config(host_concurrency=1, robots=False)) as fetcher:
        began = time.monotonic()
        pages = list(fetcher.fetch_many(urls, max_workers=4))
        took = time.monotonic() - began
    assert all(p.ok for p in pages)
    assert one.max_inflight == 1 and two.max_inflight == 1
    assert abs(one.starts[0][0] - two.starts[0][0]) < 0.25  # both hosts busy at the same time
    assert took < 1.15  # serial would be 1.2 s; two hosts side by side take about 0.6 s


def test_fetch_many_yields_every_url_once(serve) -> None:
    server = serve({f"/m{i}": respond(200, page(str(i))) for i in range(10)})
    urls = [server.url(f"/m{i}") for i in range(10)] + ["ftp://example.org/x"]
    with Fetcher(config(host_concurrency=3)) as fetcher:
        pages = list(fetcher.fetch_many(urls, expect="html"))
    assert sorted(p.url for p in pages) == sorted(urls)
    assert sum(p.ok for p in pages) == 10


def test_user_agent_is_required() -> None:
    with pytest.raises(ValueError):
        Fetcher(config(user_agent=" "))
