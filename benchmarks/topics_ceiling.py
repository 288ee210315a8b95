"""How far a labelled set's own labels can be learnt from its words: a yardstick for the topic tagger.

    python -m benchmarks.topics_ceiling [SET ...]      # default: every news set of benchmarks/topics_multi

For each news set and language: a nearest-centroid classifier on sublinear tf-idf word vectors
(unit length; one centroid per gold label, so small labels weigh as much as large ones), fitted
on the FIT part and printed on the REPORT part, with the same balanced accuracy as
benchmarks/topics_multi_eval.py (mean over gold labels of the share predicted right). It learns
each dataset's own labelling conventions, which the tagger (one IPTC meaning in every language)
does not: when this in-domain baseline scores well under the tagger, the set's labels follow
its words only loosely (a section is an editorial choice), and a target far above both is
a statement about the labels, not the tagger. Not a model newsflow ships.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict

import numpy as np

from benchmarks import topics_multi as multi

NEWS_SETS = ("masakhanews", "gnad10k", "fakenews_es", "fakebr")
READ_WORDS = 400  # the head of long texts, as a tagger reads them
_WORD = re.compile(r"\w+")


def words(doc: multi.Doc) -> Counter[str]:
    return Counter(_WORD.findall(f"{doc.title} {' '.join(doc.text.split()[:READ_WORDS])}".lower()))


class Centroids:
    """Nearest centroid over tf-idf vectors, one centroid per label."""

    def __init__(self, docs: list[multi.Doc]) -> None:
        counts = [words(d) for d in docs]
        self.index = {w: i for i, w in enumerate(sorted({w for c in counts for w in c}))}
        df = np.zeros(len(self.index))
        for c in counts:
            df[[self.index[w] for w in c]] += 1
        self.idf = np.log((1 + len(docs)) / (1 + df)) + 1
        x = self.vectors(counts)
        self.labels = sorted({d.label for d in docs})
        rows = np.array([self.labels.index(d.label) for d in docs])
        centroids = np.array([x[rows == k].mean(0) for k in range(len(self.labels))])
        self.centroids = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)

    def vectors(self, counts: list[Counter[str]]) -> np.ndarray:
        x = np.zeros((len(counts), len(self.index)))
        for i, c in enumerate(counts):
            for w, n in c.items():
                if w in self.index:
                    x[i, self.index[w]] = 1 + np.log(n)
        x *= self.idf
        return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)

    def predict(self, docs: list[multi.Doc]) -> list[str]:
        scores = self.vectors([words(d) for d in docs]) @ self.centroids.T
        return [self.labels[k] for k in scores.argmax(1)]


def balanced_accuracy(gold: list[str], predicted: list[str]) -> tuple[float, dict[str, float]]:
    """Mean over gold labels of the share of their items predicted right, and the per-label shares."""
    hits: dict[str, list[bool]] = defaultdict(list)
    for g, p in zip(gold, predicted, strict=True):
        hits[g].append(g == p)
    per_label = {label: float(np.mean(v)) for label, v in sorted(hits.items())}
    return float(np.mean(list(per_label.values()))), per_label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", help=f"any of {', '.join(NEWS_SETS)} (default: all)")
    args = parser.parse_args()
    if unknown := set(args.sets) - set(NEWS_SETS):
        parser.error(f"unknown set(s): {', '.join(sorted(unknown))}; choose from {', '.join(NEWS_SETS)}")
    for name in args.sets or NEWS_SETS:
        fit, report = defaultdict(list), defaultdict(list)
        for part, bucket in (("fit", fit), ("report", report)):
            for doc in multi.docs(name, part):
                if doc.codes:  # labels the benchmark scores (Panorama, geography... are not)
                    bucket[doc.lang].append(doc)
        for lang in sorted(report):
            model = Centroids(fit[lang])
            score, per_label = balanced_accuracy([d.label for d in report[lang]], model.predict(report[lang]))
            labels = "  ".join(f"{k} {v:.2f}" for k, v in per_label.items())
            print(f"{name:<12} {lang}  fit {len(fit[lang]):>5}  report {len(report[lang]):>5}  "
                  f"in-domain balanced accuracy {score:.3f}\n{'':17}{labels}")


if __name__ == "__main__":
    main()
