"""What is done to a feed or sitemap body before any parser sees it: limits, decoding, checks."""

from __future__ import annotations

import codecs
import re
import zlib
from typing import Literal

Kind = Literal["sitemap", "feed", "html", "unknown"]
MAX_DECOMPRESSED = 50 * 1024 * 1024  # the sitemap protocol's own limit for one file
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_WIDE_SIGNATURES = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)  # fmt: skip
# Whitespace, processing instructions and comments may precede the DOCTYPE and the root.
_MISC = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
# Name, optional external id (quoted literals may hold '[' or '>'), then '[' (subset) or '>'.
_DOCTYPE = re.compile(
    rb"<!DOCTYPE\s+[^\s>\[]+(?:\s+(?:SYSTEM|PUBLIC)(?:\s*(?:\"[^\"]*\"|'[^']*'))+)?\s*([\[>])", re.I
)
_DTD_ANYWHERE = re.compile(rb"<!(?:ENTITY|DOCTYPE[^>\[]*\[)", re.I)
_XML_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_ASCII_SUPERSETS = (
    "utf-8", "cp125", "iso8859", "latin", "koi8", "mac-", "gb", "big5", "euc", "shift_jis", "cp932",
    "cp936", "cp949", "cp874", "tis-620", "ascii",
)  # fmt: skip
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FEED_ROOTS = {"rss", "rdf", "feed", "channel"}
_SITEMAP_ROOTS = {"urlset", "sitemapindex"}


class FeedError(Exception):
    """A body that is not a usable feed or sitemap; the message says why in plain words."""


def prepare_body(body: bytes) -> bytes:
    """Refuse empty bodies and gunzip gzip ones (sitemap.xml.gz)."""
    if not body or body.isspace():
        raise FeedError("empty body")
    if body.startswith(_GZIP_MAGIC):
        body = gunzip(body)
        if not body or body.isspace():
            raise FeedError("empty body (after gzip decompression)")
    return body


def gunzip(data: bytes, limit: int = MAX_DECOMPRESSED) -> bytes:
    """Decompress gzip data, refusing output over limit (gzip bombs)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise FeedError(f"corrupt gzip body: {exc}") from None
    if len(out) > limit:
        raise FeedError(f"gzip body larger than {limit // 2**20} MB when decompressed")
    return out


def is_json(body: bytes) -> bool:
    """True when the body looks like a JSON object (JSON Feed)."""
    return body.lstrip(_UTF8_BOM + b" \t\r\n").startswith(b"{")


def to_utf8(body: bytes) -> bytes:
    """The body as UTF-8 without BOM: UTF-16/32 by signature, else UTF-8, else as declared."""
    view = wide_to_utf8(body)
    if view is not body:
        return view
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    declared = _XML_ENCODING.match(body)
    codec = _ascii_superset(declared.group(1).decode()) if declared else None
    return body.decode(codec or "cp1252", "replace").encode("utf-8")


def _ascii_superset(name: str) -> str | None:
    """The codec's name if it decodes ASCII bytes as ASCII and nothing else as ASCII."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # UTF-7 ("+ADw-" is "<") and EBCDIC could hide markup from a byte-level check.
    return codec if codec.startswith(_ASCII_SUPERSETS) else None


def refuse_unsafe_xml(data: bytes) -> None:
    """Refuse DTD internal subsets and entity declarations in ASCII-compatible XML bytes."""
    pos = _skip_misc(data, 3 if data.startswith(_UTF8_BOM) else 0)
    if data[pos : pos + 9].upper() == b"<!DOCTYPE":
        doctype = _DOCTYPE.match(data, pos)
        if doctype is None or doctype.group(1) == b"[":
            raise FeedError("XML entity declarations refused (DTD internal subset)")
        pos = _skip_misc(data, doctype.end())
    if re.match(rb"<[A-Za-z_]", data[pos : pos + 2]):
        return
    # Junk before the root: lenient parsers may still read a DTD further on, so look everywhere.
    if _DTD_ANYWHERE.search(data):
        raise FeedError("XML entity declarations refused")


def sniff_kind(body: bytes) -> Kind:
    """Guess what a body is from its first bytes, so a source URL may be a feed or a sitemap."""
    head = text_head(body)
    stripped = head.lstrip()
    if stripped.startswith("{"):
        return "feed"  # JSON Feed
    if re.match(r"https?://\S+\s*(\n|$)", stripped):
        return "sitemap"  # plain-text sitemap: one URL per line
    local = root_name(head).rpartition(":")[2].lower()
    if local in _SITEMAP_ROOTS:
        return "sitemap"
    if local in _FEED_ROOTS:
        return "feed"
    if local == "html" or "<!doctype html" in head.lower():
        return "html"
    return "unknown"


def root_name(head: str) -> str:
    """Qualified name of the first element in a document head ('' when none)."""
    root = _ROOT.search(_COMMENT.sub("", head))
    return root.group(1) if root else ""


def text_head(body: bytes, size: int = 8192) -> str:
    """The first characters of a (possibly gzipped or UTF-16) body, for sniffing."""
    head = body[: size * 4]
    if head.startswith(_GZIP_MAGIC):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, size)
        except zlib.error:
            return ""
    try:
        view = wide_to_utf8(head[:size])
    except FeedError:
        return ""
    return view[3:].decode("latin-1") if view.startswith(_UTF8_BOM) else view.decode("latin-1")


def wide_to_utf8(body: bytes) -> bytes:
    """UTF-16/32 bodies (by BOM or NULs) re-encoded as UTF-8; others returned as they are."""
    for prefix, codec in _WIDE_SIGNATURES:
        if body.startswith(prefix):
            return body.decode(codec, "replace").lstrip("\ufeff").encode("utf-8")
    if body.startswith(b"\x4c\x6f\xa7\x94"):  # '<?xm' in EBCDIC: cannot be checked, so refused
        raise FeedError("EBCDIC documents are not supported")
    return body


def _skip_misc(data: bytes, pos: int) -> int:
    """Position after the whitespace, comments and processing instructions at pos."""
    match = _MISC.match(data, pos)
    return match.end() if match else pos
