"""Listings requested ahead of the run's discovery, handed over when discovery asks for them.

`newsflow ingest` waits about two seconds for its private Prefect API with the network idle.
Meanwhile the first level of every due source's feeds and sitemaps is requested, with the fetcher
and the conditional-GET validators the run will use. Discovery takes a response only when it asks
the same fetcher for the same URL with the same validators, and fetches as usual otherwise, so
what a run finds never depends on the head start.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from concurrent.futures import Future

from tasks.fetch.client import Fetcher
from tasks.models import Page

log = logging.getLogger(__name__)

THREADS = 8  # requests in flight stay capped per host by the fetcher's politeness
Key = tuple[Fetcher, str, str | None, str | None]  # fetcher, URL, ETag, Last-Modified
Job = tuple[Future[Page], str, str | None, str | None]

_lock = threading.Lock()
_pending: dict[Key, Future[Page]] = {}


def start(fetcher: Fetcher, listings: Iterable[tuple[str, str | None, str | None]]) -> int:
    """Request each (url, etag, last_modified) in background threads; returns how many were started.

    The threads are daemons: an interrupted run exits without waiting for a head start.
    """
    jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
    with _lock:
        for url, etag, modified in dict.fromkeys(listings):
            key = (fetcher, url, etag, modified)
            if key not in _pending:
                _pending[key] = future = Future()
                jobs.put((future, url, etag, modified))
    count = jobs.qsize()
    for _ in range(min(THREADS, count)):
        threading.Thread(target=_work, args=(fetcher, jobs), name="newsflow-prefetch", daemon=True).start()
    return count


def _work(fetcher: Fetcher, jobs: queue.SimpleQueue[Job]) -> None:
    while True:
        try:
            future, url, etag, modified = jobs.get_nowait()
        except queue.Empty:
            return
        if not future.set_running_or_notify_cancel():
            continue  # dropped before its turn
        try:
            future.set_result(fetcher.fetch(url, etag=etag, last_modified=modified, expect="xml"))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever takes it, who fetches again
            future.set_exception(exc)


def take(fetcher: Fetcher, url: str, etag: str | None, modified: str | None) -> Page | None:
    """The response requested ahead for exactly this request (waiting for it if still on its way), once."""
    with _lock:
        future = _pending.pop((fetcher, url, etag, modified), None)
    if future is None:
        return None
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the fetcher reports problems in Page.error; anything else: fetch again
        log.debug("listing requested ahead failed, fetching it again: %.200s: %r", url, exc)
        return None


def drop() -> None:
    """Forget what was not taken: requests not yet sent are cancelled, those on their way are left to end."""
    with _lock:
        pending = list(_pending.values())
        _pending.clear()
    for future in pending:
        future.cancel()
