"""Per-page CPU work (decode, extract, tag), run in worker processes."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tasks.countries import tag_countries
from tasks.extract import decode_html, extract_article
from tasks.models import NotAnArticle
from tasks.topics import tag_topics

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(slots=True)
class Processed:
    """An article with its tags, or the reason the page is not one."""

    article: dict[str, Any] | None = None
    countries: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    skip_reason: str | None = None


def process_page(body: bytes, content_type: str | None, url: str, language: str | None = None) -> Processed:
    """Turn one fetched page into a tagged article record; never raises."""
    if content_type and content_type.split(";")[0].strip().lower() not in HTML_TYPES:
        return Processed(skip_reason=f"not HTML ({content_type.split(';')[0].strip()})")
    try:
        article = extract_article(decode_html(body, content_type), url, default_language=language)
    except NotAnArticle as exc:
        return Processed(skip_reason=str(exc))
    except Exception as exc:  # a parser crash on one hostile page must not end the run
        log.warning("extraction failed for %s: %r", url, exc)
        return Processed(skip_reason=f"extraction error: {type(exc).__name__}: {exc}"[:300])
    result = Processed(article=article.to_json())
    try:
        result.countries = tag_countries(article.title, article.text)
        result.topics = tag_topics(article.title, article.text)
    except Exception as exc:  # keep the article; missing tags can be added by a rebuild
        log.warning("tagging failed for %s: %r", url, exc)
    return result


class InlineExecutor(Executor):
    """Runs work in the calling thread: for one core, tests and tiny runs."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


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
    # forkserver: workers start from a clean process that imported the extractors once,
    # never from a fork of this multi-threaded one.
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["tasks.process"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def shutdown_pools() -> None:
    """Stop the worker processes started by shared_pool."""
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.shutdown(wait=True, cancel_futures=True)
        _POOLS.clear()
