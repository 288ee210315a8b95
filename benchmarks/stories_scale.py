"""The incremental grouping's cost as the warehouse grows: synthetic articles in runs of 1,000,
10,000 a day, through the same group_staged / commit_sketches a run uses; plus datasketch vs rensa."""

from __future__ import annotations

import gc
import multiprocessing
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.stories import stage
from tasks.stories.group import Member, StoryIndex
from tasks.stories.sketch import NUM_PERM, SEED, shingles

PER_RUN, PER_DAY, WORDS = 1_000, 10_000, 150
START = datetime(2026, 1, 1, tzinfo=UTC)
VOCAB = np.array([f"w{i}" for i in range(50_000)])
# Word frequencies falling as 1/rank^0.9: common words recur, but five-word runs seldom do, as in news.
_P = 1 / np.arange(1, len(VOCAB) + 1) ** 0.9
_P /= _P.sum()


class Texts:
    """Synthetic bodies (Zipf-like word frequencies); one in ten is an edited copy of a recent one."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = np.random.default_rng(seed)
        self.recent: list[np.ndarray] = []

    def next(self) -> str:
        if self.recent and self.rng.random() < 0.1:
            words = self.recent[int(self.rng.integers(len(self.recent)))]
            cut = int(len(words) * self.rng.uniform(0.65, 0.9))
            words = np.concatenate([self._words(20), words[:cut]])  # a local opening, the end cut
        else:
            words = self._words(WORDS)
        self.recent = [*self.recent[-2000:], words]
        return " ".join(VOCAB[words])

    def _words(self, n: int) -> np.ndarray:
        return self.rng.choice(len(VOCAB), size=n, p=_P)


def one_run(data: Path, n_run: int, texts: Texts) -> float:
    """Stage PER_RUN articles, group and commit them as a run does; the CPU seconds it took."""
    staging = data / "staging" / f"r{n_run}"
    staging.mkdir(parents=True)
    first = n_run * PER_RUN
    stamps = [START + timedelta(days=(first + i) / PER_DAY) for i in range(PER_RUN)]
    table = pa.table({"article_id": [f"a{first + i}" for i in range(PER_RUN)],
                      "text": [texts.next() for _ in range(PER_RUN)],
                      "published_at": pa.array(stamps, pa.timestamp("us", tz="UTC")),
                      "fetched_at": pa.array(stamps, pa.timestamp("us", tz="UTC"))})
    pq.write_table(table, staging / "articles--bench.parquet")
    # CPU seconds of this (single-threaded) step: wall time on a shared machine measures the neighbours
    t = time.process_time()
    stage.group_staged(staging, data)
    stage.commit_sketches(staging, data, f"r{n_run:07d}")
    elapsed = time.process_time() - t
    shutil.rmtree(staging)
    return elapsed


def scale_benchmark(total: int) -> None:
    """Group `total` articles in runs of PER_RUN; per-article cost early vs late, window memory."""
    with tempfile.TemporaryDirectory(prefix="stories-scale-") as tmp:
        data = Path(tmp)
        texts, times = Texts(), []
        for n_run in range(total // PER_RUN):
            times.append(one_run(data, n_run, texts))
        window = stage._WINDOWS.pop(data)
        tenth = max(1, len(times) // 10)
        early, late = 1000 * np.mean(times[:tenth]) / PER_RUN, 1000 * np.mean(times[-tenth:]) / PER_RUN
        print(f"{total:,} articles in runs of {PER_RUN:,} ({PER_DAY:,} a day, {WORDS}-word synthetic bodies): "
              f"grouping {1000 * sum(times) / total:.3f} ms CPU per article overall, {early:.3f} ms in the first "
              f"tenth of runs, {late:.3f} ms in the last tenth; window holds {len(window.index):,} articles")
        del window
        gc.collect()
        cold_load(data)


def cold_load(data: Path) -> None:
    """A fresh process's first run: the window read back from the side index, its time and memory."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        n, elapsed, grown = pool.apply(_load_window, (data,))
    print(f"  cold start (a new process): {n:,} window articles read back in {elapsed:.2f} s CPU "
          f"({1e6 * elapsed / n:.1f} us each); index memory {grown / 2**20 * 1e5 / n:.0f} MB per 100k "
          f"articles in the window (RSS growth of that process)")


def _load_window(data: Path) -> tuple[int, float, int]:
    """In a fresh process: read the newest day's window back; (articles, seconds, RSS growth in bytes)."""
    proc = psutil.Process()
    days = sorted(p.name for p in stage.side_dir(data).glob("day=*"))
    last = datetime.fromisoformat(days[-1].removeprefix("day=")).date()
    warm = stage.Window(data)  # first use of the Parquet reader and rensa: pools, not the index
    warm.cover(date(1970, 1, 1), date(1970, 1, 1))
    list(stage._members(next(stage.side_dir(data).glob("day=*/*.parquet"))))
    before = proc.memory_info().rss
    t = time.process_time()
    window = stage.Window(data)
    window.cover(last, last)
    return len(window.index), time.process_time() - t, proc.memory_info().rss - before


def compare_libraries(n_docs: int = 5000, n_index: int = 5000) -> None:
    """Sketch, LSH insert and query costs of rensa (used) and datasketch on the same bodies."""
    texts = Texts(2)
    grams = [shingles(texts.next()) for _ in range(n_docs)]
    import rensa

    t = time.perf_counter()
    rs = []
    for g in grams:
        m = rensa.RMinHash(NUM_PERM, SEED)
        m.update(g)
        rs.append(m)
    r_sketch = (time.perf_counter() - t) / n_docs
    lsh = rensa.RMinHashLSH(0.3, NUM_PERM, 40)
    t = time.perf_counter()
    for i in range(n_index):
        lsh.insert(i, rs[i % n_docs])
    r_insert = (time.perf_counter() - t) / n_index
    t = time.perf_counter()
    for m in rs:
        lsh.query(m)
    r_query = (time.perf_counter() - t) / n_docs
    index, digests = StoryIndex(), [np.array(m.digest(), dtype=np.uint32) for m in rs]
    t = time.perf_counter()
    index.rebuild([Member(f"a{i}", f"a{i}", START, d) for i, d in enumerate(digests)])
    b_insert = (time.perf_counter() - t) / n_docs
    t = time.perf_counter()
    for d in digests:
        index.best_match(d, START)
    b_query = (time.perf_counter() - t) / n_docs
    print(f"numpy bands over rensa digests (used): index {1e6 * b_insert:.1f} us, query and verify "
          f"{1e6 * b_query:.0f} us per article")
    print(f"rensa {version('rensa')}: sketch {1e6 * r_sketch:.0f} us, its LSH: insert {1e6 * r_insert:.1f} us, "
          f"query {1e6 * r_query:.0f} us per article ({NUM_PERM} permutations, 40 bands)")
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        print("datasketch not installed: not compared")
        return
    t = time.perf_counter()
    ds = []
    for g in grams:
        m = MinHash(NUM_PERM, seed=SEED)
        m.update_batch([s.encode() for s in g])
        ds.append(m)
    d_sketch = (time.perf_counter() - t) / n_docs
    dlsh = MinHashLSH(threshold=0.3, num_perm=NUM_PERM, params=(40, 3))
    t = time.perf_counter()
    for i in range(n_index):
        dlsh.insert(i, ds[i % n_docs], check_duplication=False)
    d_insert = (time.perf_counter() - t) / n_index
    t = time.perf_counter()
    for m in ds:
        dlsh.query(m)
    d_query = (time.perf_counter() - t) / n_docs
    print(f"datasketch {version('datasketch')}: sketch {1e6 * d_sketch:.0f} us, LSH insert {1e6 * d_insert:.1f} us, "
          f"query {1e6 * d_query:.0f} us per article (same parameters)")
