"""The fetcher's address guard (SSRF), URL checks, redirect limits and TLS naming.

Every test fails if anything but 127.0.0.1 was connected to (the `only_loopback` fixture
records socket.connect through an audit hook); refusal tests also show that nothing at all was
connected to when the first URL is refused, because addresses are checked before connecting.
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from typing import ClassVar

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))  # importlib mode: make the helpers importable

from hostile_payloads import tls_context  # noqa: E402
from hostile_server import (  # noqa: E402
    config,
    only_loopback_fixture,  # noqa: F401 - registers the fixture
    page,
    redirect,
    respond,
    serve_fixture,  # noqa: F401 - registers the fixture
    trickle,
)

from tasks.fetch.client import Fetcher  # noqa: E402
from tasks.fetch.netguard import AddressPolicy, AddressRefused, parse_networks  # noqa: E402
from tasks.fetch.transport import GuardedAdapter  # noqa: E402

pytestmark = [pytest.mark.usefixtures("only_loopback"), pytest.mark.timeout(60)]


# ---- redirects and the address guard ------------------------------------------------------


def test_redirect_loop(serve) -> None:
    server = serve({"/loop": redirect("/loop")})
    with Fetcher(config(max_redirects=5)) as fetcher:
        got = fetcher.fetch(server.url("/loop"))
    assert got.error == "too many redirects (6)" and got.status == 302
    assert server.hits["/loop"] == 6


def test_long_redirect_chain(serve) -> None:
    server = serve({f"/c{i}": redirect(f"/c{i + 1}", 301) for i in range(20)})
    with Fetcher(config(max_redirects=5)) as fetcher:
        got = fetcher.fetch(server.url("/c0"))
    assert got.error == "too many redirects (6)" and got.final_url == server.url("/c5")
    assert server.hits["/c6"] == 0


REFUSED_TARGETS = [
    ("http://169.254.169.254/latest/meta-data/",
     "refused: 169.254.169.254 is a link-local address"),
    ("http://10.0.0.1/admin", "refused: 10.0.0.1 is a private address"),
    ("http://127.0.0.2:{port}/", "refused: 127.0.0.2 is a loopback address"),
    ("http://[::1]:{port}/", "refused: ::1 is a loopback address"),
    ("http://224.0.0.1/", "refused: 224.0.0.1 is a multicast address"),
    ("http://0.0.0.0:{port}/", "refused: 0.0.0.0 is a unspecified address"),
    ("http://[::ffff:10.0.0.1]/", "refused: ::ffff:10.0.0.1 is a private address"),
    ("http://[64:ff9b::a9fe:a9fe]/", "refused: 64:ff9b::a9fe:a9fe is a link-local address"),
    ("http://100.64.0.1/", "refused: 100.64.0.1 is a non-public address"),
    ("http://internal.test:{port}/", "refused: internal.test resolves to private address 10.0.0.5"),
    ("javascript:alert(1)", "invalid URL scheme 'javascript' (redirect target)"),
    ("file:///etc/passwd", "invalid URL scheme 'file' (redirect target)"),
]


@pytest.mark.parametrize(("target", "reason"), REFUSED_TARGETS)
def test_redirect_to_forbidden_target_is_refused(serve, only_loopback, target, reason) -> None:
    server = serve()
    target = target.format(port=server.port)
    server.routes["/go"] = redirect(target)
    cfg = config(hosts=(("internal.test", "10.0.0.5"),))
    with Fetcher(cfg) as fetcher:
        got = fetcher.fetch(server.url("/go"))
    invalid = reason.startswith("invalid")  # such a target is never requested nor kept
    assert got.error == reason and got.final_url == (server.url("/go") if invalid else target)
    assert {addr for addr in only_loopback()} == {("127.0.0.1", server.port)}


@pytest.mark.parametrize(("host", "reason"), [
    ("localhost", "refused: localhost resolves to loopback address 127.0.0.1"),
    ("127.0.0.1", "refused: 127.0.0.1 is a loopback address"),
    ("2130706433", "refused: 2130706433 resolves to loopback address 127.0.0.1"),
    ("127.1", "refused: 127.1 resolves to loopback address 127.0.0.1"),
])
def test_private_targets_refused_by_default_without_connecting(
        serve, only_loopback, host, reason) -> None:
    server = serve({"/": respond(200, page())})
    with Fetcher(config(allowed_networks=())) as fetcher:
        got = fetcher.fetch(server.url("/", host=host))
    assert got.error == reason and got.status is None
    assert only_loopback() == [] and sum(server.hits.values()) == 0


def test_name_with_one_bad_address_is_refused_before_any_connect(serve, only_loopback) -> None:
    server = serve({"/": respond(200, page())})
    cfg = config(hosts=(("mixed.test", "127.0.0.1"), ("mixed.test", "10.0.0.5")))
    with Fetcher(cfg) as fetcher:
        got = fetcher.fetch(server.url("/", host="mixed.test"))
    assert got.error == "refused: mixed.test resolves to private address 10.0.0.5"
    assert only_loopback() == []


def test_checked_address_used_with_host_header_kept(serve, only_loopback) -> None:
    server = serve({"/": respond(200, page())})
    with Fetcher(config(hosts=(("news.test", "127.0.0.1"),))) as fetcher:
        got = fetcher.fetch(server.url("/", host="news.test"))
    assert got.ok
    assert server.headers_of("/")[0]["Host"] == f"news.test:{server.port}"
    assert set(only_loopback()) == {("127.0.0.1", server.port)}


def test_allow_private_allows_loopback(serve) -> None:
    server = serve({"/": respond(200, page())})
    with Fetcher(config(allowed_networks=(), allow_private=True)) as fetcher:
        assert fetcher.fetch(server.url("/", host="localhost")).ok


@pytest.mark.parametrize(("url", "reason"), [
    ("javascript:alert(1)", "invalid URL scheme 'javascript'"),
    ("data:text/html,<b>hi</b>", "invalid URL scheme 'data'"),
    ("file:///etc/passwd", "invalid URL scheme 'file'"),
    ("ftp://example.org/a", "invalid URL scheme 'ftp'"),
    ("http://user:secret@127.0.0.1/", "URL has credentials"),
    ("http://user@127.0.0.1/", "URL has credentials"),
    ("http://127.0.0.1/" + "a" * 3000, "URL too long (3017 characters, limit 2048)"),
    ("http://exa\nmple.org/", "invalid URL (control characters)"),
    ("http:///no-host", "invalid URL (no host)"),
    ("no scheme at all", "invalid URL (no scheme)"),
    ("http://[::1/", "invalid URL (Invalid IPv6 URL)"),
    ("http://127.0.0.1:99999/", "invalid URL (Port out of range 0-65535)"),
])
def test_bad_urls_are_refused_without_connecting(only_loopback, url, reason) -> None:
    with Fetcher(config()) as fetcher:
        got = fetcher.fetch(url)
    assert got.error == reason and got.status is None
    assert only_loopback() == []


# ---- TLS --------------------------------------------------------------------------------


def test_https_keeps_the_hostname_for_sni_and_certificate(serve, tmp_path, only_loopback) -> None:
    pytest.importorskip("cryptography")
    context, ca_file, sni = tls_context(tmp_path, "news.test")
    server = serve({"/": respond(200, page("Secure"))}, tls=context)
    hosts = (("news.test", "127.0.0.1"), ("evil.test", "127.0.0.1"))
    with Fetcher(config(hosts=hosts, ca_bundle=str(ca_file))) as fetcher:
        good = fetcher.fetch(server.url("/", host="news.test"), expect="html")
    with Fetcher(config(hosts=hosts, ca_bundle=str(ca_file), robots=False)) as fetcher:
        wrong = fetcher.fetch(server.url("/", host="evil.test"))
    assert good.ok and b"Secure" in good.body and good.final_url.startswith("https://news.test")
    assert server.headers_of("/")[0]["Host"] == f"news.test:{server.port}"
    assert "news.test" in sni  # SNI names the host although the socket went to 127.0.0.1
    assert wrong.error is not None and wrong.error.startswith(
        "TLS error (certificate verify failed: Hostname mismatch")
    assert {addr[0] for addr in only_loopback()} == {"127.0.0.1"}


def test_https_trickle_is_cut_at_total_timeout(serve, tmp_path) -> None:
    pytest.importorskip("cryptography")
    context, ca_file, _ = tls_context(tmp_path, "news.test")
    server = serve({"/drip": trickle(100_000, 0.02)}, tls=context)
    cfg = config(hosts=(("news.test", "127.0.0.1"),), ca_bundle=str(ca_file), total_timeout=1.0)
    with Fetcher(cfg) as fetcher:
        began = time.monotonic()
        got = fetcher.fetch(server.url("/drip", host="news.test"))
    assert got.error == "timed out after 1 s (total time limit)"
    assert time.monotonic() - began < 1.5


class _Rebinding(AddressPolicy):
    """A resolver whose answer changes after the first lookup, as in DNS rebinding."""

    lookups: ClassVar[list[str]] = []

    def _lookup(self, host: str, port: int) -> list[tuple[socket.AddressFamily, tuple]]:
        self.lookups.append(host)
        address = "127.0.0.1" if len(self.lookups) == 1 else "127.0.0.2"
        return [(socket.AF_INET, (address, port))]


def test_connection_goes_to_the_address_that_was_checked(serve, only_loopback) -> None:
    server = serve({"/": respond(200, page())})
    policy = _Rebinding(allowed_networks=parse_networks(["127.0.0.1/32"]))
    url = server.url("/", host="rebind.test")
    for attempt in range(2):
        with requests.Session() as session:  # a fresh pool: a new connection, a new lookup
            session.mount("http://", GuardedAdapter(policy))
            if attempt == 0:
                assert session.get(url, timeout=2).status_code == 200
            else:
                with pytest.raises(AddressRefused, match="resolves to loopback address 127.0.0.2"):
                    session.get(url, timeout=2)
    assert _Rebinding.lookups == ["rebind.test", "rebind.test"]  # one lookup per connection
    assert set(only_loopback()) == {("127.0.0.1", server.port)}
