"""The hand-written topic lexicon (tasks/tag/data/topics_lexicon.toml): word lists per IPTC topic."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tasks.tag.topic_features import term_feature

LEXICON_PATH = Path(__file__).with_name("data") / "topics_lexicon.toml"
TIERS = ("strong", "medium", "weak")


@dataclass(frozen=True, slots=True)
class Topic:
    """One IPTC Media Topic with its own evidence words (feature -> weight)."""

    code: str
    label: str
    parent: str | None
    about: str
    terms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Top-level topics in IPTC order and the second-level topics under them."""

    top: tuple[Topic, ...]
    sub: tuple[Topic, ...]

    def label(self, code: str) -> str:
        """The IPTC name of a topic code."""
        for topic in self.top + self.sub:
            if topic.code == code:
                return topic.label
        raise KeyError(code)


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Parse the lexicon file; raises ValueError on a malformed term or a duplicate code."""
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    weights = {tier: float(raw["weights"][tier]) for tier in TIERS}
    top = tuple(_topic(entry, weights) for entry in raw["topic"])
    sub = tuple(_topic(entry, weights) for entry in raw.get("sub", []))
    codes = [t.code for t in top + sub]
    if len(codes) != len(set(codes)):
        raise ValueError("duplicate topic code in lexicon")
    tops = {t.code for t in top}
    bad = [t.code for t in sub if t.parent not in tops]
    if bad:
        raise ValueError(f"second-level topics without a top-level parent: {bad}")
    return Lexicon(top, sub)


def _topic(entry: dict, weights: dict[str, float]) -> Topic:
    """One topic of the file, its tiered word lists merged into feature weights."""
    terms: dict[str, float] = {}
    for tier in TIERS:
        for term in entry.get(tier, []):
            feature = term_feature(term)
            # A term listed twice keeps its higher tier: lists are edited by hand.
            terms[feature] = max(terms.get(feature, 0.0), weights[tier])
    return Topic(entry["code"], entry["label"], entry.get("parent"), entry["about"], terms)
