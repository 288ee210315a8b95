"""URL normalisation, keys and hosts."""

from __future__ import annotations

import re

import pytest

from tasks.discover.urls import MAX_URL_LENGTH, host_of, normalize_url, url_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.COM/News", "http://www.example.com/News"),  # path case is kept
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/../../a", "https://example.com/a"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"),
        ("https://example.com/%7euser/%e2%82%ac", "https://example.com/~user/%E2%82%AC"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ("https://m\u00fcnchen.de/", "https://xn--mnchen-3ya.de/"),
        ("https://Example.com./a", "https://example.com/a"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("  https://example.com/a\n", "https://example.com/a"),
        ("https://exa\nmple.com/a", "https://example.com/a"),  # feeds wrap long links
        ("https://example.com/a+b;c=d/(e)", "https://example.com/a+b;c=d/(e)"),  # reserved kept
    ],
)
def test_normalisation(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.com/a?utm_source=rss&utm_medium=feed&id=7", "https://e.com/a?id=7"),
        ("https://e.com/a?fbclid=x&gclid=y&msclkid=z", "https://e.com/a"),
        ("https://e.com/a?UTM_Campaign=x&b=1", "https://e.com/a?b=1"),
        ("https://e.com/a?ITO=1490&ns_mchannel=rss&ns_campaign=1490", "https://e.com/a"),
        ("https://e.com/a?b=2&a=1&b=1", "https://e.com/a?a=1&b=2&b=1"),  # sorted, stable
        # Parameters that may identify the page are kept (courlan would drop several of these).
        (
            "https://e.com/a?gallery=2&source=x&ref=y&page=3&session=4&game=5",
            "https://e.com/a?gallery=2&game=5&page=3&ref=y&session=4&source=x",
        ),
        ("https://e.com/a?flag&empty=", "https://e.com/a?empty=&flag"),
        ("https://e.com/a?q=a b", "https://e.com/a?q=a%20b"),
        ("https://e.com/a?q=a+b&x=%2f", "https://e.com/a?q=a+b&x=%2F"),
    ],
)
def test_query_cleaning(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("/news/1", "https://e.com/feed.xml", "https://e.com/news/1"),
        ("../2", "https://e.com/a/b/feed", "https://e.com/a/2"),
        ("//cdn.e.com/x", "https://e.com/feed", "https://cdn.e.com/x"),
        ("?p=1", "https://e.com/feed", "https://e.com/feed?p=1"),
        ("https://other.org/x", "https://e.com/feed", "https://other.org/x"),
    ],
)
def test_resolution_against_base(url: str, base: str, expected: str) -> None:
    assert normalize_url(url, base) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "mailto:desk@example.com",
        "ftp://example.com/a",
        "tag:example.com,2005:/1",
        "http://user:secret@example.com/",
        "http://user@example.com/",
        "http://bank.com@evil.org/",
        "http://example.com:99999/",
        "http://example.com:port/",
        "http:///no-host",
        "http://exa mple.com/",
        "http://a..b/",
        "http://example.com/\x00a",
        "//example.com/no-scheme-no-base",
        "/relative/without/base",
        "https://example.com/" + "a" * MAX_URL_LENGTH,
    ],
)
def test_refused(url: str) -> None:
    assert normalize_url(url) is None


def test_refused_even_with_base() -> None:
    base = "https://e.com/feed"
    assert normalize_url("javascript:void(0)", base) is None
    assert normalize_url("data:,x", base) is None
    assert normalize_url("//user:pw@e.com/x", base) is None


def test_normalisation_is_idempotent() -> None:
    urls = [
        "HTTP://Ex.com:80/a/./b/../c d?utm_source=x&z=1&a=%7e#f",
        "https://m\u00fcnchen.de/stra\u00dfe?q=\u00e9",
        "https://e.com/100%/x?y=%zz",
    ]
    for url in urls:
        once = normalize_url(url)
        assert once is not None
        assert normalize_url(once) == once


def test_url_key_is_stable_and_equal_for_equivalent_urls() -> None:
    key = url_key("https://example.com/a")
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    # blake2b-128 of the normalised URL; changing it would change every stored article_id.
    assert key == "969065efe4e160eb6d90f3b0ab5cc775"
    assert url_key("HTTPS://EXAMPLE.COM:443/a?utm_source=x#top") == key
    assert url_key("https://example.com/b") != key


def test_url_key_of_unusable_url_is_still_a_key() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", url_key("not a url"))


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.Example.com:8080/a", "www.example.com"),
        ("http://[::1]:80/", "::1"),
        ("https://example.com./", "example.com"),
        ("not a url", ""),
        ("http://[bad/", ""),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host
