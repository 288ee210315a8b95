"""trafilatura's parser gives every element lxml.html's HtmlElement by a C lookup, and extraction is unchanged."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html
from trafilatura.utils import load_html

from tasks.extract import element_classes
from tasks.extract.article import extract_article
from tasks.models import NotAnArticle

FORM_PAGE = """<html><head><title>Vote</title></head><body><article><h1>Poll results</h1>
<form action="/vote"><label for="a">Choice</label><input id="a" name="a" value="1">
<select name="s"><option>x</option></select><textarea name="t">say</textarea></form>
<p>The council counted 1,204 votes on Tuesday, and the proposal passed by a wide margin after a long debate
about the new bridge, its cost and the traffic it would bring to the old town's narrow streets.</p>
<p>Opponents said they would ask for a second vote next spring, when the budget for the work is known.</p>
</article></body></html>"""


@pytest.fixture
def lxml_lookup() -> Iterator[None]:
    """lxml.html's own Python lookup for the test's duration, then the C one again."""
    assert element_classes.use_lxml_classes()
    try:
        yield
    finally:
        assert element_classes.use_plain_classes()


def _outcome(page: str, url: str) -> object:
    try:
        return extract_article(page, url)
    except NotAnArticle as exc:
        return f"NotAnArticle: {exc}"


def test_form_elements_are_plain_html_elements() -> None:
    tree = load_html(FORM_PAGE)
    assert tree is not None
    form = tree.find(".//form")
    assert type(form) is html.HtmlElement  # lxml.html's own lookup makes it a FormElement
    assert form.text_content().strip().startswith("Choice")  # lxml.html's methods are all there


def test_the_same_article_with_either_lookup(request: pytest.FixtureRequest) -> None:
    plain = _outcome(FORM_PAGE, "https://example.org/poll")
    request.getfixturevalue("lxml_lookup")
    assert type(load_html(FORM_PAGE).find(".//form")) is html.FormElement  # the fixture took effect
    assert _outcome(FORM_PAGE, "https://example.org/poll") == plain


def test_the_same_articles_on_corpus_pages(corpus_dir: Path, request: pytest.FixtureRequest) -> None:
    pages = []
    for path in sorted((corpus_dir / "extraction").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            records = [json.loads(line) for n, line in enumerate(lines) if n % 6 == 0]
        pages += [(r["html"], r["url"]) for r in records if r.get("html")]
    plain = [_outcome(page, url) for page, url in pages]
    request.getfixturevalue("lxml_lookup")
    assert [_outcome(page, url) for page, url in pages] == plain
    assert len(pages) > 150 and sum(not isinstance(o, str) for o in plain) > 100
