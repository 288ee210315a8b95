"""Article headline: the page's title candidates reconciled with its visible <h1>."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from lxml.html import HtmlElement

# " | Site", " - Site", " – DW – 13.06.2023", "_English_Xinhua": what sites add to headlines.
_SEPARATOR = re.compile(r"\s+[\-–—·•»:/]{1,2}\s+|_(?=[A-Z])")
_PIPE = re.compile(r"\s*\|\s*")
_DATE = re.compile(r"^[\d./ -]{6,}$")
_WORD = re.compile(r"\w{4,}")
MIN_H1_WORDS = 2
MAX_H1_WORDS = 40
_GENERIC_LABELS = frozenset(["www", "www1", "www2", "com", "net", "org", "edition", "amp", "mobile"])
MAX_TITLE_CHARS = 300


def fold(text: str) -> str:
    """Lower-case letters and digits only, accents removed, for loose comparison."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def _clean(text: str) -> str:
    """Whitespace collapsed, soft hyphens removed."""
    return " ".join(text.replace("\u00ad", "").split())


def headings(tree: HtmlElement) -> list[str]:
    """Texts of the page's <h1> elements that are long enough to be a headline."""
    out = []
    for el in tree.iter("h1"):
        text = _clean(el.text_content())
        if MIN_H1_WORDS <= len(text.split()) <= MAX_H1_WORDS:
            out.append(text)
    return out


def host_labels(url_or_host: str) -> list[str]:
    """Distinctive labels of a URL's host name: "https://www1.wdr.de/x" -> ["wdr"]."""
    host = (urlsplit(url_or_host).hostname or "") if "/" in url_or_host else url_or_host
    labels = host.lower().split(".")[:-1]  # the top-level domain names no site
    return [fold(label) for label in labels if len(label) >= 3 and label not in _GENERIC_LABELS]


def _is_site_label(segment: str, site_name: str | None, host: str) -> bool:
    """True for a title segment naming the site ("WELT", "Globalnews.ca") or a date."""
    folded = fold(segment)
    if not folded or _DATE.match(segment.strip()):
        return True
    if site_name and folded == fold(site_name):
        return True
    if len(segment.split()) > 4:
        return False
    return any(label in folded or folded in label for label in host_labels(host))


def strip_site_name(title: str, site_name: str | None, url: str) -> str:
    """The title without the site name, section or date that sites append or prepend."""
    host = (urlsplit(url).hostname or "") if url else ""
    if _PIPE.search(title):
        # Pipes almost never occur inside headlines: the longest piece is the headline.
        title = max(_PIPE.split(title), key=lambda p: len(p.split()))
    parts = [m for m in _SEPARATOR.split(title) if m.strip()]
    if not parts:
        return title
    # Only the ends are trimmed: a dash inside a headline ("Brand – Starke Rauchentwicklung")
    # and a headline that is all site name stay as they are.
    while len(parts) > 1 and _is_site_label(parts[-1], site_name, host):
        parts.pop()
    while len(parts) > 1 and _is_site_label(parts[0], site_name, host):
        parts.pop(0)
    start, end = title.find(parts[0]), title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if 0 <= start < end else title


def _shares_words(a: str, b: str, minimum: int = 2) -> bool:
    """True when two texts have at least `minimum` words of four or more letters in common."""
    return len(set(_WORD.findall(a.casefold())) & set(_WORD.findall(b.casefold()))) >= minimum


def choose_title(tree: HtmlElement, meta_title: str | None, found: str | None, site_name: str | None, url: str) -> str:
    """The headline: an <h1> the page's titles agree with, else the best title, trimmed."""
    titles = [_clean(t) for t in (meta_title, tree.findtext(".//title")) if t and t.strip()]
    host = (urlsplit(url).hostname or "") if url else ""
    # A logo in an <h1> ("Creative Commons") is the site, not the story.
    h1s = [h for h in headings(tree) if not _is_site_label(h, site_name, host)]
    folded = [fold(t) for t in titles]
    inside = [h for h in h1s if (key := fold(h)) and any(key in f for f in folded)]
    if inside:
        return max(inside, key=len)  # "Headline | Site": the visible headline without decoration
    for h1 in h1s:
        if len(h1.split()) >= 3 and any(_shares_words(h1, t) for t in titles):
            return h1  # the visible headline beats an SEO variant of it
    for title in [_clean(found or ""), *titles]:
        stripped = strip_site_name(title, site_name, url) if title else ""
        if stripped and len(stripped.split()) <= MAX_H1_WORDS and not _is_site_label(stripped, site_name, host):
            return stripped
    fallback = h1s[0] if h1s else (titles[0] if titles else _clean(found or ""))
    return fallback[:MAX_TITLE_CHARS]  # a title that ran on is an unclosed <title> eating script
