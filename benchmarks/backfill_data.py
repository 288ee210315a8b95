"""WARC files built from corpus pages (plus other hosts, non-HTML, 404s, repeats), served as a CC-NEWS tree."""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

FETCHED = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _record(writer: WARCWriter, url: str, body: bytes, status: int, ctype: str, when: datetime) -> None:
    http = StatusAndHeaders(f"{status} {'OK' if status == 200 else 'Not Found'}",
                            [("Content-Type", ctype), ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                    warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    writer.write_record(rec)


def write_warc(path: Path, pages: list[dict], others: int = 0, extras: bool = True) -> dict[str, int]:
    """A .warc.gz of the pages (status 200 HTML) interleaved with records of other hosts; returns counts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = {"kept": 0, "other": 0, "extra": 0}
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n, page in enumerate(pages):
            when = FETCHED + timedelta(seconds=n)
            _record(writer, page["url"], page["html"].encode("utf-8"), 200, "text/html; charset=utf-8", when)
            counts["kept"] += 1
            for k in range(others):
                url = f"https://other{k}.example.net/story/{n}"
                _record(writer, url, page["html"].encode("utf-8"), 200, "text/html", when)
                counts["other"] += 1
            if extras and n % 5 == 0:
                host = urlsplit(page["url"]).netloc
                _record(writer, f"https://{host}/logo-{n}.png", b"\x89PNG" + b"\0" * 500, 200, "image/png", when)
                _record(writer, f"https://{host}/gone-{n}", b"<html>gone</html>", 404, "text/html", when)
                counts["extra"] += 2
    return counts


def write_cc_news(root: Path, month: str, files: list[list[dict]], others: int = 0) -> list[Path]:
    """crawl-data/CC-NEWS/YYYY/MM/ with one WARC per page list and its warc.paths.gz listing."""
    rel = Path("crawl-data/CC-NEWS") / month
    paths = []
    for i, pages in enumerate(files):
        name = rel / f"CC-NEWS-{month.replace('/', '')}000000-{i:05d}.warc.gz"
        write_warc(root / name, pages, others)
        paths.append(name)
    listing = "".join(f"{p.as_posix()}\n" for p in paths).encode()
    (root / rel / "warc.paths.gz").write_bytes(gzip.compress(listing))
    return [root / p for p in paths]


def hosts_toml(pages: list[dict]) -> str:
    """A sources file with one archive-only source per host of the pages."""
    hosts = sorted({urlsplit(p["url"]).hostname or "" for p in pages} - {""})
    blocks = []
    for i, host in enumerate(hosts):
        blocks.append(f'[[sources]]\nid = "s{i}"\nname = "{host}"\ncountry = "US"\nlanguage = "en"\n'
                      f'hosts = ["{host}"]\n')
    return "\n".join(blocks)


class _Quiet(SimpleHTTPRequestHandler):
    disable_nagle_algorithm = True  # as web servers do (see benchmarks/newsite.py)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve_tree(root: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1; yields the base URL (ending in /)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
