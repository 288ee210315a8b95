"""Multilingual topic figures: balanced accuracy, coverage, SIB-200 agreement, speed and memory.

Called by benchmarks/topics.py. Balanced accuracy: mean over a set's gold labels of the share of
its items whose top-1 topic is one of the label's accepted codes (an item with no topic counts as
wrong). Coverage: share of texts with any topic. SIB-200 agreement: share of Flores sentences
whose translation gets the same top-1 topic as the English sentence (no topic on both counts).
Speed: articles per second of wall-clock time and per CPU-second (the figure to read on a machine
shared with other work), on one core, one article at a time (as ingestion tags) and, last figure,
in retag's batches (tasks/process.tag_batch: the leads of a batch are embedded together).
"""

from __future__ import annotations

import resource
import time
from collections import defaultdict

from benchmarks import topics_multi as multi
from tasks.tag import topic_embed
from tasks.tag.countries import tag_countries
from tasks.tag.topics import tag_topics, tag_topics_many

SIB_LANGS = ("de", "fr", "es", "pt", "it", "nl", "pl", "tr", "ru", "ar", "zh", "ja")
SPEED_WORDS = 600
SIB_SPEED_LANGS = ("it", "ru", "ar", "zh", "ja")  # languages without news sets: spliced SIB-200 sentences
UNSPACED, UNSPACED_CHARS = ("zh", "ja"), 1500
MIN_TAGGED = 150  # articles timed at least, per language and measure (small sets: several passes)
BATCH = 200  # articles per tasks/process.tag_batch call in a retag (tasks/store/retag.BATCH)


def top1(doc: multi.Doc) -> str | None:
    """The top-level topic the tagger puts first for a text, None for no topic."""
    topics = tag_topics(doc.title, doc.text, doc.lang)
    return topics[0]["code"] if topics else None


def report_sets(part: str) -> None:
    """Per set and language: balanced accuracy, coverage and per-label accuracy."""
    for name in multi.SETS:
        by_lang: dict[str, list[tuple[multi.Doc, str | None]]] = defaultdict(list)
        for doc in multi.docs(name, part):
            if name != "sib200" or doc.lang in ("en", *SIB_LANGS):
                by_lang[doc.lang].append((doc, top1(doc)))
        for lang, pairs in sorted(by_lang.items()):
            labels: dict[str, list[bool]] = defaultdict(list)
            for doc, code in pairs:
                if doc.codes:
                    labels[doc.label].append(code in doc.codes)
            balanced = sum(sum(v) / len(v) for v in labels.values()) / len(labels)
            coverage = sum(code is not None for _, code in pairs) / len(pairs)
            per_label = "  ".join(f"{lab} {sum(v) / len(v):.2f}/{len(v)}" for lab, v in sorted(labels.items()))
            print(f"{name:12} {lang}  n={len(pairs):5}  balanced accuracy {balanced:.3f}  coverage {coverage:.3f}")
            print(f"{'':17}{per_label}")
        if name == "sib200":
            agreement(by_lang)


def agreement(by_lang: dict[str, list[tuple[multi.Doc, str | None]]]) -> None:
    """SIB-200: share of sentences whose top-1 topic equals the English sentence's."""
    english = {doc.group: code for doc, code in by_lang["en"]}
    shares = []
    for lang in SIB_LANGS:
        same = [code == english[doc.group] for doc, code in by_lang[lang] if doc.group in english]
        shares.append(f"{lang} {sum(same) / len(same):.3f}")
    print("sib200 top-1 agreement with English: " + "  ".join(shares))


def speed_texts(part: str) -> dict[str, list[str]]:
    """Up to 300 texts of 600 words per language, spliced from the part's news sets (Italian, Russian,
    Arabic: SIB-200 sentences); Chinese and Japanese, written without spaces: texts of 1,500 characters."""
    texts: dict[str, list[str]] = defaultdict(list)
    for name in ("masakhanews", "gnad10k", "fakenews_es", "fakebr", "sib200"):
        for doc in multi.docs(name, part):
            if name != "sib200" or doc.lang in SIB_SPEED_LANGS:
                texts[doc.lang].append(doc.text)
    out = {}
    for lang, parts in sorted(texts.items()):
        if lang in UNSPACED:
            joined = "".join(parts)
            out[lang] = [joined[i : i + UNSPACED_CHARS] for i in range(0, len(joined) - UNSPACED_CHARS,
                                                                          UNSPACED_CHARS)][:300]  # fmt: skip
            continue
        words = " ".join(parts).split()
        starts = range(0, len(words) - SPEED_WORDS, SPEED_WORDS)
        out[lang] = [" ".join(words[i : i + SPEED_WORDS]) for i in starts][:300]
    return out


def speed(part: str) -> None:
    """Articles/s on one core for 600-word articles per language: topics, and countries + topics."""
    tag_countries("Paris", "Warm-up: loads the country model outside the timed runs.")
    for lang, articles in speed_texts(part).items():
        topics, both = _timed(articles, lang, False), _timed(articles, lang, True)
        batched = _timed_batches(articles, lang)
        n = len(articles)
        print(f"speed {lang}: topics {n / topics[0]:,.0f} articles/s ({n / topics[1]:,.0f} per CPU-second), "
              f"countries + topics {n / both[0]:,.0f} articles/s ({n / both[1]:,.0f} per CPU-second) "
              f"({n} articles of {f'{UNSPACED_CHARS} characters' if lang in UNSPACED else f'{SPEED_WORDS} words'}, "
              f"{_passes(articles)} pass(es), one core); in retag's batches of {BATCH}: "
              f"{n / batched:,.0f} per CPU-second")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process with both models loaded: {rss:.0f} MB")


def speed_real(part: str) -> None:
    """CPU speed on real articles of 300 words or more, cut at 600: a story's words agree on its
    topic more often than those of the spliced 600-word texts above, so the embedding is skipped more."""
    for name, lang in (("masakhanews", "en"), ("masakhanews", "fr"), ("gnad10k", "de"), ("fakenews_es", "es"),
                       ("fakebr", "pt")):  # fmt: skip
        docs = [d for d in multi.docs(name, part) if d.lang == lang and len(d.text.split()) >= 300][:300]
        _cold()
        cpu = time.process_time()
        for d in docs:
            body = " ".join(d.text.split()[:SPEED_WORDS])
            tag_countries(d.title, body)
            tag_topics(d.title, body, lang)
        seconds = time.process_time() - cpu
        print(f"speed {lang}, real articles: countries + topics {len(docs) / seconds:,.0f} per CPU-second "
              f"({len(docs)} {name} articles of 300-{SPEED_WORDS} words)")  # fmt: skip


def _cold() -> None:
    """Taggers before topics version 5 remembered each word's encoder pieces: an A/B run against
    one (benchmarks/tagging_ab.py) empties that memo before every pass, as a fresh worker starts."""
    forget = getattr(topic_embed, "forget_words", None)
    if forget is not None:
        forget()


def _passes(articles: list[str]) -> int:
    """Passes over a set so that at least MIN_TAGGED articles are timed (Italian, Russian, Arabic,
    Chinese and Japanese have 9-13 texts: one pass is a few tens of milliseconds, at the mercy of
    one busy moment of the machine). Nothing is remembered from one pass to the next."""
    return max(1, -(-MIN_TAGGED // len(articles)))


def _timed(articles: list[str], lang: str, with_countries: bool) -> tuple[float, float]:
    """Wall-clock and CPU seconds to tag the articles once (CPU time is what counts on a machine
    others share), the mean of _passes(articles) passes."""
    wall = cpu = 0.0
    passes = _passes(articles)
    for _ in range(passes):
        _cold()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for body in articles:
            if with_countries:
                tag_countries("", body)
            tag_topics("", body, lang)
        wall, cpu = wall + time.perf_counter() - wall0, cpu + time.process_time() - cpu0
    return wall / passes, cpu / passes


def _timed_batches(articles: list[str], lang: str) -> float:
    """CPU seconds to tag the articles (countries + topics) as retag's tag_batch does, BATCH at a
    time, the mean of _passes(articles) passes."""
    cpu = 0.0
    passes = _passes(articles)
    for _ in range(passes):
        _cold()
        cpu0 = time.process_time()
        for i in range(0, len(articles), BATCH):
            batch = articles[i : i + BATCH]
            for body in batch:
                tag_countries("", body)
            tag_topics_many([("", body, lang) for body in batch])
        cpu += time.process_time() - cpu0
    return cpu / passes


def main(part: str) -> None:
    """All multilingual figures for one part of the split."""
    label = "never used to fit or tune" if part == "report" else "used to fit: optimistic"
    print(f"\n######## multilingual sets, {part} part ({label}) ########")
    report_sets(part)
    speed(part)
    speed_real(part)
