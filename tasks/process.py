"""Per-page CPU work (decode, extract, tag), run in worker processes."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from inspect import Parameter, signature
from multiprocessing import forkserver
from typing import Any

from tasks.extract.article import decode_html, extract_article
from tasks.models import NotAnArticle
from tasks.tag import countries, topics

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(slots=True)
class Processed:
    """An article with its tags, or the reason the page is not one."""

    article: dict[str, Any] | None = None
    countries: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    skip_reason: str | None = None
    taggers: tuple[str, str] | None = None  # (countries, topics) tagger versions, once tagged


def tagger_versions() -> tuple[str, str]:
    """The versions recorded with tags now: ("countries/<VERSION>", "topics/<VERSION>")."""
    return f"countries/{countries.VERSION}", f"topics/{topics.VERSION}"


@cache
def _takes_language(func: Callable[..., Any]) -> bool:
    """Whether a tagger accepts language= (taggers gain it as they learn other languages)."""
    params = signature(func).parameters.values()
    return any(p.name == "language" or p.kind is Parameter.VAR_KEYWORD for p in params)


def _tag_with(func: Callable[..., Any], title: str, text: str, language: str | None) -> list[dict[str, Any]]:
    if language is not None and _takes_language(func):
        return func(title, text, language=language)
    return func(title, text)


def tag_article(title: str, text: str, language: str | None = None) -> tuple[list[dict], list[dict]]:
    """Countries and topics of one article; the one place the pipeline, `newsflow tag` and retag call."""
    return (_tag_with(countries.tag_countries, title, text, language),
            _tag_with(topics.tag_topics, title, text, language))


def tag_rows(article_id: str, tagged: Processed) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The article_countries and article_topics lake rows of one tagged article."""
    country_tagger, topic_tagger = tagged.taggers or (None, None)
    country_rows = [{"article_id": article_id, "country_code": c["code"], "mentions": c["mentions"],
                     "is_focus": c.get("focus", False), "tagger": country_tagger} for c in tagged.countries]
    topic_rows = [{"article_id": article_id, "topic_code": t["code"], "score": t["score"], "rank": rank,
                   "tagger": topic_tagger} for rank, t in enumerate(tagged.topics, 1)]
    return country_rows, topic_rows


def tag_batch(items: Sequence[tuple[str, str, str, str | None]]) -> list[tuple[str, Processed]]:
    """Tag (article_id, title, text, language) items in a worker; an article that fails keeps no tags."""
    together = _topics_together(items)
    out = []
    for k, (article_id, title, text, language) in enumerate(items):
        tagged = Processed()
        try:
            if together is None:
                tagged.countries, tagged.topics = tag_article(title or "", text or "", language)
            else:
                tagged.countries = _tag_with(countries.tag_countries, title or "", text or "", language)
                tagged.topics = together[k]
            tagged.taggers = tagger_versions()
        except Exception as exc:  # one bad text must not stop a retag of millions
            log.warning("tagging failed for %s: %r", article_id, exc)
        out.append((article_id, tagged))
    return out


def _topics_together(items: Sequence[tuple[str, str, str, str | None]]) -> list[list[dict]] | None:
    """Topics of every item in one call (the sentence encoder embeds their leads together: about 1.3x
    the articles per CPU-second); None when that fails, and each article is then tagged on its own."""
    try:
        return topics.tag_topics_many([(title or "", text or "", language) for _, title, text, language in items])
    except Exception as exc:
        log.warning("tagging %d articles together failed, tagging them one by one: %r", len(items), exc)
        return None


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
        result.countries, result.topics = tag_article(article.title, article.text, article.language)
        result.taggers = tagger_versions()
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
    ctx.set_forkserver_preload(["tasks.process", "tasks.prefork"])
    return WorkerPool(workers, ctx)


WARM_UP_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Ministers meet in Paris to discuss trade - Example News</title>
<meta property="og:type" content="article"><meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-05-01T09:30:00+02:00"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>Ministers meet in Paris to discuss trade</h1>
<p>PARIS, May 1 (Reuters) - Trade ministers from France, Germany and Japan met in Paris on Wednesday
to discuss tariffs, supply chains and the outlook for the global economy, officials said.</p>
<p>The talks, which lasted most of the day, covered exports of cars and steel, energy prices and
the rules of the World Trade Organization. Ministers agreed to meet again in Tokyo in the autumn.</p>
<p>Economists said the meeting was unlikely to change markets much, but companies welcomed the
commitment to keep talking as inflation slows and central banks weigh interest rate cuts.</p>
</article><footer>Published on 1 May 2024. Copyright Example News.</footer></body></html>"""


def warm_up() -> None:
    """Load the lazily built models (language, dates, countries, topics) by processing a sample page."""
    try:
        result = process_page(WARM_UP_PAGE.encode(), "text/html; charset=utf-8",
                              "https://news.example.org/2024/05/01/ministers-meet-in-paris", None)
        if result.article is None:  # still build the taggers' models
            log.debug("warm-up page not taken as an article: %s", result.skip_reason)
            tag_article("Trade in Paris", WARM_UP_PAGE)
    except Exception as exc:  # a warm-up problem must not stop the pool: workers load lazily then
        log.warning("warm-up failed: %r", exc)


def prestart(workers: int = 0) -> None:
    """Get the shared pool's workers ready while links are still being discovered."""
    pool = shared_pool(workers)
    if isinstance(pool, WorkerPool):
        pool.start_soon()


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
