"""Listings requested while the run starts are taken over by discovery, exactly once, or fetched again."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.newsite import NewsSite, load_pages, make_outlets
from tasks.discover import prefetch
from tasks.harvest import ListingReader, RunContext, SourceReport
from tasks.models import Page
from tests.local_env import cli_env

ROOT = Path(__file__).resolve().parents[1]


class FakeFetcher:
    """Answers every URL with a page naming it; counts calls; can be held back or made to raise."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, str | None]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail: set[str] = set()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              expect: str = "any") -> Page:
        self.calls.append((url, etag, last_modified))
        self.gate.wait(5)
        if url in self.fail:
            raise RuntimeError("boom")
        return Page(url, url, 200, datetime.now(UTC), body=f"<rss>{url} {etag}</rss>".encode())


@pytest.fixture(autouse=True)
def _nothing_left_behind():
    yield
    prefetch.drop()


def test_a_listing_requested_ahead_is_taken_once_with_the_same_validators() -> None:
    fetcher = FakeFetcher()
    assert prefetch.start(fetcher, [("http://a/feed", '"e1"', None), ("http://b/map", None, "Mon")]) == 2
    page = prefetch.take(fetcher, "http://a/feed", '"e1"', None)
    assert page is not None and page.body == b'<rss>http://a/feed "e1"</rss>'
    assert prefetch.take(fetcher, "http://a/feed", '"e1"', None) is None  # once
    assert prefetch.take(fetcher, "http://b/map", '"other"', "Mon") is None  # other validators: not this answer
    assert prefetch.take(FakeFetcher(), "http://b/map", None, "Mon") is None  # another fetcher's
    assert prefetch.take(fetcher, "http://b/map", None, "Mon") is not None
    assert sorted(fetcher.calls) == [("http://a/feed", '"e1"', None), ("http://b/map", None, "Mon")]


def test_take_waits_for_a_request_on_its_way_and_a_failed_one_is_fetched_again() -> None:
    fetcher = FakeFetcher()
    fetcher.gate.clear()
    fetcher.fail.add("http://bad/feed")
    prefetch.start(fetcher, [("http://slow/feed", None, None), ("http://bad/feed", None, None)])
    threading.Timer(0.2, fetcher.gate.set).start()
    page = prefetch.take(fetcher, "http://slow/feed", None, None)
    assert page is not None and page.url == "http://slow/feed"
    assert prefetch.take(fetcher, "http://bad/feed", None, None) is None


def test_drop_forgets_what_was_not_taken_without_waiting_for_requests_on_their_way() -> None:
    fetcher = FakeFetcher()
    fetcher.gate.clear()  # every request hangs until the gate opens
    prefetch.start(fetcher, [(f"http://h/{i}", None, None) for i in range(40)])
    began = time.monotonic()
    prefetch.drop()
    assert time.monotonic() - began < 1  # an interrupted run is not held up
    fetcher.gate.set()
    assert prefetch.take(fetcher, "http://h/39", None, None) is None
    time.sleep(0.2)
    assert len(fetcher.calls) <= prefetch.THREADS  # the queued ones were never sent


def test_discovery_reads_the_answer_requested_ahead(tmp_path: Path) -> None:
    fetcher = FakeFetcher()
    prefetch.start(fetcher, [("http://a/feed", '"e1"', None)])
    ctx = RunContext(run_id="r1", day="2026-12-05", data_dir=tmp_path, started_at=datetime.now(UTC))
    report = SourceReport("a")
    reader = ListingReader("a", fetcher, {"http://a/feed": ('"e1"', None)}, ctx, report)  # type: ignore[arg-type]
    assert reader.body("http://a/feed", "feed") == b'<rss>http://a/feed "e1"</rss>'
    assert reader.body("http://a/feed", "feed") is not None  # asked again: fetched again
    assert len(fetcher.calls) == 2 and report.feeds_ok == 2


@pytest.mark.slow
def test_ingest_requests_each_listing_once_per_run(tmp_path: Path, corpus_dir: Path) -> None:
    """`newsflow ingest` requests the listings while its API starts; its discovery takes them over."""
    pages = load_pages(corpus_dir, ["scrapinghub_aeb.jsonl.gz"], limit=8)
    with NewsSite(make_outlets(pages, 4)) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml())
        env = cli_env(PYTHONPATH=str(ROOT), PREFECT_HOME=str(tmp_path / "prefect"))
        command = [sys.executable, "-m", "flows.cli", "ingest", "--sources", str(sources),
                   "--data-dir", str(tmp_path / "data")]
        listings = [u.removeprefix(site.base) for u in [site.listing_url(o) for o in site.outlets.values()]]
        for run in (1, 2):
            before = dict(site.hits)
            proc = subprocess.run(command, cwd=tmp_path, env=env, text=True, capture_output=True, timeout=300)
            assert proc.returncode == 0, proc.stderr
            asked = {path: site.hits[path] - before.get(path, 0) for path in listings}
            assert asked == dict.fromkeys(listings, 1), asked  # requested once: ahead, and taken over
            if run == 2:
                assert {site.last_status[path] for path in listings} == {304}  # the validators were sent
        logs = sorted((tmp_path / "data" / "logs").glob("*.log"))
        assert len(logs) == 2
        assert all("4 feeds and sitemaps requested while the run starts" in log.read_text() for log in logs)
