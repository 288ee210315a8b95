"""Re-tag the lake's articles with the current taggers, without re-extracting, crash-safely."""

# A day's tag files are replaced together. The new ones are written hidden (".<name>.retagged",
# which no loader lists), then a journal naming the files to retire and the files to promote is
# written atomically: that is the commit point. Then the journal is applied and removed. A retag
# that dies before the journal leaves the old tags in place (the next retag deletes its hidden
# files); one that dies after it is completed by the next retag, which applies every journal it
# finds before anything else. Call with the data directory's run lock held.

from __future__ import annotations

import json
import logging
import os
import secrets
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.crashpoints import crash_point
from tasks.models import Processed
from tasks.process import shared_pool, tag_batch, tag_rows
from tasks.store.compact import fsync_path
from tasks.store.lake import RETAG_JOURNALS, SCHEMAS
from tasks.worker import tagger_versions

log = logging.getLogger(__name__)

TAG_TABLES = ("article_countries", "article_topics")
HIDDEN = ".retagged"
VERSION_KEY = b"newsflow.tagger"  # file metadata: the version of a file that may hold no rows
BATCH = 200  # articles per pool task: enough that a task's overhead (~1 ms) is noise
ROW_GROUP = 20_000  # articles per row group of the new tag files
ARTICLE_COLUMNS = ["article_id", "title", "text", "language"]
UNVERSIONED, UNTAGGED = "unversioned", "no tags"


@dataclass
class RetagReport:
    """What one retag did."""

    days: int = 0
    current: int = 0  # days whose tags were already the current version
    articles: int = 0
    seconds: float = 0.0
    changes: Counter[str] = field(default_factory=Counter)  # "countries: unversioned -> countries/2"
    finished: list[str] = field(default_factory=list)  # days an interrupted retag had committed


def retag_lake(data_dir: Path, *, workers: int = 0, force: bool = False,
               progress: Callable[[str], None] = log.info) -> RetagReport:
    """Re-tag every article of each day whose tags are not all the current taggers' (all with force)."""
    report = RetagReport(finished=finish_interrupted(data_dir))
    started = datetime.now(UTC)
    stamp = f"retag-{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    current = tagger_versions()
    days = sorted(p.name.removeprefix("date=") for p in (data_dir / "lake" / "articles").glob("date=*"))
    for n, day in enumerate(days, 1):
        if not force and day_versions(data_dir, day) == set(current):
            report.current += 1
            continue
        done = retag_day(data_dir, day, stamp, shared_pool(workers), report.changes)
        report.days += 1
        report.articles += done
        progress(f"[{n}/{len(days)}] date={day}: {done} articles re-tagged")
    report.seconds = (datetime.now(UTC) - started).total_seconds()
    return report


def retag_day(data_dir: Path, day: str, stamp: str, pool: Executor, changes: Counter[str]) -> int:
    """Write new tag files for one day's articles, then swap them in for the old ones; returns articles."""
    old = {t: sorted((data_dir / "lake" / t / f"date={day}").glob("*.parquet")) for t in TAG_TABLES}
    before = {t: versions_by_article(old[t]) for t in TAG_TABLES}
    finals = {t: data_dir / "lake" / t / f"date={day}" / f"{stamp}.parquet" for t in TAG_TABLES}
    hidden = {t: finals[t].with_name(f".{finals[t].name}{HIDDEN}") for t in TAG_TABLES}
    writers = {t: _writer(hidden[t], t, v) for t, v in zip(TAG_TABLES, tagger_versions(), strict=True)}
    articles = 0
    buffers: dict[str, list[dict]] = {t: [] for t in TAG_TABLES}
    try:
        for article_id, tagged in _tag_all(_articles(data_dir, day), pool):
            articles += 1
            afters = tagged.taggers or ("failed", "failed")
            for table, rows, after in zip(TAG_TABLES, tag_rows(article_id, tagged), afters, strict=True):
                buffers[table].extend(rows)
                changes[f"{table}: {before[table].get(article_id, UNTAGGED)} -> {after}"] += 1
            if articles % ROW_GROUP == 0:
                _flush(writers, buffers)
        _flush(writers, buffers)
        for table in TAG_TABLES:
            writers[table].close()
            fsync_path(hidden[table])
    except BaseException:
        for table in TAG_TABLES:
            writers[table].close()
            hidden[table].unlink(missing_ok=True)
        raise
    crash_point("retag-write")
    journal = _commit(data_dir, day, stamp, [p for t in TAG_TABLES for p in old[t]],
                      [(hidden[t], finals[t]) for t in TAG_TABLES])
    apply_journal(data_dir, journal)
    return articles


def _flush(writers: dict[str, pq.ParquetWriter], buffers: dict[str, list[dict]]) -> None:
    """Write the buffered rows as one row group per table (a row group per article would bloat files)."""
    for table, rows in buffers.items():
        if rows:
            writers[table].write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[table]))
            rows.clear()


def _articles(data_dir: Path, day: str) -> Iterator[list[tuple[str, str, str, str | None]]]:
    """A day's articles in batches of (id, title, text, language), each id once (the loader keeps the first)."""
    seen: set[str] = set()
    for path in sorted((data_dir / "lake" / "articles" / f"date={day}").glob("*.parquet")):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH, columns=ARTICLE_COLUMNS):
            items = []
            for row in zip(*(batch.column(c).to_pylist() for c in ARTICLE_COLUMNS), strict=True):
                if row[0] not in seen:
                    seen.add(row[0])
                    items.append((row[0], row[1] or "", row[2] or "", row[3]))
            yield items


def _tag_all(batches: Iterator[list[tuple[str, str, str, str | None]]],
             pool: Executor) -> Iterator[tuple[str, Processed]]:
    """Tag batches in the pool, a few at a time, yielding results in input order."""
    window: deque[Future] = deque()
    depth = 2 * (getattr(pool, "_max_workers", 1) or 1)
    for items in batches:
        window.append(pool.submit(tag_batch, items))
        while len(window) > depth:
            yield from window.popleft().result()
    while window:
        yield from window.popleft().result()


def versions_by_article(files: list[Path]) -> dict[str, str]:
    """The tagger version of each article's rows in these tag files (UNVERSIONED before versions)."""
    out: dict[str, str] = {}
    for path in files:
        pf = pq.ParquetFile(path)
        if "tagger" not in pf.schema_arrow.names:
            out.update(dict.fromkeys(pf.read(columns=["article_id"]).column(0).to_pylist(), UNVERSIONED))
            continue
        table = pf.read(columns=["article_id", "tagger"])
        for article_id, version in zip(*(c.to_pylist() for c in table.columns), strict=True):
            out[article_id] = version or UNVERSIONED
    return out


def day_versions(data_dir: Path, day: str) -> set[str | None]:
    """Every tagger version in a day's tag files; None stands for rows or files without one."""
    found: set[str | None] = set()
    for table in TAG_TABLES:
        files = sorted((data_dir / "lake" / table / f"date={day}").glob("*.parquet"))
        if not files:
            found.add(None)  # never re-tagged: an old run whose articles got no tag at all, or none
        for path in files:
            found |= file_versions(path)
    return found


def file_versions(path: Path) -> set[str | None]:
    """The tagger versions in one tag file (the lowest and highest of each row group, and None
    when there are nulls: enough to tell whether all are one version); an empty file says its
    version in its metadata."""
    pf = pq.ParquetFile(path)
    if pf.metadata.num_rows == 0:
        version = (pf.schema_arrow.metadata or {}).get(VERSION_KEY)
        return {version.decode() if version else None}
    if "tagger" not in pf.schema_arrow.names:
        return {None}
    column = pf.schema_arrow.names.index("tagger")
    found: set[str | None] = set()
    for group in range(pf.metadata.num_row_groups):
        stats = pf.metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_null_count:  # a writer without statistics: read the values
            return set(pc.unique(pf.read(columns=["tagger"], use_threads=False).column(0)).to_pylist())
        if stats.null_count:
            found.add(None)
        if stats.has_min_max:
            found |= {stats.min, stats.max}
    return found


def _writer(path: Path, table: str, version: str) -> pq.ParquetWriter:
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = SCHEMAS[table].with_metadata({VERSION_KEY: version.encode()})
    return pq.ParquetWriter(path, schema, compression="zstd")


def _commit(data_dir: Path, day: str, stamp: str, retire: list[Path], promote: list[tuple[Path, Path]]) -> Path:
    """Write the day's journal atomically: from here on the new tags win, even after a crash."""
    journal = data_dir / RETAG_JOURNALS / f"date={day}.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    rel = lambda p: p.relative_to(data_dir).as_posix()  # noqa: E731
    body = {"stamp": stamp, "retire": [rel(p) for p in retire], "promote": [[rel(a), rel(b)] for a, b in promote]}
    tmp = journal.with_name(f".{journal.name}.tmp")
    tmp.write_text(json.dumps(body), encoding="utf-8")
    fsync_path(tmp)
    os.replace(tmp, journal)
    fsync_path(journal.parent)
    return journal


def apply_journal(data_dir: Path, journal: Path) -> None:
    """Move the retired tag files under data/replaced/<stamp>/ and promote the new ones (idempotent)."""
    body = json.loads(journal.read_text(encoding="utf-8"))
    for rel in body["retire"]:
        old = data_dir / rel
        if old.exists():
            target = data_dir / "replaced" / body["stamp"] / Path(rel).relative_to("lake")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
    crash_point("retag-apply")
    for hidden_rel, final_rel in body["promote"]:
        if (data_dir / hidden_rel).exists():
            os.replace(data_dir / hidden_rel, data_dir / final_rel)
            fsync_path((data_dir / final_rel).parent)
    journal.unlink()


def finish_interrupted(data_dir: Path) -> list[str]:
    """Complete retags that committed a day and died; delete hidden files of ones that had not."""
    finished = []
    for journal in sorted((data_dir / RETAG_JOURNALS).glob("date=*.json")):
        apply_journal(data_dir, journal)
        finished.append(journal.stem.removeprefix("date="))
    for orphan in (data_dir / "lake").glob(f"*/date=*/.*{HIDDEN}"):
        orphan.unlink()
    if finished:
        log.warning("completed an interrupted retag of %s", ", ".join(finished))
    return finished
