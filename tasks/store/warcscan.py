"""Fast reading of large WARC files (CC-NEWS): records of unwanted hosts are skipped unparsed.

fastwarc (Rust) reads the WARC headers only; a record whose host no source owns is consumed
without parsing its HTTP part (see benchmarks/backfill.py for the measured cost per record).
fastwarc does not raise on a truncated file, so damage is found by checking every record's
declared Content-Length against the bytes that were really there.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from fastwarc.warc import ArchiveIterator, WarcRecordType

from tasks.store.archive import RawPage, parse_fields, warc_date

log = logging.getLogger(__name__)
HTML_TYPES = ("text/html", "application/xhtml+xml")
Item = RawPage | tuple[str, dict[str, str]]


@dataclass
class ScanStats:
    """What a scan saw: response records, how many were kept and why the others were not."""

    records: int = 0
    kept: int = 0
    other_hosts: int = 0
    not_ok: int = 0  # status other than 200
    not_html: int = 0
    damage: str | None = None


def host_of(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def scan_warc(stream: BinaryIO, wanted: Callable[[str | None], bool], stats: ScanStats) -> Iterator[Item]:
    """Kept pages (responses with status 200 and resources, HTML, wanted host) and the fields of metadata
    records, in file order."""
    types = WarcRecordType.response | WarcRecordType.resource | WarcRecordType.metadata
    try:
        for record in ArchiveIterator(stream, record_types=types, parse_http=False):
            item = _item(record, wanted, stats)
            if item is not None:
                yield item
            if stats.damage:
                return
    except BaseException as exc:  # fastwarc raises OSError, TypeError or a Rust panic on broken input
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        stats.damage = f"unreadable record: {type(exc).__name__}: {exc}"[:300]
    if stats.damage:
        log.warning("stopped reading at a damaged record: %s", stats.damage)


def _item(record, wanted: Callable[[str | None], bool], stats: ScanStats) -> Item | None:  # type: ignore[no-untyped-def]
    """One record as a page, metadata fields, or None (skipped); sets stats.damage on a broken record."""
    headers = record.headers
    declared = headers.get("Content-Length")
    if declared is None or not declared.strip().isdigit():
        stats.damage = "truncated record (no Content-Length)"
        return None
    size = int(declared)
    if record.record_type == WarcRecordType.metadata:
        data = record.reader.read()
        if len(data) < size:
            stats.damage = "truncated metadata record"
            return None
        return headers.get("WARC-Concurrent-To") or "", parse_fields(data)
    stats.records += 1
    url = (headers.get("WARC-Target-URI") or "").strip().strip("<>")
    if not wanted(host_of(url)):
        stats.other_hosts += 1
        if record.consume() < size:
            stats.damage = "truncated record"
        return None
    block = record.reader.read()
    if len(block) < size:
        stats.damage = "truncated record"
        return None
    if record.record_type == WarcRecordType.resource:
        return _resource(url, block, headers, stats)
    return _page(url, block, headers, stats)


def _resource(url: str, block: bytes, headers, stats: ScanStats) -> RawPage | None:  # type: ignore[no-untyped-def]
    """A resource record's block is the document itself (no HTTP status or headers): kept when HTML."""
    content_type = headers.get("Content-Type")
    if not _is_html(content_type):
        stats.not_html += 1
        return None
    stats.kept += 1
    return RawPage(url, block, content_type, None, warc_date(headers.get("WARC-Date")),
                   record_id=headers.get("WARC-Record-ID"))


def _page(url: str, block: bytes, headers, stats: ScanStats) -> RawPage | None:  # type: ignore[no-untyped-def]
    """The HTTP response in a record's block, when it is a 200 HTML page."""
    head, _, body = block.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    fields = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    if status != 200:
        stats.not_ok += 1
        return None
    content_type = fields.get("content-type")
    if not _is_html(content_type):
        stats.not_html += 1
        return None
    decoded = _decoded(body, fields)
    if decoded is None:
        stats.not_html += 1
        return None
    stats.kept += 1
    return RawPage(url, decoded, content_type, status, warc_date(headers.get("WARC-Date")),
                   record_id=headers.get("WARC-Record-ID"))


def _is_html(content_type: str | None) -> bool:
    return bool(content_type) and content_type.split(";")[0].strip().lower() in HTML_TYPES


def _decoded(body: bytes, fields: dict[str, str]) -> bytes | None:
    """The body without transfer or content coding (archives usually store it decoded already)."""
    if "chunked" in fields.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    coding = fields.get("content-encoding", "").lower().strip()
    if coding in ("gzip", "x-gzip", "deflate"):
        try:
            return zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(body, 50_000_000)
        except zlib.error:
            return body if body[:1] == b"<" else None  # stored decoded under a stale header
    return body if coding in ("", "identity") else None


def _dechunk(data: bytes) -> bytes:
    """Undo chunked transfer coding; anything malformed is returned as it is."""
    out, pos = bytearray(), 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return bytes(data)
        try:
            size = int(data[pos:end].split(b";")[0], 16)
        except ValueError:
            return bytes(data)
        if size == 0:
            return bytes(out)
        out += data[end + 2:end + 2 + size]
        pos = end + 2 + size + 2
