"""trafilatura's XPaths answered in Python give the same elements, in the same order, as lxml."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from trafilatura import xpaths
from trafilatura.utils import load_html

from tasks.extract import trafilatura_xpaths as fast_xpaths
from tests.corpus_articles import outcome, sample_pages

pytestmark = pytest.mark.skipif(not fast_xpaths.FAST, reason="trafilatura's XPaths changed: its own run")

# Every clause of the expressions, and near misses: attribute order, case, empty values, lists
EDGE_PAGE = """<html><head><title>t</title><script>var a;</script><style>p{}</style></head><body>
<div id="cookie-x" class="plain">1</div><div class="plain" id="cookie-x">2</div>
<div class="reply-box" id="x">3</div><div id="x" class="reply-box">4</div><span id="reply-to">5</span>
<p id="hidden-note" style="color:red">6</p><p style="color:hidden" id="note">7</p><i style="x:hidden">8</i>
<div style="display:none">9</div><div style="display: none">10</div><div style="display :none">11</div>
<section aria-hidden="true">12</section><section aria-hidden="TRUE">13</section>
<div class="comments-title">14</div><div class="comments-title x">15</div><b class="x -reply- y">16</b>
<div role="Navigation">17</div><div role="NAV">18</div><div role="main">19</div>
<div data-lp-replacement-content="">20</div><span data-component="MostPopularStories-x">21</span>
<span class="share-bar">22</span><em class="share-bar">23</em><p class="x ad y">24</p><p class="xadx">25</p>
<div id="related-links">26</div><div id="Related">27</div>
<div id="infinite-scroll"><h1>kept: holds the h1</h1></div><div class="infinite_scroll">28</div>
<div id="infinitescroll">29</div><aside class="mvp-post-add-box"><h1>30</h1></aside>
<article class="infinite-scroll">31</article>
<div class="a elementor-share-buttons b">32</div><span class="elementor-share-buttons">33</span>
<ol id="comments">34</ol><ul class="comment-list">35</ul><ul id="disqus_thread">36</ul>
<div id="disqus_thread">37</div><div id="commentary">38</div><div class="Comments">39</div>
<details id="comol">40</details><list class="post-comments">41</list><div class="site-footer">42</div>
<div id="footer-nav" class="x">43</div><div class="x" id="footer-nav">44</div><footer>45</footer>
<div class="Cookie-Banner">46</div><div id="ONETRUST-sdk">47</div><span class="cookie_notice">48</span>
<svg><g/></svg><template><p>49</p></template><fencedframe></fencedframe><aside>50</aside>
<div id="">51</div><div class="">52</div><!-- a comment --><?pi x?><p>plain text<br/>more</p>
<main><div class="x"><section class="post">53</section><div class="entry">54</div></div>
<article itemprop="articleBody">55</article><div id="articleContent">56</div><p class="post">57</p>
<div><span class="article-body">58</span><div class="article__body">59</div></div>
<section id="story-body-2">60</section><div class="FullText">61</div><div class="Article x">62</div>
<div role="article">63</div><article id="story">64</article><div class="cell x">65</div>
<div id="Main-Content">66</div><div class="page-Content">67</div><div class="PAGE-CONTENT">68</div>
<section class="content__body">69</section><div id="content">70</div><div id="contentBody">71</div></main>
<div class="content">72</div><div class="text">73</div><div class="story">74</div><div id="article">75</div>
<div class="postarea">76</div><div class="art-postcontent">77</div><div class="entry">78</div>
<p class="comments-title">79</p><div id="primary">80</div><div class="content x">81</div>
</body></html>"""

TAGS = ("div", "span", "p", "section", "aside", "ol", "ul", "list", "details", "item", "article", "main", "b",
        "footer")
VALUES = ("", "x", "cookie", "Cookie-Notice", "reply-1", "a reply-", "hidden", "x hidden", "display:none",
          "display: none", "comments-title", "comment", "Commentary", "comol", "post-comments", "nav", "Nav",
          "NAVIGATION", "menu", "share-", "Share", "social", "footer", "site-footer", "elementor-share-buttons",
          "infinite-scroll", "mvp-post-add-wrap", "teaser", "ad-top", " ad ", "true", "MostPopularStories",
          "onetrust", "yin", "hide-print", "noprint", "bar", "post", "entry", "articleBody", "article-content",
          "story", "text", "content", "Main-Content", "page-Content", "FullText", "primary", "article x")
NAMES = ("id", "class", "style", "role", "aria-hidden", "data-component", "data-lp-replacement-content", "itemprop",
         "title")


def _random_page(rng: random.Random) -> str:
    def element(depth: int) -> str:
        tag = rng.choice(TAGS + ("h1",) * (depth > 1))
        names = rng.sample(NAMES, rng.randint(0, 4))
        attrs = "".join(f' {n}="{rng.choice(VALUES)}"' for n in names)
        inner = "".join(element(depth + 1) for _ in range(rng.randint(0, 3 if depth < 4 else 0)))
        return f"<{tag}{attrs}>t{inner}</{tag}>"

    return "<html><body>" + "".join(element(0) for _ in range(8)) + "</body></html>"


def _assert_same(tree: etree._Element) -> int:
    """Each fast expression against lxml's on `tree` and on its body; the number of matches."""
    found = 0
    body = tree.find("body")
    for slot in fast_xpaths.slots():
        xpath, fast = slot.original(), fast_xpaths.FastPath(slot)
        for context in (tree, body) if body is not None else (tree,):
            expected = xpath(context)
            assert fast(context) == expected, (xpath.path[:80], [etree.tostring(e)[:80] for e in expected])
            found += len(expected)
    return found


def test_every_clause_and_near_miss() -> None:
    tree = load_html(EDGE_PAGE)
    assert _assert_same(tree) > 90
    # each element alone too: the expressions that keep only their first match see every clause
    for el in tree.find("body").iter(etree.Element):
        _assert_same(load_html(f"<html><body>{etree.tostring(el, encoding='unicode')}</body></html>"))


def test_random_pages() -> None:
    rng = random.Random(20261205)
    assert sum(_assert_same(load_html(_random_page(rng))) for _ in range(300)) > 3000


def _installed() -> list[object]:
    return [slot.current() for slot in fast_xpaths.slots()]


def test_installed_in_trafilatura_and_given_back() -> None:
    assert all(isinstance(x, fast_xpaths.FastPath) for x in _installed())  # tasks.extract.article installs them
    fast_xpaths.use_trafilatura_xpaths()
    try:
        assert all(type(x) is etree.XPath for x in _installed())
    finally:
        assert fast_xpaths.use_fast_xpaths()
    assert fast_xpaths.use_fast_xpaths()  # twice: still one layer over trafilatura's XPath
    assert all(type(x.xpath) is etree.XPath for x in _installed())  # type: ignore[attr-defined]


def test_changed_expressions_keep_trafilatura_s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fast_xpaths.digest() == fast_xpaths.KNOWN_XPATHS
    installed = xpaths.BODY_XPATH[3]
    xpaths.BODY_XPATH[3] = etree.XPath(installed.path + " ", namespaces={"re": "http://exslt.org/regular-expressions"})
    try:
        assert fast_xpaths.digest() != fast_xpaths.KNOWN_XPATHS and not fast_xpaths._known()
    finally:
        xpaths.BODY_XPATH[3] = installed
    monkeypatch.setattr(fast_xpaths, "FAST", False)
    fast_xpaths.use_trafilatura_xpaths()
    try:
        assert fast_xpaths.use_fast_xpaths() is False
        assert type(xpaths.OVERALL_DISCARD_XPATH[0]) is etree.XPath
    finally:
        monkeypatch.setattr(fast_xpaths, "FAST", True)
        assert fast_xpaths.use_fast_xpaths()


@pytest.fixture
def trafilatura_own_xpaths() -> Iterator[None]:
    fast_xpaths.use_trafilatura_xpaths()
    try:
        yield
    finally:
        assert fast_xpaths.use_fast_xpaths()


def test_the_same_articles_on_corpus_pages(corpus_dir: Path, request: pytest.FixtureRequest) -> None:
    pages = sample_pages(corpus_dir, every=5, offset=2)
    for page, _ in pages[::4]:
        _assert_same(load_html(page))
    fast = [outcome(page, url) for page, url in pages]
    request.getfixturevalue("trafilatura_own_xpaths")
    assert [outcome(page, url) for page, url in pages] == fast
    assert len(pages) > 150 and sum(not isinstance(o, str) for o in fast) > 100
