"""Passing mention or subject? The decision to list a country, learned from Reuters-21578.

Reuters PLACES name the countries a story is about, not every country it names ("a U.S. unit",
"in London trading"). A logistic regression over language-independent features of a country's
coverage (how often, where and in what form it is named) predicts whether an editor would list it.

Provenance: fitted with Newton steps (L2 1e-3) on the 24,302 (story, country) candidates of the
Reuters-21578 lewissplit TRAIN stories with PLACES; the threshold is the one that balanced precision
and recall on TRAIN (P 0.922, R 0.938). TEST and NOT-USED stories were not used for fitting.
Weights derived from Reuters-21578 (distributed by D. D. Lewis for research use); code and weights
written for this project.
"""

from __future__ import annotations

import math
from typing import Protocol

# Feature -> weight (log-odds); see features() for the definitions.
WEIGHTS: dict[str, float] = {
    "bias": -1.825,
    "log_mentions": 0.848,
    "share": 0.731,
    "top": 0.987,
    "title": 0.499,
    "dateline": 3.344,
    "lead": 0.816,
    "log_countries": 0.048,
    "log_length": -0.065,
    "adjective_share": -0.933,
    "place_share": -0.613,
    "single": 0.049,
}
KEEP_PROBABILITY = 0.35
# A text of a sentence or two (a headline with a teaser, a caption) has no passing mentions: every
# country it names is kept. On Reuters TRAIN this costs 0.004 precision and gains 0.001 recall.
SHORT_TEXT = 400
LEAD_CHARS = 300
# Alias kinds that name a country only indirectly: as an adjective, or through a place in it.
ADJECTIVE_KINDS = frozenset({"demonym", "adj"})
PLACE_KINDS = frozenset({"capital", "city", "region"})


class Covered(Protocol):
    """What features() reads of a country's coverage (tasks.tag.countries.Coverage)."""

    mentions: int
    salience: float
    first: int
    dateline: bool
    adjectives: int
    places: int
    groups: int


def features(entry: Covered, rank: int, top: float, countries: int, title_end: int, length: int) -> dict[str, float]:
    """The model's inputs for one country of an article (rank 0 = most salient)."""
    mentions = max(entry.mentions, 1)
    return {
        "bias": 1.0,
        "log_mentions": math.log(mentions),
        "share": entry.salience / top if top else 0.0,
        "top": float(rank == 0),
        "title": float(title_end > 1 and entry.first < title_end),
        "dateline": float(entry.dateline),
        "lead": float(entry.first < LEAD_CHARS),
        "log_countries": math.log(max(countries, 1)),
        "log_length": math.log(length / 1000 + 0.1),
        "adjective_share": entry.adjectives / mentions,
        "place_share": entry.places / mentions,
        "single": float(mentions == 1),
    }


def keep_probability(values: dict[str, float]) -> float:
    """Probability that the country is one the article is about."""
    score = sum(WEIGHTS[name] * value for name, value in values.items())
    return 1 / (1 + math.exp(-score))


def listed(entry: Covered, rank: int, top: float, countries: int, title_end: int, length: int) -> bool:
    """True when the country is a subject of the article rather than a passing mention.

    Besides the model: countries named through a specific grouping ("Northern Triangle", "Benelux")
    and on their own are the subject (too rare in Reuters to learn: 21 TRAIN candidates; the rule
    changes TRAIN precision and recall by under 0.001).
    """
    if length <= SHORT_TEXT or (entry.groups and entry.mentions > entry.groups):
        return True
    values = features(entry, rank, top, countries, title_end, length)
    return keep_probability(values) >= KEEP_PROBABILITY
