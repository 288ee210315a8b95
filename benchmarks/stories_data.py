"""The stories benchmark's pages: corpus articles, their verbatim and edited copies in other page
templates, the same article at a second URL, and lookalikes (another article of the same subject in
the same outlet), each labelled with the corpus article it comes from."""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from math import sqrt
from pathlib import Path

from benchmarks.common import read_jsonl
from tasks.stories.sketch import shingles

FILES = ("scrapinghub_aeb.jsonl.gz", "l3s_gn1.jsonl.gz", "readability_news.jsonl.gz", "fundus.jsonl.gz",
         "newspaper4k.jsonl.gz")
SALT = "stories-2026"
AGENCIES = ("AP", "Reuters", "AFP", "dpa", "EFE")
T0 = datetime(2026, 10, 1, 6, tzinfo=UTC)
_WORD = re.compile(r"\w{4,}")


@dataclass
class Record:
    """A corpus article with a ground-truth body."""

    id: str
    group: str
    title: str
    paragraphs: list[str]
    part: str  # "fit" or "report", by a salted hash of the id


@dataclass
class Served:
    """One page of the local site: its outlet, HTML, the corpus article it comes from and its role."""

    outlet: str
    html: str
    title: str
    truth: str
    role: str  # origin | verbatim | edited | second_url | lookalike


def part_of(item_id: str) -> str:
    digest = hashlib.sha256(f"{SALT}:{item_id}".encode()).digest()
    return "fit" if digest[0] % 2 == 0 else "report"


def is_lookalike_pool(item_id: str) -> bool:
    """A third of the articles are only ever served once, as a lookalike beside another article."""
    return hashlib.sha256(f"{SALT}-pool:{item_id}".encode()).digest()[0] % 3 == 0


def load_records(corpus: Path, min_words: int = 150, limit: int | None = None) -> list[Record]:
    """Corpus articles with a body of at least min_words words, near-duplicates of another dropped."""
    records: list[Record] = []
    seen: list[set[str]] = []
    for name in FILES:
        for rec in read_jsonl(corpus / "extraction" / name):
            body = rec.get("body") or ""
            paras = [p.strip() for p in body.split("\n") if p.strip()]
            if len(body.split()) < min_words or len(paras) < 3:
                continue
            grams = set(shingles(body))
            # The sets overlap (a page can be in two of them): one article must not be two truths.
            if any(len(grams & other) > 0.2 * min(len(grams), len(other)) for other in seen):
                continue
            seen.append(grams)
            records.append(Record(rec["id"], rec.get("group") or rec["source"], rec.get("title") or paras[0][:80],
                                  paras, part_of(rec["id"])))
            if limit is not None and len(records) >= limit:
                return records
    return records


def nearest_subject(stories: list[Record], pool: list[Record]) -> dict[str, Record]:
    """For each story, its lookalike: a pool article of the same site if any, else the pool article
    closest in content words (cosine); each pool article is used once."""
    bag = lambda r: Counter(w.lower() for w in _WORD.findall(" ".join(r.paragraphs)))  # noqa: E731
    bags = {r.id: bag(r) for r in stories + pool}
    norms = {k: sqrt(sum(v * v for v in b.values())) or 1.0 for k, b in bags.items()}
    free, out = list(pool), {}
    for rec in stories:
        if not free:
            break
        same = [p for p in free if p.group == rec.group]
        best = max(same or free, key=lambda p: sum(bags[rec.id][w] * bags[p.id][w] for w in bags[rec.id])
                   / (norms[rec.id] * norms[p.id]))
        free.remove(best)
        out[rec.id] = best
    return out


TEMPLATES = (
    ("Wire Service", "<nav><a href='/'>Top news</a> <a href='/world'>World</a> <a href='/business'>Business</a></nav>",
     "<footer><p>All content is copyright of the wire service. Redistribution is prohibited.</p></footer>"),
    ("The Daily Paper", "<header><div class='logo'>The Daily Paper</div><ul class='menu'><li>Home</li><li>Politics"
     "</li><li>Sport</li><li>Opinion</li></ul><div class='cookie'>We use cookies to improve your experience.</div>"
     "</header>", "<aside><h3>Most read</h3><ul><li><a href='/x/1'>Weather warning for the weekend</a></li><li>"
     "<a href='/x/2'>Local team wins the cup</a></li></ul></aside><footer>Subscribe to our newsletter. "
     "Contact us. Privacy policy.</footer>"),
    ("Regional Herald", "<div id='top'><a href='/'>Regional Herald</a> | <a href='/local'>Local</a> | "
     "<a href='/nation'>Nation</a></div>", "<section class='related'><h2>Related stories</h2><p><a href='/r/1'>"
     "Council approves new budget</a></p><p><a href='/r/2'>Road works start next month</a></p></section>"
     "<footer>© Regional Herald. Terms of use.</footer>"),
)


def render(template: int, title: str, paragraphs: list[str], published: datetime) -> str:
    """An article page in one of the templates (different boilerplate and markup)."""
    site, header, footer = TEMPLATES[template % len(TEMPLATES)]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)} - {site}</title>"
            f"<meta property='og:type' content='article'><meta property='article:published_time' "
            f"content='{published.isoformat()}'></head><body>{header}<main><article><h1>{escape(title)}</h1>"
            f"<div class='byline'>{site} staff</div>{body}</article></main>{footer}</body></html>")


def edit(rec: Record, local: Record, rng: random.Random) -> tuple[str, list[str]]:
    """An outlet's edit: a new headline, a local first paragraph of 30-70 words (replacing the first or
    before it), the last 10-35 % of paragraphs cut."""
    paras = list(rec.paragraphs)
    cut = max(2, round(len(paras) * (1 - rng.uniform(0.1, 0.35))))
    kept = paras[1:cut] if rng.random() < 0.5 else paras[:cut]
    local_para = " ".join(" ".join(local.paragraphs).split()[: rng.randint(30, 70)]) + "."
    return f"{rng.choice(('Local view', 'Update', 'Explained'))}: {rec.title}", [local_para, *kept]


def story_pages(records: list[Record], seed: int = 7) -> list[tuple[Served, datetime, str]]:
    """Every served page with its publish time and the part (fit/report) of the article that placed it."""
    rng = random.Random(seed)
    pool = [r for r in records if is_lookalike_pool(r.id)]
    records = [r for r in records if not is_lookalike_pool(r.id)]
    look = nearest_subject(records, pool)
    out: list[tuple[Served, datetime, str]] = []
    for n, rec in enumerate(records):
        when = T0 + timedelta(hours=3 * n)  # eight new stories a day: many share each one's window
        agency = AGENCIES[n % len(AGENCIES)]
        paras = [f"({agency}) — {rec.paragraphs[0]}", *rec.paragraphs[1:]]
        wire = f"wire{n % 3}"

        def add(outlet: str, template: int, title: str, body: list[str], at: datetime, truth: str, role: str,
                part: str = rec.part) -> None:
            out.append((Served(outlet, render(template, title, body, at), title, truth, role), at, part))

        add(wire, 0, rec.title, paras, when, rec.id, "origin")
        if n % 3 == 0:
            add(wire, 0, rec.title, paras, when, rec.id, "second_url")
        add(f"daily{n % 4}", 1, rec.title, paras, when + timedelta(hours=3), rec.id, "verbatim")
        title, edited = edit(rec, records[(n + 7) % len(records)], rng)
        add(f"herald{n % 4}", 2, title, edited, when + timedelta(hours=rng.uniform(6, 40)), rec.id, "edited")
        other = look.get(rec.id)
        if other is not None:
            add(wire, 0, other.title, other.paragraphs, when + timedelta(hours=1), other.id, "lookalike")
    return out


def pairwise(truth: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, int, int, int]:
    """Pairwise precision and recall of predicted groups against true groups over the same items."""
    def pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
        members: dict[str, list[str]] = {}
        for item, group in groups.items():
            members.setdefault(group, []).append(item)
        return {(a, b) for m in members.values() for i, a in enumerate(sorted(m)) for b in sorted(m)[i + 1:]}

    true_pairs, got_pairs = pairs(truth), pairs(predicted)
    tp = len(true_pairs & got_pairs)
    precision = tp / len(got_pairs) if got_pairs else 1.0
    recall = tp / len(true_pairs) if true_pairs else 1.0
    return precision, recall, tp, len(got_pairs) - tp, len(true_pairs) - tp
