"""A local news site on 127.0.0.1 serving real corpus pages as several outlets (tests, benchmarks)."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks.common import read_jsonl

FEED_KINDS = ("rss", "atom", "sitemap", "json")
LAST_MODIFIED = format_datetime(datetime(2026, 11, 1, tzinfo=UTC), usegmt=True)


@dataclass
class Outlet:
    """One simulated outlet: a feed of some kind listing its article pages."""

    id: str
    kind: str
    pages: list[dict] = field(default_factory=list)
    fault: str | None = None  # "500", "slow" or "robots"

    @property
    def listing(self) -> str:
        return {"rss": "rss.xml", "atom": "atom.xml", "sitemap": "sitemap.xml", "json": "feed.json"}[self.kind]


def load_pages(corpus: Path, files: list[str], limit: int | None = None) -> list[dict]:
    """Corpus page records with HTML, in file order."""
    pages = []
    for name in files:
        for rec in read_jsonl(corpus / "extraction" / name):
            if rec.get("html"):
                pages.append(rec)
                if limit and len(pages) >= limit:
                    return pages
    return pages


def make_outlets(pages: list[dict], n: int, faults: tuple[str, ...] = ()) -> list[Outlet]:
    """Deal pages round-robin over n healthy outlets (feed kinds rotate), plus faulty ones."""
    outlets = [Outlet(f"o{i}", FEED_KINDS[i % len(FEED_KINDS)]) for i in range(n)]
    for i, page in enumerate(pages):
        outlets[i % n].pages.append(page)
    for fault in faults:
        outlets.append(Outlet(f"bad-{fault}", "rss", pages=pages[:3], fault=fault))
    return outlets


class NewsSite:
    """Threaded HTTP server; counts requests per path; optional latency per response."""

    def __init__(self, outlets: list[Outlet], latency: float = 0.0, slow_seconds: float = 5.0) -> None:
        self.outlets = {o.id: o for o in outlets}
        self.latency, self.slow_seconds = latency, slow_seconds
        self.hits: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.last_status: dict[str, int] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> NewsSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def page_url(self, outlet: Outlet, index: int) -> str:
        return f"{self.base}/{outlet.id}/a/{index}.html"

    def listing_url(self, outlet: Outlet) -> str:
        return f"{self.base}/{outlet.id}/{outlet.listing}"

    def sources_toml(self) -> str:
        """A sources file listing every outlet with its feed or sitemap."""
        parts = []
        for o in self.outlets.values():
            key = "sitemaps" if o.kind == "sitemap" else "feeds"
            parts.append(f'[[sources]]\nid = "{o.id}"\nname = "Outlet {o.id}"\ncountry = "US"\n'
                         f'language = "en"\n{key} = ["{self.listing_url(o)}"]\n')
        return "\n".join(parts)

    def article_urls(self, healthy_only: bool = True) -> list[str]:
        return [self.page_url(o, i) for o in self.outlets.values() if not (healthy_only and o.fault)
                for i in range(len(o.pages))]

    def robots(self) -> str:
        blocked = [f"Disallow: /{o.id}/\n" for o in self.outlets.values() if o.fault == "robots"]
        return "User-agent: *\n" + "".join(blocked) + "Disallow: /private/\n"

    def respond(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body for a path."""
        if path == "/robots.txt":
            return 200, "text/plain", self.robots().encode()
        outlet_id, _, rest = path.strip("/").partition("/")
        outlet = self.outlets.get(outlet_id)
        if outlet is None:
            return 404, "text/plain", b"not found"
        if outlet.fault == "500":
            return 500, "text/plain", b"server error"
        if outlet.fault == "slow":
            time.sleep(self.slow_seconds)
        if rest == outlet.listing or rest == "sitemap-1.xml":
            return self._listing(outlet, rest)
        if rest.startswith("a/") and rest.endswith(".html"):
            index = rest[2:-5]
            if index.isdigit() and int(index) < len(outlet.pages):
                return 200, "text/html; charset=utf-8", outlet.pages[int(index)]["html"].encode("utf-8")
        return 404, "text/plain", b"not found"

    def _listing(self, outlet: Outlet, name: str) -> tuple[int, str, bytes]:
        items = [(self.page_url(outlet, i), p.get("title") or f"Story {i}") for i, p in enumerate(outlet.pages)]
        if outlet.kind == "sitemap" and name == outlet.listing:
            body = _sitemap_index(f"{self.base}/{outlet.id}/sitemap-1.xml")
            return 200, "application/xml", body
        render = {"rss": _rss, "atom": _atom, "sitemap": _urlset, "json": _json_feed}[outlet.kind]
        ctype = "application/feed+json" if outlet.kind == "json" else "application/xml"
        return 200, ctype, render(outlet.id, items)


def _handler(site: NewsSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm on, the body then waited
        # for the client's delayed ACK of the headers (40 ms on Linux) on about half of the responses,
        # so the 50 ms of latency asked for became 72 ms on average. Web servers send with
        # TCP_NODELAY (nginx's default), as this one now does.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            with site._lock:
                site.hits[self.path] += 1
            if site.latency:
                time.sleep(site.latency)
            status, ctype, body = site.respond(self.path)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            # If-None-Match wins over If-Modified-Since (RFC 9110), so changed content is sent.
            validator = self.headers.get("If-None-Match")
            unchanged = validator == etag if validator else self.headers.get("If-Modified-Since") == LAST_MODIFIED
            if status == 200 and unchanged:
                status, body = 304, b""
            with site._lock:
                site.statuses[status] += 1
                site.last_status[self.path] = status
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if status in (200, 304):
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            # The client may stop reading (a size cap, a timeout): that is its right.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _rss(outlet: str, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
                      f"<pubDate>{LAST_MODIFIED}</pubDate></item>" for u, t in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet}</title>'
            f"<link>http://example.invalid/</link><description>test</description>{entries}</channel></rss>").encode()


def _atom(outlet: str, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(f'<entry><title>{escape(t)}</title><link href="{escape(u)}"/><id>{escape(u)}</id>'
                      f"<updated>2026-11-01T00:00:00Z</updated></entry>" for u, t in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{outlet}</title><id>urn:{outlet}</id><updated>2026-11-01T00:00:00Z</updated>"
            f"{entries}</feed>").encode()


def _sitemap_index(child: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
            'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{escape(child)}</loc></sitemap></sitemapindex>").encode()


def _urlset(outlet: str, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(f"<url><loc>{escape(u)}</loc><news:news><news:publication>"
                      f"<news:name>{outlet}</news:name><news:language>en</news:language></news:publication>"
                      f"<news:publication_date>2026-11-01T00:00:00Z</news:publication_date>"
                      f"<news:title>{escape(t)}</news:title></news:news></url>" for u, t in items)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + entries + "</urlset>").encode()


def _json_feed(outlet: str, items: list[tuple[str, str]]) -> bytes:
    import json

    feed = {"version": "https://jsonfeed.org/version/1.1", "title": outlet,
            "items": [{"id": u, "url": u, "title": t, "date_published": "2026-11-01T00:00:00Z"} for u, t in items]}
    return json.dumps(feed).encode()
