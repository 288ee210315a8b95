"""`newsflow search` at scale: index cost at load, index size, query latency, against DuckDB's own scan.

    python -m benchmarks.search --data DIR [--articles 1000000]

DIR holds (or receives) the synthetic lake of benchmarks.warehouse (real corpus texts, new ids,
365 days, 100 outlets). The lake is loaded twice into fresh warehouses: once as the load was before
search (its search_docs statement made a no-op) and once with it and the index update. Then
counts per day for a few queries (in process and as a `newsflow search` subprocess), the same
question as DuckDB scans (ilike, word-boundary regex), the index against the reference matcher on
every distinct content, and a steady-state load of a 2,000-article run of distinct contents with
and without the index. Prints a table; writes benchmarks/results/search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

import warehouse.load as load_module
from tasks.store.lake import lake_files
from warehouse.search import search
from warehouse.search_index import index_dir, search_keys, update_index
from warehouse.search_query import document_words, matches, parse

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "search.json"
QUERIES = ['"climate change"', "president", "oil AND (iran OR iraq) -opec", "econom* OR inflation", "NOT the"]
SCANS = {  # the first query as DuckDB scans of title and text, counted per day
    "ilike": "(title || ' ' || text) ilike '%climate change%'",
    "regex": "regexp_matches(lower(title || ' ' || text), '\\bclimate\\W+change\\b')",
}


def _no_search_docs() -> Callable[[], None]:
    """Make the load skip its search_docs statements (the load as it was before search); returns an undo."""
    real = load_module.sql

    def sql(name: str) -> str:
        return "select $start as skipped" if name.endswith("search_docs") else real(name)
    load_module.sql = sql  # type: ignore[assignment]
    return lambda: setattr(load_module, "sql", real)


def _timed(func: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = func()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def load_both(data: Path) -> dict[str, Any]:
    """The full lake into a warehouse without search, then into one with it (load + index update)."""
    plain, indexed = data / "plain.duckdb", data / "warehouse.duckdb"
    undo = _no_search_docs()
    try:
        _, plain_s, plain_cpu = _timed(lambda: load_module.load_files(data, plain, lake_files(data), wait=60))
    finally:
        undo()
    _, load_s, load_cpu = _timed(lambda: load_module.load_files(data, indexed, lake_files(data), wait=60))
    docs, index_s, index_cpu = _timed(lambda: update_index(indexed, wait=60))
    with duckdb.connect(str(indexed), read_only=True) as con:
        articles = con.execute("select count(*) from articles").fetchall()[0][0]
    return {"articles": articles, "distinct_contents": docs, "plain_s": plain_s, "plain_cpu_s": plain_cpu,
            "load_s": load_s, "load_cpu_s": load_cpu, "index_s": index_s, "index_cpu_s": index_cpu,
            "plain_bytes": _size(plain), "warehouse_bytes": _size(indexed), "index_bytes": _size(index_dir(indexed)),
            "loadavg": os.getloadavg()[0]}


def time_queries(db: Path, repeats: int = 5) -> dict[str, Any]:
    """Counts per day in process (median of repeats) and as a user runs it (a new process)."""
    out = {}
    command = [sys.executable, "-m", "flows.cli", "search", "--data-dir", str(db.parent), "--format", "csv"]
    for query in QUERIES:
        runs = [search(db, query, by="day") for _ in range(repeats)]
        table = runs[0].table
        started = time.perf_counter()
        done = subprocess.run([*command, query], capture_output=True, text=True, cwd=ROOT, timeout=600)
        out[query] = {"median_s": statistics.median(r.seconds for r in runs), "days": table.num_rows,
                      "matches": int(pc.sum(table["matches"]).as_py() or 0), "unindexed": runs[0].unindexed,
                      "cli_s": time.perf_counter() - started, "cli_exit": done.returncode}
    return out


def _fetch_all(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def time_scans(db: Path) -> dict[str, Any]:
    """The first query's per-day counts as plain DuckDB scans, for comparison."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name, condition in SCANS.items():
            sql = (f"select day, count(*) filter (where {condition}) from article_days join articles "
                   f"using (article_id) group by day")
            rows, seconds, _ = _timed(partial(_fetch_all, con, sql))
            out[name] = {"seconds": seconds, "matches": sum(r[1] for r in rows)}
    return out


def check_exact(db: Path) -> dict[str, Any]:
    """The index's matches against the reference matcher, on every distinct content of the warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        rows = con.sql("select s.doc_key, any_value(a.title), any_value(a.text) from search_docs as s "
                       "join articles as a using (article_id) group by s.doc_key").fetchall()
    docs = [(key, document_words(title, text)) for key, title, text in rows]
    out = {}
    for query in QUERIES:
        node = parse(query)
        want = {key for key, doc in docs if matches(node, doc)}
        got = set(search_keys(db, node)[0].tolist())
        out[query] = {"contents": len(docs), "reference": len(want), "index": len(got), "differ": len(want ^ got)}
    return out


def _fresh_runs(data: Path, count: int) -> list[int]:
    """Run numbers no lake file in data uses yet (benchmarks.warehouse leaves runs of its own there)."""
    used = [int(m.group(1)) for _, p in lake_files(data) if (m := re.search(r"bench-(\d+)", p.name))]
    first = max([9000, *used]) + 1
    return list(range(first, first + count))


def steady_state(data: Path, articles: int = 2000, rounds: int = 3) -> dict[str, Any]:
    """Runs of new articles, each with a content of its own (title made unique), loaded with and without search.

    Each run's files go into both warehouses, in alternating order, so both loads see the same
    articles and the machine's drift falls on both; the figures are medians over the rounds.
    """
    import benchmarks.warehouse as bw
    from benchmarks.warehouse_data import write_run

    bw._init_worker(datetime.now(UTC).date().isoformat())
    samples: dict[str, list[dict[str, float]]] = {"without_search": [], "with_search": []}
    for round_no, run_no in enumerate(_fresh_runs(data, rounds)):
        days = np.full(articles, 364, dtype=np.int64)
        write_run(data, bw._world, bw._pool, np.random.default_rng(run_no), days, run_no)  # type: ignore[arg-type]
        files = [(t, p) for t, p in lake_files(data) if f"bench-{run_no}" in p.name]
        path = next(p for t, p in files if t == "articles")
        table = pq.read_table(path)
        titles = pc.binary_join_element_wise(table["title"], table["article_id"], " ")
        pq.write_table(table.set_column(table.schema.get_field_index("title"), "title", titles), path)
        order = ("without_search", "with_search")
        for label in order if round_no % 2 == 0 else order[::-1]:
            db = data / ("plain.duckdb" if label == "without_search" else "warehouse.duckdb")
            undo = _no_search_docs() if label == "without_search" else (lambda: None)
            try:
                _, load_s, load_cpu = _timed(partial(load_module.load_files, data, db, files, wait=60))
            finally:
                undo()
            docs, index_s, index_cpu = (_timed(partial(update_index, db, wait=60)) if label == "with_search"
                                        else (0, 0.0, 0.0))
            samples[label].append({"load_s": load_s, "load_cpu_s": load_cpu, "index_s": index_s,
                                   "index_cpu_s": index_cpu, "indexed": docs})
    return {label: {key: statistics.median(s[key] for s in runs) for key in runs[0]} | {"rounds": len(runs)}
            for label, runs in samples.items()}


def report(r: dict[str, Any]) -> list[str]:
    """The figures as lines of text."""
    b, s = r["build"], r["steady"]
    per_doc = b["index_cpu_s"] / max(1, b["distinct_contents"])
    lines = [
        f"load without search: {b['plain_s']:.1f} s (CPU {b['plain_cpu_s']:.1f} s); with search_docs: "
        f"{b['load_s']:.1f} s (CPU {b['load_cpu_s']:.1f} s); index update: {b['index_s']:.1f} s "
        f"(CPU {b['index_cpu_s']:.1f} s)",
        f"  search cost at load: {(b['load_s'] + b['index_s']) / b['plain_s'] - 1:+.1%} wall, "
        f"{(b['load_cpu_s'] + b['index_cpu_s']) / b['plain_cpu_s'] - 1:+.1%} CPU",
        f"  {b['articles']:,} articles, {b['distinct_contents']:,} distinct contents indexed; "
        f"{per_doc * 1e6:.0f} us CPU per content -> {per_doc * b['articles']:.0f} s CPU if all were distinct",
        f"  index {b['index_bytes'] / 1e6:.1f} MB; warehouse {b['plain_bytes'] / 1e9:.2f} GB -> "
        f"{b['warehouse_bytes'] / 1e9:.2f} GB with search_docs",
    ]
    for query, q in r["queries"].items():
        lines.append(f"query {query!r} per day: {q['median_s']:.3f} s in process, {q['cli_s']:.2f} s as a command "
                     f"({q['matches']:,} matches over {q['days']} days)")
    for name, v in r["scans"].items():
        lines.append(f"DuckDB scan ({name}) of {QUERIES[0]!r}: {v['seconds']:.2f} s ({v['matches']:,} matches)")
    for query, e in r["exact"].items():
        lines.append(f"exactness {query!r}: {e['index']:,} contents from the index, {e['reference']:,} from the "
                     f"reference matcher over all {e['contents']:,}: {e['differ']} differ")
    w, p = s["with_search"], s["without_search"]
    lines.append(f"2,000-article runs of distinct contents (median of {w['rounds']}, the same files both ways): "
                 f"load {p['load_s']:.2f} s (CPU {p['load_cpu_s']:.2f} s) without search, {w['load_s']:.2f} s + "
                 f"index {w['index_s']:.2f} s (CPU {w['load_cpu_s']:.2f} + {w['index_cpu_s']:.2f} s) with it: "
                 f"{(w['load_s'] + w['index_s']) / p['load_s'] - 1:+.1%} wall, "
                 f"{(w['load_cpu_s'] + w['index_cpu_s']) / p['load_cpu_s'] - 1:+.1%} CPU")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="lake directory (generated if it has no lake)")
    parser.add_argument("--articles", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if not (args.data / "lake").is_dir():
        from benchmarks.warehouse import generate

        print(f"generating {args.articles:,} articles ...", file=sys.stderr)
        generate(args.data, args.articles, 50_000)
    for stale in ("plain.duckdb", "warehouse.duckdb", "warehouse.duckdb.search"):
        target = args.data / stale
        if target.is_dir():
            import shutil

            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    results: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
                               "loadavg_at_start": os.getloadavg()[0]}
    results["build"] = load_both(args.data)
    db = args.data / "warehouse.duckdb"
    results["queries"] = time_queries(db)
    results["scans"] = time_scans(db)
    results["exact"] = check_exact(db)
    results["steady"] = steady_state(args.data)
    print("\n".join(report(results)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
