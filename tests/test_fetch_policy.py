"""Unit tests of the fetcher's pure parts: robots.txt rules and the address/URL policy."""

from __future__ import annotations

import ipaddress
import socket
import time
from datetime import UTC, datetime

import pytest

from tasks.fetch.netguard import AddressPolicy, AddressRefused, address_class, parse_networks, url_problem
from tasks.fetch.robots import parse_robots, rules_from_page
from tasks.models import Page


def allowed(robots: str, path: str, agent: str = "newsflow") -> bool:
    return parse_robots(robots, agent).allowed("https://example.org" + path)


# ---- robots.txt (RFC 9309) --------------------------------------------------------------


@pytest.mark.parametrize(("robots", "path", "expected"), [
    ("User-agent: *\nAllow: /p\nDisallow: /", "/page", True),  # longest match wins
    ("User-agent: *\nAllow: /p\nDisallow: /", "/x", False),
    ("User-agent: *\nAllow: /folder\nDisallow: /folder", "/folder/a", True),  # tie: allow
    ("User-agent: *\nDisallow: /*.php$", "/index.php", False),
    ("User-agent: *\nDisallow: /*.php$", "/index.php?x=1", True),
    ("User-agent: *\nDisallow: /*.php$", "/a.phpx", True),
    ("User-agent: *\nDisallow: /fish*", "/fishing", False),
    ("User-agent: *\nDisallow: /$", "/", False),
    ("User-agent: *\nDisallow: /$", "/a", True),
    ("User-agent: *\nDisallow: /*?s=", "/search?s=news", False),
    ("User-agent: *\nDisallow: /%E3%83%84", "/ツ", False),
    ("User-agent: *\nDisallow: /ツ", "/%e3%83%84", False),
    ("User-agent: *\nDisallow:", "/anything", True),  # an empty rule allows
    ("User-agent: *\nDisallow: /", "/robots.txt", True),  # robots.txt itself is always allowed
    ("User-agent: *\nDisallow: private", "/private/x", False),  # missing leading slash
    ("", "/a", True),
])
def test_rule_matching(robots: str, path: str, expected: bool) -> None:
    assert allowed(robots, path) is expected


def test_our_groups_are_merged_and_replace_the_star_group() -> None:
    robots = ("User-agent: *\nDisallow: /all\n\n"
              "User-agent: other\nUser-agent: NewsFlow/2.0\nDisallow: /x\n\n"
              "User-agent: newsflow\nDisallow: /b\nCrawl-delay: 2.5\n"
              "Sitemap: https://example.org/sitemap.xml\n")
    rules = parse_robots(robots)
    assert not rules.allowed("https://example.org/x") and not rules.allowed("https://example.org/b")
    assert rules.allowed("https://example.org/all")
    assert rules.crawl_delay == 2.5
    assert rules.sitemaps == ("https://example.org/sitemap.xml",)
    assert not allowed(robots, "/all", agent="someone-else")


def test_pathological_wildcards_match_in_linear_time() -> None:
    rules = parse_robots("User-agent: *\nDisallow: /" + "*a" * 60 + "*b$\n")
    began = time.monotonic()
    assert rules.allowed("https://example.org/" + "a" * 2000)
    assert time.monotonic() - began < 0.05


def _page(status: int | None, error: str | None = None, body: bytes = b"") -> Page:
    url = "https://example.org/robots.txt"
    return Page(url, url, status, datetime.now(UTC), body=body, error=error)


@pytest.mark.parametrize(("page", "refusal"), [
    (_page(200, body=b"User-agent: *\nDisallow: /x"), None),
    (_page(404, "HTTP 404"), None),
    (_page(403, "HTTP 403"), None),  # 4xx: "unavailable", RFC 9309 allows all
    (_page(302, "too many redirects (6)"), None),
    (_page(429, "HTTP 429 after 4 attempts"),
     "disallowed: robots.txt unreachable (HTTP 429 after 4 attempts)"),
    (_page(500, "HTTP 500"), "disallowed: robots.txt unreachable (HTTP 500)"),
    (_page(None, "connection reset"), "disallowed: robots.txt unreachable (connection reset)"),
    (_page(None, "refused: example.org resolves to private address 10.0.0.5"),
     "refused: example.org resolves to private address 10.0.0.5"),
])
def test_robots_status_handling(page: Page, refusal: str | None) -> None:
    assert rules_from_page(page).refusal == refusal


# ---- addresses and URLs -----------------------------------------------------------------


@pytest.mark.parametrize(("address", "kind"), [
    ("8.8.8.8", None), ("2606:4700:4700::1111", None), ("93.184.215.14", None),
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("fc00::1", "private"), ("192.0.2.1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("240.0.0.1", "reserved"),
    ("100.64.0.1", "non-public"), ("fec0::1", "site-local"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 wrapping 169.254.169.254
])
def test_address_class(address: str, kind: str | None) -> None:
    assert address_class(ipaddress.ip_address(address)) == kind


def test_policy_allowed_networks_and_allow_private() -> None:
    narrow = AddressPolicy(allowed_networks=parse_networks(["127.0.0.1/32"]))
    assert narrow.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert narrow.refusal(ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert narrow.refusal(ipaddress.ip_address("127.0.0.2")) == "loopback"
    assert AddressPolicy(allow_private=True).refusal(ipaddress.ip_address("10.0.0.1")) is None


def test_policy_resolves_static_hosts_and_checks_every_answer() -> None:
    policy = AddressPolicy(hosts=(("a.test", "93.184.215.14"), ("b.test", "93.184.215.14"),
                                  ("b.test", "192.168.0.9")))
    assert policy.resolve("A.test.", 80) == [(socket.AF_INET, ("93.184.215.14", 80))]
    with pytest.raises(AddressRefused, match="b.test resolves to private address 192.168.0.9"):
        policy.resolve("b.test", 80)
    with pytest.raises(AddressRefused, match=r"\[?::1\]? is a loopback address"):
        policy.resolve("[::1]", 80)


@pytest.mark.parametrize(("url", "problem"), [
    ("https://example.org/a?b=c#d", None),
    ("http://example.org:8080/", None),
    ("HTTPS://EXAMPLE.ORG/", None),
    ("http://example.org:0/", "invalid URL (port 0)"),
    ("mailto:someone@example.org", "invalid URL scheme 'mailto'"),
    ("http://:pw@example.org/", "URL has credentials"),
    ("http://example.org/\x00", "invalid URL (control characters)"),
    ("http://example.org/" + "x" * 2029, None),  # exactly 2,048 characters
    ("http://example.org/" + "x" * 2030, "URL too long (2049 characters, limit 2048)"),
])
def test_url_problem(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem
