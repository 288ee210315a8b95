"""A page's day read from its title, byline and first lines, for pages whose markup and URL state none.

htmldate's fast search reads only the first 52 characters of a title or byline, so a title like
"EU leaders back talks on waiving vaccine patents | DW | 07.05.2021" gives nothing; its extensive
search reads the whole page and takes a footer's "© 2024" as readily as the article's day. This
reads only where newsflow's pages put their day, whole, and costs well under a millisecond.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from htmldate.extractors import regex_parse
from lxml.html import HtmlElement

EARLIEST = date(1990, 1, 1)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<![\d.])(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?!\d)")
_HAS_YEAR = re.compile(r"(?<!\d)(?:199\d|20[0-3]\d)(?!\d)")
# Where bylines and datelines live; the first few such elements in the page are the article's own.
_BYLINE = re.compile(r"byline|dateline|author|publish|posted|\bdate\b|article-date|meta-date", re.I)
_BYLINE_XPATH = ".//*[self::p or self::div or self::span or self::time or self::address or self::small][@class or @id]"
MAX_BYLINES = 3
LEAD_CHARS = 240  # the dateline of a body ("Berlin, 7. Mai 2021 – ...") is in its first words


def day_in_text(text: str, today: date | None = None) -> date | None:
    """The first plausible calendar day written in the text (numeric or with a month name)."""
    if not text or not _HAS_YEAR.search(text):
        return None
    latest = (today or datetime.now(UTC).date()) + timedelta(days=1)
    for found in (_numeric_day(text), _named_day(text)):
        if found is not None and EARLIEST <= found <= latest:
            return found
    return None


def _numeric_day(text: str) -> date | None:
    """2021-05-07, 07.05.2021, 07-05-2021; a slashed day only when it cannot be month-first."""
    if m := _ISO.search(text):
        return _day(int(m[1]), int(m[2]), int(m[3]))
    for m in _DMY.finditer(text):
        first, second, year = int(m[1]), int(m[3]), int(m[4])
        if m[2] != "/":
            return _day(year, second, first)
        if first > 12:  # 25/12/2021; 12/25/2021 is month-first; 05/07/2021 says nothing sure
            return _day(year, second, first)
        if second > 12:
            return _day(year, first, second)
    return None


def _named_day(text: str) -> date | None:
    """7 May 2021, 7. Mai 2021, May 7, 2021 (htmldate's month names: en, de, fr, id, tr)."""
    found = regex_parse(text)
    return found.date() if found else None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_from_page(tree: HtmlElement, titles: list[str], text: str) -> date | None:
    """The day in the page's titles, then its first bylines, then the first words of its body."""
    for title in titles:
        if found := day_in_text(title):
            return found
    for element in _bylines(tree):
        if found := day_in_text(element.text_content()[:LEAD_CHARS]):
            return found
    return day_in_text(text[:LEAD_CHARS])


def _bylines(tree: HtmlElement) -> list[HtmlElement]:
    """The first few elements whose class or id names a byline or a date."""
    found: list[HtmlElement] = []
    for element in tree.xpath(_BYLINE_XPATH):
        cue = f"{element.get('class', '')} {element.get('id', '')}"
        if _BYLINE.search(cue):
            found.append(element)
            if len(found) == MAX_BYLINES:
                break
    return found
