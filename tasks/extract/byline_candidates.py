"""trafilatura's byline XPaths, and the XPaths of what its byline search ignores, in one pass.

trafilatura looks for a byline with three XPath expressions (trafilatura.xpaths.AUTHOR_XPATHS)
whose class and id tests are EXSLT regular expressions. lxml runs each such test as a call into
Python for every element, so each expression cost 1.6-2.2 ms on a corpus page of ~800 elements,
about 5 ms the three, on the two pages in three that state no author in their meta tags or
JSON-LD; the two expressions of the parts its byline search ignores (comments, sidebars, dates,
figures: trafilatura.xpaths.AUTHOR_DISCARD_XPATHS) another 1.6 ms. The same tests as plain
attribute reads and compiled regexes read the page once, giving the same elements in the same
order on every one of the 1,096 pages of the shared corpus that have HTML.

The tests below are those expressions' predicates (trafilatura 2.3). When trafilatura's
expressions change, their text no longer has the digest below and its own XPaths are used.
"""

from __future__ import annotations

import hashlib
import re

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

# sha256 of the expressions' text joined by newlines, for which the tests below were written
KNOWN_XPATHS = "bd5f280624916a837f627a558a6f87d6ebde80d97a00908c8a856c7b7b9eae82"

# Every name the class and id tests below look for, in one search each (most elements have a class)
_ANY_CLASS = re.compile("[Aa]uthor|[Bb]yline|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|"
                        "journalist-name|screenname|writer|^(?:username|byl|BBL)$")
_ANY_ID = re.compile("[Aa]uthor|zuozhe|bianji|xiaobian")
_FIRST_TAGS = frozenset(("a", "address", "div", "link", "p", "span", "strong"))
_SECOND_TAGS = frozenset(("a", "div", "h3", "h4", "p", "span"))
_FIRST_CLASS = re.compile("author-?name|AuthorName|authorName")
_SECOND_ID = re.compile("author|zuozhe|bianji|xiaobian")
_SECOND_CLASS = re.compile("author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_THIRD_ID = re.compile("[Aa]uthor")
_THIRD_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
_DISCARD_TAGS = frozenset(("a", "div", "section", "span"))
_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile("^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
                            "article-(?:share|support)|print|category|meta-date|meta-reviewer")
_DISCARD_ANYWHERE = frozenset(("time", "figure"))  # the second expression: every <time> and <figure>


def _matches(el: HtmlElement) -> tuple[bool, bool, bool, bool]:
    """Whether the element matches the first, second and third byline expression, and the first discard one."""
    get, tag = el.get, el.tag
    cls, ident, itemprop = get("class"), get("id"), get("itemprop")
    discarded = tag in _DISCARD_TAGS and (
        ident == "comments" or cls in ("comments", "title", "date")
        or (ident is not None and _DISCARD_ID.search(ident) is not None)
        or (cls is not None and _DISCARD_CLASS.search(cls) is not None)
        or "Figure" in (get("data-component") or ""))
    if cls is not None and _ANY_CLASS.search(cls) is None:
        cls = None  # (every byline class test below, exact or not, needs one of these names)
    if ident is not None and _ANY_ID.search(ident) is None:
        ident = None
    author_prop = itemprop is not None and "author" in itemprop
    third = (author_prop or (ident is not None and _THIRD_ID.search(ident) is not None)
             or (cls is not None and _THIRD_CLASS.search(cls) is not None)
             or "Byline" in (get("data-component") or ""))
    first = tag == "author" or (tag in _FIRST_TAGS and (
        get("rel") == "author" or ident == "author" or cls == "author" or itemprop == "author name"
        or get("data-testid") in ("AuthorCard", "AuthorURL")
        or (cls is not None and _FIRST_CLASS.search(cls) is not None)))
    second = tag in _SECOND_TAGS and (
        cls in ("byline", "username", "byl", "BBL") or author_prop
        or (ident is not None and _SECOND_ID.search(ident) is not None)
        or (cls is not None and _SECOND_CLASS.search(cls) is not None))
    return first, second, third, discarded


_TEXT = "\n".join(x.path for x in (*AUTHOR_XPATHS, *AUTHOR_DISCARD_XPATHS))
FAST = hashlib.sha256(_TEXT.encode()).hexdigest() == KNOWN_XPATHS  # else trafilatura's own XPaths run


def scan(tree: HtmlElement) -> tuple[list[list[HtmlElement]], set[HtmlElement]]:
    """Each byline expression's matches in document order, and the elements the search ignores.

    The same as `[expression(tree) for expression in AUTHOR_XPATHS]` and the set of every element
    of `discard(tree) for discard in AUTHOR_DISCARD_XPATHS`, for `tree` the document's root.
    """
    document = tree.getroottree()
    # (the first byline expression's `rel='me'` tests the text of a child <rel> element, which
    # _matches does not; the first discard expression reads below `tree`, the rest the whole document)
    if not FAST or tree is not document.getroot() or next(document.iter("rel"), None) is not None:
        return ([expression(tree) for expression in AUTHOR_XPATHS],
                {el for discard in AUTHOR_DISCARD_XPATHS for el in discard(tree)})
    found: list[list[HtmlElement]] = [[], [], []]
    ignored: set[HtmlElement] = set()
    for el in document.iter(etree.Element):
        tag = el.tag
        if tag in _DISCARD_ANYWHERE:
            ignored.add(el)
        if el.attrib or tag == "author":  # every other test reads an attribute
            first, second, third, discarded = _matches(el)
            if first:
                found[0].append(el)
            if second:
                found[1].append(el)
            if third:
                found[2].append(el)
            if discarded and el is not tree:
                ignored.add(el)
    return found, ignored
