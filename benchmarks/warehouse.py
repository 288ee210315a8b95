"""Warehouse at scale: a synthetic year of articles through the lake and the load; view and report speed.

    python -m benchmarks.warehouse [--articles 1000000] [--keep DIR]

Generates real corpus articles with new ids over 365 days and 100 outlets as lake files, loads them
with tasks.store.load.load_lake, then times every view (fully fetched, on a fresh read-only connection
as `newsflow sql` opens one per statement), how long queries and loads hold the DuckDB lock, and
`newsflow report` end to end. Prints a table and writes benchmarks/results/warehouse.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from benchmarks.warehouse_data import Pool, World, days_of, write_run
from tasks.store.load import load_lake
from warehouse.query import run, timed_open

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "warehouse.json"
TARGETS = {"load_s": 45.0, "view_s": 0.5, "report_s": 2.0}  # issue 18
SEED = 20261101
TYPICAL = {  # ad-hoc questions over the base tables, as an analyst would type them
    "top countries, last 30 days": (
        "select ac.country_code, count(*) as articles from article_countries as ac "
        "join articles as a using (article_id) where a.published_at >= now() - interval 30 days "
        "group by 1 order by 2 desc limit 10"),
    "one outlet's topics, full year": (
        "select t.topic_code, count(*) as articles from article_topics as t join articles as a "
        "using (article_id) where a.source_id = 'outlet-001' group by 1 order by 2 desc"),
    "look up one article": (
        "select title, published_at from articles where article_id = (select min(article_id) from articles)"),
}

_pool: Pool | None = None
_world: World | None = None


def _init_worker(last_day: str) -> None:
    """Each generating process reads the corpus once; the world is the same in all (fixed seed)."""
    global _pool, _world
    _pool = Pool.load()
    _world = World.make(np.random.default_rng(SEED), datetime.fromisoformat(last_day).date())


def _write_chunk(data: Path, days: np.ndarray, run_no: int) -> dict[str, int]:
    assert _pool is not None and _world is not None
    return write_run(data, _world, _pool, np.random.default_rng(SEED + 1 + run_no), days, run_no)


def generate(data: Path, articles: int, per_file: int) -> dict[str, Any]:
    """Write the lake: one run file per table for every per_file articles, in date order."""
    started = time.perf_counter()
    last_day = datetime.now(UTC).date().isoformat()  # the year ends today, so `report --days 7` has data
    days = days_of(np.random.default_rng(SEED), articles)
    chunks = np.array_split(days, max(1, round(articles / per_file)))
    rows: dict[str, int] = {}
    with ProcessPoolExecutor(min(2, os.cpu_count() or 1), initializer=_init_worker,
                             initargs=(last_day,)) as pool:
        for counts in pool.map(_write_chunk, [data] * len(chunks), chunks, range(len(chunks))):
            for table, n in counts.items():
                rows[table] = rows.get(table, 0) + n
    return {"seconds": time.perf_counter() - started, "files": len(chunks), "rows": rows,
            "lake_bytes": _size(data / "lake")}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _median_run(db: Path, sql: str, repeats: int) -> dict[str, Any]:
    """Seconds per statement (open, run, fetch every row, close) over repeats fresh connections."""
    results, cpu = [], []
    for _ in range(repeats):
        started = time.process_time()
        results.append(run(db, sql)[0])
        cpu.append(time.process_time() - started)  # all DuckDB threads; steadier than wall time on a busy box
    return {"rows": results[0].table.num_rows, "first_s": results[0].lock_seconds,
            "median_s": statistics.median(r.lock_seconds for r in results),
            "query_s": statistics.median(r.seconds for r in results), "cpu_s": statistics.median(cpu)}


def time_views(db: Path, views: list[str], repeats: int = 3) -> dict[str, Any]:
    """Every view over the whole year, all rows fetched."""
    return {name: _median_run(db, f"select * from {name}", repeats) for name in views}


def lock_holds(db: Path, repeats: int = 5) -> dict[str, Any]:
    """How long read-only statements hold the warehouse: the open/close floor and typical queries."""
    floor = statistics.median(timed_open(db) for _ in range(repeats))
    return {"open_close_s": floor, **{name: _median_run(db, sql, repeats) for name, sql in TYPICAL.items()}}


def incremental_loads(data: Path, db: Path, articles: int) -> dict[str, Any]:
    """Write-lock hold of a steady-state load: a run of new articles today, and a load with nothing new."""
    _init_worker(datetime.now(UTC).date().isoformat())
    write_run(data, _world, _pool, np.random.default_rng(SEED - 1),  # type: ignore[arg-type]
              np.full(articles, 364, dtype=np.int64), 9999)
    started, cpu = time.perf_counter(), time.process_time()
    report = load_lake(data, db, wait=60)
    new_run, new_run_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    load_lake(data, db, wait=60)
    return {"articles": report.rows.get("articles", 0), "new_run_s": new_run, "new_run_cpu_s": new_run_cpu,
            "nothing_new_s": time.perf_counter() - started}


def time_report(data: Path) -> dict[str, Any]:
    """`newsflow report` end to end as a user runs it (a new process), if the command exists."""
    if not (ROOT / "flows" / "cli_report.py").exists():
        return {"skipped": "flows/cli_report.py not found: `newsflow report` is not there yet"}
    script = Path(sys.executable).with_name("newsflow")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli"]
    timings = {}
    for label, extra in (("default", []), ("days_365", ["--days", "365"])):
        started = time.perf_counter()
        done = subprocess.run([*command, "report", "--data-dir", str(data), *extra], capture_output=True,
                              text=True, cwd=ROOT, timeout=600)
        timings[label] = {"seconds": time.perf_counter() - started, "exit": done.returncode,
                          "stderr": done.stderr.strip().splitlines()[-3:]}
    return timings


def _verdict(value: float, target: float) -> str:
    return f"<= {target:g} s  {'ok' if value <= target else 'MISSED'}"


def table_lines(r: dict[str, Any]) -> list[str]:
    """The figures as an aligned table."""
    g, load = r["generate"], r["load"]
    rows = [
        (f"generate lake ({g['files']} runs, {g['lake_bytes'] / 1e9:.2f} GB Parquet)", f"{g['seconds']:.1f} s", ""),
        (f"load {load['articles']:,} articles ({load['files']} files)", f"{load['seconds']:.1f} s",
         _verdict(load["seconds"], TARGETS["load_s"])),
        ("  CPU time of the load (all DuckDB threads)", f"{load['cpu_s']:.1f} s", ""),
        ("warehouse size", f"{r['db_bytes'] / 1e9:.2f} GB", ""),
    ]
    for name, v in r["views"].items():
        rows.append((f"view {name} ({v['rows']:,} rows; CPU {v['cpu_s']:.2f} s)", f"{v['median_s']:.2f} s",
                     _verdict(v["median_s"], TARGETS["view_s"])))
    for name, v in r["report"].items():
        if name == "skipped":
            rows.append(("newsflow report", "skipped", v))
        else:
            label = "newsflow report" + (" --days 365" if name == "days_365" else " (default)")
            status = "" if v["exit"] == 0 else f" exit {v['exit']}"
            rows.append((label, f"{v['seconds']:.2f} s{status}", _verdict(v["seconds"], TARGETS["report_s"])))
    locks, inc = r["locks"], r["incremental"]
    rows.append(("read lock: open + close, no query", f"{locks['open_close_s']:.3f} s", ""))
    for name in TYPICAL:
        rows.append((f"read lock: {name}", f"{locks[name]['median_s']:.3f} s", ""))
    rows.append((f"write lock: load of a {inc['articles']:,}-article run (CPU {inc['new_run_cpu_s']:.2f} s)",
                 f"{inc['new_run_s']:.2f} s", ""))
    rows.append(("write lock: load with nothing new", f"{inc['nothing_new_s']:.2f} s", ""))
    width = max(len(a) for a, _, _ in rows)
    return [f"{a:<{width}}  {b:>12}  {c}" for a, b, c in rows]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=50_000, help="articles per lake file (one run)")
    parser.add_argument("--keep", type=Path, help="build in DIR and keep it (must be empty or absent)")
    args = parser.parse_args(argv)
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        sys.exit(f"{args.keep} is not empty")
    data = args.keep or Path(tempfile.mkdtemp(prefix="newsflow-bench-"))
    try:
        results = measure(data, args.articles, args.per_file)
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    print(f"\nnewsflow warehouse benchmark: {args.articles:,} articles, {os.cpu_count()} cores, "
          f"DuckDB {duckdb.__version__}, load average {results['machine']['loadavg_at_start']:.1f} at start")
    print("\n".join(table_lines(results)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}" + (f"; data kept in {data}" if args.keep else ""))
    return 0 if results["targets_met"] else 1


def measure(data: Path, articles: int, per_file: int) -> dict[str, Any]:
    """Every figure of the benchmark, in the order they are taken."""
    db = data / "warehouse.duckdb"
    loadavg = os.getloadavg()[0]  # other work on the machine skews wall times; CPU times less so
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    say(f"generating {articles:,} articles into {data}/lake ...")
    generated = generate(data, articles, per_file)
    say(f"  {generated['seconds']:.1f} s; loading ...")
    started, cpu = time.perf_counter(), time.process_time()
    report = load_lake(data, db, wait=60)
    load: dict[str, Any] = {
        "seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu, "files": report.files,
        "articles": report.rows.get("articles", 0), "rows": report.rows, "loadavg_after": os.getloadavg()[0]}
    say(f"  {load['seconds']:.1f} s; timing views, queries, report ...")
    results: dict[str, Any] = {
        "articles": articles, "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__,
                    "loadavg_at_start": loadavg},
        "generate": generated, "load": load, "db_bytes": db.stat().st_size,
        "views": time_views(db, report.views), "report": time_report(data), "locks": lock_holds(db),
        "incremental": incremental_loads(data, db, 2000), "targets": TARGETS,
    }
    results["targets_met"] = (load["seconds"] <= TARGETS["load_s"]
                              and all(v["median_s"] <= TARGETS["view_s"] for v in results["views"].values())
                              and all(v["seconds"] <= TARGETS["report_s"] for k, v in results["report"].items()
                                      if k != "skipped"))
    return results


if __name__ == "__main__":
    sys.exit(main())
