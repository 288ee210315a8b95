"""Extraction quality and cost: newsflow's extract_article beside bare trafilatura, same run.

Run from the project root: `python benchmarks/extraction.py` (needs ../shared/corpus).
Body quality uses the metric of the ScrapingHub Article Extraction Benchmark: word 4-gram
shingles, per-page TP/FP/FN normalised to sum 1, mean precision and mean recall over the pages,
F1 of the two means. Dates, titles and languages are scored on every set that has them.
"""

from __future__ import annotations

import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import trafilatura  # noqa: E402

from benchmarks.common import corpus_path, read_jsonl, trafilatura_as_shipped  # noqa: E402
from tasks.extract import article as article_module  # noqa: E402
from tasks.extract.article import extract_article  # noqa: E402
from tasks.models import Article, NotAnArticle  # noqa: E402

BODY_SETS = ("scrapinghub_aeb", "l3s_gn1")
ALL_SETS = BODY_SETS + ("readability_news", "fundus", "trafilatura_eval", "newspaper4k", "goose3")
_TOKEN = re.compile(r"\w+")
_HEADER_FIELD = re.compile(r"^(title|date): (.*)$", re.MULTILINE)


# --- the ScrapingHub metric ------------------------------------------------------------------


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of word n-grams; a text shorter than n words is one shingle of all its words."""
    tokens = _TOKEN.findall(text or "")
    if len(tokens) <= n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def tp_fp_fn(truth: str, pred: str) -> tuple[float, float, float]:
    """Shingle TP/FP/FN of one page, scaled to sum 1 so long pages weigh no more than short ones."""
    t, p = shingles(truth), shingles(pred)
    tp, fp, fn = sum((t & p).values()), sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def prf(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Mean precision over pages with a prediction, mean recall over pages with a truth, F1."""
    # Empty prediction: no precision term (nothing was claimed), recall 0. Empty truth and
    # empty prediction: neither term. Identical texts: precision and recall 1.
    precisions = [tp / (tp + fp) for tp, fp, _ in rows if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in rows if tp + fn > 0]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# --- running the extractors ------------------------------------------------------------------


@dataclass
class Outcome:
    """What one extractor produced for the pages of one set."""

    bodies: list[str] = field(default_factory=list)
    titles: list[str | None] = field(default_factory=list)
    dates: list[date | None] = field(default_factory=list)
    cpu: float = 0.0
    articles: list[Article | None] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    reasons: dict[str, str] = field(default_factory=dict)


class WordsDate:
    """What the date read from a page's title, byline and lead adds (it runs only when markup and URL gave none)."""

    def __init__(self) -> None:
        self.calls, self.cpu, self.page_id = 0, 0.0, ""
        self.found: dict[str, date] = {}
        self.ran: set[str] = set()
        original = article_module._day_in_words

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.process_time()
            result = original(*args, **kwargs)
            self.cpu += time.process_time() - start
            self.calls += 1
            self.ran.add(self.page_id)
            if result is not None:
                self.found[self.page_id] = result.date()
            return result

        article_module._day_in_words = counted


WORDS_DATE = WordsDate()


def run_newsflow(page: dict, out: Outcome) -> None:
    """extract_article on one page; NotAnArticle counts as an empty body."""
    WORDS_DATE.page_id = page["id"]
    start = time.process_time()
    try:
        art: Article | None = extract_article(page["html"], page["url"])
    except NotAnArticle as exc:
        art = None
        out.rejected[str(exc).split(":")[0]] += 1
        out.reasons[page["id"]] = str(exc)
    out.cpu += time.process_time() - start
    out.articles.append(art)
    out.bodies.append(art.text if art else "")
    out.titles.append(art.title if art else None)
    out.dates.append(_local_date(art.published_at) if art and art.published_at else None)


def run_trafilatura(page: dict, out: Outcome, with_metadata: bool) -> None:
    """trafilatura.extract on one page, as a user would call it."""
    with trafilatura_as_shipped():
        start = time.process_time()
        text = trafilatura.extract(page["html"], url=page["url"], with_metadata=with_metadata) or ""
        out.cpu += time.process_time() - start
    fields = dict(_HEADER_FIELD.findall(text.split("\n---\n", 1)[0])) if with_metadata else {}
    fields = {key: _yaml_scalar(value) for key, value in fields.items()}
    out.bodies.append(text)
    out.titles.append(fields.get("title") or None)
    out.dates.append(_parse_date(fields.get("date")))


def measure(name: str) -> tuple[list[dict], dict[str, Outcome]]:
    """All three extractors on every page of a set, interleaved so machine noise hits all alike."""
    pages = list(read_jsonl(corpus_path(f"extraction/{name}.jsonl.gz")))
    outs = {"newsflow": Outcome(), "trafilatura": Outcome(), "trafilatura+meta": Outcome()}
    runs: list[Callable[[dict], None]] = [
        lambda page: run_newsflow(page, outs["newsflow"]),
        lambda page: run_trafilatura(page, outs["trafilatura"], with_metadata=False),
        lambda page: run_trafilatura(page, outs["trafilatura+meta"], with_metadata=True),
    ]
    for i, page in enumerate(pages):
        # Rotate who goes first: the first caller pays for cold caches (dateparser loads a
        # language's data on first use, ~0.3 s), which would otherwise all fall on one side.
        for k in range(len(runs)):
            runs[(i + k) % len(runs)](page)
    return pages, outs


def _yaml_scalar(value: str) -> str:
    """A value of trafilatura's metadata header, which quotes some values as JSON strings."""
    if value.startswith('"'):
        try:
            return str(json.loads(value))
        except ValueError:
            return value.strip('"')
    return value


# --- scoring ---------------------------------------------------------------------------------


def _parse_date(value: str | None) -> date | None:
    """Calendar date of a date or timestamp string as written (its own time zone)."""
    if not value:
        return None
    match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", value.strip())
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


def _local_date(stamp: datetime) -> date:
    """Calendar date of a timestamp in its own offset, as the page states it."""
    return stamp.date()


def _norm_title(value: str | None) -> str:
    return " ".join(_TOKEN.findall((value or "").casefold()))


def share(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "   -"


def body_table(name: str, pages: list[dict], outs: dict[str, Outcome]) -> bool:
    """Print precision, recall, F1 and pages/s per extractor; True when newsflow >= trafilatura."""
    print(f"\n{name}: {len(pages)} pages, body vs ground truth (ScrapingHub shingle metric)")
    print(f"  {'extractor':<18}{'precision':>10}{'recall':>8}{'F1':>8}{'pages/s':>9}")
    f1s = {}
    for label in ("newsflow", "trafilatura"):
        out = outs[label]
        p, r, f1 = prf([tp_fp_fn(pg["body"], body) for pg, body in zip(pages, out.bodies, strict=True)])
        f1s[label] = f1
        print(f"  {label:<18}{p:>10.3f}{r:>8.3f}{f1:>8.3f}{len(pages) / out.cpu:>9.1f}")
    verdict = f1s["newsflow"] >= f1s["trafilatura"]
    print(f"  verdict: newsflow >= trafilatura: {'yes' if verdict else 'NO'}")
    return verdict


def metadata_rows(name: str, pages: list[dict], outs: dict[str, Outcome]) -> list[str]:
    """Date, title and language accuracy lines for one set."""
    rows = []
    dated = [i for i, pg in enumerate(pages) if _parse_date(pg.get("published"))]
    titled = [i for i, pg in enumerate(pages) if pg.get("title")]
    for label in ("newsflow", "trafilatura+meta"):
        out = outs[label]
        d_ok = sum(out.dates[i] == _parse_date(pages[i]["published"]) for i in dated)
        t_ok = sum(_norm_title(out.titles[i]) == _norm_title(pages[i]["title"]) for i in titled)
        rows.append(f"  {name:<18}{label:<18}{share(d_ok, len(dated)):>20}{share(t_ok, len(titled)):>20}")
    return rows


def language_row(name: str, pages: list[dict], out: Outcome) -> str | None:
    """Language accuracy of newsflow where the set gives a language."""
    known = [
        (art.language or "", pg["language"][:2].lower())
        for pg, art in zip(pages, out.articles, strict=True)
        if pg.get("language") and art is not None
    ]
    if not known:
        return None
    ok = sum(ours == truth for ours, truth in known)
    return f"  {name:<18}{share(ok, len(known))}"


def main() -> int:
    """Run every set, print the tables, exit 1 when newsflow falls behind on a body set."""
    logging.disable(logging.WARNING)  # trafilatura logs every discarded page
    warm = next(read_jsonl(corpus_path("extraction/l3s_gn1.jsonl.gz")))
    run_newsflow(warm, Outcome())  # load the language model outside the timings
    results = {name: measure(name) for name in ALL_SETS}
    verdicts = [body_table(name, *results[name]) for name in BODY_SETS]
    print("\npublish date (calendar day as the page states it) and title (normalised exact)")
    print(f"  {'set':<18}{'extractor':<18}{'date accuracy':>20}{'title accuracy':>20}")
    for name, (pages, outs) in results.items():
        print("\n".join(metadata_rows(name, pages, outs)))
    print("\nlanguage (newsflow, where the set gives one)")
    for name, (pages, outs) in results.items():
        if row := language_row(name, pages, outs["newsflow"]):
            print(row)
    print_rejections(results)
    print_words_date(results)
    print_cpu(results)
    return 0 if all(verdicts) else 1


def print_rejections(results: dict[str, tuple[list[dict], dict[str, Outcome]]]) -> None:
    """How many corpus pages each NotAnArticle rule turned away, and which."""
    print("\nNotAnArticle on corpus pages (article pages, plus a few home pages in trafilatura_eval)")
    total = Counter[str]()
    for name, (pages, outs) in results.items():
        rejected = outs["newsflow"].rejected
        total.update(rejected)
        detail = ", ".join(f"{rule}: {n}" for rule, n in rejected.most_common()) or "none"
        print(f"  {name:<18}{sum(rejected.values()):>4} of {len(pages):<5} {detail}")
    print(f"  {'all sets':<18}{sum(total.values()):>4}  " + ", ".join(f"{r}: {n}" for r, n in total.most_common()))
    for pages, outs in results.values():
        for page, art in zip(pages, outs["newsflow"].articles, strict=True):
            if art is None:
                print(f"    {outs['newsflow'].reasons[page['id']][:60]:<62}{page['url'][:70]}")


def print_words_date(results: dict[str, tuple[list[dict], dict[str, Outcome]]]) -> None:
    """Pages that gained a day from their title, byline or lead, right or wrong, and the CPU it cost."""
    print("\ndate read from the title, byline and lead (run only on pages whose markup and URL gave no day)")
    print(f"  {'set':<18}{'ran on':>8}{'gained a day':>14}{'right':>7}{'wrong':>7}{'no truth':>10}")
    for name, (pages, _) in results.items():
        gained = [pg for pg in pages if pg["id"] in WORDS_DATE.found]
        truth = [(WORDS_DATE.found[pg["id"]], _parse_date(pg.get("published"))) for pg in gained]
        right = sum(ours == known for ours, known in truth if known)
        wrong = sum(ours != known for ours, known in truth if known)
        ran = sum(pg["id"] in WORDS_DATE.ran for pg in pages)
        print(f"  {name:<18}{ran:>8}{len(gained):>14}{right:>7}{wrong:>7}{len(gained) - right - wrong:>10}")
    n = sum(len(pages) for pages, _ in results.values())
    per_call = WORDS_DATE.cpu / WORDS_DATE.calls * 1000 if WORDS_DATE.calls else 0.0
    print(f"  ran on {WORDS_DATE.calls} of {n} pages: {WORDS_DATE.cpu * 1000:.0f} ms CPU in all, "
          f"{per_call:.2f} ms where it ran, {WORDS_DATE.cpu / n * 1000:.3f} ms per page overall")


def print_cpu(results: dict[str, tuple[list[dict], dict[str, Outcome]]]) -> None:
    """CPU per page over every page of every set, newsflow against trafilatura with metadata."""
    n = sum(len(pages) for pages, _ in results.values())
    per_page = {
        label: sum(outs[label].cpu for _, outs in results.values()) / n
        for label in ("newsflow", "trafilatura+meta", "trafilatura")
    }
    ours, meta, bare = per_page["newsflow"], per_page["trafilatura+meta"], per_page["trafilatura"]
    print(f"\nCPU per page over {n} pages (one process, same run)")
    print(f"  newsflow extract_article        {ours * 1000:7.1f} ms")
    print(f"  trafilatura.extract + metadata  {meta * 1000:7.1f} ms")
    print(f"  trafilatura.extract (defaults)  {bare * 1000:7.1f} ms")
    print(f"  ratio newsflow / trafilatura+metadata = {ours / meta:.2f} (target <= 1.30)")


if __name__ == "__main__":
    sys.exit(main())
