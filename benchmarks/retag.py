"""Retag speed: a lake of corpus articles with unversioned tags, re-tagged by `retag_lake`.

    python -m benchmarks.retag [--articles 6000] [--days 6] [--workers 0] [--dir /tmp/retag-bench]

Builds the lake once (Reuters-21578 and BBC News texts, then the multilingual sets' texts, with
their language; ids made unique per copy) with tag files in the pre-version format, then times a
retag of every day (warm-up of the worker pool included) and a second, no-op retag. Prints
articles per second; the warehouse rebuild that `newsflow rebuild --retag` adds is not timed here.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.common import corpus_path, read_jsonl
from tasks.process import shutdown_pools
from tasks.store.lake import SCHEMAS, lake_file, write_atomic
from tasks.store.retag import retag_lake

SETS = [("labelled/reuters21578.jsonl.gz", "body", "en"), ("labelled/bbc_news.jsonl.gz", "body", "en"),
        ("multilingual/gnad10k_de_dev.jsonl.gz", "text", None), ("multilingual/fakebr_pt_true.jsonl.gz", "text", None),
        ("multilingual/fakenews_es_train.jsonl.gz", "text", None)]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def texts() -> Iterator[tuple[str, str, str | None]]:
    """(title, text, language) of the corpus sets, round-robin so every day mixes languages."""
    def one(path: str, field: str, language: str | None) -> Iterator[tuple[str, str, str | None]]:
        for r in read_jsonl(corpus_path(path)):
            text = r.get(field) or ""
            if len(text) > 200:
                yield r.get("title") or text[:80], text, language or r.get("lang")
    streams = [one(*s) for s in SETS]
    for group in itertools.zip_longest(*streams):
        yield from (item for item in group if item is not None)


def build(data: Path, articles: int, days: int) -> None:
    """Articles files plus empty tag files without a tagger column, one run per day."""
    pool = list(itertools.islice(texts(), articles))
    pool = (pool * (articles // len(pool) + 1))[:articles]
    per_day = -(-articles // days)
    for d in range(days):
        day = f"2026-01-{d + 1:02d}"
        rows = [{"article_id": f"a{d}-{i}", "source_id": "s", "run_id": "r", "url": f"https://x.test/{d}/{i}",
                 "canonical_url": f"https://x.test/{d}/{i}", "title": t, "text": x, "language": lang,
                 "fetched_at": T0} for i, (t, x, lang) in enumerate(pool[d * per_day:(d + 1) * per_day])]
        write_atomic(lake_file(data, "articles", day, "r"), "articles", rows)
        for table in ("article_countries", "article_topics"):
            schema = pa.schema([f for f in SCHEMAS[table] if f.name != "tagger"])
            path = lake_file(data, table, day, "r")
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(schema.empty_table(), path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=6000)
    parser.add_argument("--days", type=int, default=6)
    parser.add_argument("--workers", type=int, default=0, help="worker processes (0: one per core)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/retag-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    build(args.dir, args.articles, args.days)
    started = time.perf_counter()
    report = retag_lake(args.dir, workers=args.workers, progress=print)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = retag_lake(args.dir, workers=args.workers)
    second = time.perf_counter() - started
    shutdown_pools()
    print(f"retag: {report.articles} articles in {report.days} days, {first:.1f} s, "
          f"{report.articles / first:.0f} articles/s (workers={args.workers or 'one per core'})")
    for change, count in sorted(report.changes.items()):
        print(f"  {change}: {count}")
    print(f"second retag: {again.articles} articles, {again.current} days current, {second:.2f} s")


if __name__ == "__main__":
    main()
