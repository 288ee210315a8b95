"""Turn the exceptions of requests/urllib3/http.client into short reasons a person understands."""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator

import requests
from urllib3 import exceptions as u3

from tasks.fetch.netguard import AddressRefused


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """exc and every exception it wraps (causes, contexts, args, urllib3 'reason')."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack.extend([item.__cause__, item.__context__, getattr(item, "reason", None)])
        stack.extend(item.args)


class _Chain:
    """The exceptions wrapped by one error, searchable by type."""

    def __init__(self, exc: BaseException) -> None:
        self.errors = list(_chain(exc))

    def find(self, *kinds: type[BaseException]) -> BaseException | None:
        """The first wrapped exception of one of these types, or None."""
        return next((e for e in self.errors if isinstance(e, kinds)), None)


# Checked in order after refusals, DNS and timeouts: (types, reason, worth retrying).
_BROKEN: list[tuple[tuple[type[BaseException], ...], str, bool]] = [
    ((ConnectionRefusedError,), "connection refused", True),
    ((http.client.RemoteDisconnected,), "server closed the connection without a response", True),
    ((ConnectionResetError, BrokenPipeError), "connection reset", True),
    ((u3.IncompleteRead, http.client.IncompleteRead), "connection closed mid-body", True),
    ((u3.DecodeError,), "could not decompress the body (bad Content-Encoding data)", False),
    ((http.client.LineTooLong,), "response header line too long", False),
    ((http.client.BadStatusLine,), "not an HTTP response", False),
    ((u3.LocationValueError, requests.exceptions.InvalidURL, UnicodeError), "invalid URL", False),
]


def describe(exc: BaseException, connect_timeout: float, read_timeout: float) -> tuple[str, bool]:
    """(reason, retryable) for an exception raised while requesting or reading a response."""
    chain = _Chain(exc)
    if (refused := chain.find(AddressRefused)) is not None:
        return str(refused), False
    if (dns := chain.find(u3.NameResolutionError)) is not None:
        return f"DNS lookup failed for {getattr(dns, 'host', None) or 'the host'}", False
    connect = chain.find(u3.ConnectTimeoutError, requests.ConnectTimeout)
    if connect is not None and not isinstance(connect, u3.NewConnectionError):
        return f"connect timed out after {connect_timeout:g} s", True
    if chain.find(u3.ReadTimeoutError, requests.ReadTimeout, TimeoutError) is not None:
        return f"timed out after {read_timeout:g} s", False
    for kinds, reason, retryable in _BROKEN:
        if chain.find(*kinds) is not None:
            return reason, retryable
    return _describe_rest(chain)


def _describe_rest(chain: _Chain) -> tuple[str, bool]:
    """Reasons for the less common failures, with the underlying message."""
    tls = chain.find(ssl.CertificateError) or chain.find(ssl.SSLError, u3.SSLError)
    if tls is not None:
        return f"TLS error ({_short(tls)})", False
    if (bad := chain.find(http.client.HTTPException)) is not None:
        return f"malformed HTTP response ({_short(bad)})", False
    if chain.find(u3.ProtocolError) is not None:
        return "connection broken mid-response", True
    if (other := chain.find(OSError)) is not None:
        return f"network error ({_short(other)})", True
    if (conn := chain.find(u3.NewConnectionError)) is not None:
        return f"could not connect ({_short(conn)})", True
    return f"fetch failed ({type(chain.errors[0]).__name__})", False


def _short(exc: BaseException) -> str:
    """A one-line, bounded rendering of an exception."""
    if verify := getattr(exc, "verify_message", None):
        return f"certificate verify failed: {verify}"[:120]
    text = getattr(exc, "strerror", None) or str(exc)
    text = " ".join(str(text).split())
    return text[:120] or type(exc).__name__
