"""`newsflow ingest`'s fixed start-up: a first run on a new Prefect home and reruns with nothing new.

Usage: python -m benchmarks.startup [--code DIR ...] [--rounds 3] [--reruns 2] [--pages 120] [--outlets 26]

Serves `--pages` corpus pages as `--outlets` outlets on 127.0.0.1. Each round, for each checkout
given with --code (default: this one; its directory goes first on PYTHONPATH, so two branches are
measured back to back under the same load), runs a first `newsflow ingest` into a new data
directory, then `--reruns` runs with nothing new (every listing answers 304). Prints, per checkout,
the medians of: wall seconds, launch to Prefect's "Beginning flow run", and the flow's final state
to exit. Each checkout keeps one user cache folder (XDG_CACHE_HOME) over the rounds, as a user
would: the first round's first run finds it empty, the later ones find what earlier runs left.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks import e2e_ingest  # noqa: E402
from benchmarks.common import CORPUS  # noqa: E402
from benchmarks.e2e_site import Sites, corpus_pages, replicate  # noqa: E402

FETCH = {"NEWSFLOW_HOST_DELAY": "0", "NEWSFLOW_HOST_CONCURRENCY": "4",
         "NEWSFLOW_ALLOWED_NETWORKS": "127.0.0.1/32", "NEWSFLOW_MAX_PER_SOURCE": "1000000"}


def env_for(code: Path, data: Path, cache: Path) -> dict[str, str]:
    env = e2e_ingest.base_env(data, FETCH)
    env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def one_round(code: Path, sources: Path, root: Path, cache: Path, reruns: int, first: str) -> dict[str, list[float]]:
    """A first run on a new data dir and its reruns; seconds per figure."""
    data, logs = root / "data", root / "logs"
    logs.mkdir(parents=True)
    env = env_for(code, data, cache)
    out: dict[str, list[float]] = {}

    def record(kind: str, run: e2e_ingest.TreeRun) -> None:
        out.setdefault(f"{kind}: wall", []).append(run.wall)
        out.setdefault(f"{kind}: CPU s, whole tree", []).append(run.cpu)
        for role, seconds in sorted(run.cpu_by_role.items()):
            out.setdefault(f"{kind}: CPU s, {role}", []).append(seconds)
        if run.flow_start is not None:
            out.setdefault(f"{kind}: launch to flow start", []).append(run.flow_start)
        if run.flow_end is not None:
            out.setdefault(f"{kind}: flow end to exit", []).append(run.wall - run.flow_end)
        if run.flow_start is not None and run.flow_end is not None:
            out.setdefault(f"{kind}: in the flow", []).append(run.flow_end - run.flow_start)

    # The checkout's own command line, not this venv's `newsflow` script: the script names an entry
    # point (flows.cli:run) that older checkouts do not have. -P: `python -m` would otherwise put the
    # current folder first on sys.path, ahead of PYTHONPATH, and run that folder's code for every --code.
    command = (sys.executable, "-P", "-m", "flows.cli")
    record(first, e2e_ingest.ingest("first", sources, data, env, logs, command))
    for i in range(reruns):
        record("rerun, nothing new", e2e_ingest.ingest(f"rerun{i}", sources, data, env, logs, command))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, action="append", help="a checkout to measure (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reruns", type=int, default=2)
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--outlets", type=int, default=26)
    args = parser.parse_args(argv)
    codes = [c.resolve() for c in (args.code or [Path(__file__).resolve().parents[1]])]
    pages = corpus_pages(CORPUS)[: args.pages]
    results: dict[Path, dict[str, list[float]]] = {c: {} for c in codes}
    loads = [os.getloadavg()]
    with Sites(replicate(pages, len(pages)), args.outlets, 1, 0.0) as sites, \
            tempfile.TemporaryDirectory(prefix="newsflow-startup-") as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(sites.sources_toml())
        for r in range(args.rounds):
            for n, code in enumerate(codes):
                cache = Path(tmp) / f"cache-{n}"  # one user's cache per checkout, kept across rounds
                first = "first run, new home" + (", empty cache" if r == 0 else "")
                got = one_round(code, sources, Path(tmp) / f"r{r}-{n}", cache, args.reruns, first)
                for key, values in got.items():
                    results[code].setdefault(key, []).extend(values)
                print(f"startup: round {r + 1}, {code.name}: "
                      + ", ".join(f"{k} {v[0]:.1f}" for k, v in got.items() if k.endswith("wall")),
                      file=sys.stderr, flush=True)
            loads.append(os.getloadavg())
    for code in codes:
        print(f"\n{code}")
        print(f"  {'what':<58} {'median s':>9} {'min':>6} {'max':>6}  n")
        for key, values in results[code].items():
            low, high = min(values), max(values)
            print(f"  {key:<58} {statistics.median(values):>9.2f} {low:>6.2f} {high:>6.2f}  {len(values)}")
    print(f"\nload average (1 min) per round: {' -> '.join(f'{la[0]:.2f}' for la in loads)}; "
          f"{os.cpu_count()} cores; {len(pages)} pages, {args.outlets} outlets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
