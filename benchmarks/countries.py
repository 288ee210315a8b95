"""Country tagging against Reuters-21578 PLACES, and tagging speed on ~600-word articles.

Run from the project root: `python benchmarks/countries.py [--limit N] [--speed-articles N]`.

Scoring (issue 3): text = title + dateline + body as the story ran on the wire; truth = the story's
PLACES mapped to ISO codes by labelled/reuters21578_places_iso2.json (a null mapping is dropped);
prediction = every country tag_countries() returns. Micro P/R/F1 pool all (story, country) pairs;
macro F1 averages the per-country F1 over countries that occur in the truth.

Parts: the tagger's rules, aliases and the passing-mention model (tasks/tag/country_keep.py) were
tuned on Reuters FIT = lewissplit TRAIN only; REPORT = the other stories (lewissplit TEST and
NOT-USED). Figures are printed for REPORT, TEST, NOT-USED, FIT and ALL.
Then SIB-200 agreement per language (benchmarks/countries_sib.py) and speed per language.

Stories without PLACES are not scored: in Reuters-21578 an empty PLACES field means "not indexed"
(New York datelines, BRIEF headlines with no body), not "about no country", so counting every
country found in them as a false positive would measure the annotation gap, not the tagger. How many
there are and how many countries the tagger finds in them is printed on its own line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import corpus_path, read_jsonl  # noqa: E402
from benchmarks.countries_sib import report_sib, report_speed  # noqa: E402
from tasks.tag.countries import VERSION, tag_countries  # noqa: E402

RECORDS = "labelled/reuters21578.jsonl.gz"
PLACES_MAP = "labelled/reuters21578_places_iso2.json"
SPEED_WORDS = 600


def wire_text(record: dict) -> tuple[str, str]:
    """(title, text) as the story ran: the dateline opens the body ('NEW YORK, March 3 - ...')."""
    dateline = (record.get("dateline") or "").strip()
    body = record.get("body") or ""
    return record.get("title") or "", f"{dateline} {body}" if dateline else body


def truth(record: dict, mapping: dict[str, str | None]) -> set[str]:
    """ISO codes of the story's PLACES, excluding places mapped to null."""
    return {code for place in record["places"] if (code := mapping.get(place))}


class Scores:
    """Counts of true positives, false positives and false negatives per country."""

    def __init__(self) -> None:
        """Empty counts."""
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()

    def add(self, gold: set[str], predicted: set[str]) -> None:
        """Count one story."""
        self.tp.update(gold & predicted)
        self.fp.update(predicted - gold)
        self.fn.update(gold - predicted)

    def micro(self) -> tuple[float, float, float]:
        """Micro precision, recall and F1."""
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        return _prf(tp, fp, fn)

    def macro_f1(self) -> float:
        """Mean per-country F1 over countries present in the truth."""
        countries = {c for c in self.tp | self.fn if self.tp[c] + self.fn[c]}
        f1s = [_prf(self.tp[c], self.fp[c], self.fn[c])[2] for c in countries]
        return sum(f1s) / len(f1s) if f1s else 0.0


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 from counts (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(records: list[dict], mapping: dict[str, str | None]) -> dict:
    """Scores over labelled stories (all countries; focus countries only) and unlabelled counts."""
    every, focus = Scores(), Scores()
    unlabelled, unlabelled_tags = 0, 0
    for record in records:
        tags = tag_countries(*wire_text(record))
        gold = truth(record, mapping)
        if not gold:
            unlabelled += 1
            unlabelled_tags += len(tags)
            continue
        every.add(gold, {t["code"] for t in tags})
        focus.add(gold, {t["code"] for t in tags if t["focus"]})
    return {"all": every, "focus": focus, "unlabelled": (unlabelled, unlabelled_tags)}


def speed_articles(records: list[dict], count: int) -> list[tuple[str, str]]:
    """Articles of ~600 words made by joining consecutive Reuters stories (mixed-case wire text)."""
    words: list[str] = []
    articles: list[tuple[str, str]] = []
    for record in records:
        title, text = wire_text(record)
        words.extend(text.split())
        if len(words) >= SPEED_WORDS:
            articles.append((title.title(), " ".join(words[:SPEED_WORDS])))
            words = words[SPEED_WORDS:]
            if len(articles) == count:
                break
    return articles


def measure_speed(articles: list[tuple[str, str]], passes: int = 5) -> float:
    """Articles per CPU-second of one thread (gazetteer already built).

    CPU time rather than wall time, and the best of several passes as timeit does, so that other
    processes competing for the machine's cores are not counted against the tagger.
    """
    tag_countries(*articles[0])
    best = float("inf")
    for _ in range(passes):
        start = time.process_time()
        for title, text in articles:
            tag_countries(title, text)
        best = min(best, time.process_time() - start)
    return len(articles) / best


def report(result: dict, labelled: int, speed: float, n_speed: int, part: str = "ALL") -> None:
    """Print the figures."""
    every, focus = result["all"], result["focus"]
    p, r, f = every.micro()
    print(f"Reuters-21578 shared records, {part}: {labelled} stories with PLACES scored")
    print(f"micro precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    countries = len(+every.tp + every.fn)
    print(f"macro F1 {every.macro_f1():.3f} (over {countries} countries in the truth)")
    fp_, fr_, ff_ = focus.micro()
    print(f"focus countries only: micro P {fp_:.3f}  R {fr_:.3f}  F1 {ff_:.3f}")
    n, tags = result["unlabelled"]
    print(f"not scored: {n} stories without PLACES (unindexed); {tags} countries found in them")
    print("10 most frequent false positives:", _top(every.fp))
    print("10 most frequent false negatives:", _top(every.fn))
    print(
        f"speed: {speed:,.0f} articles/s on one core "
        f"(CPU time, best of 5 passes over {n_speed} articles of {SPEED_WORDS} words)"
    )


def _top(counter: Counter[str]) -> str:
    """'US 12, GB 7, ...' for the ten largest counts."""
    return ", ".join(f"{code} {n}" for code, n in counter.most_common(10))


def main() -> None:
    """Run the evaluation and the speed test."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="score only the first N records")
    parser.add_argument("--speed-articles", type=int, default=2000)
    parser.add_argument("--no-sib", action="store_true", help="skip SIB-200 and per-language speed")
    args = parser.parse_args()
    print(f"tagger version {VERSION}")
    mapping = json.loads(corpus_path(PLACES_MAP).read_text(encoding="utf-8"))["map"]
    records = list(read_jsonl(corpus_path(RECORDS)))
    scored = records[: args.limit] if args.limit else records
    speed = measure_speed(speed_articles(records, args.speed_articles))
    split = {name: [r for r in scored if r.get("lewissplit") == name] for name in ("TRAIN", "TEST")}
    not_used = [r for r in scored if r.get("lewissplit") not in ("TRAIN", "TEST")]
    parts = (
        ("REPORT (lewissplit TEST + NOT-USED)", split["TEST"] + not_used),
        ("TEST", split["TEST"]),
        ("NOT-USED", not_used),
        ("FIT (lewissplit TRAIN, tuned on)", split["TRAIN"]),
        ("ALL", scored),
    )
    for part, chosen in parts:
        result = evaluate(chosen, mapping)
        report(result, len(chosen) - result["unlabelled"][0], speed, args.speed_articles, part)
        print()
    if not args.no_sib:
        report_sib(tag_countries)
        print()
        report_speed(tag_countries, ("en", "de", "fr", "ru", "uk", "ar", "hi", "zh", "ja"))


if __name__ == "__main__":
    main()
