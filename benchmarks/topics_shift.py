"""Per-language prior correction of the topic tagger: a bias over the 17 top-level topics per language.

The mixed log-probabilities of the tagger carry the topic priors of the training mix, which differ
from what each language's news needs (label shift: Spanish "Security" stories were read as politics,
Portuguese everyday-life stories as politics). One bias vector per language, added to the mixed
log-probabilities before the temperature, is fitted on the DEV slice of FIT, where the word model and
the embedding layer were fitted without those texts, so their outputs are as on unseen news. Each
label of each set and language weighs the same (the balanced accuracy the benchmark reports). An L2
pull towards zero, per text and chosen by cross-validated log-loss on DEV, keeps a language with
little data near zero; a language whose correction does not earn its keep in cross-validation gets
none. Fitted on news articles (40 words or more) and applied to those only.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict

import numpy as np

from benchmarks import topics_multi as multi
from benchmarks.topics_fit import _lse, lbfgs
from benchmarks.train_topics import soft_targets

L2_GRID = (1.0, 3.0, 10.0, 30.0)
FOLDS = 5
MIN_GAIN = 0.02  # nats of cross-validated log-loss a correction must earn to be kept
MIN_TEXTS = 50  # about three DEV texts per fitted number: fewer give a noise fit (French had 18)
SIB_WEIGHT = 0.5  # SIB-200 sentences: half a news set (they are not news)


def weights_targets(docs: list[multi.Doc], codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Soft targets and item weights: every label of every (set, language) block weighs the same."""
    t = soft_targets(docs, codes)
    labels = Counter((d.set_name, d.lang, d.label) for d in docs)
    per_block = Counter(key[:2] for key in labels)
    w = np.array([(SIB_WEIGHT if d.set_name == "sib200" else 1.0)
                  / (per_block[d.set_name, d.lang] * labels[d.set_name, d.lang, d.label]) for d in docs])  # fmt: skip
    return t, w / w.sum()


class _Shift:
    """Weighted cross-entropy of softmax(z + b) to the targets, with an L2 pull of b towards zero."""

    def __init__(self, z: np.ndarray, t: np.ndarray, w: np.ndarray, l2: float):
        self.z, self.t, self.w, self.l2 = z, t, w, l2

    def loss_grad(self, b: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective and gradient at the bias b."""
        z = self.z + b
        lse = _lse(z)
        g = (np.exp(z - lse[:, None]) - self.t) * self.w[:, None]
        loss = float(self.w @ (lse - (self.t * z).sum(1))) + 0.5 * self.l2 * float(b @ b)
        return loss, g.sum(0) + self.l2 * b


def fit_shift(z: np.ndarray, docs: list[multi.Doc], codes: list[str], l2: float) -> np.ndarray:
    """The bias (topics,) for one language's DEV texts, centred (softmax ignores a constant)."""
    t, w = weights_targets(docs, codes)
    # The pull is per text: a language with few DEV texts keeps a bias near zero.
    b = lbfgs(_Shift(z, t, w, l2 / len(docs)), np.zeros(len(codes)), iters=200)
    return b - b.mean()


def _fold(doc: multi.Doc) -> int:
    """The cross-validation fold of a DEV text (salted hash of its group, fixed across runs)."""
    digest = hashlib.sha256(f"shift-folds:{doc.group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % FOLDS


def _balanced(docs: list[multi.Doc], z: np.ndarray, codes: list[str]) -> dict[tuple[str, str], float]:
    """Balanced top-1 accuracy per (set, language) block."""
    blocks: dict[tuple[str, str], dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for d, row in zip(docs, z, strict=True):
        blocks[d.set_name, d.lang][d.label].append(codes[int(row.argmax())] in d.codes)
    return {k: float(np.mean([np.mean(v) for v in labels.values()])) for k, labels in blocks.items()}


def choose_l2(z: np.ndarray, docs: list[multi.Doc], codes: list[str]) -> dict[str, float]:
    """Per language, the L2 strength with the least cross-validated weighted log-loss on that
    language's DEV texts (balanced accuracy on a few texts per label is too noisy to choose by); a
    language gets no correction unless that loss falls by MIN_GAIN and balanced accuracy does not fall."""
    folds = np.array([_fold(d) for d in docs])
    chosen = {}
    for lang in sorted({d.lang for d in docs}):
        mine = np.flatnonzero([d.lang == lang for d in docs])
        if len(mine) < MIN_TEXTS:
            print(f"  {lang}: {len(mine)} DEV news texts, too few for a correction")
            continue
        sub, zs, fs = [docs[i] for i in mine], z[mine], folds[mine]
        t, w = weights_targets(sub, codes)
        base_loss, base_acc = _loss(zs, t, w), _mean_balanced(sub, zs, codes)
        best, best_l2 = base_loss - MIN_GAIN, None
        for l2 in L2_GRID:
            out = zs.copy()
            for f in range(FOLDS):
                fit, held = fs != f, fs == f
                if held.any() and fit.any():
                    out[held] += fit_shift(zs[fit], [sub[i] for i in np.flatnonzero(fit)], codes, l2)
            loss, acc = _loss(out, t, w), _mean_balanced(sub, out, codes)
            print(f"  {lang}: bias with L2 {l2}: cross-validated DEV log-loss {loss:.3f}, balanced accuracy "
                  f"{acc:.3f} (none: {base_loss:.3f}, {base_acc:.3f})")  # fmt: skip
            if loss < best and acc >= base_acc:
                best, best_l2 = loss, l2
        if best_l2 is not None:
            chosen[lang] = best_l2
    return chosen


def _loss(z: np.ndarray, t: np.ndarray, w: np.ndarray) -> float:
    """Weighted cross-entropy of softmax(z) to the targets."""
    return float(w @ (_lse(z) - (t * z).sum(1)))


def _mean_balanced(docs: list[multi.Doc], z: np.ndarray, codes: list[str]) -> float:
    """Mean over blocks of balanced top-1 accuracy."""
    return float(np.mean(list(_balanced(docs, z, codes).values())))


def fit_all(z: np.ndarray, docs: list[multi.Doc], codes: list[str], l2: dict[str, float]) -> dict[str, np.ndarray]:
    """Biases fitted on all DEV texts of each language that l2 gives a strength for."""
    out = {}
    for lang, strength in sorted(l2.items()):
        mine = np.flatnonzero([d.lang == lang for d in docs])
        out[lang] = fit_shift(z[mine], [docs[i] for i in mine], codes, strength)
    return out
