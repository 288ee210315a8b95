"""Is this page an article? Front pages, listings and link lists are told apart from stories."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from tasks.extract.pagemeta import ARTICLE_TYPES, LISTING_TYPES, PageMeta
from tasks.models import NotAnArticle

MIN_WORDS = 30  # shorter bodies are captions, teasers or error pages, not articles
LIST_MIN_LINES = 8  # a list verdict needs enough lines to be more than a short note
LIST_MIN_ITEMS = 6
# Share of the body's characters in link texts and teasers above which a page is an index.
# Real articles in the corpus stay below 0.3 (the highest is 0.28).
LIST_CHAR_SHARE = 0.5
TEASER_CONTAINER_CHARS = 1500  # a teaser box holds a headline and a paragraph or two
TEASER_BOX_LINES = 2
MIN_RUN = 3  # links or teasers in a row at an end of the body form a block to cut
_HEADLINE_LINK = "./h2//a|./h3//a|./h4//a|./*/h2//a|./*/h3//a|./*/h4//a"
_WORD = re.compile(r"[^\W\d_]+|\d+")
# Scripts written without spaces: every character counts as a word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_FRONT_PATHS = ("", "/index.html", "/index.htm", "/index.php", "/home", "/default.aspx")


def word_count(text: str) -> int:
    """Words of text; in scripts without spaces (Chinese, Japanese) each character counts."""
    cjk = len(_CJK.findall(text))
    return len(_WORD.findall(_CJK.sub(" ", text))) + cjk if cjk else len(_WORD.findall(text))


def _norm(text: str) -> str:
    """Whitespace-collapsed, case-folded text for matching lines against page elements."""
    return " ".join(text.split()).casefold()


def is_front_page(url: str) -> bool:
    """True for a site's home page ("https://example.com/", "/index.html")."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = parts.path.rstrip("/").lower()
    return bool(parts.netloc) and not parts.query and path in _FRONT_PATHS


def reject_by_markup(meta: PageMeta, url: str) -> None:
    """Raise NotAnArticle for pages that say they are a front page or a listing."""
    if url and is_front_page(url):
        raise NotAnArticle(f"site front page: {url}")
    listing = meta.types & LISTING_TYPES
    if listing and not meta.types & ARTICLE_TYPES:
        raise NotAnArticle(f"listing page: schema.org {', '.join(sorted(listing))} without article markup")


def _teaser_box(paragraph: HtmlElement) -> HtmlElement | None:
    """The small box holding this paragraph under a linked headline (an index entry), if any."""
    box = paragraph.getparent()
    for _ in range(2):
        if box is None:
            return None
        if box.xpath(_HEADLINE_LINK):
            return box if len(box.text_content()) <= TEASER_CONTAINER_CHARS else None
        box = box.getparent()
    return None


def _listed_lines(lines: list[str], tree: HtmlElement) -> list[bool]:
    """For each body line: is it a link text or a teaser of an index entry?"""
    anchors = {_norm(a.text_content()) for a in tree.iter("a")}
    paragraphs = {_norm(p.text_content()): p for p in tree.iter("p")}
    boxes = [_teaser_box(p) if (p := paragraphs.get(line)) is not None else None for line in lines]
    per_box: dict[int, int] = {}
    for box in boxes:
        if box is not None:
            per_box[id(box)] = per_box.get(id(box), 0) + 1
    # A box holding many body paragraphs is the article itself under a permalink headline.
    return [
        line in anchors or (box is not None and per_box[id(box)] <= TEASER_BOX_LINES)
        for line, box in zip(lines, boxes, strict=True)
    ]


def _trim_runs(flags: list[bool]) -> tuple[int, int]:
    """Bounds of the body without leading and trailing runs of listed lines (related stories)."""
    start, end = 0, len(flags)
    while start < end and flags[start]:
        start += 1
    while end > start and flags[end - 1]:
        end -= 1
    # A single link line at either end ("Read more") is content-sized noise, not a block.
    start = start if start >= MIN_RUN else 0
    end = end if len(flags) - end >= MIN_RUN else len(flags)
    return start, end


def check_body(text: str, words: int, tree: HtmlElement) -> str:
    """The body without link blocks at its ends; NotAnArticle if too short or an index page."""
    if words < MIN_WORDS:
        raise NotAnArticle(f"body too short: {words} words (minimum {MIN_WORDS})")
    raw = text.split("\n")
    if len(raw) < LIST_MIN_LINES:
        return text
    lines = [_norm(line) for line in raw]
    flags = _listed_lines(lines, tree)
    start, end = _trim_runs(flags)
    core, core_flags = lines[start:end], flags[start:end]
    listed = sum(len(line) for line, flag in zip(core, core_flags, strict=True) if flag)
    share = listed / max(1, sum(map(len, core)))
    core_words = word_count("\n".join(core))
    if core_words < MIN_WORDS or (sum(core_flags) >= LIST_MIN_ITEMS and share >= LIST_CHAR_SHARE):
        raise NotAnArticle(f"index page: {sum(flags)} of {len(lines)} lines are links or teasers")
    return "\n".join(raw[start:end])
