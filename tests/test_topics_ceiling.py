"""The in-domain yardstick of benchmarks/topics_ceiling.py: nearest centroid and balanced accuracy."""

from __future__ import annotations

from benchmarks.topics_ceiling import Centroids, balanced_accuracy
from benchmarks.topics_multi import Doc


def doc(label: str, text: str) -> Doc:
    return Doc("toy", text, "en", label, "", text, ("medtop:01000000",), text)


def test_each_label_gets_its_own_words() -> None:
    fit = [doc("sport", "match goal league coach"), doc("sport", "goal striker league"),
           doc("money", "bank shares inflation"), doc("money", "shares market bank rates")]
    model = Centroids(fit)
    assert model.predict([doc("?", "the league coach praised the striker"), doc("?", "bank rates and inflation")]) \
        == ["sport", "money"]


def test_balanced_accuracy_weighs_labels_equally() -> None:
    score, per_label = balanced_accuracy(["a", "a", "a", "b"], ["a", "a", "a", "a"])
    assert per_label == {"a": 1.0, "b": 0.0} and score == 0.5
