"""Per-stage throughput in one process on the distinct corpus pages: extraction, tagging, Parquet, DuckDB."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from benchmarks.common import trafilatura_as_shipped
from benchmarks.e2e_site import CorpusPage
from tasks.extract.article import decode_html, extract_article
from tasks.harvest import PageSink, RunContext, SourceReport
from tasks.models import Article, NotAnArticle, Page, Processed
from tasks.store.lake import Stager, publish
from tasks.store.load import load_lake
from tasks.tag.countries import tag_countries
from tasks.tag.topics import tag_topics

CTYPE = "text/html; charset=utf-8"


@dataclass
class Stage:
    """Items done, wall seconds and CPU seconds of this process for one stage."""

    name: str
    items: int
    wall: float
    cpu: float

    @property
    def per_s(self) -> float:
        return self.items / self.wall if self.wall else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.items if self.items else 0.0

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "per_s": round(self.per_s, 2), "cpu_ms_per_item": round(self.cpu_ms, 2)}


def timed(name: str, items: list[Any], work: Callable[[Any], object]) -> Stage:
    """Run work on every item after one untimed warm-up call (imports, compiled patterns)."""
    if items:
        work(items[0])
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        work(item)
    return Stage(name, len(items), time.perf_counter() - wall, time.process_time() - cpu)


def bare(page: CorpusPage) -> object:
    return trafilatura.extract(page.html, url=page.url)


def bare_metadata(page: CorpusPage) -> object:
    return trafilatura.extract(page.html, url=page.url, with_metadata=True)


def newsflow_extract(page: tuple[bytes, str]) -> Article | None:
    """newsflow's extraction as a worker runs it: decode the body, extract the article."""
    try:
        return extract_article(decode_html(page[0], CTYPE), page[1], default_language="en")
    except NotAnArticle:
        return None


def tag(article: Article) -> Processed:
    """newsflow's tagging as a worker runs it, into the record the worker returns."""
    return Processed(article=article.to_json(), countries=tag_countries(article.title, article.text),
                     topics=tag_topics(article.title, article.text, article.language))


def baseline(pages: list[CorpusPage]) -> Stage:
    """The headline's denominator: bare trafilatura.extract(html, url=url), one process."""
    with trafilatura_as_shipped():
        return timed("bare trafilatura.extract", pages, bare)


def extraction_stages(pages: list[CorpusPage]) -> tuple[list[Stage], list[Article | None]]:
    """Bare trafilatura with metadata, and newsflow's extraction (decode + extract_article)."""
    encoded = [(p.html.encode("utf-8"), p.url) for p in pages]
    articles: list[Article | None] = []
    with trafilatura_as_shipped():
        stages = [timed("trafilatura.extract with_metadata", pages, bare_metadata)]
    stages += [
        timed("newsflow extract_article (decode+extract)", encoded,
              lambda e: articles.append(newsflow_extract(e))),
    ]
    return stages, articles[1:]  # the first result is the warm-up call's


def tagging_stage(articles: list[Article | None]) -> tuple[Stage, list[Processed]]:
    """Countries and topics on the extracted articles; the pages' worker results, for the lake stages."""
    found = [a for a in articles if a is not None]
    tagged: list[Processed] = []
    stage = timed("tagging (countries+topics)", found, lambda a: tagged.append(tag(a)))
    done = iter(tagged[1:])
    results = [next(done) if a is not None else Processed(skip_reason="not an article") for a in articles]
    return stage, results


def lake_stages(pages: list[CorpusPage], results: list[Processed]) -> list[Stage]:
    """The run's row staging + Parquet publish, then a DuckDB load of that lake, per page."""
    with tempfile.TemporaryDirectory(prefix="e2e-lake-") as tmp:
        data = Path(tmp)
        now = datetime.now(UTC)
        ctx = RunContext(run_id="bench", day=f"{now:%Y-%m-%d}", data_dir=data, started_at=now)
        fetched = [_page(p.url, i, now) for i, p in enumerate(pages)]
        wall, cpu = time.perf_counter(), time.process_time()
        stager = Stager(ctx.staging_dir, "bench-pages")
        sink = PageSink("bench", stager, ctx, SourceReport("bench"))
        for page, result in zip(fetched, results, strict=True):
            sink.processed(page, result)
        stager.close()
        publish(ctx.staging_dir, data, ctx.day, ctx.run_id)
        write = Stage("Parquet staging + publish", len(pages), time.perf_counter() - wall,
                      time.process_time() - cpu)
        wall, cpu = time.perf_counter(), time.process_time()
        load_lake(data, data / "warehouse.duckdb")
        load = Stage("DuckDB load (new warehouse)", len(pages), time.perf_counter() - wall,
                     time.process_time() - cpu)
    return [write, load]


def _page(url: str, i: int, now: datetime) -> Page:
    unique = f"{url}#{i}" if url else f"http://bench.invalid/{i}"
    return Page(unique, unique, 200, now, 0.05, CTYPE, {"content-type": CTYPE}, b"<html></html>")


def all_stages(pages: list[CorpusPage], progress: Callable[[str], None]) -> list[Stage]:
    """Every per-stage measurement, in one process, on the same pages."""
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    progress("per stage: extraction (bare with metadata, newsflow)")
    stages, articles = extraction_stages(pages)
    progress("per stage: tagging, Parquet, DuckDB")
    tagging, results = tagging_stage(articles)
    stages.append(tagging)
    stages.extend(lake_stages(pages, results))
    return stages


def rows(stages: Iterable[Stage]) -> list[tuple[str, str, str]]:
    """Table rows: name, items/s, CPU ms per item."""
    return [(s.name, f"{s.per_s:,.1f}/s", f"{s.cpu_ms:.1f} ms") for s in stages]
