"""Which URLs and IP addresses the fetcher may reach: the SSRF policy, checked before connecting."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.util.connection import allowed_gai_family

MAX_URL_LENGTH = 2048

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The well-known NAT64 prefix embeds an IPv4 address that is what actually gets reached.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class AddressRefused(Exception):
    """A host resolved to an address the policy forbids; the message says which and why."""


def url_problem(url: str) -> str | None:
    """Why a URL must not be fetched at all (scheme, credentials, length), or None."""
    if len(url) > MAX_URL_LENGTH:
        return f"URL too long ({len(url)} characters, limit {MAX_URL_LENGTH})"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return "invalid URL (control characters)"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"invalid URL ({exc})"
    scheme = parts.scheme.lower()
    if not scheme:
        return "invalid URL (no scheme)"
    if scheme not in ("http", "https"):
        return f"invalid URL scheme '{scheme[:20]}'"
    if "@" in parts.netloc:
        return "URL has credentials"
    if not parts.hostname:
        return "invalid URL (no host)"
    if port == 0:
        return "invalid URL (port 0)"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address really designates (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_class(ip: IPAddress) -> str | None:
    """The kind of non-public address ip is ('loopback', 'private', ...), or None if public."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_class(embedded)
        if ip.is_site_local:
            return "site-local"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    )
    for label, hit in checks:
        if hit:
            return label
    # e.g. 100.64.0.0/10 (carrier-grade NAT) is neither private nor global.
    return None if ip.is_global else "non-public"


def parse_networks(networks: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Networks from strings such as '127.0.0.1/32'; a ValueError names a bad one."""
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


@dataclass(frozen=True)
class AddressPolicy:
    """Decides which resolved addresses may be connected to."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    hosts: tuple[tuple[str, str], ...] = ()  # static name -> address entries, like /etc/hosts

    def refusal(self, ip: IPAddress) -> str | None:
        """The kind of forbidden address ip is, or None when it may be connected to."""
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if self.allow_private or any(ip in net for net in self.allowed_networks):
            return None
        return address_class(ip)

    def resolve(self, host: str, port: int) -> list[tuple[socket.AddressFamily, tuple]]:
        """Resolve host; refuse unless EVERY address is allowed; return (family, sockaddr) pairs."""
        host = host.strip("[]").rstrip(".").lower()
        infos = self._lookup(host, port)
        if not infos:
            raise socket.gaierror(socket.EAI_NONAME, "no addresses")
        literal = _is_ip_literal(host)
        for _family, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            label = self.refusal(ip)
            if label is None:
                continue
            if literal:
                raise AddressRefused(f"refused: {host} is a {label} address")
            raise AddressRefused(f"refused: {host} resolves to {label} address {ip}")
        return infos

    def _lookup(self, host: str, port: int) -> list[tuple[socket.AddressFamily, tuple]]:
        """Static entries first, else the system resolver (numeric hosts resolve to themselves)."""
        static = [addr for name, addr in self.hosts if name.lower() == host]
        if static:
            out: list[tuple[socket.AddressFamily, tuple]] = []
            for addr in static:
                ip = ipaddress.ip_address(addr)
                if ip.version == 4:
                    out.append((socket.AF_INET, (str(ip), port)))
                else:
                    out.append((socket.AF_INET6, (str(ip), port, 0, 0)))
            return out
        infos = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
        seen: dict[tuple, socket.AddressFamily] = {}
        for family, _type, _proto, _canon, sockaddr in infos:
            seen.setdefault(tuple(sockaddr), family)
        return [(family, sockaddr) for sockaddr, family in seen.items()]


def _is_ip_literal(host: str) -> bool:
    """True when host is written as an IP address rather than a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
