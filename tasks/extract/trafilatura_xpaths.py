"""trafilatura's costliest XPaths, answered by plain attribute reads in one walk over the elements.

trafilatura finds a page's main block, and deletes comments, share bars, navigation, hidden
blocks and the like, with XPath expressions whose class and id tests are EXSLT regular
expressions. lxml runs each such test as a call into Python for every element: the nine
expressions below took 5.3 ms of the 25.2 ms a worker spent on a corpus page. The same tests as
attribute reads and compiled regexes give the same elements in the same order (every call on
every page of the shared corpus; tests/test_trafilatura_xpaths.py) in 1.5 ms.

The predicates are those expressions' (trafilatura 2.3). `use_fast_xpaths` puts them in
trafilatura's place only while its expressions have the text they were written for (a digest);
otherwise trafilatura's own XPaths run. Three details of XPath are kept: `@id|@class` as a
string is the attribute written first on the element, an absent attribute is the empty string,
and `.//*[...][1]` is the first match among each element's children, `(.//*[...])[1]` the first
in the document.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from lxml import etree
from lxml.html import HtmlElement
from trafilatura import xpaths

# sha256 of the expressions' text joined by newlines, for which the predicates were written
KNOWN_XPATHS = "3313e78ae3b89e463187c83101469135a3291c1c650792193bd604cb1db7043d"

_INFINITE = re.compile("mvp-post-add-(?:box|wrap)|infinite-?scroll")
_APPENDED = re.compile("mvp-post-add-(?:box|wrap)")
_COMMENTS_ID = re.compile("^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)")
_COMMENTS_LIST_ID = re.compile("^(?:[Cc]omment(?!ary)|comol)")
_COMMENTS_CLASS = re.compile("^[Cc]omment(?!ary)|(?:article|post)-comments")
_DISCARD_ID = re.compile(
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|"
    "^(?:jp-|dpsp-content)|bmdh|footer|Footer|share|Share|nav|Nav|menu|related|message-container|premium|^ad-")
_DISCARD_CLASS = re.compile(
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|"
    "^(?:nav|post-nav|ZendeskForm)|subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-|dfp[Aa]d|"
    "outbrain|taboola|criteo|paid-?content|widget|footer|Footer|byline|Byline|share-|sociable|embedded|"
    "embed|tag-list|consent|modal-content|permission|elated|next-|-stories|most-popular|more-on|meta|"
    "rating|attachment|timestamp|user-info|user-profile|-icon|article-infos|message-container|slide|"
    "viewport|overlay|options|expand|obfuscated|blurred|mol-factbox|yin|zlylin|nfoline")
_HIDDEN_ID = re.compile("reader-comments|akismet")
_HIDDEN_CLASS = re.compile("^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|"
                           "hide-print| hidden| hide|noprint|notloaded")
_COOKIE_BANNER = re.compile(
    "cookie[-_]?(?:banner|bar|consent|law|notice|policy|description)|notice[-_]{0,2}cookie"
    "|consent[-_]?(?:banner|manager|sdk)|borlabs|cookiebot|cmplz|onetrust|moove[-_]?gdpr", re.IGNORECASE)
_BODY_ID = re.compile("(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text")
_BODY_CLASS = re.compile(
    "post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|article-?text|"
    "articleText|(?:entry|page|text|article|art)-content|article__content|article(?:-|__)?body|articleBody|"
    "ArticleContent|body-text|article__container")
_STORY_ID = re.compile("^primary|story-body")
_FULLTEXT = re.compile("fulltext", re.IGNORECASE)
_STORY_CLASS = re.compile("^article |post-bodycopy|story-?content|(?:theme|blog|section|single)-content|"
                          "single-post|main-column|wpb_text_column|story-body|field-body")
_CONTENT_ID = re.compile("content-main|content-body|contentBody")
_CONTENT_CLASS = re.compile("content[-_]main|content(?:-|__)body")
_PATTERNS = (_INFINITE, _APPENDED, _COMMENTS_ID, _COMMENTS_LIST_ID, _COMMENTS_CLASS, _DISCARD_ID, _DISCARD_CLASS,
             _HIDDEN_ID, _HIDDEN_CLASS, _COOKIE_BANNER, _BODY_ID, _BODY_CLASS, _STORY_ID, _FULLTEXT, _STORY_CLASS,
             _CONTENT_ID, _CONTENT_CLASS)

_BLOCKS = ("div", "section", "aside")
_COMMENT_BOXES = ("div", "list", "section", "details", "ol", "ul")
_DISCARD_TAGS = ("div", "item", "list", "p", "section", "span")
_CLEANED_TAGS = frozenset(("aside", "fencedframe", "footer", "script", "style", "svg", "template"))
_MAIN_BLOCKS = ("article", "div", "main", "section")
_BASELINE = importlib.import_module("trafilatura.baseline")  # (the package's name `baseline` is a function)


def _first(el: HtmlElement, one: str, other: str, one_value: str | None, other_value: str | None) -> str:
    """XPath's string of `@one|@other`: the value of the one written first, "" when neither is."""
    if one_value is None or other_value is None:
        return one_value or other_value or ""
    for name in el.attrib:  # in the order written
        if name == one:
            return one_value
        if name == other:
            return other_value
    return ""  # (not reached: both attributes are there)


def _has(pattern: re.Pattern[str], value: str | None) -> bool:
    return value is not None and pattern.search(value) is not None


def _infinite_scroll(el: HtmlElement) -> bool:
    """RAW_TREE_PRUNE_XPATH[0]: infinite-scroll boxes, unless they hold the page's <h1>."""
    ident, cls = el.get("id"), el.get("class")
    if not (_has(_INFINITE, ident) or _has(_INFINITE, cls)):
        return False
    return _has(_APPENDED, ident) or _has(_APPENDED, cls) or el.find(".//h1") is None


def _share_buttons(el: HtmlElement) -> bool:
    """RAW_TREE_PRUNE_XPATH[1]."""
    return "elementor-share-buttons" in (el.get("class") or "")


def _comments(el: HtmlElement) -> bool:
    """REMOVE_COMMENTS_AND_LISTS_XPATH[0]: comment sections, and lists that are comment threads."""
    ident, cls = el.get("id"), el.get("class")
    if _has(_COMMENTS_CLASS, cls):
        return True
    if el.tag in ("ol", "ul"):
        return _has(_COMMENTS_LIST_ID, ident)
    return _has(_COMMENTS_ID, ident)


def _boilerplate(el: HtmlElement) -> bool:
    """OVERALL_DISCARD_XPATH[0]: navigation, sharing, ads, footers, bylines, related links, ..."""
    ident, cls = el.get("id"), el.get("class")
    return (_has(_DISCARD_ID, ident) or _has(_DISCARD_CLASS, cls)
            or el.get("data-lp-replacement-content") is not None
            or "nav" in (el.get("role") or "").replace("N", "n")
            or "MostPopularStories" in (el.get("data-component") or "")
            or "cookie" in _first(el, "id", "class", ident, cls))


def _hidden(el: HtmlElement) -> bool:
    """OVERALL_DISCARD_XPATH[1]: hidden blocks, replies, comment titles."""
    get = el.get
    ident, cls, style = get("id"), get("class"), get("style")
    if ident is None and cls is None and style is None:
        return get("aria-hidden") == "true"
    return (cls == "comments-title" or get("aria-hidden") == "true"
            or _has(_HIDDEN_ID, ident) or _has(_HIDDEN_CLASS, cls)
            or (style is not None and ("display:none" in style or "display: none" in style))
            or _first(el, "id", "class", ident, cls).startswith("reply-")
            or "hidden" in _first(el, "id", "style", ident, style))


def _basic_clean(el: HtmlElement) -> bool:
    """trafilatura.settings.BASIC_CLEAN_XPATH (its plain-text fallback's cleaning): asides, footers,
    scripts, styles, cookie banners."""
    tag = el.tag
    if tag in _CLEANED_TAGS:
        return True
    ident, cls = el.get("id"), el.get("class")
    if ident is None and cls is None:
        return False
    return ((tag == "div" and "footer" in _first(el, "class", "id", cls, ident))
            or _has(_COOKIE_BANNER, cls) or _has(_COOKIE_BANNER, ident))


def _article_body(el: HtmlElement) -> bool:
    """BODY_XPATH[0]: blocks named as the article's body."""
    ident, cls = el.get("id"), el.get("class")
    return (cls in ("post", "entry") or el.get("itemprop") == "articleBody" or ident == "articleContent"
            or _has(_BODY_ID, ident) or _has(_BODY_CLASS, cls))


def _story(el: HtmlElement) -> bool:
    """BODY_XPATH[2]: blocks named as a story or a text."""
    ident, cls = el.get("id"), el.get("class")
    return (el.get("role") == "article" or ident in ("article", "story")
            or cls in ("postarea", "art-postcontent", "text", "cell", "story")
            or _has(_STORY_ID, ident) or _has(_FULLTEXT, cls) or _has(_STORY_CLASS, cls))


def _content(el: HtmlElement) -> bool:
    """BODY_XPATH[3]: blocks named as the page's content."""
    ident, cls = el.get("id"), el.get("class")
    if ident is None and cls is None:
        return False
    return (ident == "content" or cls == "content" or _has(_CONTENT_ID, ident) or _has(_CONTENT_CLASS, cls)
            or "main-content" in (ident or "").replace("C", "c").replace("M", "m")
            or "main-content" in (cls or "").replace("C", "c").replace("M", "m")
            or "page-content" in (cls or "").replace("C", "c").replace("P", "p"))


def _every(matches: Iterator[HtmlElement]) -> list[HtmlElement]:
    return list(matches)


def _first_in_document(matches: Iterator[HtmlElement]) -> list[HtmlElement]:
    """`(.//*[...])[1]`."""
    return list(islice(matches, 1))


def _first_among_siblings(matches: Iterator[HtmlElement]) -> list[HtmlElement]:
    """`.//*[...][1]`: the first match among each element's children."""
    parents: set[Any] = set()
    kept = []
    for el in matches:
        parent = el.getparent()
        if parent not in parents:
            parents.add(parent)
            kept.append(el)
    return kept


@dataclass(frozen=True)
class Slot:
    """Where one of trafilatura's XPaths lives, and what answers it here."""

    holder: Any  # trafilatura's list of expressions, or its module
    key: int | str  # index in the list, or name in the module
    tags: tuple[str, ...] | None  # the elements it tests (None: every element)
    test: Callable[[HtmlElement], bool]
    pick: Callable[[Iterator[HtmlElement]], list[HtmlElement]] = _every

    def current(self) -> Any:
        """What trafilatura calls now: its XPath, or the FastPath put in its place."""
        return self.holder[self.key] if isinstance(self.key, int) else getattr(self.holder, self.key)

    def original(self) -> Any:
        """trafilatura's own XPath."""
        entry = self.current()
        return entry.xpath if isinstance(entry, FastPath) else entry

    def put(self, entry: Any) -> None:
        if isinstance(self.key, int):
            self.holder[self.key] = entry
        else:
            setattr(self.holder, self.key, entry)


class FastPath:
    """Called like the lxml XPath it stands for, on an element: the same elements, in document order."""

    def __init__(self, slot: Slot) -> None:
        self.xpath = slot.original()
        self.path, self._slot = self.xpath.path, slot

    def __call__(self, tree: Any, **variables: Any) -> Any:
        if variables or not isinstance(tree, etree._Element):  # (not how trafilatura calls them)
            return self.xpath(tree, **variables)
        slot = self._slot
        elements = tree.iterdescendants(*slot.tags) if slot.tags else tree.iterdescendants(etree.Element)
        return slot.pick(el for el in elements if slot.test(el))


def slots() -> list[Slot]:
    """Each expression answered here."""
    return [Slot(xpaths.RAW_TREE_PRUNE_XPATH, 0, _BLOCKS, _infinite_scroll),
            Slot(xpaths.RAW_TREE_PRUNE_XPATH, 1, _BLOCKS, _share_buttons),
            Slot(xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH, 0, _COMMENT_BOXES, _comments),
            Slot(xpaths.OVERALL_DISCARD_XPATH, 0, _DISCARD_TAGS, _boilerplate),
            Slot(xpaths.OVERALL_DISCARD_XPATH, 1, None, _hidden),
            Slot(_BASELINE, "BASIC_CLEAN_XPATH", None, _basic_clean),
            Slot(xpaths.BODY_XPATH, 0, _MAIN_BLOCKS, _article_body, _first_among_siblings),
            Slot(xpaths.BODY_XPATH, 2, _MAIN_BLOCKS, _story, _first_in_document),
            Slot(xpaths.BODY_XPATH, 3, _MAIN_BLOCKS, _content, _first_in_document)]


def digest() -> str:
    """sha256 of trafilatura's expressions' text, joined by newlines (KNOWN_XPATHS when unchanged)."""
    return hashlib.sha256("\n".join(slot.original().path for slot in slots()).encode()).hexdigest()


def _known() -> bool:
    """Whether trafilatura's expressions are those the predicates were written for."""
    try:
        known = digest() == KNOWN_XPATHS
    except (AttributeError, IndexError):
        return False
    # an absent attribute is "" to XPath and skipped here: right only while no pattern matches ""
    return known and not any(p.search("") for p in _PATTERNS)


FAST = _known()


def use_fast_xpaths() -> bool:
    """Answer the expressions here; False (trafilatura's own run) when they are not the known ones."""
    if not FAST:
        return False
    for slot in slots():
        slot.put(FastPath(slot))
    return True


def use_trafilatura_xpaths() -> None:
    """trafilatura's own XPaths back, as it ships (benchmarks' baselines, tests)."""
    for slot in slots():
        slot.put(slot.original())
