"""Discovery parsing of hostile input: entity bombs, XXE, DTD fetches, junk, gigantic feeds."""

from __future__ import annotations

import gzip
import http.server
import json
import random
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.discover.feeds import FeedError, parse_any, parse_feed, parse_sitemap
from tests.feed_docs import item, rss, urlset

PASSWD_MARK = "root:"




LAUGHS = '<!ENTITY lol "lol">\n' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
    for i in range(1, 10)
)
XXE = '<!ENTITY xxe SYSTEM "file:///etc/passwd">'


class DTDServer:
    """A real HTTP server on 127.0.0.1 that serves a DTD and counts every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = f'{XXE}<!ENTITY % p "x">'.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml-dtd")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/evil.dtd"


@pytest.fixture()
def dtd_server() -> Iterator[DTDServer]:
    """A DTD server for the duration of one test."""
    server = DTDServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def feed_and_sitemap(doctype: str, ref: str) -> list[bytes]:
    """The same DOCTYPE in an RSS feed and in a sitemap, the entity used in title and URL."""
    prolog = f'<?xml version="1.0"?>\n{doctype}\n'
    feed = rss(item(f"http://e.com/{ref}", ref), prolog)
    sitemap = f'{prolog}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://e.com/{ref}</loc></url></urlset>'
    return [feed, sitemap.encode()]


def parse_output(body: bytes) -> str:
    """Everything parse_any returns, as text (to look for leaked file content)."""
    links, children = parse_any(body, "http://e.com/")
    return repr(links) + repr(children)


@pytest.mark.parametrize(
    "doctype",
    [
        f"<!DOCTYPE rss [\n{LAUGHS}]>",  # billion laughs, one declaration per line
        f"<!DOCTYPE rss [{LAUGHS.replace(chr(10), '')}]>",  # on one line (feedparser misses these)
        f'<!DOCTYPE rss [<!ENTITY big "{"A" * 50000}">]>',  # quadratic blow-up
        f"<!DOCTYPE rss [\n{XXE}\n]>",  # XXE
        f'<!DOCTYPE rss [<!ENTITY a "x"> {XXE}]>',
        '<!DOCTYPE rss [<!ENTITY % d SYSTEM "http://127.0.0.1:9/x.dtd"> %d;]>',  # parameter entity
        '<!DOCTYPE rss SYSTEM "x.dtd" [<!ENTITY y "z">]>',  # external id and a subset
        "<!doctype rss [ ]>",
    ],
)
def test_dtd_internal_subsets_are_refused(doctype: str) -> None:
    for body in feed_and_sitemap(doctype, "&lol9;&xxe;&big;"):
        with pytest.raises(FeedError, match="entity declarations refused"):
            parse_any(body, "http://e.com/")
        with pytest.raises(FeedError, match="entity declarations refused"):
            parse_any(body.decode().encode("utf-16"), "http://e.com/")  # same in UTF-16


def test_entities_hidden_from_a_byte_scan_are_refused() -> None:
    # In UTF-7 '<' may be written '+ADw-': only a decoder sees this DTD.
    utf7 = b"+ADw-!DOCTYPE rss +AFs-+ADw-!ENTITY xxe SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-"
    assert utf7.decode("utf-7") == f"<!DOCTYPE rss [{XXE}]>"
    body = b'<?xml version="1.0" encoding="utf-7"?>' + utf7 + rss(item("http://e.com/&xxe;"), "")
    with pytest.raises(FeedError, match="refused"):
        parse_feed(body, "http://e.com/")
    sitemap = body.replace(b"<rss", b"<urlset").replace(b"</rss", b"</urlset")
    sitemap = re.sub(
        rb"<channel>.*</channel>", b"<url><loc>http://e.com/&xxe;</loc></url>", sitemap
    )
    links, _ = parse_sitemap(sitemap, "http://e.com/")  # read as UTF-8: the "DTD" is just text
    assert PASSWD_MARK not in repr(links)
    junk_first = b"Warning: PHP notice\n" + feed_and_sitemap(f"<!DOCTYPE rss [{XXE}]>", "&xxe;")[0]
    with pytest.raises(FeedError, match="refused"):
        parse_feed(junk_first, "http://e.com/")


def test_external_dtd_over_http_is_never_fetched(dtd_server: DTDServer) -> None:
    for body in feed_and_sitemap(f'<!DOCTYPE rss SYSTEM "{dtd_server.url}">', "a&xxe;"):
        out = parse_output(body)
        assert "http://e.com/a" in out
        assert PASSWD_MARK not in out
    time.sleep(0.2)
    assert dtd_server.requests == []


def test_external_dtd_on_disk_is_never_read(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(XXE)
    for body in feed_and_sitemap(f'<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">', "a&xxe;"):
        out = parse_output(body)
        assert "http://e.com/a" in out and PASSWD_MARK not in out


def test_body_that_is_a_file_path_is_not_opened() -> None:
    # feedparser.parse(bytes) would open a local file of that name.
    for body in (b"/etc/passwd", b"/dev/zero"):
        with pytest.raises(FeedError):
            parse_feed(body, "http://e.com/")


def test_html_page_is_not_a_feed() -> None:
    page = b"<!DOCTYPE html><html><head><title>News</title></head><body><p>a</p></body></html>"
    with pytest.raises(FeedError, match="not a feed: HTML page"):
        parse_feed(page, "http://e.com/")
    with pytest.raises(FeedError, match="not a feed: HTML page"):
        parse_any(page, "http://e.com/")
    with pytest.raises(FeedError, match="not a sitemap: HTML page"):
        parse_sitemap(page, "http://e.com/")


def test_real_article_pages_are_not_feeds(corpus_dir: Path) -> None:
    with gzip.open(corpus_dir / "extraction/goose3.jsonl.gz", "rt", encoding="utf-8") as lines:
        pages = [json.loads(line) for line in lines]
    for record in pages:
        with pytest.raises(FeedError, match="not a feed"):
            parse_any(record["html"].encode("utf-8"), record["url"] or "http://e.com/")


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_refused(seed: int) -> None:
    body = random.Random(seed).randbytes(4096)
    for parse in (parse_any, parse_feed, parse_sitemap):
        with pytest.raises(FeedError):
            parse(body, "http://e.com/")  # type: ignore[operator]


@pytest.mark.parametrize("body", [b"", b"  \n\t", gzip.compress(b"")])
def test_empty_body_is_refused(body: bytes) -> None:
    for parse in (parse_any, parse_feed, parse_sitemap):
        with pytest.raises(FeedError, match="empty body"):
            parse(body, "http://e.com/")  # type: ignore[operator]


def test_gzip_bomb_and_corrupt_gzip_are_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 2**20), compresslevel=9)
    assert len(bomb) < 100_000
    with pytest.raises(FeedError, match="larger than 50 MB"):
        parse_sitemap(bomb, "http://e.com/")
    with pytest.raises(FeedError, match="corrupt gzip"):
        parse_any(b"\x1f\x8b\x08\x00garbage-not-deflate", "http://e.com/")


def huge_rss(n: int) -> bytes:
    """An RSS feed of n items (about 100 bytes each)."""
    items = "".join(
        f"<item><title>Item {i}</title><link>https://e.com/n/{i}</link>"
        f"<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>"
        for i in range(n)
    )
    return rss(items)


def test_gigantic_feed_is_capped_in_bounded_time() -> None:
    body = huge_rss(100_000)
    started = time.perf_counter()
    links = parse_feed(body, "https://e.com/feed")
    elapsed = time.perf_counter() - started
    assert len(links) == 5000
    assert links[0].url == "https://e.com/n/0" and links[-1].url == "https://e.com/n/4999"
    assert links[-1].published_at is not None
    assert elapsed < 10, f"{elapsed:.1f} s for a 100k-item feed"
    assert len(parse_feed(body, "https://e.com/feed", max_items=10)) == 10


def test_gigantic_atom_json_and_sitemap_are_capped() -> None:
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        + "".join(f'<entry><title>{i}</title><link href="/a/{i}"/></entry>' for i in range(100_000))
        + "</feed>"
    ).encode()
    started = time.perf_counter()
    assert len(parse_feed(atom, "https://e.com/atom")) == 5000
    doc = {
        "version": "https://jsonfeed.org/version/1",
        "items": [{"url": f"/j/{i}"} for i in range(100_000)],
    }
    assert len(parse_feed(json.dumps(doc).encode(), "https://e.com/j")) == 5000
    sitemap = urlset("".join(f"<url><loc>https://e.com/s/{i}</loc></url>" for i in range(100_000)))
    links, _ = parse_sitemap(sitemap, "https://e.com/s.xml")
    assert len(links) == 50000 and links[-1].url == "https://e.com/s/49999"
    assert time.perf_counter() - started < 20
