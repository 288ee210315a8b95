"""Behaviour of the IPTC Media Topic tagger (tasks/tag/topics.py) on hand-written and corpus news."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tasks.tag.topic_lexicon import load_lexicon
from tasks.tag.topics import tag_topics

ARTS, CRIME, DISASTER, ECONOMY = "medtop:01000000", "medtop:02000000", "medtop:03000000", "medtop:04000000"
EDUCATION, ENVIRONMENT, HEALTH = "medtop:05000000", "medtop:06000000", "medtop:07000000"
LABOUR, LIFESTYLE, POLITICS, RELIGION = (
    "medtop:09000000", "medtop:10000000", "medtop:11000000", "medtop:12000000",
)  # fmt: skip
SCIENCE, SOCIETY, SPORT, CONFLICT, WEATHER = (
    "medtop:13000000", "medtop:14000000", "medtop:15000000", "medtop:16000000", "medtop:17000000",
)  # fmt: skip
INTERNATIONAL_RELATIONS = "medtop:20000638"
TOPICS_CSV = Path(__file__).resolve().parents[1] / "warehouse" / "data" / "topics.csv"

MIGRATION_TITLE = "US and Mexico agree to step up cooperation on migration as talks end"
MIGRATION_TEXT = (
    "Senior officials from the United States and Mexico wrapped up two days of talks in Mexico "
    "City on Thursday, pledging closer cooperation on migration, the fight against corruption "
    "and development aid for Central America. The US secretary of state and Mexico's foreign "
    "minister said the two governments would expand legal pathways for workers, tighten "
    "controls on people-smuggling networks at the border and fund programmes to create jobs in "
    "the countries that asylum seekers and migrants leave. Washington also announced new aid "
    "for anti-corruption prosecutors in the region. Critics in Congress said the plan did "
    "little to reduce the number of people crossing the border, while Mexican opposition "
    "politicians accused the president of bowing to pressure from Washington."
)

# One sentence per topic, written for these tests.
SENTENCES = {
    WEATHER: "Forecasters warn of heavy snow and icy roads as temperatures drop below freezing.",
    HEALTH: "Hospitals report a sharp rise in flu patients as doctors urge older people to get vaccinated.",
    CRIME: "Police arrested two men after a jewellery shop was robbed at gunpoint in the city centre.",
    DISASTER: "A strong earthquake destroyed hundreds of homes and rescuers are searching the rubble for survivors.",
    CONFLICT: "Rebel fighters shelled the army's positions overnight, and the military responded with air strikes.",
    RELIGION: "The pope will lead Easter prayers before thousands of pilgrims gathered in St Peter's Square.",
    EDUCATION: "Teachers and parents criticised the new curriculum, saying primary school pupils face more exams.",
    ENVIRONMENT: "Conservation groups say endangered fish in the river are dying because of pollution from farms.",
    LABOUR: "Rail workers will strike next month after their union rejected the latest pay offer.",
    ARTS: "The director's new film won the top prize at the festival, and its lead actress was praised by critics.",
    SCIENCE: "The company unveiled a faster smartphone chip and new software for its laptops.",
    LIFESTYLE: "Chefs share their favourite recipes for a simple summer picnic and the best wines to go with them.",
    POLITICS: "The prime minister called a snap election after losing a confidence vote in parliament.",
    SOCIETY: "The charity says child poverty and homelessness have risen as families struggle with housing costs.",
    SPORT: "The striker's late penalty earned the home side a 2-2 draw after the visitors had led twice.",
    ECONOMY: "The company said quarterly profit rose 18% to $2.4bn, beating forecasts, and its shares rose 4%.",
}  # fmt: skip


def test_human_interest_is_reachable_too() -> None:
    # With SENTENCES, every one of the 17 top-level topics can come first.
    title = "Lottery winner gives away his fortune to neighbours in quirky act of kindness"
    assert codes(tag_topics(title, ""))[0] == "medtop:08000000"


def codes(topics: list[dict]) -> list[str]:
    """The codes of a tagger result, in order."""
    return [t["code"] for t in topics]


def test_sport_article_is_sport_first() -> None:
    topics = tag_topics(
        "Late penalty earns City a draw at home",
        "The striker's late penalty earned the home side a 2-2 draw after the visitors had led "
        "twice. The manager praised his players' spirit, saying the point keeps them three clear "
        "at the top of the league with five matches of the season left.",
    )
    assert codes(topics)[0] == SPORT


def test_business_article_is_economy_first() -> None:
    topics = tag_topics(
        "Carmaker's profits rise as sales in Asia surge",
        "The company said quarterly profit rose 18% to $2.4bn on revenue of $31bn, beating "
        "analysts' forecasts, as demand in China and India offset weaker sales in Europe. Its "
        "shares rose 4% in early trading and the board raised the dividend.",
    )
    assert codes(topics)[0] == ECONOMY


def test_us_mexico_migration_talks_are_politics_first_with_international_relations() -> None:
    # Society is no longer listed beside politics: top-level scores are now the calibrated main-topic
    # probabilities alone in every language (the English lexicon's extra noisy-or evidence is gone).
    topics = tag_topics(MIGRATION_TITLE, MIGRATION_TEXT)
    found = codes(topics)
    assert found[0] == POLITICS
    assert INTERNATIONAL_RELATIONS in found


@pytest.mark.parametrize("code", list(SENTENCES))
def test_one_sentence_text_finds_its_topic_first(code: str) -> None:
    assert codes(tag_topics("", SENTENCES[code]))[0] == code


@pytest.mark.parametrize("code", list(SENTENCES))
def test_headline_alone_finds_its_topic_first(code: str) -> None:
    assert codes(tag_topics(SENTENCES[code], ""))[0] == code


@pytest.mark.parametrize(
    "title",
    [
        "Storm brings gales and flooding to coast",
        "Police hunt gunman after bank robbery",
        "Government loses vote on immigration bill",
    ],
)
def test_short_headlines_get_a_topic(title: str) -> None:
    assert tag_topics(title, "")


@pytest.mark.parametrize("title,text", [("", ""), ("  ", "\n\t"), ("", "... !!! 123 456")])
def test_empty_text_has_no_topics(title: str, text: str) -> None:
    assert tag_topics(title, text) == []
    assert tag_topics(title, text, "zh") == tag_topics(title, text, "ja") == []  # the embedding alone too


# Articles written for these tests, one per supported language besides English, with their topic.
FOREIGN = {
    "de": (POLITICS, "Kabinett beschließt neues Einwanderungsgesetz",
           "Die Bundesregierung hat am Mittwoch ein neues Gesetz zur Einwanderung beschlossen. Der "
           "Innenminister sagte, die Zahl der Asylanträge sei im vergangenen Jahr deutlich gestiegen. "
           "Die Opposition kritisierte den Entwurf und kündigte Widerstand im Bundestag an."),
    "fr": (SPORT, "Le PSG s'impose face à Lyon",
           "Grâce à un doublé de son attaquant, le Paris Saint-Germain a battu l'Olympique lyonnais "
           "deux buts à un dimanche soir. L'entraîneur a salué la réaction de ses joueurs après la "
           "pause, et le club conforte sa place en tête du championnat."),
    "es": (HEALTH, "Los hospitales se preparan para la ola de gripe",
           "El Ministerio de Sanidad ha pedido a las personas mayores que se vacunen contra la gripe. "
           "Los médicos advierten de que los servicios de urgencias de varios hospitales ya están "
           "saturados por el aumento de pacientes con síntomas respiratorios."),
    "pt": (ECONOMY, "Inflação desacelera e Banco Central mantém juros",
           "A inflação oficial desacelerou em março, e o Banco Central decidiu manter a taxa básica de "
           "juros. Economistas dizem que o crescimento do PIB e o consumo das famílias devem ganhar "
           "força no segundo semestre, enquanto o mercado de ações subiu."),
    "it": (POLITICS, "Il governo ottiene la fiducia alla Camera",
           "Il presidente del Consiglio ha ottenuto la fiducia della Camera dei deputati sulla legge "
           "di bilancio. I partiti dell'opposizione hanno votato contro e annunciano battaglia al "
           "Senato, dove la maggioranza ha pochi voti di margine."),
    # the languages measured on SIB-200 sentences only
    "tr": (POLITICS, "Kabine yeni göç yasasını onayladı",
           "Hükümet çarşamba günü yeni bir göç yasası kabul etti. İçişleri bakanı, geçen yıl sığınma başvurularının "
           "önemli ölçüde arttığını ve illerin mültecilerin barınması için daha fazla paraya ihtiyaç duyduğunu "
           "söyledi. Muhalefet tasarıyı yetersiz buldu ve mecliste karşı çıkacak."),
    "ru": (POLITICS, "Госдума приняла закон о выборах",
           "Государственная дума в третьем чтении приняла закон об изменениях в избирательном законодательстве. "
           "Согласно документу, голосование на выборах президента может проходить в течение трёх дней. "
           "Оппозиционные депутаты выступили против законопроекта, заявив, что он ограничивает права наблюдателей."),
    "ar": (ECONOMY, "ارتفاع أسعار النفط بعد قرار أوبك",
           "ارتفعت أسعار النفط في الأسواق العالمية بعد أن قررت منظمة أوبك وحلفاؤها خفض الإنتاج بمقدار مليون برميل "
           "يوميا. وقال محللون إن القرار سيؤدي إلى زيادة أسعار الوقود في الأشهر المقبلة، بينما تراجعت أسهم شركات "
           "الطيران في البورصات الأوروبية."),
    "zh": (SPORT, "国足1比0击败泰国队",
           "在昨晚进行的世界杯预选赛中，中国男足凭借下半场的一粒进球以1比0战胜泰国队。主教练赛后表示，球队在防守端"
           "表现出色，但进攻仍需改进。下一场比赛将于下周在上海举行。"),
    "ja": (ECONOMY, "日銀、政策金利を据え置き",
           "日本銀行は金融政策決定会合で、短期金利をマイナス0.1%に据え置くことを決めた。植田総裁は記者会見で、"
           "物価上昇率が2%の目標に届くかどうかを見極める必要があると述べた。円相場は一時1ドル150円台まで下落した。"),
    "nl": (SPORT, "Ajax wint van PSV",
           "Ajax heeft zondag in de Eredivisie met 2-1 gewonnen van PSV. De Amsterdamse ploeg kwam in de eerste "
           "helft op voorsprong, maar PSV maakte na rust gelijk. In de slotminuut besliste een invaller de wedstrijd."),
    "pl": (HEALTH, "Nowa szczepionka przeciw grypie",
           "Ministerstwo Zdrowia poinformowało, że od przyszłego miesiąca w aptekach będzie dostępna nowa "
           "szczepionka przeciw grypie. Lekarze zalecają szczepienie zwłaszcza osobom starszym i przewlekle chorym. "
           "W zeszłym sezonie na grypę zachorowało ponad trzy miliony Polaków, a szpitale były przepełnione."),
}  # fmt: skip


@pytest.mark.parametrize("language", list(FOREIGN))
def test_news_in_each_supported_language_gets_its_topic_first(language: str) -> None:
    code, title, text = FOREIGN[language]
    assert codes(tag_topics(title, text, language))[0] == code
    assert codes(tag_topics(title, text))[0] == code, "the language is detected when not given"


def test_same_story_gets_the_same_topic_in_every_language() -> None:
    english = tag_topics("", SENTENCES[SPORT], "en")[0]["code"]
    french = "Le penalty tardif de l'attaquant a permis à l'équipe locale d'obtenir un match nul 2-2."
    german = "Der späte Elfmeter des Stürmers sicherte der Heimmannschaft ein 2:2-Unentschieden."
    assert tag_topics("", french, "fr")[0]["code"] == english == tag_topics("", german, "de")[0]["code"]
    health = {
        "en": "Hospitals report a sharp rise in flu patients as doctors urge older people to get vaccinated.",
        "es": "Los hospitales registran un fuerte aumento de pacientes con gripe y los médicos piden vacunarse.",
        "pt": "Os hospitais registam um forte aumento de doentes com gripe e os médicos pedem aos idosos vacinas.",
        "it": "Gli ospedali segnalano un forte aumento di pazienti con l'influenza e i medici invitano a vaccinarsi.",
        "de": "Krankenhäuser melden deutlich mehr Grippepatienten, und Ärzte rufen ältere Menschen zur Impfung auf.",
    }  # fmt: skip
    assert {tag_topics("", text, language)[0]["code"] for language, text in health.items()} == {HEALTH}


# Stories from the REPORT part of the multilingual sets, read to check their topic: Puerto Rico's
# debt and shrinking economy (de), acne as a chronic illness (fr), Mexico's Olympic football match
# against Korea (es), how JBS became the world's largest meat company (pt).
CORPUS_STORIES = [
    ("gnad10k_de_dev", "gnad10k:38", "de", ECONOMY),
    ("masakhanews_en_fr_dev", "masakhanews:fra-dev-13", "fr", HEALTH),
    ("fakenews_es_train", "fakenews_es:train-265", "es", SPORT),
    ("fakebr_pt_true", "fakebr:1124", "pt", ECONOMY),
]


@pytest.mark.parametrize("name,record_id,language,code", CORPUS_STORIES)
def test_corpus_story_in_each_language_gets_its_topic_first(
    corpus_dir: Path, name: str, record_id: str, language: str, code: str
) -> None:
    with gzip.open(corpus_dir / "multilingual" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
        rec = next(r for r in map(json.loads, fh) if r["id"] == record_id)
    assert rec["lang"] == language and code in rec["iptc"]
    assert codes(tag_topics(rec.get("title") or "", rec["text"], language))[0] == code


def test_seed_article_is_politics_first() -> None:
    # The seed story, as tests/test_countries.py has it (US-Mexico migration talks).
    title = "US and Mexico agree plan to curb migration"
    text = (
        "WASHINGTON (Reuters) - The United States and Mexico agreed on Tuesday to expand "
        "work permits and step up border checks, U.S. officials said after two days of talks "
        "with Mexican ministers in Washington. Mexico will deploy more troops to its southern "
        "border, Mexico's foreign minister said, while the U.S. government pledged aid to the "
        "Northern Triangle, where most migrants come from. Guatemala, Honduras and El Salvador "
        "were not at the table. American officials said they would visit Mexico City next month."
    )
    assert codes(tag_topics(title, text))[0] == POLITICS
    assert codes(tag_topics(title, text, "en"))[0] == POLITICS


def test_text_in_an_unsupported_language_gets_no_guesses() -> None:
    swahili = (
        "Serikali imepitisha sheria mpya ya uhamiaji siku ya Jumatano. Waziri wa mambo ya ndani alisema "
        "maombi ya hifadhi yameongezeka sana mwaka jana na mikoa inahitaji fedha zaidi kuwapa wakimbizi "
        "makazi. Upinzani ulisema mswada huo hautoshi na utaupinga bungeni."
    )
    assert tag_topics("Baraza la mawaziri laidhinisha sheria ya uhamiaji", swahili) == []
    assert tag_topics("Baraza la mawaziri laidhinisha sheria ya uhamiaji", swahili, "sw") == []
    assert tag_topics("", SENTENCES[SPORT], "uk") == [], "a declared unsupported language is trusted"
    ukrainian = ("Уряд у середу ухвалив новий закон про міграцію. Міністр внутрішніх справ сказав, що "
                 "кількість заяв про притулок торік значно зросла, а областям потрібно більше грошей.")
    assert tag_topics("Уряд ухвалив закон про міграцію", ukrainian) == []  # detected as uk: no topics
    # too short to classify, and not in Latin script: no English guess, and no guess at all unless
    # the script names the language (kana: Japanese; Chinese characters alone may be Japanese too)
    assert codes(tag_topics("Tokyo", "日本の首相は東京で米国の大統領と会談した。"))[0] == POLITICS
    assert tag_topics("", "中国总理在北京会见美国总统。") == []
    assert tag_topics("", "Путин встретился с Макроном") == []
    assert tag_topics("Tokyo talks", "Japan's prime minister met the US president.") != []


def test_long_articles_are_tagged_quickly() -> None:
    long_text = " ".join([MIGRATION_TEXT] * 40)  # about 5,000 words: only the lead is read
    started = time.perf_counter()
    for _ in range(100):
        assert codes(tag_topics(MIGRATION_TITLE, long_text))[0] == POLITICS
    assert time.perf_counter() - started < 5.0  # generous: about 1 ms each on a quiet core


def test_output_shape_order_and_scores() -> None:
    topics = tag_topics(MIGRATION_TITLE, MIGRATION_TEXT)
    assert all(set(t) == {"code", "label", "score"} for t in topics)
    assert all(0.0 <= t["score"] <= 1.0 for t in topics)
    level = [t["code"].startswith("medtop:2") for t in topics]
    assert level == sorted(level), "top-level topics come before second-level ones"
    top = [t["score"] for t, sub in zip(topics, level, strict=True) if not sub]
    second = [t["score"] for t, sub in zip(topics, level, strict=True) if sub]
    assert top == sorted(top, reverse=True) and second == sorted(second, reverse=True)


def test_second_level_topics_come_with_their_parent() -> None:
    parents = {row["code"]: row["parent"] for row in _csv_rows()}
    for text in [MIGRATION_TEXT, *SENTENCES.values()]:
        found = codes(tag_topics("", text))
        for code in found:
            if parents[code]:
                assert parents[code] in found


def test_every_emitted_code_is_in_the_topics_dimension() -> None:
    known = {row["code"] for row in _csv_rows()}
    for text in [MIGRATION_TEXT, *SENTENCES.values()]:
        assert set(codes(tag_topics(text[:60], text))) <= known


def test_topics_csv_matches_the_lexicon() -> None:
    rows = _csv_rows()
    lexicon = load_lexicon()
    assert TOPICS_CSV.read_text(encoding="utf-8").splitlines()[0] == "code,label,parent"
    assert {(r["code"], r["label"]) for r in rows if not r["parent"]} == {(t.code, t.label) for t in lexicon.top}
    assert len([r for r in rows if not r["parent"]]) == 17
    assert {(r["code"], r["label"], r["parent"]) for r in rows if r["parent"]} == {
        (t.code, t.label, t.parent) for t in lexicon.sub
    }


def test_concurrent_calls_agree_with_sequential_ones() -> None:
    texts = [MIGRATION_TEXT, *SENTENCES.values()] * 5
    expected = [tag_topics("", t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(lambda t: tag_topics("", t), texts)) == expected


def test_corpus_top_topic_matches_the_labelled_class(corpus_dir: Path) -> None:
    """On the benchmark's held-out part of BBC News, the top topic is the labelled desk."""
    desk = {"business": ECONOMY, "entertainment": ARTS, "politics": POLITICS, "sport": SPORT,
            "tech": SCIENCE}  # fmt: skip
    right = total = 0
    with gzip.open(corpus_dir / "labelled" / "bbc_news.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if not _held_out("bbc", rec["id"]):
                continue
            topics = tag_topics(rec["title"], rec["body"])
            right += bool(topics) and topics[0]["code"] == desk[rec["category"]]
            total += 1
    assert total > 500
    assert right / total >= 0.9


def _held_out(set_name: str, record_id: str) -> bool:
    """Whether a record is in the part of the split training never read (benchmarks/topics_data.py)."""
    digest = hashlib.sha256(f"newsflow-topics-20250101:{set_name}:{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < 0.4


def _csv_rows() -> list[dict[str, str]]:
    """Rows of warehouse/data/topics.csv."""
    with TOPICS_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
