"""WorkerPool: however many sources submit, only a few pages wait in the extraction pool."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

from tasks.process import IN_FLIGHT_PER_WORKER, WorkerPool


def test_submit_waits_for_a_free_slot() -> None:
    pool = WorkerPool(2, mp.get_context("spawn"))
    try:
        bound = IN_FLIGHT_PER_WORKER * 2
        held = [pool.submit(time.sleep, 1.5) for _ in range(bound)]
        extra: list[object] = []
        submitter = threading.Thread(target=lambda: extra.append(pool.submit(time.sleep, 0)))
        submitter.start()
        submitter.join(0.5)
        assert submitter.is_alive() and not extra  # every slot is taken: the next page waits
        submitter.join(30)
        assert len(extra) == 1  # a worker finished a page, which freed a slot
        assert not all(f.done() for f in held)  # freed by the work, not by collecting results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
