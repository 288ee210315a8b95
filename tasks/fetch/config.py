"""Settings of one Fetcher, apart from the client so the exchange can take them without a cycle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FetchConfig:
    """Settings of one Fetcher; times in seconds, sizes in bytes."""

    user_agent: str  # e.g. "newsflow/0.1.0 (+https://github.com/newsflow/newsflow)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence between two reads
    total_timeout: float = 60.0  # wall-clock cap per fetch: hops, retries, body; not queueing
    max_bytes: int = 10_000_000  # on the decompressed body, enforced while streaming
    host_delay: float = 1.0  # min seconds between request starts to one host
    host_concurrency: int = 2  # max requests in flight per host
    max_redirects: int = 5
    retries: int = 3  # on connection failures, 429 and 5xx
    backoff: float = 0.5  # first retry wait; doubles each time
    max_retry_after: float = 30.0  # a longer Retry-After gives up instead of waiting
    allow_private: bool = False  # allow loopback/private/link-local/multicast/reserved targets
    allowed_networks: tuple[str, ...] = ()  # allowed even when allow_private is False
    robots: bool = True
    hosts: tuple[tuple[str, str], ...] = ()  # static (name, address) entries, like /etc/hosts
    ca_bundle: str | None = None  # CA certificates file; None uses the default trust store
