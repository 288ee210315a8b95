"""The end-to-end benchmark's input: every corpus page, replicated to N, served as outlets on 127.0.0.1."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from benchmarks.newsite import NewsSite, load_pages, make_outlets

SKIP_FILES = ("scrapinghub_aeb_baselines.jsonl.gz",)  # scores of other extractors, no HTML
# A replica must be a new article: without these its canonical URL would be the original's.
_CANONICAL = re.compile(r"<link\b[^>]*\bcanonical\b[^>]*>|<meta\b[^>]*\bog:url\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class CorpusPage:
    """One distinct corpus page: its original URL and HTML."""

    url: str
    html: str
    title: str | None


def corpus_pages(corpus: Path) -> list[CorpusPage]:
    """Every corpus page that has HTML, in file order."""
    files = sorted(p.name for p in (corpus / "extraction").glob("*.jsonl.gz") if p.name not in SKIP_FILES)
    return [CorpusPage(r.get("url") or "", r["html"], r.get("title")) for r in load_pages(corpus, files)]


def replicate(pages: list[CorpusPage], n: int) -> list[dict]:
    """n served page records: the corpus once, then copies without canonical links (new URLs, new articles)."""
    stripped: dict[int, str] = {}
    out = []
    for i in range(n):
        base = i % len(pages)
        page = pages[base]
        html = page.html
        if i >= len(pages):
            html = stripped.setdefault(base, _CANONICAL.sub("", page.html))  # shared by all copies
        out.append({"html": html, "title": page.title})
    return out


class Sites:
    """Outlets spread over `hosts` local servers (one port each = one politeness host each)."""

    def __init__(self, pages: list[dict], outlets: int, hosts: int, latency: float) -> None:
        every = make_outlets(pages, outlets)
        groups = [every[h::hosts] for h in range(max(1, hosts))]
        self.sites = [NewsSite(group, latency=latency) for group in groups if group]
        self._stack = ExitStack()

    def __enter__(self) -> Sites:
        for site in self.sites:
            self._stack.enter_context(site)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def sources_toml(self) -> str:
        return "\n".join(site.sources_toml() for site in self.sites)

    def article_urls(self) -> list[str]:
        return [url for site in self.sites for url in site.article_urls()]

    def listing_urls(self) -> list[str]:
        return [site.listing_url(o) for site in self.sites for o in site.outlets.values()]

    def hits(self) -> Counter[str]:
        """Requests per absolute URL so far."""
        return Counter({site.base + path: n for site in self.sites for path, n in site.hits.items()})

    def last_status(self, url: str) -> int | None:
        for site in self.sites:
            if url.startswith(site.base + "/"):
                return site.last_status.get(url.removeprefix(site.base))
        return None

    def statuses(self) -> Counter[int]:
        return sum((site.statuses for site in self.sites), Counter())
