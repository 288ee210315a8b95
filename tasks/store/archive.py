"""Raw pages kept as gzipped WARC files, and read back from any WARC (ours or Common Crawl's)."""

from __future__ import annotations

import io
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
# the corpus (150 KB pages) warcio's level 9 costs 4.4 ms a page, level 6 2.5 ms (5.1:1) and
# level 3 1.1 ms (4.5:1): level 3 buys back most of a millisecond of the run's tightest CPU for
# an archive 12 % larger. Each record is still its own gzip member, as WARC readers expect.
GZIP_LEVEL = 3


@dataclass(slots=True)
class RawPage:
    """A page read back from a WARC record."""

    url: str
    body: bytes
    content_type: str | None
    status: int | None
    fetched_at: datetime | None


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

    def write(self, page: Page) -> None:
        """Archive one successful response with its HTTP headers."""
        headers = [(k, v) for k, v in page.headers.items() if k.lower() not in _DROP_HEADERS]
        headers.append(("Content-Length", str(len(page.body))))
        status = page.status or 200
        http = StatusAndHeaders(f"{status} {_HTTP_REASONS.get(status, 'OK')}", headers, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            page.final_url or page.url, "response", payload=io.BytesIO(page.body), http_headers=http,
            warc_headers_dict={"WARC-Date": page.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
        self._write_member(record)
        self.records += 1

    def _write_member(self, record: object) -> None:
        """Serialise one record and append it to the file as one gzip member."""
        self._writer.write_record(record)
        packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
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


def iter_warc(path: Path) -> Iterator[RawPage]:
    """Response and resource records of a WARC file; a damaged tail is reported and skipped."""
    with open(path, "rb") as fh:
        try:
            for record in ArchiveIterator(fh, arc2warc=True):
                page = _raw_page(record)
                if page is not None:
                    yield page
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
            log.warning("%s: stopped reading at a damaged record: %s", path, exc)


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
    body = record.content_stream().read()
    return RawPage(url, body, content_type, status, _warc_date(record.rec_headers.get_header("WARC-Date")))


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
