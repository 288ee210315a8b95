"""SIB-200 country agreement: the countries tagged in a translated sentence against those in English.

Each Flores-200 sentence exists in 17 languages (same `flores_id`). For every non-English language,
micro-F1 pools (sentence, country) pairs of tag_countries(translation) against tag_countries(English)
as the tagger is configured for production (passing mentions are left out by tasks/tag/country_keep.py
the same way on both sides). Sentences where neither side has a country add nothing.

Split: a salted hash of `flores_id` puts a quarter of the sentences in REPORT (never tuned on) and
the rest in FIT (aliases and rules were tuned by looking at FIT disagreements only).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import defaultdict
from collections.abc import Callable

from benchmarks.common import corpus_path, read_jsonl

RECORDS = "multilingual/sib200_train_dev.jsonl.gz"
SPLIT_SALT = "countries-sib-2026"
REPORT_SHARE = 0.25

Tagger = Callable[[str, str], list[dict]]


def part_of(flores_id: str) -> str:
    """'report' for a fixed quarter of the sentences by salted hash, else 'fit'."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{flores_id}".encode()).digest()
    return "report" if digest[0] < 256 * REPORT_SHARE else "fit"


def sentences() -> dict[str, dict[str, str]]:
    """flores_id -> language -> sentence."""
    table: defaultdict[str, dict[str, str]] = defaultdict(dict)
    for record in read_jsonl(corpus_path(RECORDS)):
        table[record["flores_id"]][record["lang"]] = record["text"]
    return table


def tagged(tag: Tagger, table: dict[str, dict[str, str]]) -> dict[str, dict[str, set[str]]]:
    """flores_id -> language -> country set."""
    return {
        fid: {lang: {t["code"] for t in tag("", text)} for lang, text in langs.items()} for fid, langs in table.items()
    }


def agreement(sets: dict[str, dict[str, set[str]]], part: str) -> dict[str, tuple[float, int]]:
    """Language -> (micro-F1 against English, English country mentions) over one part."""
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for fid, langs in sets.items():
        if part != "all" and part_of(fid) != part:
            continue
        english = langs.get("en", set())
        for lang, found in langs.items():
            if lang != "en":
                tp_fp_fn = counts[lang]
                tp_fp_fn[0] += len(found & english)
                tp_fp_fn[1] += len(found - english)
                tp_fp_fn[2] += len(english - found)
    out = {}
    for lang, (tp, fp, fn) in sorted(counts.items()):
        out[lang] = ((2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 1.0, tp + fn)
    return out


def interval(sets: dict[str, dict[str, set[str]]], lang: str, part: str, draws: int = 500) -> tuple[float, float]:
    """90% bootstrap interval of the micro-F1, resampling sentences (the REPORT part is small)."""
    rows = []
    for fid, langs in sets.items():
        if part_of(fid) == part:
            english, found = langs.get("en", set()), langs.get(lang, set())
            rows.append((len(found & english), len(found - english) + len(english - found)))
    rng, scores = random.Random(0), []
    for _ in range(draws):
        sample = rng.choices(rows, k=len(rows))
        tp, wrong = sum(r[0] for r in sample), sum(r[1] for r in sample)
        scores.append(2 * tp / (2 * tp + wrong) if tp + wrong else 1.0)
    scores.sort()
    return scores[int(0.05 * draws)], scores[int(0.95 * draws) - 1]


def disagreements(sets: dict[str, dict[str, set[str]]], table: dict, lang: str, part: str = "fit"):
    """(flores_id, English set, translated set, sentence) where the two differ (for tuning)."""
    for fid, langs in sets.items():
        if part_of(fid) == part and langs.get(lang, set()) != langs.get("en", set()):
            yield fid, langs.get("en", set()), langs.get(lang, set()), table[fid][lang]


def report_sib(tag: Tagger) -> dict[str, dict[str, set[str]]]:
    """Print agreement per language for REPORT and FIT; returns the tagged sets."""
    table = sentences()
    start = time.process_time()
    sets = tagged(tag, table)
    seconds = time.process_time() - start
    n = sum(len(langs) for langs in table.values())
    print(f"SIB-200 country agreement with English (micro-F1; production settings; {n} sentences")
    print(f"tagged in {seconds:.1f} s CPU). REPORT = held out from tuning; FIT = tuned on.")
    report, fit = agreement(sets, "report"), agreement(sets, "fit")
    print("lang  REPORT F1 (en countries) [90% bootstrap]   FIT F1 (en countries)")
    for lang in report:
        (rf, rn), (ff, fn) = report[lang], fit[lang]
        low, high = interval(sets, lang, "report")
        print(f"{lang:4}  {rf:.3f} ({rn:4d}) [{low:.3f}, {high:.3f}]           {ff:.3f} ({fn:4d})")
    return sets


def parallel_articles(table: dict[str, dict[str, str]], lang: str, words: int, count: int) -> list:
    """(title, text) articles in one language, each translating ~`words` English words."""
    articles, parts, english = [], [], 0
    for fid in sorted(table):
        langs = table[fid]
        if lang not in langs or "en" not in langs:
            continue
        parts.append(langs[lang])
        english += len(langs["en"].split())
        if english >= words:
            articles.append(("", " ".join(parts)))
            parts, english = [], 0
            if len(articles) == count:
                break
    return articles


def report_speed(tag: Tagger, langs: tuple[str, ...], words: int = 600, count: int = 40) -> None:
    """Articles per CPU-second of one thread, per language (best of 5 passes)."""
    table = sentences()
    print(f"speed per language (articles translating {words} English words, CPU time, 1 thread):")
    for lang in langs:
        articles = parallel_articles(table, lang, words, count)
        tag(*articles[0])
        best = float("inf")
        for _ in range(5):
            start = time.process_time()
            for title, text in articles:
                tag(title, text)
            best = min(best, time.process_time() - start)
        rate = len(articles) / best
        print(f"  {lang}: {rate:,.0f} articles/s ({1000 / rate:.2f} ms an article, {len(articles)} articles)")
