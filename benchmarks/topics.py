"""Topic tagger evaluation on BBC News and AG News (issue 4), and its speed on one core.

    python -m benchmarks.topics [--part eval|train|all] [--multi report|fit|none]

Multilingual figures (benchmarks/topics_multi_eval.py) are printed for the REPORT part of the
multilingual sets by default: balanced accuracy, coverage, per-label accuracy, SIB-200 agreement
with English, speed on 600-word articles and memory.

The top-1 topic of tasks.tag.topics.tag_topics is mapped to each set's classes: BBC business -> 04,
entertainment -> 01, politics -> 11, sport -> 15, tech -> 13; AG Sports -> 15, Business -> 04 or
09, Sci/Tech -> 13, World -> any other topic. "eval" is the part of the fixed split
(benchmarks/topics_data.py) that training and tuning never read: the figures that count.
"train" is the part the weights were fitted on, printed for comparison only (optimistic).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from benchmarks import topics_data as data
from benchmarks import topics_multi_eval
from tasks.tag.topics import tag_topics

SETS = {"bbc": (data.bbc, data.BBC_CLASSES), "ag": (data.ag_news, data.AG_CLASSES)}


def evaluate(set_name: str, part: str) -> None:
    """Tag every item of one part of one set and print accuracy, macro-F1, confusion, speed."""
    reader, classes = SETS[set_name]
    items = list(reader(part))
    gold, pred = [], []
    started = time.perf_counter()
    tops = [tag_topics(item.title, item.text, "en") for item in items]
    elapsed = time.perf_counter() - started
    for item, topics in zip(items, tops, strict=True):
        gold.append(item.label)
        pred.append(data.predicted_class(set_name, topics[0]["code"]) if topics else "(none)")
    labels = list(classes)
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    print(f"\n== {set_name} / {part} part: {len(items)} articles ==")
    print(f"accuracy {accuracy:.4f}   macro-F1 {data.macro_f1(gold, pred, labels):.4f}   "
          f"speed {len(items) / elapsed:,.0f} articles/s (one thread)")  # fmt: skip
    print_confusion(gold, pred, labels)


def print_confusion(gold: list[str], pred: list[str], labels: list[str]) -> None:
    """Confusion matrix: one row per true class, one column per predicted class."""
    cells = Counter(zip(gold, pred, strict=True))
    columns = labels + sorted({p for p in pred if p not in labels})
    width = max(len(c) for c in columns + labels) + 2
    print("true \\ predicted".ljust(width) + "".join(c.rjust(width) for c in columns))
    for g in labels:
        print(g.ljust(width) + "".join(str(cells[g, p]).rjust(width) for p in columns))


def main() -> None:
    """Evaluate the requested parts of both sets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["eval", "train", "all"], default="all")
    parser.add_argument("--multi", choices=["report", "fit", "none"], default="report")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # measure on one core
    started = time.perf_counter()
    tag_topics("warm-up", "Loads the model once, outside the timed runs.")
    print(f"model load: {time.perf_counter() - started:.2f} s")
    parts = ["eval", "train"] if args.part == "all" else [args.part]
    for part in parts:
        label = "never used to fit or tune" if part == "eval" else "used to fit: optimistic"
        print(f"\n######## {part} part ({label}) ########")
        for set_name in SETS:
            evaluate(set_name, part)
    if args.multi != "none":
        topics_multi_eval.main(args.multi)


if __name__ == "__main__":
    main()
