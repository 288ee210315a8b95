"""Per-source work: find links, fetch new pages into the raw archive, extract and tag them."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tasks.crashpoints import crash_point
from tasks.discover import prefetch
from tasks.discover.feeds import FeedError, parse_any, walk_sitemaps
from tasks.discover.sources import Source
from tasks.discover.urls import normalize_url, url_key
from tasks.fetch.client import Fetcher
from tasks.models import Link, Page, Processed, plausible_publish_time
from tasks.process import process_page, tag_rows
from tasks.store.archive import WarcSink, iter_warc
from tasks.store.lake import Stager
from tasks.store.replay import Replay, listing_meta

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunContext:
    """Identity and places of one ingestion run, handed to every stage."""

    run_id: str
    day: str
    data_dir: Path
    started_at: datetime

    @property
    def staging_dir(self) -> Path:
        return self.data_dir / "staging" / self.run_id

    def raw_path(self, name: str) -> Path:
        return self.data_dir / "raw" / f"date={self.day}" / f"run-{self.run_id}-{name}.warc.gz"


@dataclass
class SourceReport:
    """Counts for one source in one run (the rows of the run-summary table)."""

    source_id: str
    discovered: int = 0
    known: int = 0
    fetched: int = 0
    new: int = 0
    skipped: int = 0
    failed: int = 0
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # Prefect prints task results in state messages: keep them short
        return (f"SourceReport({self.source_id}: {self.new} new, {self.fetched} fetched, {self.failed} failed, "
                f"{self.feeds_failed} listings failed)")

    def note_error(self, message: str) -> None:
        if len(self.errors) < 5:
            self.errors.append(message)


def fetch_row(ctx: RunContext, source_id: str, kind: str, page: Page, outcome: str, **extra: Any) -> dict[str, Any]:
    """A row of the fetches table for one request."""
    return {
        "run_id": ctx.run_id, "source_id": source_id, "kind": kind, "url": page.url,
        "url_key": url_key(page.url), "final_url": page.final_url, "status": page.status,
        "outcome": outcome, "reason": page.error, "bytes": len(page.body),
        "elapsed_ms": int(page.elapsed * 1000), "fetched_at": page.fetched_at,
        "etag": page.headers.get("etag"), "last_modified": page.headers.get("last-modified"),
        "article_id": None, **extra,
    }


def collect_links(
    source: Source, fetcher: Fetcher, validators: dict[str, tuple[str | None, str | None]],
    stager: Stager, ctx: RunContext, report: SourceReport,
) -> list[Link]:
    """Every link the source's feeds, sitemaps and fixed URLs list now, de-duplicated."""
    listings = ListingReader(source.id, fetcher, validators, ctx, report)
    links: list[Link] = []
    for url in source.feeds:
        links.extend(listings.feed(url))
    for url in source.sitemaps:
        links.extend(walk_sitemaps(url, listings.sitemap_body, on_error=listings.unusable))
    links.extend(Link(u) for u in source.urls)
    for row in listings.rows.values():
        stager.add("fetches", row)
    return _unique(links)


class ListingReader:
    """Fetches feeds and sitemaps with conditional GET; one fetches row per listing, parse errors included."""

    def __init__(self, source_id: str, fetcher: Fetcher, validators: dict[str, tuple[str | None, str | None]],
                 ctx: RunContext, report: SourceReport) -> None:
        self.source_id, self.fetcher, self.validators = source_id, fetcher, validators
        self.ctx, self.report = ctx, report
        self.rows: dict[str, dict[str, Any]] = {}

    def body(self, url: str, kind: str) -> bytes | None:
        """The listing's body, or None when it failed or has not changed."""
        etag, modified = self.validators.get(url, (None, None))
        page = (prefetch.take(self.fetcher, url, etag, modified)
                or self.fetcher.fetch(url, etag=etag, last_modified=modified, expect="xml"))
        outcome = "not_modified" if page.status == 304 else "ok" if page.ok else "failed"
        if outcome == "failed":
            self.report.feeds_failed += 1
            self.report.note_error(f"{url}: {page.error}")
        elif outcome == "not_modified":
            self.report.feeds_not_modified += 1
        else:
            self.report.feeds_ok += 1
        self.rows[url] = fetch_row(self.ctx, self.source_id, kind, page, outcome)
        if page.moved_to and outcome != "failed":  # source_health suggests the new URL from this
            self.rows[url]["reason"] = f"moved permanently to {page.moved_to}"
        return page.body if outcome == "ok" else None

    def sitemap_body(self, url: str) -> bytes | None:
        return self.body(url, "sitemap")

    def unusable(self, url: str, exc: Exception) -> None:
        """A listing that answered but cannot be parsed counts as failed, with the parser's reason."""
        self.report.feeds_ok -= 1
        self.report.feeds_failed += 1
        self.report.note_error(f"{url}: {exc}")
        if url in self.rows:
            self.rows[url].update(outcome="failed", reason=f"unusable listing: {exc}")

    def feed(self, url: str) -> list[Link]:
        """Links of a feed; a feed URL that turns out to be a sitemap index is walked."""
        body = self.body(url, "feed")
        if body is None:
            return []
        try:
            links, children = parse_any(body, url)
        except FeedError as exc:
            self.unusable(url, exc)
            return []
        for child in children:
            links.extend(walk_sitemaps(child, self.sitemap_body, on_error=self.unusable))
        return links


def _unique(links: Iterable[Link]) -> list[Link]:
    """Links with valid, distinct normalised URLs, first occurrence kept."""
    seen: set[str] = set()
    out = []
    for link in links:
        url = normalize_url(link.url)
        if url and url not in seen:
            seen.add(url)
            link.url = url
            out.append(link)
    return out


class PageSink:
    """Turns processed pages into staged rows and keeps the source's counts."""

    def __init__(self, source_id: str, stager: Stager, ctx: RunContext, report: SourceReport,
                 listed_dates: dict[str, datetime] | None = None) -> None:
        self.source_id, self.stager, self.ctx, self.report = source_id, stager, ctx, report
        self.seen: set[str] = set()
        # The feed's or sitemap's date per page URL, for an article whose page states none.
        self.listed_dates = listed_dates if listed_dates is not None else {}

    def failed(self, page: Page) -> None:
        self.report.failed += 1
        self.report.note_error(f"{page.url}: {page.error}")
        self.stager.add("fetches", fetch_row(self.ctx, self.source_id, "page", page, "failed"))

    def processed(self, page: Page, result: Processed) -> None:
        """Stage an article with its tags, or record why the page is not one."""
        if result.article is None:
            self.report.skipped += 1
            self.stager.add("fetches", fetch_row(self.ctx, self.source_id, "page", page, "skipped",
                                                 reason=result.skip_reason))
            return
        article_id = url_key(result.article["canonical_url"])
        if article_id in self.seen:
            self.report.skipped += 1
            self.stager.add("fetches", fetch_row(self.ctx, self.source_id, "page", page, "duplicate",
                                                 reason="same canonical URL as another page", article_id=article_id))
            return
        self.seen.add(article_id)
        self.report.new += 1
        self._stage_article(article_id, page, result)

    def _stage_article(self, article_id: str, page: Page, result: Processed) -> None:
        article = dict(result.article or {})
        published = article.get("published_at")
        article.update(
            article_id=article_id, source_id=self.source_id, run_id=self.ctx.run_id,
            published_at=datetime.fromisoformat(published) if published else self.listed_dates.get(page.url),
            fetched_at=page.fetched_at,
        )
        self.stager.add("articles", article)
        if result.sketch is not None:
            self.stager.add("article_sketches", {"article_id": article_id, "sketch": result.sketch})
        country_rows, topic_rows = tag_rows(article_id, result)
        for row in country_rows:
            self.stager.add("article_countries", row)
        for row in topic_rows:
            self.stager.add("article_topics", row)
        self.stager.add("fetches", fetch_row(self.ctx, self.source_id, "page", page, "article", article_id=article_id))


def process_all(pages: Iterable[Page], pool: Executor, sink: PageSink, language: str | None,
                on_page: Callable[[Page], None] | None = None, in_flight: int = 16,
                language_of: Callable[[Page], str | None] | None = None) -> None:
    """Extract pages in the pool while more arrive, with a bounded number of pages in memory.

    `language_of` gives a page's default language when pages of several sources are mixed (backfill).
    """
    pending: deque[tuple[Page, Future[Processed]]] = deque()
    for page in pages:
        if not page.ok:
            sink.failed(page)
            continue
        sink.report.fetched += 1
        if sink.report.fetched == 3:
            crash_point("fetch")
        if on_page:
            on_page(page)
        default = language_of(page) if language_of else language
        future = pool.submit(process_page, page.body, page.content_type, page.final_url or page.url, default)
        pending.append((page, future))
        while len(pending) > in_flight or (pending and pending[0][1].done()):
            _finish(sink, *pending.popleft())
    for done_page, done in pending:
        _finish(sink, done_page, done)


def _finish(sink: PageSink, page: Page, future: Future[Processed]) -> None:
    """Record a processed page; a crashed worker costs that page only, with its reason kept."""
    try:
        result = future.result()
    except Exception as exc:  # e.g. a worker process killed by the OS
        log.error("processing %s failed: %r", page.url, exc)
        result = Processed(skip_reason=f"processing failed: {type(exc).__name__}")
    sink.processed(page, result)


def raw_pages(path: Path) -> Replay:
    """Pages of a WARC file as if they had just been fetched, with their kept listing dates."""
    return Replay(iter_warc(path))


def harvest(source: Source, links: list[Link], fetcher: Fetcher, pool: Executor, stager: Stager,
            ctx: RunContext, report: SourceReport) -> Path | None:
    """Fetch the source's new links into its raw archive, extracting as pages arrive."""
    sink = WarcSink(ctx.raw_path(source.id), software=fetcher.config.user_agent)
    try:
        pages = fetcher.fetch_many([link.url for link in links], expect="html")
        dates = {link.url: link.published_at for link in links
                 if link.published_at is not None and plausible_publish_time(link.published_at)}
        process_all(pages, pool, PageSink(source.id, stager, ctx, report, dates), source.language,
                    on_page=lambda page: sink.write(page, listing_meta(source.id, page, dates.get(page.url))))
    except BaseException:
        sink.discard()
        raise
    return sink.close()
