"""Labelled sets for the topic tagger: loading, cleaning, class mapping and the fixed split.

The split is a hash of (set, record id) with a fixed salt, so it is the same on every machine
and in every run: training only ever reads the "train" part, the benchmark reports the "eval"
part (never used to fit or tune anything) and, clearly labelled, the "train" part.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from benchmarks.common import corpus_path, read_jsonl

SPLIT_SALT = "newsflow-topics-20250101"
EVAL_SHARE = 0.4  # share of each shared set kept out of training for the reported figures

ARTS, ECONOMY, LABOUR = "medtop:01000000", "medtop:04000000", "medtop:09000000"
POLITICS, SCIENCE, SPORT = "medtop:11000000", "medtop:13000000", "medtop:15000000"

# The mapping of each set's classes to top-level IPTC Media Topics. "World" in AG News is
# "any topic other than the four named ones": an empty set here, handled by allowed_topics().
BBC_CLASSES: dict[str, frozenset[str]] = {
    "business": frozenset({ECONOMY}),
    "entertainment": frozenset({ARTS}),
    "politics": frozenset({POLITICS}),
    "sport": frozenset({SPORT}),
    "tech": frozenset({SCIENCE}),
}
AG_CLASSES: dict[str, frozenset[str]] = {
    "Sports": frozenset({SPORT}),
    "Business": frozenset({ECONOMY, LABOUR}),
    "Sci/Tech": frozenset({SCIENCE}),
    "World": frozenset(),
}
AG_NOT_WORLD = frozenset({SPORT, ECONOMY, LABOUR, SCIENCE})


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled article and its class in the source set."""

    set_name: str
    id: str
    label: str
    title: str
    text: str


def part_of(set_name: str, record_id: str) -> str:
    """'eval' or 'train': the fixed part of the split a record belongs to."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{set_name}:{record_id}".encode()).digest()
    return "eval" if int.from_bytes(digest[:8], "big") / 2**64 < EVAL_SHARE else "train"


def allowed_topics(item: Item, all_topics: frozenset[str]) -> frozenset[str]:
    """Top-level topics that count as a correct top-1 answer for an item."""
    if item.set_name == "bbc":
        return BBC_CLASSES[item.label]
    return AG_CLASSES[item.label] or (all_topics - AG_NOT_WORLD)


_ENTITY_REMNANT = re.compile(r"#(\d{2,4});")
_NAMED_REMNANT = re.compile(r"(?<![&\w])(quot|amp|gt|lt|hellip);")
_TAG = re.compile(r"<[^>]{1,40}>")


def clean_ag(text: str) -> str:
    """AG News text with its CSV remnants ('#36;', ' quot;', '\\' for a line break, tags) undone."""
    text = _ENTITY_REMNANT.sub(lambda m: chr(int(m.group(1))), text)
    text = _NAMED_REMNANT.sub(lambda m: f"&{m.group(1)};", text)
    text = html.unescape(text.replace("\\", " "))
    return _TAG.sub(" ", text)


def bbc(part: str | None = None) -> Iterator[Item]:
    """BBC News items, optionally only one part of the split."""
    for rec in read_jsonl(corpus_path("labelled/bbc_news.jsonl.gz")):
        item = Item("bbc", rec["id"], rec["category"], rec["title"], rec["body"])
        if part is None or part_of("bbc", item.id) == part:
            yield item


def ag_news(part: str | None = None) -> Iterator[Item]:
    """AG News items, optionally only one part of the split."""
    for rec in read_jsonl(corpus_path("labelled/ag_news_test.jsonl.gz")):
        title, text = clean_ag(rec["title"]), clean_ag(rec["description"])
        item = Item("ag", str(rec["id"]), rec["category"], title, text)
        if part is None or part_of("ag", item.id) == part:
            yield item


def predicted_class(set_name: str, top_code: str | None) -> str:
    """The source-set class a top-1 topic stands for ('(other)' when it stands for none)."""
    classes = BBC_CLASSES if set_name == "bbc" else AG_CLASSES
    for label, codes in classes.items():
        if top_code in codes:
            return label
    return "World" if set_name == "ag" and top_code is not None else "(other)"


def macro_f1(gold: list[str], pred: list[str], classes: list[str]) -> float:
    """Mean F1 over the gold classes (predictions outside them count only as misses)."""
    scores = []
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)
