"""The HTTP layer: polite, capped, SSRF-guarded fetching. The only module that speaks HTTP.

`Fetcher.fetch` never raises for network, HTTP or content problems: the returned Page carries
a short reason in `error`. See tasks.fetch.netguard (address policy), tasks.fetch.transport (guarded
connections, deadlines), tasks.fetch.politeness (per-host slots), tasks.fetch.robots and tasks.fetch.body.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from http.cookiejar import DefaultCookiePolicy
from types import TracebackType

import requests
import urllib3

from tasks.fetch.ahead import fetch_ahead
from tasks.fetch.body import Expect
from tasks.fetch.config import FetchConfig
from tasks.fetch.exchange import Exchange, Request
from tasks.fetch.netguard import AddressPolicy, parse_networks, url_problem
from tasks.fetch.politeness import HostSlots, host_key
from tasks.fetch.robots import ROBOTS_MAX_BYTES, RobotsCache
from tasks.fetch.transport import GuardedAdapter
from tasks.models import Page

log = logging.getLogger(__name__)

__all__ = ["FetchConfig", "Fetcher", "Page"]


class Fetcher:
    """Fetches URLs politely and safely; thread-safe, one pooled requests.Session."""

    def __init__(self, config: FetchConfig) -> None:
        if not config.user_agent.strip():
            raise ValueError("FetchConfig.user_agent must name the project")
        _check_urllib3()
        self.config = config
        policy = AddressPolicy(
            config.allow_private, parse_networks(config.allowed_networks), config.hosts
        )
        self._session = _session(config, policy)
        self._slots = HostSlots(config.host_concurrency, config.host_delay)
        self._robots = RobotsCache(self._fetch_robots_txt)

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        expect: Expect = "any",
    ) -> Page:
        """Fetch one URL (following checked redirects); problems are reported in Page.error."""
        request = Request(url.strip(), expect, etag, last_modified, self.config.max_bytes)
        return self._run(request)

    def _fetch_robots_txt(self, url: str) -> Page:
        request = Request(url, "any", None, None, ROBOTS_MAX_BYTES, truncate=True, robots=False)
        return self._run(request)

    def _run(self, request: Request) -> Page:
        started = datetime.now(UTC)
        problem = url_problem(request.url)
        if problem is not None:
            log.debug("not fetching %.200s: %s", request.url, problem)
            return Page(request.url, request.url, None, started, error=problem)
        exchange = Exchange(self.config, self._session, self._slots,
                            self._robots if self.config.robots and request.robots else None)
        page = exchange.run(request, started)
        log.debug("fetched %s -> %s %s in %.2fs", request.url, page.status,
                  page.error or f"{len(page.body)} bytes", page.elapsed)
        return page

    def fetch_many(
        self, urls: Iterable[str], *, expect: Expect = "any", max_workers: int = 16
    ) -> Iterator[Page]:
        """Fetch many URLs in parallel across hosts; yields Pages as they complete.

        Each host gets at most its concurrency at a time (so threads never sit blocked on one
        busy host while other hosts' URLs wait behind them), and keeps it busy while the caller
        works on earlier pages, up to as many fetched pages again waiting to be taken.
        """
        per_host = self._slots.concurrency
        return fetch_ahead(lambda url: self.fetch(url, expect=expect), (u.strip() for u in urls),
                           host_key, per_host, per_host, max_workers)

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _check_urllib3() -> None:
    """Warn when urllib3 predates bounded streaming decompression (CVE-2025-66471)."""
    major, minor = (int(part) for part in urllib3.__version__.split(".")[:2])
    if (major, minor) < (2, 7):
        log.warning("urllib3 %s may inflate a compressed body far past the size cap in one "
                    "read; install urllib3>=2.7", urllib3.__version__)


def _session(config: FetchConfig, policy: AddressPolicy) -> requests.Session:
    """A session that only connects through the guarded adapter and keeps no global state."""
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment: they bypass the guard
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # cookies live per fetch
    session.headers["User-Agent"] = config.user_agent
    session.headers["Accept-Encoding"] = "gzip, deflate"  # only what we decode under a cap
    session.verify = config.ca_bundle or True
    maxsize = max(config.host_concurrency, 2)
    adapter = GuardedAdapter(policy, pool_connections=256, pool_maxsize=maxsize, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
