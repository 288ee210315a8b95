"""Stories benchmark: corpus articles with verbatim and edited copies in other page templates and
lookalikes, ingested from a local site in two runs; pairwise precision/recall, time per 1,000
articles, then the incremental grouping's cost at 10,000 and 1M articles (synthetic text).

    python -m benchmarks.stories [--limit N] [--scale 10000,1000000] [--skip-site] [--skip-scale]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb

from benchmarks.common import CORPUS
from benchmarks.newsite import NewsSite, Outlet
from benchmarks.stories_data import Served, load_records, pairwise, story_pages
from tasks import run as run_stages
from tasks.discover.sources import load_sources
from tasks.discover.urls import url_key
from tasks.fetch.client import FetchConfig
from tasks.stories.group import THRESHOLD, StoryIndex
from tasks.stories.sketch import shingles, sketch

ROLES = ("verbatim", "edited", "second_url")


def build_site(pages: list[tuple[Served, datetime, str]]) -> tuple[NewsSite, dict[str, tuple[Served, str]]]:
    """One outlet per name; returns the site and, per page URL key, the page and its part."""
    outlets: dict[str, Outlet] = {}
    for served, _, _ in pages:
        outlets.setdefault(served.outlet, Outlet(served.outlet, "rss")).pages.append(
            {"html": served.html, "title": served.title})
    site = NewsSite(list(outlets.values()))
    by_url, seen = {}, {o: 0 for o in outlets}
    for served, _, part in pages:
        by_url[url_key(site.page_url(outlets[served.outlet], seen[served.outlet]))] = (served, part)
        seen[served.outlet] += 1
    return site, by_url


def ingest(site: NewsSite, data: Path, outlet_ids: list[str], workers: int = 2) -> tuple[float, list[float], int]:
    """One run over the given outlets with the plain stage functions.

    Returns the wall seconds, the grouping step's [wall, CPU] seconds and the new articles.
    """
    toml = data.parent / f"sources-{len(outlet_ids)}.toml"
    toml.write_text("\n".join(part for part in site.sources_toml().split("\n\n")
                              if any(f'id = "{o}"' in part for o in outlet_ids)))
    sources = load_sources(toml)
    fetch = FetchConfig(user_agent="newsflow-bench", host_delay=0, host_concurrency=8, read_timeout=5,
                        allowed_networks=("127.0.0.1/32",), robots=False)
    config = run_stages.RunConfig(data, fetch, max_per_source=100_000, extract_workers=workers)
    grouping = [0.0, 0.0]  # wall and CPU seconds of the grouping step
    group = run_stages.group_staged

    def timed_group(*args: object) -> int:
        t, cpu = time.perf_counter(), time.process_time()
        try:
            return group(*args)  # type: ignore[arg-type]
        finally:
            grouping[0] += time.perf_counter() - t
            grouping[1] += time.process_time() - cpu

    run_stages.group_staged = timed_group  # type: ignore[assignment]
    start = time.perf_counter()
    try:
        ctx = run_stages.new_run(data)
        run_stages.catch_up(config)

        def one(source):  # type: ignore[no-untyped-def]
            links, report = run_stages.discover_source(source, config, ctx)
            return run_stages.harvest_source(source, links, report, config, ctx)

        with ThreadPoolExecutor(4) as pool:
            reports = list(pool.map(one, sources))
        summary = run_stages.finish_run(sources, reports, config, ctx)
    finally:
        run_stages.group_staged = group  # type: ignore[assignment]
        run_stages.close_shared()
    return time.perf_counter() - start, grouping, summary.total("new")


def site_benchmark(limit: int | None, keep: Path | None = None) -> None:
    """Ingest the pages in two runs (wire outlets first, then every outlet) and score the stories."""
    records = load_records(CORPUS, limit=limit)
    pages = story_pages(records)
    print(f"{len(records)} corpus articles (fit {sum(r.part == 'fit' for r in records)}, "
          f"report {sum(r.part == 'report' for r in records)}) -> {len(pages)} pages")
    site, by_url = build_site(pages)
    with site, tempfile.TemporaryDirectory(prefix="stories-") as tmp:
        data = keep or Path(tmp) / "data"
        wires = sorted(o for o in site.outlets if o.startswith("wire"))
        runs = [ingest(site, data, wires), ingest(site, data, sorted(site.outlets))]
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
            rows = con.execute("select a.url, a.text, coalesce(a.published_at, a.fetched_at), s.story_id "
                               "from articles a left join article_stories s using (article_id)").fetchall()
            agencies = con.execute("select agency, count(*), max(outlets), round(avg(outlets), 2) "
                                   "from story_agencies group by agency order by 2 desc").fetchall()
    articles = sum(r[2] for r in runs)
    wall, grouping, cpu = sum(r[0] for r in runs), sum(r[1][0] for r in runs), sum(r[1][1] for r in runs)
    print(f"ingested {articles} articles of {len(pages)} pages in 2 runs: {wall:.1f} s, "
          f"{1000 * wall / articles:.0f} s per 1,000 articles end to end; grouping step "
          f"{1000 * grouping / articles:.2f} s wall, {1000 * cpu / articles:.2f} s CPU per 1,000 articles")
    print("wire credits in story_agencies (agency, stories, widest spread in outlets, mean outlets):", agencies)
    score(rows, by_url)


def score(rows: list[tuple], by_url: dict[str, tuple[Served, str]]) -> None:
    """Pairwise precision/recall per part, per copy kind, lookalike joins; the threshold sweep on fit."""
    items = {url_key(url): (text, stamp, story) for url, text, stamp, story in rows if url_key(url) in by_url}
    for part in ("fit", "report"):
        keys = [k for k in items if by_url[k][1] == part]
        truth = {k: by_url[k][0].truth for k in keys}
        got = {k: items[k][2] or k for k in keys}
        p, r, tp, fp, fn = pairwise(truth, got)
        print(f"{part:6s}: {len(keys)} articles  pairwise precision {p:.4f} recall {r:.4f} "
              f"(true pairs found {tp}, false pairs {fp}, missed pairs {fn})")
        origin = {by_url[k][0].truth: got[k] for k in keys if by_url[k][0].role == "origin"}
        for role in (*ROLES, "lookalike"):
            members = [k for k in keys if by_url[k][0].role == role]
            if role == "lookalike":  # another article on the subject, beside it: must stay apart
                wrong = sum(1 for k in members if _merged(k, by_url, keys, got))
                print(f"        lookalikes put in another article's story: {wrong} of {len(members)}")
            else:
                missed = [k for k in members if origin.get(by_url[k][0].truth) != got[k]]
                print(f"        {role:10s} copies in their origin's story: {len(members) - len(missed)} of "
                      f"{len(members)}{_similarities(missed, keys, by_url, items)}")
    sweep({k: v for k, v in items.items() if by_url[k][1] == "fit"}, by_url)


def _similarities(missed: list[str], keys: list[str], by_url: dict[str, tuple[Served, str]],
                  items: dict[str, tuple]) -> str:
    """The shingle-set Jaccard of each missed copy with its origin, for the record."""
    origins = {by_url[k][0].truth: k for k in keys if by_url[k][0].role == "origin"}
    found = []
    for k in missed:
        o = origins.get(by_url[k][0].truth)
        a, b = set(shingles(items[k][0] or "")), set(shingles(items[o][0] or "")) if o else set()
        found.append(round(len(a & b) / len(a | b), 2) if a | b else 0.0)
    return f" (missed ones: Jaccard with the origin {sorted(found)})" if found else ""


def _merged(key: str, by_url: dict[str, tuple[Served, str]], keys: list[str], got: dict[str, str]) -> bool:
    """Whether a page shares its story with a page of another corpus article."""
    return any(by_url[k][0].truth != by_url[key][0].truth and got[k] == got[key] for k in keys)


def sweep(items: dict[str, tuple], by_url: dict[str, tuple[Served, str]]) -> None:
    """Pairwise precision/recall on the fit part at other thresholds (grouping redone in publish order)."""
    order = sorted(items, key=lambda k: (items[k][1], k))
    sketches = {k: sketch(items[k][0]) for k in order}
    truth = {k: by_url[k][0].truth for k in order}
    line = []
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        index = StoryIndex(threshold=threshold)
        got = {k: index.assign(k, items[k][1], sketches[k]).story_id for k in order}
        p, r, *_ = pairwise(truth, got)
        line.append(f"{threshold:.2f}: P {p:.3f} R {r:.3f}")
    print(f"fit-part threshold sweep (shipped {THRESHOLD}): " + "; ".join(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="corpus articles to use (default: all)")
    parser.add_argument("--scale", default="10000,1000000", help="article counts for the grouping timings")
    parser.add_argument("--keep", type=Path, default=None, help="keep the site run's data directory here")
    parser.add_argument("--skip-site", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not args.skip_site:
        site_benchmark(args.limit, args.keep)
    if not args.skip_scale:
        from benchmarks.stories_scale import compare_libraries, scale_benchmark

        compare_libraries()
        for n in (int(x) for x in args.scale.split(",")):
            scale_benchmark(n)


if __name__ == "__main__":
    main()
