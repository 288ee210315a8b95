"""Raw pages kept as gzipped WARC files, and read back from any WARC (ours or Common Crawl's)."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks.models import Page

log = logging.getLogger(__name__)

# Bodies are stored decoded, so transfer headers of the original response would lie.
_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_HTTP_REASONS = {200: "OK", 203: "Non-Authoritative Information"}
# The archive is written in the fetching process, beside everything else that process does. On
# the corpus (150 KB pages) zlib's level 6 costs 2.1 ms a page (5.1:1) and its level 3 1.05 ms
# (4.5:1); ISA-L's level 3 (isal, PSF-2.0, over Intel's BSD-licensed library) gives the same
# 4.5:1 in 0.38 ms. Each record is still its own standard gzip member, as WARC readers expect.
GZIP_LEVEL = 3


@dataclass(slots=True)
class RawPage:
    """A page read back from a WARC record."""

    url: str
    body: bytes
    content_type: str | None
    status: int | None
    fetched_at: datetime | None
    # What the archive keeps beside the response (a metadata record): source-id, listed-url, listed-date
    meta: dict[str, str] = field(default_factory=dict)
    record_id: str | None = None


class WarcSink:
    """Appends responses to a .warc.gz that only appears under its final name when closed."""

    def __init__(self, path: Path, software: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        self._fh = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()
        self._record = io.BytesIO()
        self._writer = WARCWriter(self._record, gzip=False)
        info = self._writer.create_warcinfo_record(path.name, {"software": software, "format": "WARC/1.1"})
        self._write_member(info)
        self.records = 0

    def write(self, page: Page, meta: dict[str, str] | None = None) -> None:
        """Archive one successful response with its HTTP headers, and what a rebuild needs beside it.

        `meta` (e.g. the source id and the listing's URL and date, which the page itself may not
        state) goes into a metadata record linked to the response by WARC-Concurrent-To.
        """
        headers = [(k, v) for k, v in page.headers.items() if k.lower() not in _DROP_HEADERS]
        headers.append(("Content-Length", str(len(page.body))))
        status = page.status or 200
        http = StatusAndHeaders(f"{status} {_HTTP_REASONS.get(status, 'OK')}", headers, protocol="HTTP/1.1")
        # With its length given, warcio digests the body where it lies; without, it first copies it
        # into a temporary file (a fifth of the archive's cost, compression included).
        record = self._writer.create_warc_record(
            page.final_url or page.url, "response", payload=io.BytesIO(page.body), length=len(page.body),
            http_headers=http, warc_headers_dict={"WARC-Date": page.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
        self._write_member(record)
        if meta:
            self._write_meta(record, meta)
        self.records += 1

    def _write_meta(self, response: object, meta: dict[str, str]) -> None:
        """A metadata record (application/warc-fields) concurrent to the response."""
        head = response.rec_headers  # type: ignore[attr-defined]
        fields = "".join(f"{k}: {_one_line(v)}\r\n" for k, v in meta.items() if v)
        data = fields.encode()
        record = self._writer.create_warc_record(
            head.get_header("WARC-Target-URI"), "metadata", payload=io.BytesIO(data), length=len(data),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": head.get_header("WARC-Date"),
                               "WARC-Concurrent-To": head.get_header("WARC-Record-ID")},
        )
        self._write_member(record)

    def _write_member(self, record: object) -> None:
        """Serialise one record and append it to the file as one gzip member."""
        self._writer.write_record(record)
        packer = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)
        self._fh.write(packer.compress(self._record.getbuffer()) + packer.flush())
        self._record.seek(0)
        self._record.truncate()

    def close(self) -> Path | None:
        """Finish the file; an empty archive is removed instead."""
        self._fh.close()
        if self.records == 0:
            self._tmp.unlink(missing_ok=True)
            return None
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        """Drop a half-written archive."""
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def parse_fields(data: bytes) -> dict[str, str]:
    """application/warc-fields ("name: value" lines) as a dict."""
    out = {}
    for line in data.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out[name.strip().lower()] = value.strip()
    return out


def with_metadata(records: Iterable[RawPage | tuple[str, dict[str, str]]]) -> Iterator[RawPage]:
    """Pages with the fields of the metadata records concurrent to them (which follow the response)."""
    pending: RawPage | None = None
    for item in records:
        if isinstance(item, tuple):
            concurrent_to, fields = item
            if pending is not None and pending.record_id == concurrent_to:
                pending.meta.update(fields)
            continue
        if pending is not None:
            yield pending
        pending = item
    if pending is not None:
        yield pending


def iter_warc(path: Path, on_damage: Callable[[Exception], None] | None = None) -> Iterator[RawPage]:
    """Response and resource records of a WARC file; a damaged tail is skipped, and logged or
    handed to on_damage (after the records before it)."""
    yield from with_metadata(_records(path, on_damage))


def _records(path: Path, on_damage: Callable[[Exception], None] | None) -> Iterator[RawPage | tuple[str, dict]]:
    with open(path, "rb") as fh:
        try:
            for record in ArchiveIterator(fh, arc2warc=True):
                if record.rec_type == "metadata":
                    target = record.rec_headers.get_header("WARC-Concurrent-To") or ""
                    yield target, parse_fields(_whole(record))
                    continue
                page = _raw_page(record)
                if page is not None:
                    yield page
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
            if on_damage is None:
                log.warning("%s: stopped reading at a damaged record: %s", path, exc)
            else:
                on_damage(exc)


def _raw_page(record) -> RawPage | None:  # type: ignore[no-untyped-def]
    """A RawPage for responses and resources; None for requests, metadata and conversions."""
    if record.rec_type not in ("response", "resource"):
        return None
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    status, content_type = None, record.rec_headers.get_header("Content-Type")
    if record.http_headers is not None:
        code = record.http_headers.get_statuscode()
        status = int(code) if code and code.isdigit() else None
        content_type = record.http_headers.get_header("Content-Type")
    body = _whole(record)
    return RawPage(url, body, content_type, status, warc_date(record.rec_headers.get_header("WARC-Date")),
                   record_id=record.rec_headers.get_header("WARC-Record-ID"))


def _whole(record) -> bytes:  # type: ignore[no-untyped-def]
    """A record's content; EOFError when the file ends inside it (warcio returns what was there)."""
    content = record.content_stream().read()
    raw = record.raw_stream
    raw.read()  # whatever the content reader left (a body longer than its HTTP framing says)
    if getattr(raw, "limit", 0) > 0:
        raise EOFError(f"the file ends inside a record: its last {raw.limit:,} bytes are missing")
    return content


def warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
