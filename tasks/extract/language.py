"""Article language: the page's declared language when the text agrees, else detected."""

from __future__ import annotations

import logging
import re
import threading

from py3langid.langid import LanguageIdentifier

from tasks.extract import language_model

log = logging.getLogger(__name__)

SAMPLE_CHARS = 1000  # detection cost grows with length (a Python loop per byte); 1,000 suffice
MIN_CHARS = 40  # below this detection is a guess: trust the page or the source instead
CONFIDENT = 0.9  # probability above which detection overrides a contradicting declaration
# Codes the model keeps apart that a declaration may legitimately use for the same text.
_SAME = [{"no", "nb", "nn"}, {"hr", "sr", "bs"}, {"ms", "id"}, {"zh", "yue"}, {"fa", "prs"}]

_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


def _model() -> LanguageIdentifier:
    """The py3langid model with probabilities, limited to ISO 639-1 languages; loaded once."""
    global _identifier
    with _lock:
        if _identifier is None:
            _identifier = language_model.load()
    return _identifier


def _compatible(a: str, b: str) -> bool:
    """True when two codes name the same language for our purposes."""
    return a == b or any(a in group and b in group for group in _SAME)


def classify(text: str) -> tuple[str, float]:
    """Most likely ISO 639-1 language of text and its probability."""
    lang, prob = _model().classify(text[:SAMPLE_CHARS])
    return str(lang), float(prob)


def choose_language(text: str, declared: str | None = None, default: str | None = None) -> str | None:
    """The declared language if the text is plausibly in it, else the detected one, else default."""
    if len(text.strip()) < MIN_CHARS:
        return declared or _own_script(text) or default
    detected, prob = classify(text)
    if declared and (_compatible(declared, detected) or prob < CONFIDENT):
        return declared
    if declared:
        log.debug("declared language %s overridden by detected %s (p=%.2f)", declared, detected, prob)
        return detected
    if prob < 0.5 and default:
        return default
    return detected


# Letters only one language writes: a short text holding them is in that language, however short.
_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa]")  # hiragana, katakana: Japanese
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3131-\u318e]")  # Korean


def _own_script(text: str) -> str | None:
    """'ja' or 'ko' for a text in kana or hangul, None otherwise (Chinese characters alone are
    Chinese or Japanese, Cyrillic or Arabic letters several languages: those are left undecided)."""
    if _KANA.search(text):
        return "ja"
    return "ko" if _HANGUL.search(text) else None


def mostly_latin(text: str) -> bool:
    """Whether at least half the letters of the text (its first SAMPLE_CHARS) are Latin.

    Short texts are not classified (MIN_CHARS), but a script other than Latin rules out every
    language written in Latin, however short the text: 20 characters of Japanese are a sentence.
    """
    letters = [c for c in text[:SAMPLE_CHARS] if c.isalpha()]
    latin = sum(c < "\u0250" or "\u1e00" <= c <= "\u1eff" for c in letters)  # Latin blocks, incl. Vietnamese
    return 2 * latin >= len(letters)
