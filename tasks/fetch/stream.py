"""Archive files read as byte streams: local paths, or http(s) URLs streamed with resumption.

A CC-NEWS WARC is about 1 GB: it is read as it arrives, never kept whole on disk or in memory.
The archive's address is the user's own configuration (a mirror may sit on the local network),
so these connections may go to private addresses; they still go through the guarded adapter
(no proxies from the environment) with timeouts and the project's User-Agent.
"""

from __future__ import annotations

import gzip
import io
import logging
import time
from pathlib import Path
from typing import BinaryIO

import requests
import urllib3

from tasks.fetch.netguard import AddressPolicy
from tasks.fetch.transport import GuardedAdapter

log = logging.getLogger(__name__)
CHUNK = 1 << 20
MAX_LISTING = 50_000_000  # a warc.paths.gz listing is ~10 KB; anything huge is not one


class StreamError(OSError):
    """An archive that cannot be opened or read to its end."""


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def archive_session(user_agent: str) -> requests.Session:
    """A session for archive downloads: guarded adapter, private addresses allowed, no env proxies."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = user_agent
    session.headers["Accept-Encoding"] = "identity"  # the files are gzip already: take the bytes as stored
    adapter = GuardedAdapter(AddressPolicy(allow_private=True), pool_connections=8, pool_maxsize=8, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class HttpStream(io.RawIOBase):
    """A file-like view of one URL's body; a dropped connection resumes with a Range request."""

    def __init__(self, session: requests.Session, url: str, timeout: float = 30.0, retries: int = 3) -> None:
        super().__init__()
        self.session, self.url, self.timeout, self.retries = session, url, timeout, retries
        self.pos = 0
        self.size: int | None = None
        self._resp: requests.Response | None = None
        self._open()

    def _open(self) -> None:
        headers = {"Range": f"bytes={self.pos}-"} if self.pos else {}
        try:
            resp = self.session.get(self.url, stream=True, timeout=(10.0, self.timeout), headers=headers)
        except requests.RequestException as exc:
            raise StreamError(f"{self.url}: {exc}") from exc
        if resp.status_code not in (200, 206) or (self.pos and resp.status_code != 206):
            resp.close()
            raise StreamError(f"{self.url}: HTTP {resp.status_code}")
        if self.size is None and resp.headers.get("content-length", "").isdigit():
            self.size = int(resp.headers["content-length"])
        self._resp = resp

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        for attempt in range(self.retries + 1):
            try:
                assert self._resp is not None
                n = self._resp.raw.readinto(buffer)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
                n = None
                log.warning("%s: connection lost at byte %d (%s); resuming", self.url, self.pos, exc)
            if n:
                self.pos += n
                return n
            if n == 0 and (self.size is None or self.pos >= self.size):
                return 0  # the end
            if attempt == self.retries:
                break
            self._close_response()
            time.sleep(0.2 * 2**attempt)
            self._open()
        raise StreamError(f"{self.url}: body ended at byte {self.pos} of {self.size or '?'}")

    def _close_response(self) -> None:
        if self._resp is not None:
            self._resp.close()
            self._resp = None

    def close(self) -> None:
        self._close_response()
        super().close()


class ForwardReader(io.BufferedReader):
    """A buffered HTTP stream that answers tell() and forward seeks, which WARC readers ask for."""

    def __init__(self, raw: HttpStream) -> None:
        super().__init__(raw, CHUNK)
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self._pos += len(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        data = super().read1(size)
        self._pos += len(data)
        return data

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        n = super().readinto(buffer)
        self._pos += n
        return n

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset if whence == io.SEEK_SET else self._pos + offset if whence == io.SEEK_CUR else -1
        if target < self._pos:
            raise io.UnsupportedOperation("an HTTP archive stream only seeks forward")
        while self._pos < target and self.read(min(target - self._pos, CHUNK)):
            pass
        return self._pos


def open_archive(location: str, session: requests.Session | None = None, timeout: float = 30.0) -> BinaryIO:
    """A buffered binary stream of a local file or an http(s) URL."""
    if is_url(location):
        return ForwardReader(HttpStream(session or archive_session("newsflow"), location, timeout))  # type: ignore[return-value]
    try:
        return open(Path(location), "rb", buffering=CHUNK)  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        raise StreamError(f"{location}: {exc.strerror or exc}") from exc


def read_listing(location: str, session: requests.Session | None = None) -> list[str]:
    """The lines of a (gzipped) paths listing such as CC-NEWS's warc.paths.gz."""
    with open_archive(location, session) as fh:
        data = fh.read(MAX_LISTING + 1)
    if len(data) > MAX_LISTING:
        raise StreamError(f"{location}: listing larger than {MAX_LISTING} bytes")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise StreamError(f"{location}: damaged gzip listing: {exc}") from exc
    return [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
