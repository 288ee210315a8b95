"""Sitemap parsing (urlset, Google News, sitemapindex, text) and link helpers for discovery."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree

from tasks.discover.urls import normalize_url
from tasks.discover.xmlsafety import FeedError, prepare_body, refuse_unsafe_xml, sniff_kind, to_utf8
from tasks.models import Link

log = logging.getLogger(__name__)

MAX_TITLE = 1000
_SPACE = re.compile(r"\s+")


def parse_sitemap(
    body: bytes, base_url: str, *, max_items: int = 50000
) -> tuple[list[Link], list[str]]:
    """Links of a urlset (incl. Google News tags) and child URLs of a sitemapindex."""
    data = prepare_body(body)
    kind = sniff_kind(data)
    if kind != "sitemap":
        raise FeedError(f"not a sitemap: {'HTML page' if kind == 'html' else kind}")
    data = to_utf8(data)
    if not data.lstrip(b" \t\r\n").startswith(b"<"):
        lines = data.decode("utf-8", "replace").splitlines()
        # The protocol wants absolute URLs here: a line that is not one is text, not a path.
        return collect((make_link(line.strip(), "") for line in lines), max_items), []
    refuse_unsafe_xml(data)
    children: list[str] = []
    links = collect(_entries(data, base_url, children, max_items), max_items)
    return links, list(dict.fromkeys(children))[:max_items]


def _entries(
    data: bytes, base_url: str, children: list[str], max_items: int
) -> Iterator[Link | None]:
    """Yield urlset entries as Links; append sitemapindex entries to children."""
    # No entity expansion, no DTD loading, no network; the document was decoded to UTF-8 above.
    events = etree.iterparse(
        io.BytesIO(data), events=("end",), encoding="utf-8", resolve_entities=False,
        no_network=True, load_dtd=False, huge_tree=False, recover=True, remove_comments=True,
        remove_pis=True,
    )  # fmt: skip
    count = 0
    try:
        for _, element in events:
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # only direct children of the root are entries
            count += 1
            name = _local(element.tag)
            if name == "url":
                yield _url_entry(element, base_url)
            elif name == "sitemap" and len(children) < max_items:
                child = normalize_url(_child_text(element, "loc") or "", base_url)
                if child:
                    children.append(child)
            element.clear()
            while element.getprevious() is not None:
                del parent[0]  # keeps memory flat on 50,000-entry sitemaps
    except etree.XMLSyntaxError as exc:
        if not count:
            raise FeedError(f"not a sitemap: {exc}") from None
        log.warning("sitemap %s broken after %d entries: %s", base_url, count, exc)


def _url_entry(element: Any, base_url: str) -> Link | None:
    """A Link from a <url> entry: loc, news:title, news:publication_date else lastmod."""
    link = make_link(_child_text(element, "loc"), base_url)
    if link is None:
        return None
    news = next((c for c in element if _local(c.tag) == "news"), None)
    published = _child_text(news, "publication_date") if news is not None else None
    link.published_at = w3c_date(published) or w3c_date(_child_text(element, "lastmod"))
    link.title = clean_title(_child_text(news, "title") if news is not None else None)
    return link


def _local(tag: Any) -> str:
    """Local name of an lxml tag ('{ns}url' -> 'url'); '' for entities and the like."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child_text(element: Any, name: str) -> str | None:
    """Stripped text of the first direct child with that local name."""
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


# --- helpers shared with feed parsing --------------------------------------------------------


def w3c_date(value: Any) -> datetime | None:
    """A W3C/ISO 8601 date ('2017', '2017-04-25', '2017-04-25T10:00:36+00:00') in UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}(-\d{2})?", text):
        text = text + ("-01-01" if len(text) == 4 else "-01")
    try:
        return to_utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        return to_utc(parsedate_to_datetime(text))  # some sites write RFC 822 dates here
    except (TypeError, ValueError, IndexError):
        return None


def to_utc(value: datetime) -> datetime:
    """The time in UTC; a time without zone is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def clean_title(title: Any) -> str | None:
    """A title with whitespace collapsed and absurd lengths cut, or None."""
    if not isinstance(title, str):
        return None
    return _SPACE.sub(" ", title).strip()[:MAX_TITLE] or None


def make_link(raw: Any, base_url: str) -> Link | None:
    """A Link for the normalised URL, or None (logged) when the URL is unusable."""
    url = normalize_url(raw, base_url) if isinstance(raw, str) else None
    if url is None:
        if raw:
            log.debug("link dropped: %.200r", raw)
        return None
    return Link(url=url)


def collect(links: Iterable[Link | None], max_items: int) -> list[Link]:
    """First max_items distinct links, in order."""
    out: dict[str, Link] = {}
    for link in links:
        if link is not None and link.url not in out:
            out[link.url] = link
            if len(out) >= max_items:
                break
    return list(out.values())
