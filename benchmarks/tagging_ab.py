"""Tagging speed of two checkouts in one run, measured alternately (A/B on a shared machine).

    python -m benchmarks.tagging_ab --old DIR [--new DIR] [--rounds N]

Each round runs the speed measurement of benchmarks/topics_multi_eval.py (countries + topics on
600-word texts of the REPORT part, per CPU-second, one article at a time and in retag's batches)
once for each checkout, each in a fresh process, the order swapped every round so that a change of
load on the machine falls on both. Prints each round's figures, the load average beside them, and
per language the median of the rounds and the new/old ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.common import use_checkout


def measure() -> dict[str, dict[str, float]]:
    """Articles per CPU-second per language: one at a time ("one") and in batches ("batched")."""
    from benchmarks.topics_multi_eval import _timed, _timed_batches, speed_texts
    from tasks.tag.countries import tag_countries

    tag_countries("Paris", "Warm-up: loads the country model outside the timed runs.")
    out = {}
    for lang, articles in speed_texts("report").items():
        _timed(articles[:20], lang, True)  # the topic models load outside the timed runs
        one = _timed(articles, lang, True)[1]
        out[lang] = {"one": len(articles) / one, "batched": len(articles) / _timed_batches(articles, lang)}
    return out


def run(code: Path) -> dict[str, dict[str, float]]:
    """measure() in a fresh process importing the taggers from `code`."""
    here = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(here)}
    done = subprocess.run([sys.executable, "-m", "benchmarks.tagging_ab", "--measure", str(code)], env=env, cwd=here,
                          check=True, capture_output=True, text=True)  # fmt: skip
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    """Alternate the two checkouts for a few rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", type=Path)
    parser.add_argument("--new", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # a checkout: measure it here
    args = parser.parse_args()
    if args.measure:
        use_checkout(args.measure)
        print(json.dumps(measure()))
        return
    if args.old is None:
        parser.error("--old is required")
    figures: dict[str, list[dict[str, dict[str, float]]]] = {"old": [], "new": []}
    for r in range(args.rounds):
        for side in ("old", "new") if r % 2 == 0 else ("new", "old"):
            got = run(getattr(args, side).resolve())
            figures[side].append(got)
            load = " ".join(f"{v:.2f}" for v in os.getloadavg())
            shown = "  ".join(f"{lang} {v['one']:.0f}/{v['batched']:.0f}" for lang, v in got.items())
            print(f"round {r + 1} {side}: {shown}   (one at a time / batched, per CPU-second; load {load})", flush=True)
    for lang in figures["old"][0]:
        line = []
        for kind in ("one", "batched"):
            old = statistics.median(f[lang][kind] for f in figures["old"])
            new = statistics.median(f[lang][kind] for f in figures["new"])
            line.append(f"{kind} {old:.0f} -> {new:.0f} (x{new / old:.2f})")
        print(f"{lang}: " + "   ".join(line))


if __name__ == "__main__":
    main()
