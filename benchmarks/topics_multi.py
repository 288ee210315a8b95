"""Multilingual topic data: the corpus's labelled sets in six languages, split into FIT and REPORT.

The split is a salted hash of the item id (of the Flores sentence id for SIB-200, so a sentence is
on the same side in every language): training and tuning read only "fit", the benchmark reports
"report". IPTC subject-code labels and definitions (en de fr es it pt) are training text only.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from benchmarks.common import corpus_path, read_jsonl

SALT = "newsflow-topics-multi-2026"
REPORT_SHARE = 0.4
# dataset name -> corpus file; every record has id, lang, title, text, label, iptc
SETS = {
    "masakhanews": "multilingual/masakhanews_en_fr_dev.jsonl.gz",
    "gnad10k": "multilingual/gnad10k_de_dev.jsonl.gz",
    "fakenews_es": "multilingual/fakenews_es_train.jsonl.gz",
    "fakebr": "multilingual/fakebr_pt_true.jsonl.gz",
    "sib200": "multilingual/sib200_train_dev.jsonl.gz",
}
IPTC_FILE = "multilingual/iptc_subjectcodes_multilingual.json.gz"
IPTC_LANGS = {"en-GB": "en", "de": "de", "fr": "fr", "es": "es", "it": "it", "pt-PT": "pt"}


@dataclass(frozen=True, slots=True)
class Doc:
    """One labelled text: codes are the accepted top-level topics (empty = not scored)."""

    set_name: str
    id: str
    lang: str
    label: str
    title: str
    text: str
    codes: tuple[str, ...]
    group: str  # the id the split hashes (flores_id for SIB-200)


def part_of(group: str) -> str:
    """'fit' or 'report': the fixed side of the split of an item (or Flores sentence)."""
    digest = hashlib.sha256(f"{SALT}:{group}".encode()).digest()
    return "report" if int.from_bytes(digest[:8], "big") / 2**64 < REPORT_SHARE else "fit"


def docs(set_name: str, part: str | None = None) -> Iterator[Doc]:
    """Items of one multilingual set, optionally only one part of the split."""
    for rec in read_jsonl(corpus_path(SETS[set_name])):
        group = f"flores:{rec['flores_id']}" if set_name == "sib200" else rec["id"]
        doc = Doc(set_name, rec["id"], rec["lang"], rec["label"], rec.get("title") or "", rec["text"],
                  tuple(rec["iptc"]), group)  # fmt: skip
        if part is None or part_of(group) == part:
            yield doc


def iptc_docs() -> Iterator[Doc]:
    """IPTC subject-code labels with definitions as short texts of their top-level topic."""
    with gzip.open(corpus_path(IPTC_FILE), "rt", encoding="utf-8") as fh:
        concepts = json.load(fh)["concepts"]
    for concept in concepts:
        number = concept["qcode"].split(":")[1]
        code = f"medtop:{number[:2]}000000"
        for key, lang in IPTC_LANGS.items():
            label = concept["label"].get(key, "")
            text = concept.get("definition", {}).get(key, "")
            if label or text:
                yield Doc("iptc", f"{concept['qcode']}-{lang}", lang, number, label, text, (code,), concept["qcode"])
