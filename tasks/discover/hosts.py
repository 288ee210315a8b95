"""Which source a page belongs to, by its host: a host matches itself and its subdomains."""

from __future__ import annotations

from functools import lru_cache

from tld import get_fld

from tasks.discover.sources import Source, source_hosts


def bare_host(host: str) -> str:
    """Lowercase, without a trailing dot, a port or a leading 'www.' (www.x.org and x.org are one site)."""
    host = host.strip().lower().rstrip(".")
    if ":" in host and not host.startswith("["):
        host = host.split(":", 1)[0]
    return host.removeprefix("www.")


@lru_cache(maxsize=65536)
def registered_domain(host: str) -> str | None:
    """The registrable domain of a host (bbc.co.uk for news.bbc.co.uk), from the bundled public suffix list."""
    try:
        return get_fld(bare_host(host), fix_protocol=True, fail_silently=True)
    except Exception:  # a malformed host in an archive record: not ours to keep
        return None


class HostMatcher:
    """Maps hosts to source ids; every lookup walks at most the host's labels (dict hits only)."""

    def __init__(self, sources: list[Source]) -> None:
        self._owner: dict[str, str] = {}
        for source in sources:
            for host in source_hosts(source):
                self._owner.setdefault(bare_host(host), source.id)

    def __bool__(self) -> bool:
        return bool(self._owner)

    def source_of(self, host: str | None) -> str | None:
        """The id of the source owning host or a parent domain of it, or None."""
        if not host:
            return None
        name = bare_host(host)
        while name:
            owner = self._owner.get(name)
            if owner is not None:
                return owner
            _, dot, name = name.partition(".")
            if not dot:
                return None
        return None
