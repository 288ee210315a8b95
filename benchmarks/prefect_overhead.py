"""Prefect's fixed costs: dashboard start-up, and one `newsflow ingest` with nothing new.

Usage: python -m benchmarks.prefect_overhead [--repeat 3] [--outlets 4] [--pages 24]

Runs against the local news site (benchmarks/newsite.py) in a temporary folder; needs the corpus.
Each ingest is a fresh `newsflow ingest` process, timed from start to exit, after a first run
loaded everything, so every listing answers 304 and nothing is fetched: what remains is overhead.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import CORPUS
from benchmarks.newsite import NewsSite, load_pages, make_outlets
from flows.prefect_server import free_port

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


def env(db_cache: str = "off") -> dict[str, str]:
    """A user's shell: Prefect home from --data-dir, no telemetry, 127.0.0.1 allowed.

    `db_cache`: NEWSFLOW_PREFECT_DB_CACHE (off: Prefect creates every new database itself).
    """
    out = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    out.update(
        NEWSFLOW_PREFECT_DB_CACHE=db_cache,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        NEWSFLOW_HOST_DELAY="0",
        NEWSFLOW_ALLOWED_NETWORKS="127.0.0.1/32",
        NEWSFLOW_EXTRACT_WORKERS="2",
    )
    return out


def start_dashboard(data: Path, log: Path, db_cache: str = "off") -> tuple[subprocess.Popen[bytes], float]:
    """A `newsflow dashboard` process and the seconds until it reported a healthy API."""
    began = time.monotonic()
    with open(log, "wb") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [NEWSFLOW, "dashboard", "--port", str(free_port()), "--data-dir", str(data)],
            env=env(db_cache),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    while "dashboard at" not in log.read_text():
        if proc.poll() is not None or time.monotonic() - began > 300:
            raise SystemExit(f"dashboard failed:\n{log.read_text()[-2000:]}")
        time.sleep(0.05)
    return proc, time.monotonic() - began


def stop(proc: subprocess.Popen[bytes]) -> float:
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    return time.monotonic() - began


def ingest(sources: Path, data: Path, db_cache: str = "off") -> float:
    """Wall-clock seconds of one `newsflow ingest` process."""
    began = time.monotonic()
    done = subprocess.run(
        [NEWSFLOW, "ingest", "--sources", str(sources), "--data-dir", str(data)],
        env=env(db_cache),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"ingest failed:\n{done.stderr[-3000:]}")
    return time.monotonic() - began


def python_baseline() -> float:
    """Interpreter plus CLI start-up, for scale: `newsflow --help`."""
    began = time.monotonic()
    subprocess.run([NEWSFLOW, "--help"], env=env(), capture_output=True, check=True)
    return time.monotonic() - began


def measure(root: Path, site: NewsSite, repeat: int) -> list[tuple[str, list[float]]]:
    sources = root / "sources.toml"
    sources.write_text(site.sources_toml())
    rows: list[tuple[str, list[float]]] = [("newsflow --help (Python + CLI start-up)", [python_baseline()])]
    cold = root / "cold"
    proc, fresh = start_dashboard(cold, root / "d1.log")
    rows.append(("newsflow dashboard -> healthy API (new Prefect database)", [fresh]))
    rows.append(("dashboard stop on Ctrl-C", [stop(proc)]))
    warm = []
    for i in range(repeat):
        proc, seconds = start_dashboard(cold, root / f"d2-{i}.log")
        warm.append(seconds)
        stop(proc)
    rows.append(("newsflow dashboard -> healthy API (existing database)", warm))
    data, templates = root / "data", str(root / "prefect-db")
    rows.append(("first ingest, temporary API, new database (loads the site)", [ingest(sources, data, templates)]))
    plain: list[float] = []  # new data directories, alternately without and with the template it left
    seeded: list[float] = []
    for i in range(repeat):
        for kind, cache, times in (("plain", "off", plain), ("seeded", templates, seeded)):
            proc, seconds = start_dashboard(root / f"{kind}-{i}", root / f"d4-{kind}-{i}.log", cache)
            times.append(seconds)
            stop(proc)
    rows.append(("newsflow dashboard -> healthy API (new data dir, Prefect migrates)", plain))
    rows.append(("newsflow dashboard -> healthy API (new data dir, from the template)", seeded))
    rows.append(("ingest, nothing new, temporary API", [ingest(sources, data) for _ in range(repeat)]))
    proc, _ = start_dashboard(data, root / "d3.log")
    try:
        rows.append(
            (
                "ingest, nothing new, reporting to a running dashboard",
                [ingest(sources, data) for _ in range(repeat)],
            )
        )
    finally:
        stop(proc)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--outlets", type=int, default=4)
    parser.add_argument("--pages", type=int, default=24)
    args = parser.parse_args()
    pages = load_pages(CORPUS, ["scrapinghub_aeb.jsonl.gz"], limit=args.pages)
    with tempfile.TemporaryDirectory() as tmp, NewsSite(make_outlets(pages, args.outlets)) as site:
        rows = measure(Path(tmp), site, args.repeat)
    print(f"{'what':<70} {'median s':>9} {'min s':>7} {'max s':>7}  n")
    for what, values in rows:
        print(f"{what:<70} {statistics.median(values):>9.1f} {min(values):>7.1f} {max(values):>7.1f}  {len(values)}")
    print(f"({os.cpu_count()} cores; each ingest is a new process; {args.outlets} outlets, {args.pages} pages)")


if __name__ == "__main__":
    main()
