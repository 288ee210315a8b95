"""Sources' hosts, host matching, month ranges, the metadata records the raw archive keeps, the command's start."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.discover.archives import ArchiveSpecError, in_groups, months
from tasks.discover.hosts import HostMatcher
from tasks.discover.sources import SourcesError, load_sources, source_hosts
from tasks.models import Page
from tasks.store.archive import WarcSink, iter_warc
from tasks.store.replay import Replay, listing_meta
from tasks.store.warcscan import ScanStats, scan_warc

ROOT = Path(__file__).resolve().parents[1]

TOML = """
[[sources]]
id = "dw"
name = "DW"
country = "DE"
language = "en"
hosts = ["dw.com"]

[[sources]]
id = "lemonde"
name = "Le Monde"
country = "FR"
language = "fr"
feeds = ["https://www.lemonde.fr/rss/une.xml"]
"""


def test_hosts_only_sources_and_host_matching(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(TOML)
    sources = load_sources(path)
    assert sources[0].hosts == ("dw.com",) and not sources[0].feeds
    assert source_hosts(sources[1]) == ("www.lemonde.fr",)
    match = HostMatcher(sources)
    assert match.source_of("www.dw.com") == "dw" and match.source_of("amp.news.dw.com") == "dw"
    assert match.source_of("lemonde.fr") == "lemonde" and match.source_of("DW.COM.") == "dw"
    assert match.source_of("notdw.com") is None and match.source_of("dw.com.evil.org") is None


@pytest.mark.parametrize("bad", ['["https://dw.com"]', '["dw.com/path"]', '"dw.com"', '["dw com"]'])
def test_bad_hosts_are_refused(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(TOML.replace('hosts = ["dw.com"]', f"hosts = {bad}"))
    with pytest.raises(SourcesError, match="hosts"):
        load_sources(path)


def test_small_local_files_share_groups_and_large_files_and_urls_go_alone(tmp_path: Path) -> None:
    def file(name: str, size: int) -> str:
        (tmp_path / name).write_bytes(b"x" * size)
        return str(tmp_path / name)

    a, b, c, big, d, e, f = (file(n, s) for n, s in
                             (("a", 300), ("b", 300), ("c", 300), ("big", 1000), ("d", 10), ("e", 10), ("f", 10)))
    url = "https://data.example.org/x.warc.gz"
    # a+b fit in 700 bytes, c would not; the big file and the URL are alone; the cap ends d+e
    assert in_groups([a, b, c, big, url, d, e, f], most_bytes=700, most_files=2) \
        == [[a, b], [c], [big], [url], [d, e], [f]]
    assert in_groups([str(tmp_path / "gone"), a], most_bytes=700) == [[str(tmp_path / "gone")], [a]]
    assert in_groups([]) == []


def test_month_ranges() -> None:
    assert months("2023-11..2024-02") == ["2023/11", "2023/12", "2024/01", "2024/02"]
    assert months("2024-05") == ["2024/05"]
    for bad in ("2024-13", "2024-03..2024-01", "24-01"):
        with pytest.raises(ArchiveSpecError):
            months(bad)


def _page(n: int) -> Page:
    return Page(url=f"https://dw.com/listed/{n}", final_url=f"https://www.dw.com/a/{n}", status=200,
                fetched_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), content_type="text/html",
                headers={"Content-Type": "text/html"}, body=f"<html><p>{n}</p></html>".encode())


def test_metadata_records_round_trip_in_both_readers(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path / "run.warc.gz", "test")
    listed = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    sink.write(_page(0), listing_meta("dw", _page(0), listed))
    sink.write(_page(1), listing_meta("dw", _page(1), None))
    sink.write(_page(2))  # an older archive: no metadata record
    path = sink.close()
    assert path is not None
    replay = Replay(iter_warc(path))
    pages = list(replay)
    assert [p.url for p in pages] == ["https://dw.com/listed/0", "https://dw.com/listed/1", "https://www.dw.com/a/2"]
    assert pages[0].final_url == "https://www.dw.com/a/0"
    assert replay.listed_dates == {"https://dw.com/listed/0": listed}
    assert replay.source_ids == {"https://dw.com/listed/0": "dw", "https://dw.com/listed/1": "dw"}
    stats = ScanStats()
    with open(path, "rb") as fh:
        fast = Replay(__import__("tasks.store.archive", fromlist=["x"]).with_metadata(
            scan_warc(fh, lambda h: True, stats)))
        assert [p.url for p in fast] == [p.url for p in pages]
    assert fast.listed_dates == replay.listed_dates and stats.kept == 3 and stats.damage is None


def test_truncated_and_corrupt_files_keep_complete_records(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path / "run.warc.gz", "test")
    for n in range(6):
        sink.write(_page(n), listing_meta("dw", _page(n), None))
    path = sink.close()
    assert path is not None
    data = path.read_bytes()
    for cut in (len(data) - 30, len(data) * 2 // 3, len(data) // 2):
        stats = ScanStats()
        (tmp_path / "cut.warc.gz").write_bytes(data[:cut])
        with open(tmp_path / "cut.warc.gz", "rb") as fh:
            got = [i for i in scan_warc(fh, lambda h: True, stats) if not isinstance(i, tuple)]
        assert stats.damage, cut
        assert 1 <= len(got) <= (6 if cut > len(data) - 100 else 5)
        assert all(p.body.endswith(b"</html>") for p in got)
    corrupt = bytearray(data)
    corrupt[len(data) // 2: len(data) // 2 + 8] = b"garbage!"
    (tmp_path / "bad.warc.gz").write_bytes(bytes(corrupt))
    stats = ScanStats()
    with open(tmp_path / "bad.warc.gz", "rb") as fh:
        got = [i for i in scan_warc(fh, lambda h: True, stats) if not isinstance(i, tuple)]
    assert stats.damage and 1 <= len(got) < 6


def test_resource_records_are_pages_in_both_readers(tmp_path: Path) -> None:
    """Repackaged collections store each page as a resource record (no HTTP status or headers)."""
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    path = tmp_path / "resources.warc.gz"
    html = b"<html><head><title>Talks</title></head><body><p>" + b"word " * 200 + b"</p></body></html>"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, kind, body in (("https://www.dw.com/a/1", "text/html; charset=utf-8", html),
                                ("metadata://wget.log", "text/plain", b"log")):
            writer.write_record(writer.create_warc_record(url, "resource", payload=BytesIO(body),
                                                          warc_content_type=kind))
    stats = ScanStats()
    with open(path, "rb") as fh:
        fast = [i for i in scan_warc(fh, lambda h: True, stats) if not isinstance(i, tuple)]
    assert [(p.url, p.body, p.status) for p in fast] == [("https://www.dw.com/a/1", html, None)]
    assert (stats.records, stats.kept, stats.not_html, stats.damage) == (2, 1, 1, None)
    slow = [(p.url, p.body) for p in iter_warc(path)]
    assert slow == [("https://www.dw.com/a/1", html), ("metadata://wget.log", b"log")]
    assert [p.status for p in Replay(iter_warc(path))] == [200, 200]  # as fetched; extraction judges the type


class _Flaky:
    """A handler factory: the first response is cut after half the body; Range requests answer 206."""

    @staticmethod
    def serve(body: bytes):  # type: ignore[no-untyped-def]
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        calls: list[str | None] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the base class's name
                rng = self.headers.get("Range")
                calls.append(rng)
                if self.path.endswith("missing"):
                    self.send_error(404)
                    return
                start = int(rng.split("=")[1].rstrip("-")) if rng else 0
                self.send_response(206 if rng else 200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                if rng:
                    self.wfile.write(body[start:])
                else:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, calls


def test_http_stream_resumes_a_dropped_connection_with_a_range_request() -> None:
    from tasks.fetch.stream import StreamError, open_archive, read_listing

    body = bytes(range(256)) * 4000
    server, calls = _Flaky.serve(body)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with open_archive(f"{base}/file.warc.gz") as fh:
            assert fh.read() == body
            assert fh.tell() == len(body)
        assert calls[0] is None and calls[1] == f"bytes={len(body) // 2}-"
        with pytest.raises(StreamError, match="404"):
            read_listing(f"{base}/missing")
    finally:
        server.shutdown()
        server.server_close()


WARM_START_PROBE = """
import sys
from contextlib import contextmanager

import tasks.process
from flows import prefect_server, run_api
from flows.cli import main

calls = []
tasks.process.prestart = lambda workers=0: calls.append("workers")
tasks.process.shutdown_pools = lambda: calls.append("stop")


@contextmanager
def api(templates=None):
    def ready():
        calls.append("api")
        raise prefect_server.ServerError("it exited while starting")
    yield ready


run_api.run_api = api
print(main(sys.argv[1:]), calls)
"""


def test_backfill_warms_the_workers_while_the_api_starts_and_stops_them_if_it_never_answers(tmp_path: Path) -> None:
    """(In a process of its own: the command sets up logging and the environment for the whole process.)"""
    sources = tmp_path / "sources.toml"
    sources.write_text(TOML)
    argv = ["backfill", "--sources", str(sources), "--data-dir", str(tmp_path / "data"), str(tmp_path / "a.warc")]
    ran = subprocess.run([sys.executable, "-c", WARM_START_PROBE, *argv], capture_output=True, text=True, timeout=120,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(tmp_path / "p")})
    assert ran.stdout.splitlines()[-1] == "1 ['workers', 'api', 'stop']", ran.stdout + ran.stderr
    assert "could not start a Prefect API for this run: it exited while starting" in ran.stderr
