"""Extraction: an HTML page (a string) in, an `Article` record or `NotAnArticle` out."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from tasks.discover.urls import normalize_url
from tasks.extract.agencies import find_agencies
from tasks.extract.authors import split_authors
from tasks.extract.dates import day_from_page
from tasks.extract.decoding import decode_html
from tasks.extract.element_classes import use_plain_classes
from tasks.extract.language import choose_language
from tasks.extract.pagemeta import PageMeta, read_page_meta
from tasks.extract.pagetype import check_body, is_front_page, reject_by_markup, word_count
from tasks.extract.titles import choose_title
from tasks.extract.trafilatura_meta import read_metadata
from tasks.extract.trafilatura_xpaths import use_fast_xpaths
from tasks.models import Article, NotAnArticle, plausible_publish_time

__all__ = ["decode_html", "extract_article", "word_count", "content_hash"]

log = logging.getLogger(__name__)

use_plain_classes()  # every page is parsed here: element proxies get their class in C
use_fast_xpaths()  # and trafilatura's costliest XPaths are plain attribute reads

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_OPEN_TITLE = re.compile(r"<title[^>]*>[^<]*", re.IGNORECASE)
_CLOSE_TITLE = re.compile(r"</title\s*>", re.IGNORECASE)
_BROKEN_DOCTYPE = re.compile(r"\s*<!doctype[^>]*?(?=<)", re.IGNORECASE)


def extract_article(html: str, url: str | None = None, *, default_language: str | None = None) -> Article:
    """Extract the article of one HTML page; raise NotAnArticle with a reason when there is none."""
    tree = _parse(html)
    meta = read_page_meta(tree)
    page_url = url or _absolute(meta.canonical, None) or ""
    canonical = _canonical_url(meta.canonical, page_url)
    reject_by_markup(meta, url or canonical)
    doc = _run_trafilatura(tree, page_url)
    site = meta.site_name or doc.sitename
    title = choose_title(tree, meta.title, doc.title, site, page_url)
    text = _clean_body(doc.text or "", title)
    words = word_count(text)
    body = check_body(text, words, tree)
    if body != text:  # link blocks cut from its ends: count again
        text, words = body, word_count(body)
    title = title or _headline_from(doc.description or text)
    authors, byline_agencies = split_authors(doc.author or "", site, page_url)
    agencies = list(dict.fromkeys(byline_agencies + find_agencies(text)))
    return Article(
        url=page_url,
        canonical_url=canonical,
        title=title,
        text=text,
        description=_clean_line(doc.description or "") or None,
        published_at=_published(meta, doc.date) or _day_in_words(tree, meta, doc, text),
        authors=authors,
        agencies=agencies,
        language=choose_language(text, meta.lang, default_language),
        word_count=words,
        content_hash=content_hash(text),
    )


def _parse(html: str) -> HtmlElement:
    """The page's element tree: one parse, and a second only for a page broken at the top."""
    if not html or not html.strip():
        raise NotAnArticle("empty page")
    tree = _load(html)
    if _lost_document(tree) and (repaired := _repair(html)) != html:
        log.debug("reparsing a page whose head swallowed the document")
        tree = _load(repaired)
    if tree is None or len(tree) == 0:
        raise NotAnArticle("not parseable as HTML: no document structure")
    return tree


def _load(html: str) -> HtmlElement | None:
    """trafilatura's HTML loading (with its repairs for common breakage), never raising."""
    try:
        return load_html(html)
    except (ValueError, TypeError) as exc:
        log.debug("lxml could not parse the page: %s", exc)
        return None


def _lost_document(tree: HtmlElement | None) -> bool:
    """True when parsing kept no body: an unclosed <title>, doctype or quote ate the page."""
    if tree is None or len(tree) == 0:
        return True
    if tree.find("body") is not None or len(tree) > 1:
        return False
    title = tree.find(".//title")
    return title is None or len(title.text or "") > 1000


def _repair(html: str) -> str:
    """Close an unclosed <title>, drop an unclosed doctype, tame a broken <html> tag."""
    head = html[:4096]
    if (m := _OPEN_TITLE.search(head)) and not _CLOSE_TITLE.match(head, m.end()):
        html = html[: m.end()] + "</title>" + html[m.end() :]
    if (m := _BROKEN_DOCTYPE.match(html)) is not None:
        html = html[m.end() :]
    start = html.lower().find("<html")
    end = html.find("\n", start)
    if start >= 0 and end > 0 and html.count('"', start, end) % 2:
        html = html[:start] + "<html>" + html[end:]
    return html


def _run_trafilatura(tree: HtmlElement, url: str) -> Document:
    """The main text (trafilatura's extraction) and the metadata newsflow keeps."""
    # Comments are dropped before extraction (not after): reader comments are never article text.
    body = trafilatura.bare_extraction(tree, url=url or None, include_comments=False)
    if not isinstance(body, Document) or not (body.text or "").strip():
        raise NotAnArticle("no main text found")
    doc = read_metadata(tree, url)
    doc.text = body.text
    return doc


def _absolute(link: str | None, base: str | None) -> str | None:
    """link resolved against base, or None when it is not an http(s) URL."""
    if not link:
        return None
    try:
        joined = urljoin(base, link) if base else link
    except ValueError:
        return None
    return joined if urlsplit(joined).scheme in ("http", "https") else None


def _canonical_url(link: str | None, url: str) -> str:
    """Normalised canonical link of the page, else its normalised URL."""
    canonical = _absolute(link, url or None)
    # A canonical pointing at the home page from an article URL is a template bug, not a fact.
    if canonical and url and is_front_page(canonical) and not is_front_page(url):
        canonical = None
    chosen = canonical or url
    return (normalize_url(chosen) or chosen) if chosen else ""


def _clean_line(value: str) -> str:
    """One line of text with collapsed whitespace."""
    return _SPACES.sub(" ", value.replace("\n", " ")).strip()


def _clean_body(text: str, title: str) -> str:
    """Body text: trimmed lines, no blank lines, no leading repeat of the title."""
    lines = [cleaned for line in text.split("\n") if (cleaned := _SPACES.sub(" ", line).strip())]
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]
    return "\n".join(lines)


def _published(meta: PageMeta, found: str | None) -> datetime | None:
    """The page's publish time: the markup's timestamp, or htmldate's day at midnight UTC."""
    day: date | None = None
    if found:
        try:
            day = date.fromisoformat(found[:10])
        except ValueError:
            day = None
    stamp = meta.published
    if stamp is not None and stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)  # records carry aware times; an offset-less one is UTC
    if stamp is not None and not plausible_publish_time(stamp):
        stamp = None  # a template placeholder or a clock error, not this page's date
    # htmldate weighs many signals (URL, visible dates); a markup stamp more than a day away
    # from its answer is usually a template's "now" or an update time.
    if stamp is not None and (day is None or abs(stamp.date() - day) <= timedelta(days=1)):
        return stamp
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _day_in_words(tree: HtmlElement, meta: PageMeta, doc: Document, text: str) -> datetime | None:
    """Only for a page whose markup and URL gave no day: the day written in its title, byline or lead."""
    head = tree.find(".//title")
    titles = [t for t in (head.text_content() if head is not None else None, meta.title, doc.title) if t]
    day = day_from_page(tree, titles, text)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def content_hash(text: str) -> str:
    """Stable 32-hex-digit hash of the text, blind to case, Unicode form and whitespace."""
    normal = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=16).hexdigest()


def _headline_from(text: str, limit: int = 120) -> str:
    """A stand-in headline for pages that have none: the first sentence, cut at a word."""
    lines = [line.strip(" |") for line in text.splitlines() if "|" not in line.strip(" |")]
    lines = [line for line in lines if len(re.findall(r"\w+", line)) >= 8]
    first = lines[0].strip() if lines else text.strip()
    first = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + "…"
