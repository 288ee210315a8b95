"""Extraction outcomes of corpus pages, for tests that compare two ways of extracting the same pages."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tasks.extract.article import extract_article
from tasks.models import NotAnArticle


def outcome(page: str, url: str) -> object:
    """The page's Article, or why it is none."""
    try:
        return extract_article(page, url)
    except NotAnArticle as exc:
        return f"NotAnArticle: {exc}"


def sample_pages(corpus: Path, every: int, offset: int = 0) -> list[tuple[str, str]]:
    """(html, url) of every `every`-th record (from `offset`) of each extraction file that has HTML."""
    pages = []
    for path in sorted((corpus / "extraction").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            records = [json.loads(line) for n, line in enumerate(lines) if n % every == offset]
        pages += [(r["html"], r["url"]) for r in records if r.get("html")]
    return pages
