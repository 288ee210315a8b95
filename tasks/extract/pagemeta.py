"""Metadata read straight from a parsed page: canonical link, language, publish time, type."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml.html import HtmlElement

log = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of text as a set (long word lists stay readable)."""
    return frozenset(text.split())


# Meta names that carry the first publication time, best first. Modification times are left
# out on purpose: the record wants the page's own publish date.
_PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "article:published",
    "og:published_time",
    "published_time",
    "parsely-pub-date",
    "sailthru.date",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "article.published",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
)
_PUBLISHED_SET = frozenset(_PUBLISHED_KEYS)
_RANK = {key: i for i, key in enumerate(_PUBLISHED_KEYS)}
ARTICLE_TYPES = _words(
    """
    article newsarticle reportagenewsarticle analysisnewsarticle opinionnewsarticle
    backgroundnewsarticle reviewnewsarticle askpublicnewsarticle blogposting liveblogposting
    socialmediaposting report scholarlyarticle techarticle satiricalarticle
    """
)
LISTING_TYPES = _words("collectionpage itemlist searchresultspage")
_ISO_PREFIX = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
    r"\S*?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)*$")
# Deprecated or alternative codes still seen in lang attributes -> ISO 639-1.
_LANG_ALIASES = {
    "iw": "he",
    "in": "id",
    "ji": "yi",
    "jw": "jv",
    "ger": "de",
    "eng": "en",
    "fre": "fr",
}


@dataclass(slots=True)
class PageMeta:
    """What the page says about itself in its markup."""

    canonical: str | None = None
    title: str | None = None
    site_name: str | None = None
    lang: str | None = None
    published: datetime | None = None
    types: set[str] = field(default_factory=set)


def read_page_meta(tree: HtmlElement) -> PageMeta:
    """Canonical link, declared language, publish time and schema/og types of a parsed page."""
    meta = PageMeta()
    metas: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or ""
        content = el.get("content") or el.get("datetime")
        if key and content:
            metas.setdefault(key.strip().lower(), content.strip())
    meta.canonical = _canonical(tree) or metas.get("og:url")
    meta.title = metas.get("og:title") or metas.get("twitter:title")
    meta.site_name = metas.get("og:site_name") or metas.get("application-name")
    meta.lang = declared_language(tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang"))
    meta.lang = meta.lang or declared_language(metas.get("content-language") or metas.get("og:locale"))
    if og_type := metas.get("og:type"):
        meta.types.add(og_type.lower())
    ld_date = _read_json_ld(tree, meta.types)
    meta.published = ld_date or _meta_published(metas) or _time_element(tree)
    return meta


def _canonical(tree: HtmlElement) -> str | None:
    """The href of the first rel=canonical link."""
    for el in tree.iter("link"):
        if (el.get("rel") or "").strip().lower() == "canonical" and el.get("href"):
            return el.get("href", "").strip()
    return None


def declared_language(value: str | None) -> str | None:
    """ISO 639-1 code of a lang attribute or locale ("en-US", "de_DE"), or None when malformed."""
    match = _LANG.match((value or "").strip())
    if not match:
        return None
    code = match.group(1).lower()
    code = _LANG_ALIASES.get(code, code)
    return code if len(code) == 2 else None


def _meta_published(metas: dict[str, str]) -> datetime | None:
    """The best-ranked publish time among the meta tags."""
    for key in sorted(_PUBLISHED_SET.intersection(metas), key=_RANK.__getitem__):
        if stamp := parse_timestamp(metas[key]):
            return stamp
    return None


def _time_element(tree: HtmlElement) -> datetime | None:
    """A <time> element marked as the publication time (pubdate or itemprop)."""
    for el in tree.iterfind(".//time[@datetime]"):
        marked = el.get("pubdate") is not None or (el.get("itemprop") or "").lower() == "datepublished"
        if marked and (stamp := parse_timestamp(el.get("datetime", ""))):
            return stamp
    return None


def _json_nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every object of a JSON-LD document, @graph members and nested values included."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            stack.extend(v for v in item.values() if isinstance(v, (list, dict)))


def _node_types(node: dict[str, Any]) -> set[str]:
    """Lower-case @type values of a JSON-LD node."""
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.lower() for v in values if isinstance(v, str)}


def _read_json_ld(tree: HtmlElement, types: set[str]) -> datetime | None:
    """Collect JSON-LD types into `types`; return the article's datePublished if any."""
    best: datetime | None = None
    fallback: datetime | None = None
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue  # broken JSON-LD is common; the meta tags usually say the same
        for node in _json_nodes(data):
            node_types = _node_types(node)
            types.update(node_types)
            raw = node.get("datePublished")
            if not isinstance(raw, str):
                continue
            if best is None and node_types & ARTICLE_TYPES:
                best = parse_timestamp(raw)
            elif fallback is None:
                fallback = parse_timestamp(raw)
    return best or fallback


def parse_timestamp(value: str) -> datetime | None:
    """A datetime from ISO 8601 or RFC 2822 text; naive when the text has no offset."""
    value = value.strip()
    if not value or len(value) > 64:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    match = _ISO_PREFIX.match(value)
    if match:
        return _from_parts(match)
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _from_parts(match: re.Match[str]) -> datetime | None:
    """Build a datetime from the groups of _ISO_PREFIX."""
    year, month, day, hour, minute, second, tz = match.groups()
    clock = f"{int(hour or 0):02d}:{minute or '00'}:{second or '00'}"
    text = f"{year}-{int(month):02d}-{int(day):02d}T{clock}"
    if tz:
        text += "+00:00" if tz == "Z" else tz
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
