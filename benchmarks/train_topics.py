"""Fit the multilingual topic model and write tasks/tag/data/topics_words.npz.

    python -m benchmarks.train_topics [--cache /tmp/newsflow-topics]
    python -m benchmarks.train_topics_mix [--cache /tmp/newsflow-topics]   # then: the embedding layer and mix

Trained on: the FIT part of every multilingual set (benchmarks/topics_multi: masakhanews en+fr,
10kGNAD de, FakeNewsCorpusSpanish es, Fake.br pt, SIB-200 in 17 languages), the "train" part of
BBC News and AG News (benchmarks/topics_data), the IPTC subject-code labels and definitions in six
languages, and the single-word terms of the hand-written lexicon. REPORT parts and the BBC/AG
"eval" part are never read. Two stages, both softmax regressions over the 17 top-level topics:
1. weights on the idf-weighted mean of the texts' USE multilingual word vectors (one 512 x 17
   matrix shared by all languages: a word never seen in training still gets the topic evidence
   of its translation);
2. per-word weights starting from, and pulled towards, those of stage 1, fitted on the same texts.
The temperature and listing threshold are chosen on a DEV part of FIT (salted hash) fitted apart.
Deterministic: fixed splits, full-batch L-BFGS from fixed starts.
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks import topics_data as data
from benchmarks import topics_multi as multi
from benchmarks import topics_words as words
from benchmarks.topics_fit import Sparse, _lse, lbfgs
from tasks.tag.topic_lexicon import load_lexicon

OUT = Path(__file__).resolve().parents[1] / "tasks" / "tag" / "data" / "topics_words.npz"
DEV_SALT, DEV_SHARE = "newsflow-topics-multi-dev", 0.2
MIN_DF = 2  # corpus words seen once are mostly names and typos
L2_DENSE, L2_WORDS = 1e-6, 1e-6
LEXICON_WEIGHT = 0.3  # the lexicon's single words, as a share of one dataset
BLOCK = {"sib200": 0.5, "iptc": 0.5}  # per language; news sets weigh 1 per set and language
# AG News "World": any topic but the four named ones; world news is mostly politics and conflict.
WORLD = {"medtop:11000000": 0.5, "medtop:16000000": 0.25, "medtop:02000000": 0.1, "medtop:03000000": 0.15}


def training_docs() -> list[multi.Doc]:
    """Every text the model may learn from (never a REPORT or eval item)."""
    out = [d for name in multi.SETS for d in multi.docs(name, "fit") if d.codes]
    for it in data.bbc("train"):
        out.append(multi.Doc("bbc", it.id, "en", it.label, it.title, it.text, tuple(data.BBC_CLASSES[it.label]), it.id))
    for it in data.ag_news("train"):
        codes = tuple(data.AG_CLASSES[it.label]) or ("WORLD",)
        out.append(multi.Doc("ag", it.id, "en", it.label, it.title, it.text, codes, it.id))
    return out + list(multi.iptc_docs())


def is_dev(doc: multi.Doc) -> bool:
    """Whether a FIT item is in the DEV part used to choose temperature and threshold."""
    digest = hashlib.sha256(f"{DEV_SALT}:{doc.group}".encode()).digest()
    return doc.set_name != "iptc" and int.from_bytes(digest[:8], "big") / 2**64 < DEV_SHARE


def soft_targets(docs: list[multi.Doc], codes: list[str]) -> np.ndarray:
    """One row per item: its accepted codes share the mass (AG News "World" spread as WORLD says)."""
    index = {c: k for k, c in enumerate(codes)}
    t = np.zeros((len(docs), len(codes)))
    for i, d in enumerate(docs):
        shares = WORLD if d.codes == ("WORLD",) else {c: 1 / len(d.codes) for c in d.codes}
        for c, v in shares.items():
            t[i, index[c]] += v
    return t


def targets(docs: list[multi.Doc], codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Target distributions and item weights (each label of each set and language weighs the same)."""
    t = soft_targets(docs, codes)
    blocks = {(d.set_name, d.lang) for d in docs}
    labels = Counter((d.set_name, d.lang, d.label) for d in docs)
    per_block = Counter(key[:2] for key in labels)
    sizes = Counter((d.set_name, d.lang) for d in docs)
    w = np.array([
        BLOCK.get(d.set_name, 1.0) / (sizes[d.set_name, d.lang] if d.set_name == "iptc"
                                      else per_block[d.set_name, d.lang] * labels[d.set_name, d.lang, d.label])
        for d in docs
    ])  # fmt: skip
    assert len(blocks) > 1
    return t, w


class Dense:
    """Softmax regression on dense features with an L2 pull towards zero."""

    def __init__(self, x: np.ndarray, t: np.ndarray, w: np.ndarray, l2: float):
        self.x, self.t, self.w, self.l2 = x.astype(np.float64), t, w, l2

    def loss_grad(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective and gradient at flat parameters (weights, then biases)."""
        k = self.t.shape[1]
        wm, b = p[:-k].reshape(-1, k), p[-k:]
        z = self.x @ wm + b
        lse = _lse(z)
        g = (np.exp(z - lse[:, None]) - self.t) * self.w[:, None]
        loss = float(self.w @ (lse - (self.t * z).sum(1))) + 0.5 * self.l2 * float((wm**2).sum())
        return loss, np.concatenate([(self.x.T @ g + self.l2 * wm).ravel(), g.sum(0)])


class PerWord:
    """Softmax regression on sparse word shares with an L2 pull towards prior weights."""

    def __init__(self, x: Sparse, t: np.ndarray, w: np.ndarray, prior: np.ndarray, l2: float):
        self.x, self.t, self.w, self.prior, self.l2 = x, t, w, prior, l2

    def loss_grad(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective and gradient at flat parameters (weights, then biases)."""
        k = self.t.shape[1]
        wm, b = p[:-k].reshape(-1, k), p[-k:]
        z = self.x.dot(wm) + b
        lse = _lse(z)
        g = (np.exp(z - lse[:, None]) - self.t) * self.w[:, None]
        d = wm - self.prior
        loss = float(self.w @ (lse - (self.t * z).sum(1))) + 0.5 * self.l2 * float((d**2).sum())
        return loss, np.concatenate([(self.x.tdot(g) + self.l2 * d).ravel(), g.sum(0)])


def shares(counts: list[dict[str, int]], index: dict[str, int], idf: np.ndarray) -> Sparse:
    """Sparse (texts, vocabulary) matrix of each text's word shares."""
    rows, cols, vals = [], [], []
    for i, c in enumerate(counts):
        r, v = words.doc_rows(c, index, idf)
        rows.append(np.full(len(r), i, dtype=np.int64))
        cols.append(r)
        vals.append(v)
    return Sparse(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), (len(counts), len(index)))


def fit(docs: list[multi.Doc], codes: list[str], cache: Path) -> dict:
    """Vocabulary, idf and the two-stage weights fitted on docs (plus the lexicon's words)."""
    lexicon = load_lexicon()
    counts = [words.word_counts(d.title, d.text) for d in docs]
    df: Counter[str] = Counter(w for c in counts for w in c)
    vocab = sorted({w for w, n in df.items() if n >= MIN_DF} | set(words.encoder_words()))
    index = {w: i for i, w in enumerate(vocab)}
    idf = words.idf([(d.lang, c) for d, c in zip(docs, counts, strict=True)], vocab)
    lex = [(w, k) for k, topic in enumerate(lexicon.top) for w in topic.terms if w in index]
    counts += [{w: 1} for w, _ in lex]
    t, w = targets(docs, codes)
    t = np.vstack([t, np.eye(len(codes))[[k for _, k in lex]]])
    w = np.concatenate([w, np.full(len(lex), LEXICON_WEIGHT / len(lex))])
    w /= w.sum()
    vecs = words.embed(vocab, cache)
    x = shares(counts, index, idf)
    k = len(codes)
    dense = lbfgs(Dense(x.dot(vecs), t, w, L2_DENSE), np.zeros(vecs.shape[1] * k + k), iters=400)
    prior = vecs @ dense[:-k].reshape(-1, k)
    start = np.concatenate([prior.ravel(), dense[-k:]])
    p = lbfgs(PerWord(x, t, w, prior, L2_WORDS), start, iters=300)
    weights = p[:-k].reshape(-1, k)
    return {"vocab": vocab, "idf": idf, "weights": weights - weights.mean(1, keepdims=True), "bias": p[-k:]}


def logits(model: dict, docs: list[multi.Doc]) -> np.ndarray:
    """Topic logits of docs under a fitted model (the tagger's computation, in bulk)."""
    index = {w: i for i, w in enumerate(model["vocab"])}
    x = shares([words.word_counts(d.title, d.text) for d in docs], index, model["idf"])
    return x.dot(model["weights"]) + model["bias"]


def calibrate(z: np.ndarray, docs: list[multi.Doc], codes: list[str]) -> tuple[float, float]:
    """Temperature (least log-loss of the accepted codes) and the listing threshold on DEV items."""
    right = np.array([[c in d.codes for c in codes] for d in docs], dtype=float)

    def probs(temp: float) -> np.ndarray:
        return np.exp(z / temp - _lse(z / temp)[:, None])

    temps = np.round(np.arange(0.3, 3.01, 0.05), 2)
    temp = float(min(temps, key=lambda s: -np.log((probs(s) * right).sum(1) + 1e-9).mean()))
    p = probs(temp)
    # The lowest threshold at which topics listed beyond the first are right half the time or more.
    second = np.sort(p, axis=1)[:, -2]
    second_right = right[np.arange(len(p)), np.argsort(p, axis=1)[:, -2]]
    for thr in np.round(np.arange(0.10, 0.61, 0.02), 2):
        listed = second >= thr
        if not listed.any() or second_right[listed].mean() >= 0.5:
            return temp, float(thr)
    return temp, 0.6


def export(model: dict, codes: list[str], temp: float, thr: float, path: Path) -> None:
    """Write the shipped weights: float16 per-word logits, idf, bias and calibration."""
    np.savez_compressed(
        path,
        codes=np.array(codes),
        words=np.array("\n".join(model["vocab"])),
        idf=model["idf"].astype(np.float16),
        weights=model["weights"].astype(np.float16),
        bias=model["bias"].astype(np.float32),
        calibration=np.array([temp, thr], dtype=np.float32),
    )


def main() -> None:
    """Fit on FIT minus DEV, calibrate on DEV, refit on all of FIT, write the model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsflow-topics"))
    args = parser.parse_args()
    codes = [t.code for t in load_lexicon().top]
    docs = training_docs()
    dev = [d for d in docs if is_dev(d)]
    model = fit([d for d in docs if not is_dev(d)], codes, args.cache)
    temp, thr = calibrate(logits(model, dev), dev, codes)
    print(f"calibrated on {len(dev)} DEV texts: temperature {temp}, threshold {thr}")
    export(fit(docs, codes, args.cache), codes, temp, thr, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
