"""End-to-end ingestion speed and memory: `newsflow ingest` over a local news site vs bare trafilatura.

Usage: python -m benchmarks.e2e [--pages N] [--latency 0.05] [--outlets 40] [--hosts 1]
       [--workers W] [--no-stages] [--no-server] [--json benchmarks/results/e2e.json]

Serves every corpus page with HTML (../shared/corpus/extraction, about 1,100) as 40 outlets with
RSS/Atom/sitemap/JSON feeds, runs `newsflow ingest` as a subprocess three times (first run; again
with nothing new on the temporary Prefect API; again with a running `newsflow dashboard`), and
measures in the same run bare `trafilatura.extract(html, url=url)` in one process (the headline's
denominator) and each stage in one process. See docs/benchmarks.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks import e2e_checks, e2e_ingest, e2e_report, e2e_stages  # noqa: E402
from benchmarks.common import CORPUS, corpus_path  # noqa: E402
from benchmarks.e2e_site import CorpusPage, Sites, corpus_pages, replicate  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "e2e.json"


def progress(message: str) -> None:
    print(f"e2e: {message}", file=sys.stderr, flush=True)


def fetch_env(args: argparse.Namespace) -> dict[str, str]:
    """The fetch settings for the local site: no delay, 4 requests in flight per host, loopback allowed."""
    env = {"NEWSFLOW_HOST_DELAY": "0", "NEWSFLOW_HOST_CONCURRENCY": str(args.host_concurrency),
           "NEWSFLOW_ALLOWED_NETWORKS": "127.0.0.1/32", "NEWSFLOW_MAX_PER_SOURCE": "1000000"}
    if args.workers is not None:
        env["NEWSFLOW_EXTRACT_WORKERS"] = str(args.workers)
    return env


def ingest_runs(sites: Sites, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """First run, two runs with nothing new (temporary API, then a dashboard), no-op flows; checks."""
    sources, data, logs = root / "sources.toml", root / "data", root / "logs"
    sources.write_text(sites.sources_toml())
    logs.mkdir()
    env = e2e_ingest.base_env(data, fetch_env(args))
    progress(f"first run: {len(sites.article_urls())} pages")
    runs = {"first": e2e_ingest.ingest("first", sources, data, env, logs)}
    first = e2e_checks.first_run(sites, data)
    reruns = {}
    hits, rows = sites.hits(), e2e_checks.table_counts(data)
    progress("second run, nothing new, temporary Prefect API")
    runs["second_temporary_api"] = e2e_ingest.ingest("second_temporary_api", sources, data, env, logs)
    reruns["second run (temporary API)"] = e2e_checks.rerun(sites, data, hits, rows)
    dashboard_startup = None
    if args.server:
        progress("second run, nothing new, with a running Prefect server (newsflow dashboard)")
        hits, rows = sites.hits(), e2e_checks.table_counts(data)
        with e2e_ingest.Dashboard(data, env, logs / "dashboard.log") as dash:
            dashboard_startup = dash.startup
            runs["second_server"] = e2e_ingest.ingest("second_server", sources, data, env, logs)
        reruns["second run (Prefect server)"] = e2e_checks.rerun(sites, data, hits, rows)
    progress("no-op flows with ingest's task graph (Prefect's fixed cost)")
    noop_env = e2e_ingest.base_env(root / "noop", {})
    n = len(sites.listing_urls())
    runs["noop_new_db"] = e2e_ingest.noop_flow(n, noop_env, logs, "noop_new_db")
    runs["noop_existing_db"] = e2e_ingest.noop_flow(n, noop_env, logs, "noop_existing_db")
    return {"runs": runs, "first": first, "reruns": reruns, "dashboard_startup": dashboard_startup,
            "python_startup": e2e_ingest.python_startup(noop_env)}


def measure(pages: list[CorpusPage], args: argparse.Namespace) -> dict[str, Any]:
    """Every figure of one benchmark run."""
    load_start = os.getloadavg()
    progress(f"baseline before: bare trafilatura on {len(pages)} distinct pages")
    before = e2e_stages.baseline(pages)
    served = replicate(pages, args.pages or len(pages))
    with Sites(served, args.outlets, args.hosts, args.latency) as sites, \
            tempfile.TemporaryDirectory(prefix="newsflow-e2e-") as tmp:
        root = Path(tmp)
        if args.keep:  # a fresh folder the user can inspect afterwards (logs, lake, warehouse)
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            root = Path(tempfile.mkdtemp(prefix="newsflow-e2e-", dir=args.keep))
            progress(f"keeping data and logs in {root}")
        ingest = ingest_runs(sites, root, args)
    del served
    progress("baseline after")
    after = e2e_stages.baseline(pages)
    stages = e2e_stages.all_stages(pages, progress) if args.stages else []
    return e2e_report.results(args, len(pages), (before, after), stages, ingest,
                              (load_start, os.getloadavg()))


def save(results: dict[str, Any], path: Path) -> None:
    """Merge this run into the JSON file, keyed by its page count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    saved[f"pages={results['setup']['pages']}"] = results
    path.write_text(json.dumps(saved, indent=2, default=str) + "\n")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help="serve N pages, replicating the corpus under new URLs")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response (default 0.05)")
    parser.add_argument("--distinct", type=int, help="use only the first N corpus pages (quick checks)")
    parser.add_argument("--outlets", type=int, default=40)
    parser.add_argument("--hosts", type=int, default=1, help="local servers (ports) the outlets share")
    parser.add_argument("--host-concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, help="NEWSFLOW_EXTRACT_WORKERS (default: newsflow's)")
    parser.add_argument("--no-stages", dest="stages", action="store_false", help="skip per-stage figures")
    parser.add_argument("--no-server", dest="server", action="store_false", help="skip the server rerun")
    parser.add_argument("--keep", type=Path, help="keep data and logs in a new folder under this one")
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--show", action="store_true", help="only print the tables saved in --json")
    return parser.parse_args(argv)


def show(path: Path) -> int:
    """Print the tables of the runs saved in the JSON file."""
    for results in json.loads(path.read_text()).values():
        print("\n".join(e2e_report.table(results)) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.show:
        return show(args.json)
    corpus_path("extraction")
    pages = corpus_pages(CORPUS)[: args.distinct]
    results = measure(pages, args)
    for line in e2e_report.table(results):
        print(line)
    save(results, args.json)
    print(f"(written to {args.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
