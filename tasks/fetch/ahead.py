"""Many fetches at once, per host as many as its slots allow, kept going while the caller is busy.

A harvest hands each fetched page to the extraction pool, and waits there when the pool is
full. Were a host's next request started only when the caller takes a page, the host's slots
would sit idle during every such wait, and the pool would then wait for pages. Here a finished
request starts the next one at once, until `ahead` pages of that host are fetched and not yet
taken: a bounded buffer (pages of 100-200 kB) that keeps the slots busy. On the end-to-end
benchmark (one host, 4 slots, 50 ms a response): 0.843x -> 0.881x bare trafilatura in-flow.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from queue import SimpleQueue
from typing import TypeVar

T = TypeVar("T")


def fetch_ahead(fetch: Callable[[str], T], urls: Iterable[str], key: Callable[[str], str],
                per_key: int, ahead: int, max_workers: int = 16) -> Iterator[T]:
    """fetch(url) for every url, at most per_key of one key at a time; results in completion order.

    Requests of a key keep starting while the caller holds on to a result, as long as fewer
    than `ahead` of that key's results wait to be taken. Closing the generator early starts
    no more requests and waits for those in flight.
    """
    queues: dict[str, deque[str]] = defaultdict(deque)
    for url in urls:
        queues[key(url)].append(url)
    total = sum(len(q) for q in queues.values())
    running: Counter[str] = Counter()
    waiting: Counter[str] = Counter()  # finished, not yet taken
    finished: SimpleQueue[tuple[Future[T], str]] = SimpleQueue()
    lock = threading.RLock()  # (a callback may run in the thread that submitted, under the lock)
    pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="fetch")

    def done(future: Future[T], k: str) -> None:
        with lock:
            running[k] -= 1
            waiting[k] += 1
            start(k)
        finished.put((future, k))

    def start(k: str) -> None:
        with lock:
            queue = queues[k]
            while queue and running[k] < per_key and waiting[k] + running[k] < per_key + ahead:
                running[k] += 1
                future = pool.submit(fetch, queue.popleft())
                future.add_done_callback(lambda f, k=k: done(f, k))

    try:
        for k in list(queues):
            start(k)
        for _ in range(total):
            future, k = finished.get()
            with lock:
                waiting[k] -= 1
                start(k)
            yield future.result()
    finally:
        with lock:
            queues.clear()  # nothing new starts; what is in flight ends
        pool.shutdown(wait=True, cancel_futures=True)
