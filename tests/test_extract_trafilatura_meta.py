"""trafilatura's metadata readers as newsflow drives them: same answers as trafilatura's, less work."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from lxml.html import HtmlElement
from trafilatura.metadata import extract_author, extract_meta_json
from trafilatura.settings import Document
from trafilatura.utils import load_html

from tasks.extract import trafilatura_meta
from tasks.extract.trafilatura_meta import BROKEN_JSON_LD_CHARS, byline_author, read_metadata


def _page(body: str, head: str = "") -> HtmlElement:
    tree = load_html(f"<html><head><title>T</title>{head}</head><body>{body}</body></html>")
    assert tree is not None
    return tree


BYLINES = {
    "no candidate": "<p>Plain story text without any byline at all.</p>",
    "clean byline": '<p class="byline">By Jane Doe</p><p>Story text.</p>',
    "candidate in comments first": (
        '<div class="comments"><span class="author">Troll Person</span></div>'
        '<span class="author">Jane Doe</span>'
    ),
    "candidate holding a date": '<div class="author-name">Jane Doe <time>5 May 2024</time></div>',
    "candidate in a figure": '<figure><span class="byline">Photo Agency</span></figure><p class="byline">Jo Roe</p>',
    "too long first, then good": (
        f'<span class="author">{"word " * 40}</span><a rel="author" href="/jd">John Smith</a>'
    ),
    "rel child element": '<p class="x"><rel>me</rel> Jane Doe</p><span class="writer">Ann Lee</span>',
    "last-resort expression": '<section data-component="Byline">Max Mustermann</section>',
    "only invalid candidates": '<span class="author">X</span>',
}


@pytest.mark.parametrize("body", BYLINES.values(), ids=BYLINES.keys())
def test_byline_author_answers_as_trafilatura(body: str) -> None:
    assert byline_author(_page(body)) == extract_author(_page(body))


def test_byline_author_copies_the_page_only_when_a_candidate_holds_a_pruned_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[HtmlElement] = []

    def counted(tree: HtmlElement) -> str | None:
        calls.append(tree)
        return extract_author(tree)

    monkeypatch.setattr(trafilatura_meta, "extract_author", counted)
    assert byline_author(_page(BYLINES["clean byline"])) == "Jane Doe"
    assert byline_author(_page(BYLINES["candidate in comments first"])) == "Jane Doe"
    assert not calls
    assert byline_author(_page(BYLINES["candidate holding a date"])) == extract_author(
        _page(BYLINES["candidate holding a date"])
    )
    assert len(calls) == 1


def _broken_json_ld(updates: int) -> str:
    """A live blog's JSON-LD made invalid by the bare quotes that unescaping gives its updates' text."""
    people = [{"@type": "Person", "name": name, "sameAs": f"https://example.org/authors/{name.split()[0]}/"}
              for name in ("Lucy Thornton", "Tim Hanlon", "Phoebe Tonks")]
    head = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": "Storm LIVE: updates",
            "publisher": {"@type": "Organization", "name": "Daily Paper"}, "author": people}
    update = {"@type": "BlogPosting", "headline": "Update", "articleBody": "Wind &quot;gusts&quot; rise",
              "author": people}
    text = json.dumps({**head, "liveBlogUpdate": [update] * updates})
    return f'<script type="application/ld+json">{text}</script>'


@pytest.mark.parametrize("updates", [3, 1000])
def test_broken_json_ld_gives_trafilaturas_fields(updates: int) -> None:
    tree = _page("<p>Text.</p>", _broken_json_ld(updates))
    ours = read_metadata(tree, "https://example.org/live")
    theirs = extract_meta_json(tree, Document())
    assert (ours.author, ours.title, ours.sitename) == (theirs.author, theirs.title, theirs.sitename)
    assert ours.author and ours.title


def test_a_long_broken_live_blog_block_costs_little(corpus_dir: Path) -> None:
    """The corpus's 800 kB live blog, whose regex reading took trafilatura over a second."""
    with gzip.open(corpus_dir / "extraction" / "fundus.jsonl.gz", "rt", encoding="utf-8") as fh:
        html = next(json.loads(line)["html"] for line in fh if "hotel-rotherham-33386398" in line)
    tree = load_html(html)
    assert len(tree.xpath(trafilatura_meta._JSON_LD)[0].text) > 20 * BROKEN_JSON_LD_CHARS
    start = time.process_time()
    ours = trafilatura_meta._json_ld(tree, Document())
    ours_cpu = time.process_time() - start
    start = time.process_time()
    theirs = extract_meta_json(tree, Document())
    theirs_cpu = time.process_time() - start
    assert (ours.author, ours.title, ours.sitename, ours.pagetype) == (
        theirs.author, theirs.title, theirs.sitename, theirs.pagetype)
    assert ours_cpu < theirs_cpu / 3
