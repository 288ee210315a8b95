"""Turning a page's bytes into text: BOM, valid UTF-8, declared charsets, then detection."""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", re.IGNORECASE)
PRESCAN_BYTES = 4096  # the HTML standard looks at 1,024; real pages put long scripts first
DETECT_BYTES = 200_000  # enough for detection, and bounds its cost on huge pages
# Labels whose bytes browsers actually read as another encoding (WHATWG Encoding standard).
_WHATWG = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
}


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().lower()
    label = _WHATWG.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        log.debug("unknown charset label %r", label)
        return None


def declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Codecs the HTTP header, the <meta> tag and the XML declaration name, in that order."""
    header = _HTTP_CHARSET.search(content_type) if content_type else None
    http = _codec(header.group(1)) if header else None
    in_page = [
        _codec(found.group(1).decode("ascii", "ignore"))
        for pattern in (_META_CHARSET, _XML_ENCODING)
        if (found := pattern.search(body[:PRESCAN_BYTES]))
    ]
    # Servers send Latin-1 as a default they know nothing about; cp1252 also decodes any bytes,
    # so trying it first would always win. Then the page's own declaration goes first.
    ordered = [*in_page, http] if http == "cp1252" else [http, *in_page]
    return list(dict.fromkeys(c for c in ordered if c))


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Text of an HTML page, robust to missing, wrong and unknown charset declarations."""
    if not body:
        return ""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    declared = declared_charsets(body, content_type)
    wide = [c for c in declared if c.startswith(("utf-16", "utf-32"))]
    if not wide:
        # Valid UTF-8 with any non-ASCII byte is almost never another encoding, whatever a
        # header claims: this is what corrects a server that labels UTF-8 pages as Latin-1.
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for encoding in declared:
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            log.debug("declared charset %s does not fit the bytes", encoding)
    return _detect(body)


def _looks_western(text: str) -> bool:
    """True when cp1252 gives plausible text: sparse accented letters, no stray symbols."""
    letters = accented = odd = 0
    for char in text:
        if char.isascii():
            letters += char.isalpha()
        elif char.isalpha():
            letters += 1
            accented += 1
        elif char not in _WESTERN_PUNCTUATION:
            odd += 1
    # Cyrillic or Greek read as cp1252 is almost all accented letters; Central European
    # letters turn into symbols such as "³" and "¹".
    return letters > 0 and accented <= 0.3 * letters and odd <= 0.02 * (accented + odd + 1)


_WESTERN_PUNCTUATION = frozenset("\u00a0“”‘’„‚–—…«»‹›€£©®°·×•¡¿§½²™ªº")


def _detect(body: bytes) -> str:
    """Decode bytes whose encoding nobody declared correctly, guessing from their content."""
    sample = body[:DETECT_BYTES]
    western = sample.decode("cp1252", errors="replace")
    # Statistical detection often mistakes short Latin-1 pages for Baltic or Central European
    # code pages, so the browsers' Western default goes first when the text supports it.
    if "\ufffd" not in western and _looks_western(western):
        return body.decode("cp1252", errors="replace")
    best = from_bytes(sample).best()
    encoding = _codec(best.encoding) if best is not None else None
    return body.decode(encoding or "cp1252", errors="replace")
