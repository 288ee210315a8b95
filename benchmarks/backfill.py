"""Backfill benchmark: a CC-NEWS tree of corpus pages on 127.0.0.1, read by `newsflow backfill`.

python -m benchmarks.backfill [--pages N] [--others K]

Prints: kept pages/s of the backfill (2 cores) next to one process of bare trafilatura.extract
over the same pages; the per-record cost of skipping other hosts (fastwarc and warcio) against
extracting a page; per-stage CPU, and whole-tree peak RSS and PSS for one file and for ten.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.backfill_data import hosts_toml, serve_tree, write_cc_news, write_warc
from benchmarks.common import corpus_path, trafilatura_as_shipped
from benchmarks.e2e_ingest import Dashboard, TreeRun, base_env, run_tree
from benchmarks.newsite import load_pages

ROOT = Path(__file__).resolve().parents[1]
FILES = ("readability_news.jsonl.gz", "scrapinghub_aeb.jsonl.gz", "l3s_gn1.jsonl.gz", "trafilatura_eval.jsonl.gz",
         "goose3.jsonl.gz", "newspaper4k.jsonl.gz")


def bare_trafilatura(pages: list[dict]) -> tuple[float, float]:
    """Pages per wall second and per CPU second of trafilatura.extract (defaults) in this one process."""
    import trafilatura

    with trafilatura_as_shipped():
        trafilatura.extract(pages[0]["html"])  # imports and lazy models are not the measure
        began, cpu = time.perf_counter(), time.process_time()
        for page in pages:
            trafilatura.extract(page["html"], url=page["url"])
    return len(pages) / (time.perf_counter() - began), len(pages) / (time.process_time() - cpu)


def pipeline_per_page(pages: list[dict]) -> tuple[float, set[str]]:
    """Seconds per page of newsflow's own per-page work (extract and tag) in this process, and the articles' URLs."""
    from tasks.worker import process_page, warm_up

    warm_up()
    articles = set()
    began = time.perf_counter()
    for page in pages:
        result = process_page(page["html"].encode(), "text/html; charset=utf-8", page["url"], None)
        if result.article is not None:
            articles.add(page["url"])
    return (time.perf_counter() - began) / len(pages), articles


def loaded(data: Path) -> tuple[int, int, set[str]]:
    """Articles in a warehouse: rows, distinct ids, and their URLs."""
    import duckdb

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rows, distinct = con.execute("select count(*), count(distinct article_id) from articles").fetchone()  # type: ignore[misc]
        urls = {u for (u,) in con.execute("select url from articles").fetchall()}
    return rows, distinct, urls


def skip_costs(pages: list[dict], work: Path, records: int = 3000) -> dict[str, float]:
    """Seconds per record to skip records of unwanted hosts: fastwarc (headers only) and warcio."""
    from warcio.archiveiterator import ArchiveIterator

    from tasks.store.warcscan import ScanStats, host_of, scan_warc

    per = max(1, records // len(pages))
    path = work / "others.warc.gz"
    counts = write_warc(path, [{"url": f"https://skip{n}.example.net/a", "html": p["html"]} for n, p in
                               enumerate((pages * per)[:records])], extras=False)
    data = path.read_bytes()
    n = counts["kept"]
    stats = ScanStats()
    began = time.perf_counter()
    for _ in scan_warc(io.BytesIO(data), lambda h: False, stats):
        pass
    fast = (time.perf_counter() - began) / n
    began = time.perf_counter()
    for record in ArchiveIterator(io.BytesIO(data)):
        host_of(record.rec_headers.get_header("WARC-Target-URI") or "")
    slow = (time.perf_counter() - began) / n
    return {"records": n, "fastwarc": fast, "warcio": slow, "bytes_per_record": len(data) / n}


def backfill(label: str, base: str, sources: Path, data: Path, logs: Path, limit: int) -> TreeRun:
    env = base_env(data, {"NEWSFLOW_CCNEWS_BASE": base})
    env["PYTHONPATH"] = str(ROOT)
    argv = [sys.executable, "-m", "flows.cli", "backfill", "--cc-news", "2024-01", "--sources", str(sources),
            "--data-dir", str(data), "--limit-files", str(limit)]
    run = run_tree(label, argv, env, logs / f"{label}.log", run_logs=data / "logs")  # Prefect's lines: the flow's span
    if run.returncode != 0:
        raise SystemExit(f"{label}: exited {run.returncode}:\n{run.log[-3000:]}")
    return run


def kept_pages(run: TreeRun) -> int:
    line = next(x for x in run.log.splitlines() if x.startswith("newsflow backfill"))
    return int(line.split(" kept pages")[0].rsplit(", ", 1)[1].replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--others", type=int, default=3, help="records of other hosts per kept page")
    args = parser.parse_args()
    corpus_path("extraction")
    pages = [p for p in load_pages(corpus_path(""), list(FILES)) if p.get("url")][: args.pages]
    print(f"pages: {len(pages)} corpus pages with a URL; {args.others} other-host records per page")
    with tempfile.TemporaryDirectory(prefix="nf-backfill-") as tmp:
        work = Path(tmp)
        chunks = [pages[i::10] for i in range(10)]
        write_cc_news(work / "tree", "2024/01", chunks, others=args.others)
        (work / "sources.toml").write_text(hosts_toml(pages))
        skip = skip_costs(pages, work)
        bare = bare_trafilatura(pages)
        per_page, articles = pipeline_per_page(pages)
        with serve_tree(work / "tree") as base:
            one = backfill("one-file", base, work / "sources.toml", work / "d1", work, 1)
            ten = backfill("ten-files", base, work / "sources.toml", work / "d10", work, 10)
            rows, distinct, urls = loaded(work / "d10")
            again = backfill("rerun", base, work / "sources.toml", work / "d10", work, 10)
            print(f"pages that are articles (one process): {len(articles)}; loaded by the backfill: "
                  f"{len(articles & urls)} ({len(articles & urls) / max(len(articles), 1):.1%}); article rows "
                  f"{rows}, distinct {distinct}; other-host articles {sum('example.net' in u for u in urls)}; "
                  f"after the rerun: {loaded(work / 'd10')[0]} rows")
            served = [served_run(label, base, work, limit) for label, limit in (("one-file, API apart", 1),
                                                                                 ("ten-files, API apart", 10))]
    report(pages, skip, bare, per_page, one, ten, again)
    one_apart, ten_apart = served
    more = kept_pages(ten_apart) - kept_pages(one_apart)
    per = (ten_apart.cpu - one_apart.cpu) / max(more, 1)
    print(f"API apart: {more} more pages cost {per * 1e3:.1f} ms of tree CPU each and "
          f"{(ten_apart.wall - one_apart.wall) / max(more, 1) * 1e3:.1f} ms of wall: "
          f"{more / (ten_apart.wall - one_apart.wall):.1f} pages/s "
          f"= {more / (ten_apart.wall - one_apart.wall) / bare[0]:.2f} x bare trafilatura (wall); "
          f"2 cores at that CPU cost: {2 / per / bare[1]:.2f} x bare trafilatura per CPU second")
    for run in served:
        print(f"| {run.label} | {run.wall:.1f} | | {run.cpu:.1f} | {run.cpu_by_role} | {run.peak_rss_mb:.0f} | "
              f"{run.peak_pss_mb:.0f} | {run.peak_processes} |")


def served_run(label: str, base: str, work: Path, limit: int) -> TreeRun:
    """A backfill whose Prefect API is a `newsflow dashboard` server outside the measured tree."""
    data = work / label.split(",")[0]
    env = {**base_env(data, {}), "PYTHONPATH": str(ROOT)}
    with Dashboard(data, env, work / f"{label}-dashboard.log"):
        return backfill(label, base, work / "sources.toml", data, work, limit)


def report(pages, skip, bare_both, per_page, one, ten, again) -> None:  # type: ignore[no-untyped-def]
    bare, bare_cpu = bare_both
    flow = (ten.flow_end or ten.wall) - (ten.flow_start or 0.0)
    kept = kept_pages(ten)
    rate = kept / flow
    print(f"bare trafilatura.extract, 1 process: {bare:.1f} pages/s ({bare_cpu:.1f} per CPU second); "
          f"newsflow extract+tag, 1 process: {1 / per_page:.1f} pages/s")
    print(f"backfill, 10 files, 2 cores: {kept} kept pages in {flow:.1f} s of flow: {rate:.1f} pages/s = "
          f"{rate / bare:.2f} x bare trafilatura; end to end ({ten.wall:.1f} s with the process's start and "
          f"exit): {kept / ten.wall:.1f} pages/s = {kept / ten.wall / bare:.2f} x")
    # CPU per page beyond one file's fixed costs (process start, Prefect's API, worker start)
    extra = (ten.cpu - one.cpu) / max(kept - kept_pages(one), 1)
    def pipeline_cpu(run: TreeRun) -> float:
        # the API server is sometimes sampled before its exec and then shows as "other"
        return sum(v for k, v in run.cpu_by_role.items() if k in ("main", "forkserver", "workers"))

    lean = (pipeline_cpu(ten) - pipeline_cpu(one)) / max(kept - kept_pages(one), 1)
    print(f"tree CPU per extra page: {extra * 1e3:.1f} ms, {lean * 1e3:.1f} ms without Prefect's API server; "
          f"2 cores at that cost: {2 / lean:.1f} pages/s = {2 / lean / bare_cpu:.2f} x bare trafilatura "
          f"per CPU second")
    print(f"skipping other hosts ({skip['records']} records, {skip['bytes_per_record'] / 1024:.0f} KB each): "
          f"fastwarc {skip['fastwarc'] * 1e6:.0f} us/record ({1 / skip['fastwarc']:,.0f}/s), warcio "
          f"{skip['warcio'] * 1e6:.0f} us/record; extracting one page costs {per_page * 1e3:.1f} ms = "
          f"{per_page / skip['fastwarc']:.0f} x a fastwarc skip")
    print("| run | wall s | flow s | tree CPU s | CPU by role | peak RSS MB | peak PSS MB | processes |")
    print("|---|---|---|---|---|---|---|---|")
    for run in (one, ten, again):
        span = (run.flow_end or run.wall) - (run.flow_start or 0.0)
        print(f"| {run.label} | {run.wall:.1f} | {span:.1f} | {run.cpu:.1f} | {run.cpu_by_role} | "
              f"{run.peak_rss_mb:.0f} | {run.peak_pss_mb:.0f} | {run.peak_processes} |")
    print(f"RSS by role at the ten-file peak (MB): {ten.rss_at_peak}; PSS by role at its PSS peak: {ten.pss_at_peak}")
    print(f"rerun over the same tree: {again.log.count(': loaded, ')} files read again; "
          + next(x for x in again.log.splitlines() if x.startswith("newsflow backfill")))


if __name__ == "__main__":
    main()
