"""URL normalisation: the canonical form used to fetch, deduplicate and key articles."""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit, urlunsplit

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Browsers drop these inside URLs (WHATWG URL standard); feeds often wrap links over lines.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ABSOLUTE = re.compile(r"https?://", re.I)
_HOST_OK = re.compile(r"^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# RFC 3986 reserved and unreserved characters stay as written; everything else is escaped.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"

# Parameters that only identify a click or a campaign, never the page itself. Deliberately
# narrower than courlan's tracker pattern, which also drops `source`, `ref*`, `ga*`, `session`
# and blank parameters, and so can merge distinct pages (`?gallery=2`) into one key.
_TRACKER_PREFIXES = ("utm_", "mtm_", "pk_", "at_", "ns_", "_hs", "hsa_")
_TRACKER_NAMES = frozenset((
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "wt.mc_id", "wt_mc", "xtor", "ito",
    "cmpid", "ocid", "smid", "emc", "rss_source", "__twitter_impression", "spm", "s_cid",
))  # fmt: skip


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Return the canonical http(s) form of url (resolved against base), or None if unusable."""
    raw = _TAB_OR_NEWLINE.sub("", url or "").strip(" \x00\x0b\x0c")
    if not raw or len(raw) > MAX_URL_LENGTH or _CONTROL.search(raw):
        return None
    try:
        # urljoin is the slow part of a 50,000-entry sitemap; absolute URLs do not need it.
        joined = urljoin(base, raw) if base and not _ABSOLUTE.match(raw) else raw
        parts = urlsplit(joined)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            return None
        netloc = _netloc(parts, scheme)
    except ValueError:
        return None
    if netloc is None:
        return None
    path = _fix_escapes(quote(_remove_dot_segments(parts.path) or "/", safe=_PATH_SAFE))
    query = _clean_query(parts.query)
    out = urlunsplit((scheme, netloc, path, query, ""))
    return out if len(out) <= MAX_URL_LENGTH else None


def url_key(url: str) -> str:
    """Stable 32-hex-digit key of a URL's normalised form (article_id and dedup key)."""
    canonical = normalize_url(url) or url
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()


def host_of(url: str) -> str:
    """Lower-case host name of url without port ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _netloc(parts: SplitResult, scheme: str) -> str | None:
    """Validated 'host[:port]' with credentials refused and the default port dropped."""
    if "@" in parts.netloc:
        # user:password@ in a feed link is either a leak or a trick (http://bank.com@evil.org).
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if "%" in host:
        host = unquote(host)
    if ":" in host:
        host = f"[{host}]"
    if not _HOST_OK.match(host):
        return None
    port = parts.port  # raises ValueError when out of range or not a number
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return host
    return f"{host}:{port}"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve '.' and '..' segments."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        elif seg == ".":
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") or not path.startswith("/") else "/" + result


def _fix_escapes(text: str) -> str:
    """Upper-case percent escapes, decode escaped unreserved characters, escape stray '%'."""
    text = _STRAY_PCT.sub("%25", text)

    def repl(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    return _PCT.sub(repl, text)


def _is_tracker(name: str) -> bool:
    """True for a query parameter that only tracks a click or campaign."""
    key = unquote(name).lower()
    return key in _TRACKER_NAMES or key.startswith(_TRACKER_PREFIXES)


def _clean_query(query: str) -> str:
    """Drop tracking parameters and sort the rest by name (stable for repeated names)."""
    if not query:
        return ""
    pairs = [p for p in query.split("&") if p]
    kept = [p for p in pairs if not _is_tracker(p.split("=", 1)[0])]
    kept.sort(key=lambda p: p.split("=", 1)[0])
    return _fix_escapes(quote("&".join(kept), safe=_QUERY_SAFE))
