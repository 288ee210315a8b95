"""Do two versions of the taggers give the same tags? Every text of the topic sets, both ways.

    python -m benchmarks.tagging_identity dump OUT.jsonl.gz [--code DIR]
    python -m benchmarks.tagging_identity compare OLD.jsonl.gz NEW.jsonl.gz

`dump` tags every text of the English topic sets (BBC News, AG News: train and eval parts), of the
multilingual sets (all parts) including SIB-200 in all 17 of its languages, and the 600-word speed
texts of benchmarks/topics_multi_eval.py: countries and topics one article at a time, and topics
again in retag's batches (tag_topics_many). `--code DIR` imports the taggers from another checkout
(e.g. the main branch) so a speed-up can be checked against the code before it. `compare` says
whether the tags are the same: same country codes, mentions and focus; same topic codes in the
same order; scores within SCORE_TOLERANCE (they are rounded to 4 decimals, so float rounding
can move the last digit).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import use_checkout

SCORE_TOLERANCE = 1e-4 + 1e-9  # one unit of the last rounded digit (and the float error of that)
BATCH = 200


def texts() -> Iterator[tuple[str, str, str, str | None]]:
    """(key, title, text, language) of every text compared."""
    from benchmarks import topics_data, topics_multi
    from benchmarks.topics_multi_eval import SPEED_WORDS

    for reader in (topics_data.bbc, topics_data.ag_news):
        for item in reader():
            yield f"{item.set_name}:{item.id}", item.title, item.text, "en"
    spliced: dict[str, list[str]] = {}
    for name in topics_multi.SETS:
        for doc in topics_multi.docs(name):
            yield f"{name}:{doc.lang}:{doc.id}", doc.title, doc.text, doc.lang
            if name != "sib200" or doc.lang == "it":
                spliced.setdefault(doc.lang, []).append(doc.text)
    for lang, parts in sorted(spliced.items()):  # 600-word texts like the speed figures' (all parts)
        words = " ".join(parts).split()
        for i in range(0, len(words) - SPEED_WORDS, SPEED_WORDS * 7):
            yield f"spliced:{lang}:{i}", "", " ".join(words[i : i + SPEED_WORDS]), lang


def dump(out: Path) -> int:
    """Tag every text and write one JSON line per text; returns the number of texts."""
    from tasks.tag.countries import tag_countries
    from tasks.tag.topics import tag_topics, tag_topics_many

    items = list(texts())
    batched: list[list[dict]] = []
    for i in range(0, len(items), BATCH):
        batched += tag_topics_many([(title, text, lang) for _, title, text, lang in items[i : i + BATCH]])
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        for (key, title, text, lang), many in zip(items, batched, strict=True):
            row = {"key": key, "countries": tag_countries(title, text), "topics": tag_topics(title, text, lang),
                   "batched": many}  # fmt: skip
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(items)


def same_topics(a: list[dict], b: list[dict]) -> bool:
    """Same codes in the same order, scores within SCORE_TOLERANCE."""
    return [t["code"] for t in a] == [t["code"] for t in b] and all(
        abs(x["score"] - y["score"]) <= SCORE_TOLERANCE for x, y in zip(a, b, strict=True)
    )


def compare(old: Path, new: Path) -> int:
    """Print the differences between two dumps; returns how many texts differ."""
    with gzip.open(old, "rt", encoding="utf-8") as fa, gzip.open(new, "rt", encoding="utf-8") as fb:
        rows = list(zip(map(json.loads, fa), map(json.loads, fb), strict=True))
    differ, drift = 0, 0.0
    for a, b in rows:
        assert a["key"] == b["key"], "the dumps list different texts"
        problems = [part for part in ("topics", "batched") if not same_topics(a[part], b[part])]
        problems += ["countries"] if a["countries"] != b["countries"] else []
        for part in ("topics", "batched"):
            if [t["code"] for t in a[part]] == [t["code"] for t in b[part]]:
                drift = max([drift, *(abs(x["score"] - y["score"]) for x, y in zip(a[part], b[part], strict=True))])
        if problems:
            differ += 1
            if differ <= 20:
                print(f"{a['key']}: {', '.join(problems)} differ: {a} != {b}")
    print(f"{len(rows)} texts compared (countries, topics one at a time, topics in batches of {BATCH}): "
          f"{differ} differ; largest score difference {drift:.6f}")  # fmt: skip
    return differ


def main() -> None:
    """dump or compare."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--code", type=Path, help="checkout to import the taggers from (default: this one)")
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        if args.code:
            use_checkout(args.code)
        count = dump(args.out)
        print(f"{count} texts tagged by {sys.modules['tasks.tag.topics'].__file__}")
    else:
        sys.exit(1 if compare(args.old, args.new) else 0)


if __name__ == "__main__":
    main()
