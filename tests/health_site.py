"""A small local news site for source-health tests: outlets whose articles carry chosen publish times.

Pages are generated text (no corpus needed). Outlets can gain articles between runs, answer their
feed with a permanent redirect, or live on a server of their own that can be shut down.
"""

from __future__ import annotations

import contextlib
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

WORDS = ("minister", "council", "harbour", "election", "budget", "river", "festival", "report", "inquiry",
         "court", "museum", "railway", "farmers", "market", "storm", "vaccine", "school", "bridge", "treaty",
         "league", "coalition", "drought", "energy", "port", "mayor", "union", "strike", "talks", "summit",
         "border", "tariff", "census", "satellite", "archive", "orchestra", "hospital")


def article_html(outlet: str, index: int, published: datetime) -> str:
    """A plausible news page: headline, dateline, five paragraphs of seeded filler."""
    rng = random.Random(f"{outlet}-{index}")
    title = f"{outlet} story {index}: " + " ".join(rng.choice(WORDS) for _ in range(5)).capitalize()
    paragraphs = []
    for _ in range(5):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(9, 16))).capitalize() + "."
                     for _ in range(4)]
        paragraphs.append(f"<p>{' '.join(sentences)}</p>")
    stamp = published.isoformat()
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta property="article:published_time" content="{stamp}"></head><body>'
            f'<header><nav><a href="/">Home</a></nav></header><article><h1>{escape(title)}</h1>'
            f'<time datetime="{stamp}">{published:%d %B %Y}</time>{"".join(paragraphs)}</article>'
            f"<footer>Contact us</footer></body></html>")


@dataclass
class Outlet:
    """One outlet: an RSS feed of its articles (publish times in `published`)."""

    id: str
    published: list[datetime] = field(default_factory=list)
    moved: bool = False  # its feed answers 301 to /<id>/new-rss.xml

    def feed(self, base: str) -> bytes:
        items = "".join(
            f"<item><title>{self.id} story {i}</title><link>{base}/{self.id}/a/{i}.html</link>"
            f"<pubDate>{format_datetime(t, usegmt=True)}</pubDate></item>" for i, t in enumerate(self.published))
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{self.id}</title>'
                f"<link>{base}/</link><description>test</description>{items}</channel></rss>").encode()


class Site:
    """A threaded HTTP server for some outlets; a context manager, or stop() to make it vanish."""

    def __init__(self, outlets: list[Outlet]) -> None:
        self.outlets = {o.id: o for o in outlets}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop answering: connections are refused from now on."""
        with contextlib.suppress(OSError):
            self.server.shutdown()
            self.server.server_close()

    def feed_url(self, outlet: Outlet) -> str:
        return f"{self.base}/{outlet.id}/rss.xml"

    def sources_toml(self) -> str:
        return "\n".join(
            f'[[sources]]\nid = "{o.id}"\nname = "Outlet {o.id}"\ncountry = "US"\nlanguage = "en"\n'
            f'feeds = ["{self.feed_url(o)}"]\n' for o in self.outlets.values())

    def respond(self, path: str) -> tuple[int, dict[str, str], bytes]:
        outlet_id, _, rest = path.strip("/").partition("/")
        outlet = self.outlets.get(outlet_id)
        if path == "/robots.txt" or outlet is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        if rest == "rss.xml" and outlet.moved:
            return 301, {"Location": f"{self.base}/{outlet.id}/new-rss.xml"}, b""
        if rest in ("rss.xml", "new-rss.xml"):
            return 200, {"Content-Type": "application/rss+xml"}, outlet.feed(self.base)
        index = rest.removeprefix("a/").removesuffix(".html")
        if index.isdigit() and int(index) < len(outlet.published):
            html = article_html(outlet.id, int(index), outlet.published[int(index)])
            return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()
        return 404, {"Content-Type": "text/plain"}, b"not found"


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            status, headers, body = site.respond(self.path)
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler
