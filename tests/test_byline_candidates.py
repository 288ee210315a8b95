"""The one-pass byline search finds exactly what trafilatura's byline and discard XPaths find, in order."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from lxml.html import HtmlElement
from trafilatura.utils import load_html
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from tasks.extract import byline_candidates
from tasks.extract.byline_candidates import scan


def _xpaths(tree: HtmlElement) -> tuple[list[list[HtmlElement]], set[HtmlElement]]:
    return [expression(tree) for expression in AUTHOR_XPATHS], {el for x in AUTHOR_DISCARD_XPATHS for el in x(tree)}


# Each clause of the three expressions, near misses beside them (tags outside a clause's list,
# case, substrings), and elements matching several expressions at once.
CLAUSES = """
<a rel="author" href="/a">A One</a><em rel="author">not a listed tag</em>
<div id="author">B Two</div><h3 id="author">h3 id</h3><p class="author">C Three</p>
<section class="author">any tag</section>
<span itemprop="author name">D Four</span><span itemprop="author">E Five</span><span itemprop="Author">case</span>
<strong data-testid="AuthorCard">F</strong><link data-testid="AuthorURL"/><i data-testid="AuthorCard">no</i>
<span class="post-author-name">G</span><span class="authorname">H</span><p class="AuthorName">I</p>
<span class="x authorName y">J</span><address class="by author-name">K</address><author>L Six</author>
<p class="byline">M</p><p class="Byline">N</p><h4 class="username">O</h4><h3 class="byl">P</h3><div class="BBL">Q</div>
<div class="byline x">R</div><span id="zuozhe">S</span><h4 id="xiaobian-1">T</h4><a class="channel-name">U</a>
<p class="submitted-by">V</p><p class="posted-by">W</p><span class="journalist-name">X</span><div class="bianji">Y</div>
<section data-component="TopByline">Z</section><td id="Author">AA</td><b class="screenname">BB</b>
<li class="writer-box">CC</li><em class="big-byline">DD</em><div class="Authors">EE</div><p class="none">FF</p>
<p id="authority">GG</p><span class="">empty</span><span id="">empty id</span>
<div id="comments"><span class="author">in comments</span></div><section class="comments">c</section>
<span class="title">t</span><a class="date">d</a><div id="comment-list">l</div><div id="commentlist">l2</div>
<span id="ProductReviews-x">r</span><div class="Comments-box">C</div><section class="my-sidebar">s</section>
<span class="is-hidden quote">h</span><div class="embedly-instagram">i</div><a class="article-share">sh</a>
<div class="article-support">su</div><span class="print-only">p</span><a class="category">c</a>
<span class="meta-date">m</span><div class="meta-reviewer">r</div><div data-component="FigureBox">f</div>
<p class="comments">not a discarded tag</p><div class="x comments">not at the start</div><div id="my comments">no</div>
<time datetime="2024-05-01">1 May</time><figure><figcaption class="byline">Photo</figcaption></figure>
"""


def _page(body: str) -> HtmlElement:
    tree = load_html(f"<html><head><title>T</title></head><body>{body}</body></html>")
    assert tree is not None
    return tree


def test_trafilatura_s_byline_xpaths_are_the_ones_the_fast_search_was_written_for() -> None:
    if not byline_candidates.FAST:
        pytest.skip("the installed trafilatura has other byline XPaths: scan() uses them (slower); "
                    "check _matches against them and update KNOWN_XPATHS")


@pytest.mark.parametrize("body", [CLAUSES, "<p>no byline at all</p>", "", CLAUSES * 3,
                                  '<p class="x"><rel>me</rel> Jane Doe</p><span class="writer">Ann Lee</span>'])
def test_same_candidates_as_the_xpaths(body: str) -> None:
    tree = _page(body)
    found, ignored = scan(tree)
    assert (found, ignored) == _xpaths(tree)
    if body == CLAUSES:
        assert all(found) and len(ignored) >= 20, "each expression has matches in the clause page"


def test_other_xpaths_are_used_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(byline_candidates, "FAST", False)
    tree = _page(CLAUSES)
    assert scan(tree) == _xpaths(tree)


def test_same_candidates_on_corpus_pages(corpus_dir: Path) -> None:
    pages = 0
    for path in sorted((corpus_dir / "extraction").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                html = json.loads(line).get("html") if n % 4 == 0 else None
                tree = load_html(html) if html else None
                if tree is not None:
                    assert scan(tree) == _xpaths(tree), f"{path.name} record {n}"
                    pages += 1
    assert pages > 200
