"""One fetch, step by step: robots check, host slot, request, retries, checked redirects."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin

import requests
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar

from tasks.fetch.body import (
    BodyError,
    DeadlineExpired,
    Expect,
    body_problem,
    encoding_refusal,
    finish_body,
    read_body,
    type_refusal,
)
from tasks.fetch.config import FetchConfig
from tasks.fetch.errors import describe
from tasks.fetch.netguard import AddressRefused, url_problem
from tasks.fetch.politeness import HostSlots, host_key
from tasks.fetch.robots import RobotsCache
from tasks.fetch.transport import Deadline
from tasks.models import Page

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})  # the listing's owner says: use the new URL from now on
NOT_RETRIED_5XX = frozenset({501, 505})  # "not implemented" and "version not supported" stay so
KEPT_HEADERS = 100
ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "xml": "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,"
    "text/xml;q=0.9,*/*;q=0.1",
    "any": "*/*",
}


@dataclass(frozen=True)
class Request:
    """What to fetch and how."""

    url: str
    expect: Expect
    etag: str | None
    last_modified: str | None
    max_bytes: int
    truncate: bool = False  # cut an over-cap body instead of failing (robots.txt)
    robots: bool = True  # consult robots.txt (not when fetching robots.txt itself)


@dataclass
class Reply:
    """The outcome of one HTTP exchange."""

    url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None
    location: str | None = None


class _Budget:
    """Time spent on one fetch, not counting waits for a host slot or for robots.txt."""

    def __init__(self, total: float) -> None:
        self.total = total
        self.start = time.monotonic()
        self.excluded = 0.0

    def exclude(self, seconds: float) -> None:
        self.excluded += seconds

    def used(self) -> float:
        return time.monotonic() - self.start - self.excluded

    def remaining(self) -> float:
        return self.total - self.used()


class Exchange:
    """Runs one fetch: redirects hop by hop, each hop retried and politely slotted."""

    def __init__(self, config: FetchConfig, session: requests.Session, slots: HostSlots,
                 robots: RobotsCache | None) -> None:
        self.config = config
        self.session = session
        self.slots = slots
        self.robots = robots
        self.budget = _Budget(config.total_timeout)
        self.jar = RequestsCookieJar()  # cookies live for one redirect chain only

    def run(self, request: Request, started: datetime) -> Page:
        """Follow redirects (each target checked like the first URL) to a final Reply."""
        current, hops, permanent = request.url, 0, True
        while True:
            reply = self._with_retries(request, current)
            if reply.error is not None or reply.status not in REDIRECTS:
                break
            permanent = permanent and reply.status in PERMANENT
            if not reply.location:
                reply.error = f"redirect without a Location header (HTTP {reply.status})"
                break
            hops += 1
            if hops > self.config.max_redirects:
                reply.error = f"too many redirects ({hops})"
                break
            target = urldefrag(urljoin(current, _latin1_to_utf8(reply.location.strip())))[0]
            problem = url_problem(target)
            if problem is not None:
                reply.error = f"{problem} (redirect target)"
                break
            current = target
        body = reply.body if reply.error is None else b""
        return Page(request.url, current, reply.status, started,
                    elapsed=round(self.budget.used(), 3),
                    content_type=reply.headers.get("content-type"), headers=reply.headers,
                    body=body, error=reply.error, moved_to=current if hops and permanent else None)

    def _with_retries(self, request: Request, url: str) -> Reply:
        """One hop, retried on connection failures, 429 and 5xx within the time budget."""
        attempt = 0
        while True:
            reply = self._attempt(request, url)
            if not reply.retryable or attempt >= self.config.retries:
                break
            pause = self._retry_pause(reply, attempt)
            if pause is None:
                break
            log.debug("retrying %s in %.2fs after %s", url, pause, reply.error)
            time.sleep(pause)
            attempt += 1
        if attempt and reply.error:
            reply.error += f" after {attempt + 1} attempts"
        return reply

    def _retry_pause(self, reply: Reply, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the wait is not allowed."""
        pause = self.config.backoff * (2**attempt)
        if reply.retry_after is not None:
            if reply.retry_after > self.config.max_retry_after:
                reply.error = (f"{reply.error} (Retry-After {reply.retry_after:g} s is over the "
                               f"{self.config.max_retry_after:g} s limit)")
                return None
            pause = max(pause, reply.retry_after)
        return pause if pause < self.budget.remaining() else None

    def _attempt(self, request: Request, url: str) -> Reply:
        """Robots check, then one request in a host slot under the remaining time budget."""
        delay = None
        if self.robots is not None:
            begun = time.monotonic()
            refusal = self.robots.refusal(url)
            delay = self.robots.rules_for(url).crawl_delay
            self.budget.exclude(time.monotonic() - begun)
            if refusal is not None:
                return Reply(url, error=refusal)
        with self.slots.slot(host_key(url), delay) as waited:
            self.budget.exclude(waited)
            remaining = self.budget.remaining()
            if remaining <= 0:
                return Reply(url, error=self._total_timeout())
            with Deadline(remaining) as deadline:
                return self._send(request, url, deadline)

    def _total_timeout(self) -> str:
        return f"timed out after {self.config.total_timeout:g} s (total time limit)"

    def _send(self, request: Request, url: str, deadline: Deadline) -> Reply:
        """One HTTP request; every failure becomes a Reply with a reason."""
        limit = deadline.seconds
        timeout = (min(self.config.connect_timeout, limit), min(self.config.read_timeout, limit))
        try:
            response = self.session.get(url, headers=_headers(request), cookies=self.jar,
                                        timeout=timeout, allow_redirects=False, stream=True)
        except AddressRefused as exc:
            return Reply(url, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - fetch never raises for network problems
            return self._failure(url, exc, deadline)
        try:
            extract_cookies_to_jar(self.jar, response.request, response.raw)
            return self._interpret(request, url, response, deadline)
        except Exception as exc:  # noqa: BLE001 - nor for content problems
            return self._failure(url, exc, deadline, response)
        finally:
            response.close()

    def _failure(self, url: str, exc: Exception, deadline: Deadline,
                 response: requests.Response | None = None) -> Reply:
        """A Reply for an exception, with the response's status and headers when there was one."""
        reply = Reply(url)
        if response is not None:
            reply.status, reply.headers = response.status_code, _kept_headers(response)
        if deadline.expired or isinstance(exc, DeadlineExpired):
            reply.error = self._total_timeout()
        elif isinstance(exc, BodyError):
            reply.error = str(exc)
        else:
            reply.error, reply.retryable = describe(
                exc, self.config.connect_timeout, self.config.read_timeout)
            if reply.error.startswith("fetch failed"):
                log.warning("unexpected error fetching %s", url, exc_info=exc)
        return reply

    def _interpret(self, request: Request, url: str, response: requests.Response,
                   deadline: Deadline) -> Reply:
        """Classify the response; read the body only for a wanted 2xx."""
        status, headers = response.status_code, _kept_headers(response)
        reply = Reply(url, status, headers)
        if status in REDIRECTS:
            reply.location = response.headers.get("location")
        elif status == 429 or (status >= 500 and status not in NOT_RETRIED_5XX):
            reply.error, reply.retryable = f"HTTP {status}", True
            reply.retry_after = _retry_after(response.headers.get("retry-after"))
        elif status == 304:
            pass
        elif not 200 <= status < 300:
            reply.error = f"HTTP {status}"
        else:
            reply.error = self._refuse_or_read(request, url, response, deadline, reply)
        return reply

    def _refuse_or_read(self, request: Request, url: str, response: requests.Response,
                        deadline: Deadline, reply: Reply) -> str | None:
        """Refuse an unwanted type or encoding before reading; else read and check the body."""
        content_type = reply.headers.get("content-type")
        refusal = type_refusal(request.expect, content_type, url) or encoding_refusal(
            reply.headers.get("content-encoding"))
        if refusal:
            return refusal
        body = read_body(response.raw, request.max_bytes, deadline, request.truncate)
        reply.body = finish_body(request.expect, body, request.max_bytes)
        return body_problem(request.expect, content_type, reply.body)


def _headers(request: Request) -> dict[str, str]:
    headers = {"Accept": ACCEPT[request.expect]}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    return headers


def _kept_headers(response: requests.Response) -> dict[str, str]:
    """Response headers, lowercased, bounded in number and length."""
    kept: dict[str, str] = {}
    for name, value in list(response.headers.items())[:KEPT_HEADERS]:
        kept[name.lower()[:100]] = value[:2000]
    return kept


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def _latin1_to_utf8(location: str) -> str:
    """http.client decodes headers as Latin-1; most servers meant UTF-8."""
    try:
        return location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return location
