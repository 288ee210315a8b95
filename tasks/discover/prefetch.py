"""Listings requested ahead of the run's discovery, handed over when discovery asks for them.

`newsflow ingest` waits about two seconds for its private Prefect API with the network idle.
Meanwhile the first level of every due source's feeds and sitemaps is requested, with the fetcher
and the conditional-GET validators the run will use. Discovery takes a response only when it asks
the same fetcher for the same URL with the same validators, and fetches as usual otherwise, so
what a run finds never depends on the head start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from tasks.fetch.client import Fetcher
from tasks.models import Page

log = logging.getLogger(__name__)

THREADS = 8  # requests in flight stay capped per host by the fetcher's politeness
Key = tuple[Fetcher, str, str | None, str | None]  # fetcher, URL, ETag, Last-Modified

_lock = threading.Lock()
_pending: dict[Key, Future[Page]] = {}
_pools: list[ThreadPoolExecutor] = []


def start(fetcher: Fetcher, listings: Iterable[tuple[str, str | None, str | None]]) -> int:
    """Request each (url, etag, last_modified) in background threads; returns how many were started."""
    wanted = list(dict.fromkeys(listings))
    if not wanted:
        return 0
    pool = ThreadPoolExecutor(min(THREADS, len(wanted)), thread_name_prefix="newsflow-prefetch")
    with _lock:
        _pools.append(pool)
        for url, etag, modified in wanted:
            key = (fetcher, url, etag, modified)
            if key not in _pending:
                _pending[key] = pool.submit(fetcher.fetch, url, etag=etag, last_modified=modified, expect="xml")
    pool.shutdown(wait=False)  # its threads end with the queue
    return len(wanted)


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
    """Forget what was not taken and wait for requests still on their way (before their fetcher closes)."""
    with _lock:
        pending, pools = list(_pending.values()), list(_pools)
        _pending.clear()
        _pools.clear()
    for future in pending:
        future.cancel()
    for pool in pools:
        pool.shutdown(wait=True)
