"""Worker pools for the per-page CPU work (tasks/worker.py), and what crosses into and out of them."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import forkserver
from typing import Any

from tasks.models import Processed

log = logging.getLogger(__name__)


def process_page(body: bytes, content_type: str | None, url: str, language: str | None = None) -> Processed:
    """One fetched page as a tagged article record, or why it is not one (tasks/worker.py); never raises."""
    # Imported here, in the worker that runs it: the fetching process, which only hands pages over,
    # never imports the extractors and taggers (about 0.2 s of CPU on every run).
    from tasks import worker

    return worker.process_page(body, content_type, url, language)


def tag_batch(items: Sequence[tuple[str, str, str, str | None]]) -> list[tuple[str, Processed]]:
    """Tags of (article_id, title, text, language) items, in a worker (tasks/worker.py)."""
    from tasks import worker

    return worker.tag_batch(items)


def tag_rows(article_id: str, tagged: Processed) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The article_countries and article_topics lake rows of one tagged article."""
    country_tagger, topic_tagger = tagged.taggers or (None, None)
    country_rows = [{"article_id": article_id, "country_code": c["code"], "mentions": c["mentions"],
                     "is_focus": c.get("focus", False), "tagger": country_tagger} for c in tagged.countries]
    topic_rows = [{"article_id": article_id, "topic_code": t["code"], "score": t["score"], "rank": rank,
                   "tagger": topic_tagger} for rank, t in enumerate(tagged.topics, 1)]
    return country_rows, topic_rows


class InlineExecutor(Executor):
    """Runs work in the calling thread: for one core, tests and tiny runs."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


# Pages submitted to a worker pool and not yet processed, per worker: enough to keep every worker
# busy while a source thread waits for its next page, few enough that the pool never holds more
# than a handful of page bodies however many sources run at once.
IN_FLIGHT_PER_WORKER = 3


class WorkerPool(ProcessPoolExecutor):
    """A process pool that bounds the pages waiting in it, across every source using it."""

    def __init__(self, workers: int, mp_context: Any) -> None:
        super().__init__(max_workers=workers, mp_context=mp_context, initializer=watch_owner,
                         initargs=(os.getpid(),))
        self._slots = threading.BoundedSemaphore(IN_FLIGHT_PER_WORKER * workers)
        self._starting = threading.Lock()
        self._started = False

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Submit once a slot is free. A slot is freed when a worker is done with its page, not
        when the submitter collects the result, so a source waiting here cannot deadlock."""
        self._slots.acquire()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return future

    def start_soon(self) -> None:
        """Start the forkserver and its warm-up (about a second) in the background, once."""
        with self._starting:
            if self._started:
                return
            self._started = True
        threading.Thread(target=forkserver.ensure_running, name="forkserver-start", daemon=True).start()


def watch_owner(pid: int, every: float = 1.0) -> None:
    """Worker initializer: exit once the process that owns the pool is gone.

    A worker never notices on its own when its owner is killed outright (SIGKILL, the OOM
    killer): it holds both ends of its task queue, so it waits on it forever, and keeps the
    forkserver alive with it.
    """
    def watch() -> None:
        while True:
            time.sleep(every)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # a process of another user took the pid: the owner is gone
                os._exit(1)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


_POOLS: dict[int, Executor] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(workers: int = 0) -> Executor:
    """One pool per worker count (0 = one per core), shared by every source in the process."""
    workers = workers or os.cpu_count() or 1
    with _POOLS_LOCK:
        if workers not in _POOLS:
            _POOLS[workers] = _new_pool(workers)
        return _POOLS[workers]


def _new_pool(workers: int) -> Executor:
    if workers <= 1:
        return InlineExecutor()
    # forkserver: workers start from a clean process, never from a fork of this multi-threaded
    # one. The forkserver imports the extractors and loads their models once (tasks.prefork),
    # so the workers share those pages instead of loading ~130 MB each on their first page.
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["tasks.prefork"])  # (it imports tasks.worker)
    return WorkerPool(workers, ctx)


def prestart(workers: int = 0) -> None:
    """Get the shared pool's workers ready while links are still being discovered."""
    pool = shared_pool(workers)
    if isinstance(pool, WorkerPool):
        pool.start_soon()


@contextmanager
def warming(workers: int, warm: bool) -> Iterator[None]:
    """A run's block: its workers warming up from the start (when `warm`, e.g. while the run's
    API starts); every pool stopped at its end, also when it failed before the run could."""
    if warm:
        prestart(workers)
    try:
        yield
    finally:
        shutdown_pools()


def shutdown_pools() -> None:
    """Stop the worker processes started by shared_pool, and their forkserver."""
    with _POOLS_LOCK:
        had_workers = any(isinstance(pool, WorkerPool) for pool in _POOLS.values())
        for pool in _POOLS.values():
            pool.shutdown(wait=True, cancel_futures=True)
        _POOLS.clear()
        if had_workers:
            _stop_forkserver()


def _stop_forkserver() -> None:
    """Stop the forkserver: alone it holds the models (~280 MB PSS) through a run's publish and load.

    A later pool starts a new one. multiprocessing keeps the server alive for the life of this
    process and stops it only through a private method (there since Python 3.8): without it, the
    server is left running as before.
    """
    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is None:
        return
    try:
        stop()
    except OSError as exc:  # already gone
        log.debug("forkserver stop: %r", exc)
