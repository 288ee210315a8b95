"""Title, author, description, site name and date by trafilatura's readers, minus their waste.

The answers are trafilatura's; two of its readers are driven here to skip waste: its byline
search skips its private copy of the page when the copy cannot change the answer, and its
regex reading of broken JSON-LD gets a bounded prefix (the same fields on every corpus page).
"""

from __future__ import annotations

import json
import logging

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_authors, normalize_json
from trafilatura.metadata import JSON_MINIFY, examine_meta, extract_author, extract_sitename, extract_title
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import trim

from tasks.extract.byline_candidates import scan

log = logging.getLogger(__name__)

# Dates: htmldate's quick search only (markup and URL). Its extensive search hands the
# date-like text of a page with no date there to dateparser, which guesses among some 200
# locales (40-90 ms on such a page, 10-15 % of all extraction CPU on the corpus) for 11 more
# right days out of 437 (91.3 % against 88.8 %). A page with no day takes its feed's date.
_DATE_PARAMS = set_date_params(extensive=False)
# trafilatura's regex reading of JSON-LD that fails to parse is quadratic in its length: 1.1 s
# for one 800 kB live blog in the corpus. The article's own author, headline and publisher
# open the block (a live blog's updates follow), and every broken block in the corpus but
# that one is shorter than this; the live blog gives the same fields from its first 10 kB.
BROKEN_JSON_LD_CHARS = 32_000
_JSON_LD = './/script[@type="application/ld+json" or @type="application/settings+json"]'
_AUTHOR_CHARS = 120  # trafilatura's length limit for a byline


def read_metadata(tree: HtmlElement, url: str) -> Document:
    """Title, author, description, site name and date by trafilatura's readers, in its order.

    trafilatura's own metadata pass (with_metadata=True) also reads categories, tags, the
    license and the canonical URL, none of which newsflow keeps: about a sixth of its cost.
    """
    doc = examine_meta(tree)
    if doc.author and " " not in doc.author:  # a one-word meta author is a handle or the site
        doc.author = None
    try:
        doc = _json_ld(tree, doc)
    except Exception as exc:  # noqa: BLE001 - malformed JSON-LD must not cost the article
        log.debug("JSON-LD metadata unreadable: %r", exc)
    doc.title = doc.title or extract_title(tree)
    doc.author = doc.author or byline_author(tree)
    doc.date = find_date(tree, **{**_DATE_PARAMS, "url": doc.url or url or None})
    doc.sitename = (doc.sitename or extract_sitename(tree) or "").lstrip("@") or None
    doc.clean_and_trim()  # entities, control characters, length: as trafilatura finishes its pass
    return doc


def _json_ld(tree: HtmlElement, doc: Document) -> Document:
    """trafilatura's JSON-LD reading (extract_meta_json), its fallback for broken blocks bounded."""
    for script in tree.xpath(_JSON_LD):
        if not script.text:
            continue
        text = normalize_json(JSON_MINIFY.sub(r"\1", script.text))
        try:
            schema = json.loads(text, strict=False)
        except json.JSONDecodeError:
            doc = extract_json_parse_error(text[:BROKEN_JSON_LD_CHARS], doc)
        else:
            doc = extract_json(schema, doc)
    return doc


def byline_author(tree: HtmlElement) -> str | None:
    """trafilatura's extract_author, without copying the page when the copy cannot matter.

    trafilatura prunes comments, sidebars, dates and figures from a deep copy of the page and
    takes the first byline candidate of reasonable length. Pruning only removes elements, so
    a candidate outside and free of the pruned parts reads the same on the page itself; only
    a candidate holding a pruned part (its text would change) needs trafilatura's copy.
    """
    if tree.find(".//rel") is not None:  # a byline XPath tests a <rel> child's text, which pruning can change
        return extract_author(tree)
    found, pruned = scan(tree)  # trafilatura's byline and discard XPaths, read in one pass
    for group in found:  # (in the byline expressions' order)
        for candidate in group:
            if candidate in pruned or any(el in pruned for el in candidate.iterancestors()):
                continue  # gone from the pruned copy
            if any(el in pruned for el in candidate.iterdescendants()):
                return extract_author(tree)
            content = trim(" ".join(candidate.itertext()))
            if content and 2 < len(content) < _AUTHOR_CHARS:
                return normalize_authors(None, content)
    return None
