"""A synthetic year of coverage for the warehouse benchmark: real corpus articles, new ids, lake files."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pycountry

from benchmarks.common import corpus_path, read_jsonl
from tasks.store.lake import SCHEMAS, lake_file

OUTLETS = 100
DAYS = 365
# Countries in rough order of how much news covers them; the rest follow alphabetically (Zipf tail).
PROMINENT = [
    "US", "CN", "RU", "UA", "GB", "IL", "PS", "FR", "DE", "IN", "JP", "IR", "MX", "BR",
    "TR", "KR", "KP", "CA", "AU", "IT", "ES", "SA", "SY", "AF", "PK", "NG", "ZA", "EG",
    "VE", "AR", "PL", "TW", "IQ", "LB", "YE", "KE", "ET", "SD", "CO", "CL", "PE", "PH",
    "ID", "VN", "TH", "NL", "BE", "CH", "SE", "NO",
]
HOMES = ["US", "GB", "DE", "FR", "ES", "MX", "IN", "BR", "AR", "JP", "AU", "CA", "IT", "ZA", "NG", "KE", "EG", "TR"]
LANGUAGE = {"US": "en", "GB": "en", "DE": "de", "FR": "fr", "ES": "es", "MX": "es", "IN": "en", "BR": "pt",
            "AR": "es", "JP": "ja", "AU": "en", "CA": "en", "IT": "it", "ZA": "en", "NG": "en", "KE": "en",
            "EG": "ar", "TR": "tr"}
# The 17 IPTC top-level Media Topics, with how often news is about each (politics, economy lead).
TOPICS = {"11000000": 20, "04000000": 16, "16000000": 10, "15000000": 10, "02000000": 8, "14000000": 6,
          "01000000": 5, "07000000": 5, "13000000": 4, "06000000": 4, "03000000": 3, "08000000": 3,
          "10000000": 2, "09000000": 2, "05000000": 1, "12000000": 1, "17000000": 1}


def _zipf(n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


@dataclass
class Pool:
    """Corpus articles to replicate, in three equally likely groups (newswire, BBC, the web)."""

    title: pa.Array
    text: pa.Array
    language: pa.Array
    words: np.ndarray
    digest: pa.Array
    authors: pa.Array
    groups: list[tuple[int, int]]  # (start, size) of each group in the arrays

    @classmethod
    def load(cls) -> Pool:
        """Titled articles with a real body from the shared corpus."""
        groups: list[list[tuple[str, str, str | None, list[str]]]] = [[], [], []]
        for rec in read_jsonl(corpus_path("labelled/reuters21578.jsonl.gz")):
            groups[0].append((rec["title"], rec["body"], "en", [rec["author"]] if rec["author"] else []))
        for rec in read_jsonl(corpus_path("labelled/bbc_news.jsonl.gz")):
            groups[1].append((rec["title"], rec["body"], "en", []))
        for name in ("fundus", "l3s_gn1", "newspaper4k", "readability_news"):
            for rec in read_jsonl(corpus_path(f"extraction/{name}.jsonl.gz")):
                lang = (rec.get("language") or "").lstrip("~")[:2] or None
                groups[2].append((rec["title"], rec["body"], lang, rec.get("authors") or []))
        kept = [[r for r in g if r[0] and r[1] and len(r[1]) >= 200] for g in groups]
        rows = [r for g in kept for r in g]
        starts = np.cumsum([0] + [len(g) for g in kept[:-1]])
        texts = [r[1] for r in rows]
        return cls(
            title=pa.array([r[0] for r in rows]), text=pa.array(texts), language=pa.array([r[2] for r in rows]),
            words=np.array([len(t.split()) for t in texts], dtype=np.int32),
            digest=pa.array([hashlib.blake2b(t.encode(), digest_size=16).hexdigest() for t in texts]),
            authors=pa.array([r[3] for r in rows], type=pa.list_(pa.string())),
            groups=[(int(s), len(g)) for s, g in zip(starts, kept, strict=True)],
        )

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indexes of n articles: a group at random, then an article of it."""
        group = rng.integers(0, len(self.groups), n)
        start = np.array([s for s, _ in self.groups])[group]
        size = np.array([z for _, z in self.groups])[group]
        return start + (rng.random(n) * size).astype(np.int64)


@dataclass
class World:
    """Outlets, countries and topics shared by every generated file."""

    outlet_ids: pa.Array
    outlet_home: np.ndarray  # index into countries
    outlet_weight: np.ndarray
    countries: list[str]
    country_logw: np.ndarray
    topic_codes: pa.Array
    topic_logw: np.ndarray
    first_day: date

    @classmethod
    def make(cls, rng: np.random.Generator, last_day: date) -> World:
        rest = sorted(c.alpha_2 for c in pycountry.countries if c.alpha_2 not in PROMINENT)
        countries = PROMINENT + rest
        homes = [countries.index(HOMES[i % len(HOMES)]) for i in range(OUTLETS)]
        return cls(
            outlet_ids=pa.array([f"outlet-{i:03d}" for i in range(OUTLETS)]),
            outlet_home=np.array(homes), outlet_weight=rng.permutation(_zipf(OUTLETS, 0.8)),
            countries=countries, country_logw=np.log(_zipf(len(countries), 1.1)).astype(np.float32),
            topic_codes=pa.array([f"medtop:{c}" for c in TOPICS]),
            topic_logw=np.log(np.array(list(TOPICS.values()), dtype=np.float32) / sum(TOPICS.values())),
            first_day=last_day - timedelta(days=DAYS - 1),
        )

    def sources_table(self) -> pa.Table:
        """The outlets as the lake's sources rows."""
        home = [self.countries[i] for i in self.outlet_home]
        ids = self.outlet_ids.to_pylist()
        return pa.Table.from_pylist([
            {"source_id": s, "name": f"Outlet {s[-3:]}", "country": c, "language": LANGUAGE[c],
             "feeds": [f"https://{s}.example/rss.xml"], "sitemaps": [], "urls": [], "run_id": "bench-0000",
             "updated_at": datetime.now(UTC)} for s, c in zip(ids, home, strict=True)], schema=SCHEMAS["sources"])


def days_of(rng: np.random.Generator, n: int) -> np.ndarray:
    """A sorted day offset (0..364) per article; weekends publish less."""
    weekday = (np.arange(DAYS) % 7) >= 5
    weights = np.where(weekday, 0.6, 1.0)
    return np.sort(rng.choice(DAYS, n, p=weights / weights.sum()))


def _hex_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """n random 32-hex-digit ids, like url_key's, built without a Python loop."""
    table = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")
    digits = np.ascontiguousarray(table[np.frombuffer(rng.bytes(16 * n), dtype=np.uint8)].reshape(n, 16))
    return pc.cast(pa.array(digits.view("S32").reshape(n)), pa.string())


def _top_k(rng: np.random.Generator, logw: np.ndarray, n: int, k: int, boost: np.ndarray | None = None) -> np.ndarray:
    """k distinct weighted draws per row, most likely first (Gumbel top-k)."""
    keys = logw[None, :] + rng.gumbel(size=(n, logw.size)).astype(np.float32)
    if boost is not None:
        keys[np.arange(n), boost] += np.float32(3.0)  # an outlet's home country leads often
    top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


US_PER_DAY = 86_400_000_000
TS = pa.timestamp("us", tz="UTC")


def write_run(data: Path, world: World, pool: Pool, rng: np.random.Generator, days: np.ndarray,
              run_no: int) -> dict[str, int]:
    """One ingestion run's lake files for articles published on the given days; rows per table."""
    n = len(days)
    run_id = f"bench-{run_no:04d}"
    src = rng.choice(OUTLETS, n, p=world.outlet_weight)
    first_us = int(datetime(*world.first_day.timetuple()[:3], tzinfo=UTC).timestamp()) * 1_000_000
    published = first_us + days.astype(np.int64) * US_PER_DAY + rng.integers(0, US_PER_DAY, n)
    fetched = pa.array(published + rng.integers(300_000_000, 6 * 3600_000_000, n), type=TS)
    ids = _hex_ids(rng, n)
    articles = _articles(world, pool, rng, ids, src, published, fetched, run_id)
    tables = {
        "articles": articles,
        "article_countries": _countries(world, rng, ids, src),
        "article_topics": _topics(world, rng, ids),
        "fetches": _fetches(articles, rng),
        "runs": _runs(run_id, fetched, n),
    }
    if run_no == 0:
        tables["sources"] = world.sources_table()
    day = (world.first_day + timedelta(days=int(days[-1]))).isoformat()
    for table, rows in tables.items():
        _write(lake_file(data, table, day, run_id), rows.cast(SCHEMAS[table]))
    return {table: rows.num_rows for table, rows in tables.items()}


def _articles(world: World, pool: Pool, rng: np.random.Generator, ids: pa.Array, src: np.ndarray,
              published: np.ndarray, fetched: pa.Array, run_id: str) -> pa.Table:
    n = len(ids)
    picks = pa.array(pool.sample(rng, n))
    text = pool.text.take(picks)
    outlet = world.outlet_ids.take(pa.array(src))
    url = pc.binary_join_element_wise("https://", outlet, ".example/", pc.strftime(fetched, "%Y/%m/%d/"), ids, "")
    agencies = pa.array([[], ["AP"], ["Reuters"], ["AFP"], ["EFE"], ["AP", "Reuters"]], type=pa.list_(pa.string()))
    agency = rng.choice(6, n, p=[0.7, 0.1, 0.1, 0.05, 0.02, 0.03])
    return pa.table({
        "article_id": ids, "source_id": outlet, "run_id": pa.array([run_id] * n), "url": url,
        "canonical_url": url, "title": pool.title.take(picks), "text": text,
        "description": pc.utf8_slice_codeunits(text, 0, 160),
        "published_at": pa.array(published, type=TS, mask=rng.random(n) < 0.04),  # some pages have no date
        "authors": pool.authors.take(picks), "agencies": agencies.take(pa.array(agency)),
        "language": pool.language.take(picks), "word_count": pa.array(pool.words).take(picks),
        "content_hash": pool.digest.take(picks), "fetched_at": fetched,
    })


def _flatten(top: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, slots and picks of each row's first counts[row] draws."""
    rows, slots = np.nonzero(np.arange(top.shape[1])[None, :] < counts[:, None])
    return rows, slots, top[rows, slots]


def _countries(world: World, rng: np.random.Generator, ids: pa.Array, src: np.ndarray) -> pa.Table:
    """1-4 distinct countries per article, the first (the focus) often the outlet's home."""
    n = len(ids)
    top = _top_k(rng, world.country_logw, n, 4, boost=world.outlet_home[src])
    rows, slots, picks = _flatten(top, rng.choice([1, 2, 3, 4], n, p=[0.4, 0.3, 0.2, 0.1]))
    mentions = 1 + rng.poisson(np.where(slots == 0, 3.0, 0.8))
    return pa.table({
        "article_id": ids.take(pa.array(rows)), "country_code": pa.array(world.countries).take(pa.array(picks)),
        "mentions": pa.array(mentions, type=pa.int32()), "is_focus": pa.array(slots == 0),
        "tagger": pa.array(["countries/1"] * len(rows)),
    })


def _topics(world: World, rng: np.random.Generator, ids: pa.Array) -> pa.Table:
    """1-3 distinct IPTC topics per article, scores falling with rank."""
    n = len(ids)
    top = _top_k(rng, world.topic_logw, n, 3)
    rows, slots, picks = _flatten(top, rng.choice([1, 2, 3], n, p=[0.5, 0.35, 0.15]))
    score = rng.uniform(0.45, 0.95, len(rows)) * 0.6 ** slots
    return pa.table({
        "article_id": ids.take(pa.array(rows)), "topic_code": world.topic_codes.take(pa.array(picks)),
        "score": pa.array(score, type=pa.float32()), "rank": pa.array(slots + 1, type=pa.int16()),
        "tagger": pa.array(["topics/1"] * len(rows)),
    })


def _fetches(articles: pa.Table, rng: np.random.Generator) -> pa.Table:
    """The page fetch that produced each article."""
    n = articles.num_rows
    return pa.table({
        "run_id": articles["run_id"], "source_id": articles["source_id"], "kind": pa.array(["page"] * n),
        "url": articles["url"], "url_key": articles["article_id"], "final_url": articles["url"],
        "status": pa.array(np.full(n, 200, dtype=np.int32)), "outcome": pa.array(["article"] * n),
        "reason": pa.nulls(n, pa.string()), "bytes": pc.multiply(pc.utf8_length(articles["text"]), 8),
        "elapsed_ms": pa.array(rng.integers(80, 3000, n).astype(np.int32)),
        "fetched_at": articles["fetched_at"], "etag": pa.nulls(n, pa.string()),
        "last_modified": pa.nulls(n, pa.string()), "article_id": articles["article_id"],
    })


def _runs(run_id: str, fetched: pa.Array, n: int) -> pa.Table:
    first, last = pc.min(fetched), pc.max(fetched)
    return pa.table({"run_id": [run_id], "started_at": pa.array([first.as_py()], type=TS),
                     "finished_at": pa.array([last.as_py()], type=TS), "sources": [OUTLETS], "discovered": [n],
                     "fetched": [n], "new_articles": [n], "skipped": [0], "failed": [0], "status": ["ok"]})


def _write(path: Path, table: pa.Table) -> None:
    """A lake file as publish() leaves it: zstd, row groups of 2,000 rows, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd", row_group_size=2000)
    os.replace(tmp, path)
