"""trafilatura's parser gives every element lxml.html's HtmlElement by a C lookup, and extraction is unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html
from trafilatura.utils import load_html

from tasks.extract import element_classes
from tests.corpus_articles import outcome, sample_pages

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


def test_form_elements_are_plain_html_elements() -> None:
    tree = load_html(FORM_PAGE)
    assert tree is not None
    form = tree.find(".//form")
    assert type(form) is html.HtmlElement  # lxml.html's own lookup makes it a FormElement
    assert form.text_content().strip().startswith("Choice")  # lxml.html's methods are all there


def test_the_same_article_with_either_lookup(request: pytest.FixtureRequest) -> None:
    plain = outcome(FORM_PAGE, "https://example.org/poll")
    request.getfixturevalue("lxml_lookup")
    assert type(load_html(FORM_PAGE).find(".//form")) is html.FormElement  # the fixture took effect
    assert outcome(FORM_PAGE, "https://example.org/poll") == plain


def test_the_same_articles_on_corpus_pages(corpus_dir: Path, request: pytest.FixtureRequest) -> None:
    pages = sample_pages(corpus_dir, every=6, offset=0)
    plain = [outcome(page, url) for page, url in pages]
    request.getfixturevalue("lxml_lookup")
    assert [outcome(page, url) for page, url in pages] == plain
    assert len(pages) > 150 and sum(not isinstance(o, str) for o in plain) > 100
