"""Discovery parsing: feed and sitemap bytes in, normalised article links out (no HTTP).

Safety: every XML body is decoded exactly as its parser will see it and refused when it carries
a DTD internal subset or entity declarations (billion laughs, XXE); external DTDs are never
fetched (feedparser turns off expat's external entities; lxml runs with no_network and
load_dtd=False). See tasks/discover/xmlsafety.py.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8

from tasks.discover.sitemaps import clean_title, collect, make_link, parse_sitemap, to_utc, w3c_date
from tasks.discover.urls import normalize_url
from tasks.discover.xmlsafety import (
    FeedError,
    Kind,
    is_json,
    prepare_body,
    refuse_unsafe_xml,
    root_name,
    sniff_kind,
    text_head,
    wide_to_utf8,
)
from tasks.models import Link

__all__ = [
    "FeedError", "Kind", "parse_any", "parse_feed", "parse_sitemap", "sniff_kind", "walk_sitemaps",
]  # fmt: skip

log = logging.getLogger(__name__)

_ITEM_START = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s>/]")
_TAG = re.compile(r"<[^>]*>")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_MONTHS = {
    name: n
    for n, names in enumerate(
        (
            "jan janv janvier ene enero gen gennaio januar jän janeiro",
            "feb fev fév févr février fevereiro febrero febbraio februar",
            "mar mars março marzo märz mär mrz",
            "apr abr avr avril abril aprile april",
            "may mai mag maggio mayo maio",
            "jun juin giu giugno junio junho juni",
            "jul juil juillet lug luglio julio julho juli",
            "aug août aou ago agosto august",
            "sep sept set septembre settembre septiembre setembro september",
            "oct okt out ott octobre ottobre octubre outubro oktober",
            "nov novembre noviembre novembro november",
            "dec déc dez dic dicembre diciembre dezembro dezember décembre",
        ),
        start=1,
    )
    for name in names.split()
}
_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def parse_any(body: bytes, base_url: str) -> tuple[list[Link], list[str]]:
    """Parse a feed or a sitemap, whichever the body is: (links, child sitemap URLs)."""
    if sniff_kind(body) == "sitemap":
        return parse_sitemap(body, base_url)
    return parse_feed(body, base_url), []


def parse_feed(
    body: bytes, base_url: str, *, max_items: int = 5000, content_type: str | None = None
) -> list[Link]:
    """Links of an RSS 0.9x/1.0/2.0, Atom or JSON Feed document, in feed order.

    content_type is the HTTP Content-Type when known; only its charset is used.
    """
    data = prepare_body(body)
    kind = sniff_kind(data)
    if kind in ("html", "sitemap"):
        raise FeedError(f"not a feed: {'HTML page' if kind == 'html' else 'sitemap'}")
    if is_json(data):
        return _parse_json_feed(data, base_url, max_items)
    data = _feed_utf8(data, content_type)
    refuse_unsafe_xml(data)
    headers = {"content-type": "application/xml; charset=utf-8", "content-location": base_url}
    parsed = feedparser.parse(
        io.BytesIO(_truncate_items(data, max_items)),  # bytes would be tried as a file path
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.get("version") and not parsed.entries:
        detail = parsed.get("bozo_exception")
        raise FeedError(f"not a feed: no RSS, Atom or JSON Feed structure found ({detail})")
    if parsed.get("bozo"):
        log.debug("feed %s read leniently: %s", base_url, parsed.get("bozo_exception"))
    return collect((_feed_entry(e, base_url) for e in parsed.entries), max_items)


def _feed_utf8(data: bytes, content_type: str | None) -> bytes:
    """The feed as UTF-8 by feedparser's own rules, so the safety check sees what it parses."""
    wide = wide_to_utf8(data)
    if wide is not data:
        # Without a declared encoding feedparser tries UTF-8 before the BOM, and ASCII-only
        # UTF-16 "decodes" as UTF-8 full of NULs.
        charset = "utf-8"
    else:
        declared = _CHARSET.search(content_type or "")
        charset = declared.group(1) if declared else ""
    header = "application/xml" + (f"; charset={charset}" if charset else "")
    return bytes(convert_to_utf8({"content-type": header}, wide, {}))


def walk_sitemaps(
    root_url: str,
    fetch: Callable[[str], bytes | None],
    *,
    max_depth: int = 3,
    max_sitemaps: int = 50,
    max_items: int = 50000,
    on_error: Callable[[str, FeedError], None] | None = None,
) -> list[Link]:
    """Links of a sitemap and the indexes below it, breadth first; the root is depth 0."""
    start = normalize_url(root_url) or root_url
    queue: deque[tuple[str, int]] = deque([(start, 0)])
    seen = {start}
    found: dict[str, Link] = {}
    fetched = 0
    while queue and fetched < max_sitemaps and len(found) < max_items:
        url, depth = queue.popleft()
        fetched += 1
        body = fetch(url)
        if body is None:
            log.info("sitemap %s not read: unchanged since the last run, or not fetched (see fetches)", url)
            continue
        try:
            links, children = parse_any(body, url)
        except FeedError as exc:
            log.warning("sitemap %s skipped: %s", url, exc)
            if on_error:
                on_error(url, exc)
            continue
        for link in links:
            found.setdefault(link.url, link)
        for child in children:
            if child in seen:
                continue  # self-references and cycles
            if depth + 1 > max_depth:
                log.warning("sitemap %s not followed: deeper than %d levels", child, max_depth)
                continue
            seen.add(child)
            queue.append((child, depth + 1))
    if queue:
        log.warning("%d sitemaps under %s not read: limit of %d", len(queue), start, max_sitemaps)
    return list(found.values())[:max_items]


def _truncate_items(data: bytes, max_items: int) -> bytes:
    """Cut a feed after max_items items so a gigantic feed parses in bounded time."""
    for i, match in enumerate(_ITEM_START.finditer(data)):
        if i == max_items:
            qname = root_name(text_head(data)).encode() or b"rss"
            closing = (b"</channel>" if qname.lower() == b"rss" else b"") + b"</" + qname + b">"
            log.info("feed has more than %d items; the rest is ignored", max_items)
            return data[: match.start()] + closing
    return data


def _feed_entry(entry: Any, base_url: str) -> Link | None:
    """A Link from one feedparser entry, or None when it has no usable URL."""
    guid = entry.get("id") if entry.get("guidislink", True) else None
    raw = entry.get("feedburner_origlink") or entry.get("link") or guid
    link = make_link(raw, base_url)
    if link is not None:
        link.title = _entry_title(entry)
        link.published_at = _entry_date(entry)
    return link


def _entry_title(entry: Any) -> str | None:
    """Plain-text title of an entry (HTML titles stripped of markup)."""
    title = entry.get("title")
    if isinstance(title, str) and "html" in (entry.get("title_detail") or {}).get("type", ""):
        title = html.unescape(_TAG.sub("", title))
    return clean_title(title)


def _entry_date(entry: Any) -> datetime | None:
    """Publication (else update) time of an entry in UTC; feedparser's struct_time is UTC."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # FeedParserDict.get maps updated to published, with a warning
        if value:
            try:
                year, month, day, hour, minute, second = value[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    text = dict.get(entry, "published") or dict.get(entry, "updated")
    return _localized_rfc822(text) if isinstance(text, str) else None


def _localized_rfc822(text: str) -> datetime | None:
    """RFC 822 dates with month names in other languages ('Seg, 24 Set 2018 19:42:40 -0300')."""
    match = re.search(r"\d", text)
    if match is None:
        return None
    words = text[match.start() :].split()  # the weekday, in any language, is dropped
    for i, word in enumerate(words):
        month = _MONTHS.get(word.lower().rstrip(".,"))
        if month:
            words[i] = _EN_MONTHS[month - 1]
    try:
        return to_utc(parsedate_to_datetime(" ".join(words)))
    except (TypeError, ValueError, IndexError):
        return None


def _parse_json_feed(data: bytes, base_url: str, max_items: int) -> list[Link]:
    """Links of a JSON Feed (jsonfeed.org 1.0/1.1) document."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FeedError(f"not a feed: invalid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FeedError("not a feed: JSON without a JSON Feed 'items' list")
    return collect((_json_item(item, base_url) for item in doc["items"]), max_items)


def _json_item(item: Any, base_url: str) -> Link | None:
    """A Link from one JSON Feed item, or None when it has no usable URL."""
    if not isinstance(item, dict):
        return None
    link = make_link(item.get("url") or item.get("external_url"), base_url)
    if link is not None:
        link.title = clean_title(item.get("title"))
        link.published_at = w3c_date(item.get("date_published") or item.get("date_modified"))
    return link
