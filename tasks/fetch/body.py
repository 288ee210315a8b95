"""Response bodies: which content types to accept, capped streaming reads, sniffing, gunzip.

Bodies are read with urllib3's read1() in 64 KiB pieces. Since urllib3 2.6 the decoder is
given a max_length, so one read never inflates more than the piece size however compressed
the input (gzip/deflate bombs); the running total is checked against the cap after every
piece. Responses are closed, never drained (urllib3 < 2.7 could inflate a whole body when
draining), and only gzip/deflate are accepted as Content-Encoding. read1() returns as soon
as any data arrives, and the Deadline (see tasks.fetch.transport) shuts the socket down at the
total timeout, so a trickling body cannot keep a reader past it.
"""

from __future__ import annotations

import re
import zlib
from typing import Literal
from urllib.parse import urlsplit

from urllib3.response import BaseHTTPResponse

from tasks.fetch.transport import Deadline

Expect = Literal["html", "xml", "any"]

CHUNK = 64 * 1024
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Feeds are often mislabelled: text/plain and text/html are let through to the feed parser.
FEED_TYPES = frozenset({
    "application/json", "text/plain", "text/html", "application/gzip", "application/x-gzip",
})
_MAGIC = (
    (b"%PDF-", "PDF"), (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"), (b"PK\x03\x04", "ZIP archive"), (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "RIFF media"),
)
# br/zstd would be decoded by urllib3 if their modules happen to be installed; we never ask
# for them, and refusing them keeps the bomb defence to decoders tested here.
KNOWN_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate", "identity"})
_HTML_HINT = re.compile(rb"<\s*(!doctype\s+html|html|head|body|title|meta|script|div|p)\b")


class BodyError(Exception):
    """The body cannot be used; the message is the reason for a person."""


class DeadlineExpired(Exception):
    """The exchange's wall-clock limit passed while reading."""


def human_bytes(n: int) -> str:
    """A size as '10 MB', '512 kB' or '300 bytes'."""
    if n >= 1_000_000:
        return f"{n / 1e6:.3g} MB"
    if n >= 1_000:
        return f"{n / 1e3:.3g} kB"
    return f"{n} bytes"


def media_type(content_type: str | None) -> str:
    """'text/html; charset=utf-8' -> 'text/html' (lowercase, at most 80 characters)."""
    return (content_type or "").split(";", 1)[0].strip().lower()[:80]


def type_refusal(expect: Expect, content_type: str | None, url: str) -> str | None:
    """Why a declared content type is unwanted (decided before reading the body), or None."""
    kind = media_type(content_type)
    if expect == "any" or not kind:
        return None  # a missing type is judged by sniffing the body
    if expect == "html":
        return None if kind in HTML_TYPES else f"not HTML ({kind})"
    if kind in FEED_TYPES or kind.endswith(("/xml", "+xml", "+json")):
        return None
    path = urlsplit(url).path.lower()
    if kind == "application/octet-stream" and path.endswith((".gz", ".xml", ".rss", ".atom")):
        return None  # gzipped sitemaps are commonly served as octet-stream
    return f"not a feed or sitemap ({kind})"


def encoding_refusal(content_encoding: str | None) -> str | None:
    """Why a Content-Encoding is refused: only gzip and deflate are decoded (with a cap)."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    unknown = [c for c in codings if c not in KNOWN_ENCODINGS]
    if unknown:
        return f"unsupported Content-Encoding '{unknown[0][:30]}'"
    if len(codings) > 3:
        return f"too many Content-Encoding layers ({len(codings)})"
    return None


def _declared_length(raw: BaseHTTPResponse) -> int | None:
    value = raw.headers.get("content-length", "")
    return int(value) if value.strip().isdigit() else None


def read_body(raw: BaseHTTPResponse, cap: int, deadline: Deadline, truncate: bool = False) -> bytes:
    """The decoded body, at most cap bytes: over it, truncate or raise BodyError."""
    declared = _declared_length(raw)
    if declared is not None and declared > cap and not truncate:
        raise BodyError(f"body over the {human_bytes(cap)} cap (Content-Length {declared:,})")
    buf = bytearray()
    while True:
        if deadline.expired:
            raise DeadlineExpired()
        piece = raw.read1(min(CHUNK, cap - len(buf) + 1), decode_content=True)
        if not piece:
            break
        if len(buf) + len(piece) > cap:
            if truncate:
                buf += piece[: cap - len(buf)]
                break
            raise BodyError(f"body over the {human_bytes(cap)} cap")
        buf += piece
    if deadline.expired:  # a shut-down socket reads as a (short) end of body
        raise DeadlineExpired()
    return bytes(buf)


def gunzip(data: bytes, cap: int) -> bytes:
    """Decompress a gzip file (e.g. sitemap.xml.gz), members included, up to cap bytes."""
    out = bytearray()
    inflater = zlib.decompressobj(31)
    pending = data
    try:
        while True:
            out += inflater.decompress(pending, CHUNK)
            if len(out) > cap:
                raise BodyError(f"body over the {human_bytes(cap)} cap after gunzip")
            if inflater.unconsumed_tail:
                pending = inflater.unconsumed_tail
            elif inflater.eof and inflater.unused_data.startswith(b"\x1f\x8b"):
                pending, inflater = inflater.unused_data, zlib.decompressobj(31)
            else:
                break
    except zlib.error as exc:
        raise BodyError(f"corrupt gzip body ({exc})") from exc
    if not inflater.eof:
        raise BodyError("truncated gzip body")
    return bytes(out)


def body_problem(expect: Expect, content_type: str | None, body: bytes) -> str | None:
    """Why a downloaded body is not what was expected (empty, binary, not HTML), or None."""
    if expect == "any":
        return None
    if not body.strip():
        return "empty body"
    if expect == "xml":
        return None
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    declared = media_type(content_type) or "no content type"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"not HTML ({declared}, body is {name})"
    if b"\x00" in head and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"not HTML ({declared}, binary body)"
    if not media_type(content_type) and not _HTML_HINT.search(head.lower()):
        return "not HTML (no content type, body does not look like HTML)"
    return None


def finish_body(expect: Expect, body: bytes, cap: int) -> bytes:
    """Post-process a body: gunzip gzip files when a feed or sitemap is expected."""
    if expect == "xml" and body.startswith(b"\x1f\x8b"):
        return gunzip(body, cap)
    return body
