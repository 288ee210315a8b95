"""A whole ingest run beside a hostile web: faults are recorded, healthy outlets land, nothing leaks."""

from __future__ import annotations

import contextlib
import resource
from pathlib import Path

import duckdb
import psutil
import pytest

from benchmarks.newsite import NewsSite, load_pages, make_outlets
from tests.hostile_payloads import deflate_bomb, gzip_bomb
from tests.hostile_server import CONNECTS, HostileServer, garbage, redirect, reset, respond, stream, trickle
from tests.peak_memory import Peak

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4\n" + bytes(2000)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(2000)
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
          + b"".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode() for i in range(1, 9))
          + b']><rss version="2.0"><channel><title>&lol8;</title></channel></rss>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<rss version="2.0"><channel><item><title>&x;</title><link>http://127.0.0.1/x</link></item></channel></rss>')


def rss(links: list[str]) -> bytes:
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>'.encode()


def page_routes(server: HostileServer) -> dict[str, object]:
    """Article URLs that misbehave, one fault each."""
    deep = b"<html><body>" + b"<div>" * 200_000 + b"deep" + b"</div>" * 200_000 + b"</body></html>"
    return {
        "/p/trickle": trickle(10_000, 0.2),
        "/p/reset": reset,
        "/p/e500": respond(500, b"boom"),
        "/p/e503": respond(503, b"busy", headers=[("Retry-After", "1")]),
        "/p/e429": respond(429, b"slow down", headers=[("Retry-After", "1")]),
        "/p/loop": redirect(server.url("/p/loop")),
        **{f"/p/chain{i}": redirect(server.url(f"/p/chain{i + 1}")) for i in range(12)},
        "/p/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        "/p/to-private": redirect("http://10.0.0.1/admin"),
        "/p/to-loopback": redirect("http://127.0.0.2/"),
        "/p/to-multicast": redirect("http://224.0.0.1/"),
        "/p/gzip-bomb": stream(0, encoding="gzip", body=gzip_bomb(1)),
        "/p/deflate-bomb": stream(0, encoding="deflate", body=deflate_bomb(1)),
        "/p/huge-length": stream(30_000_000),
        "/p/huge-chunked": stream(30_000_000, length=False),
        "/p/pdf": respond(200, PDF, "application/pdf"),
        "/p/image": respond(200, PNG, "image/png"),
        "/p/octet": respond(200, bytes(3000), "application/octet-stream"),
        "/p/html-as-text": respond(200, b"<html><body><p>" + b"word " * 500 + b"</p></body></html>", "text/plain"),
        "/p/garbage": garbage,
        "/p/random": respond(200, bytes(range(256)) * 40, "text/html"),
        "/p/lying-charset": respond(200, "<html><body><p>é</p></body></html>".encode(), "text/html; charset=utf-16"),
        "/p/deep": respond(200, deep, "text/html"),
        "/p/empty": respond(200, b"", "text/html"),
    }


@pytest.fixture(scope="module")
def hostile_run(corpus_dir: Path, prefect_harness, fast_fetch_env, tmp_path_factory):
    """One ingest over healthy outlets plus hostile feeds and pages; returns the data dir and servers."""
    from flows.ingest import ingest

    hostile = HostileServer()
    routes = page_routes(hostile)
    hostile.routes.update(routes)
    bad_links = [hostile.url(p) for p in routes if not p.startswith("/p/chain") or p == "/p/chain0"]
    bad_links += ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd",
                  "http://user:pw@127.0.0.1/x", "http://127.0.0.1/" + "a" * 5000, "http://169.254.169.254/feed-link"]
    hostile.routes.update({
        "/feeds/pages.xml": respond(200, rss(bad_links), "application/rss+xml"),
        "/feeds/laughs.xml": respond(200, LAUGHS, "application/rss+xml"),
        "/feeds/xxe.xml": respond(200, XXE, "application/rss+xml"),
        "/feeds/self-index.xml": respond(200, (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'<sitemap><loc>{hostile.url("/feeds/self-index.xml")}</loc></sitemap></sitemapindex>').encode(),
            "application/xml"),
        "/feeds/giant.xml": respond(200, rss([hostile.url(f"/missing/{i}") for i in range(100_000)]),
                                    "application/rss+xml"),
    })
    robots = {name: HostileServer() for name in ("robots-huge", "robots-bad", "robots-5xx")}
    huge_robots = b"User-agent: *\nAllow: /\n" + b"# x\n" * 2_000_000
    robots["robots-huge"].routes["/robots.txt"] = respond(200, huge_robots, "text/plain")
    robots["robots-bad"].routes["/robots.txt"] = respond(200, bytes(range(256)) * 50, "text/plain")
    robots["robots-5xx"].routes["/robots.txt"] = respond(503, b"down")
    pages = load_pages(corpus_dir, ["scrapinghub_aeb.jsonl.gz"], limit=12)
    for server in robots.values():
        server.routes["/feed.xml"] = respond(200, rss([server.url("/a.html")]), "application/rss+xml")
        server.routes["/a.html"] = respond(200, pages[0]["html"].encode(), "text/html; charset=utf-8")
    start = len(CONNECTS)
    root = tmp_path_factory.mktemp("hostile")
    with NewsSite(make_outlets(pages[1:], 2)) as site, pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSFLOW_TOTAL_TIMEOUT", "4")
        mp.setenv("NEWSFLOW_MAX_PER_SOURCE", "40")
        hostile_feeds = {"pages": "/feeds/pages.xml", "laughs": "/feeds/laughs.xml", "xxe": "/feeds/xxe.xml",
                         "giant": "/feeds/giant.xml"}
        toml = site.sources_toml() + "".join(
            f'\n[[sources]]\nid = "h-{k}"\nname = "{k}"\ncountry = "US"\nlanguage = "en"\n'
            f'feeds = ["{hostile.url(v)}"]\n'
            for k, v in hostile_feeds.items())
        toml += (f'\n[[sources]]\nid = "h-self-index"\nname = "s"\ncountry = "US"\nlanguage = "en"\n'
                 f'sitemaps = ["{hostile.url("/feeds/self-index.xml")}"]\n')
        toml += "".join(f'\n[[sources]]\nid = "h-{k}"\nname = "{k}"\ncountry = "US"\nlanguage = "en"\n'
                        f'feeds = ["{s.url("/feed.xml")}"]\n' for k, s in robots.items())
        (root / "sources.toml").write_text(toml)
        rss_before = _reset_peak_rss()
        with Peak(largest_child_kb, 0.05) as children:
            summary = ingest(sources_file=str(root / "sources.toml"), data_dir=str(root / "data"))
        grown = None if rss_before is None else _status_kb("VmHWM") - rss_before
        served = site.article_urls()
    hostile.close()
    for server in robots.values():
        server.close()
    return {"data": root / "data", "summary": summary, "served": served, "hostile": hostile,
            "robots": robots, "connects": CONNECTS[start:], "grown_kb": grown, "child_kb": children.peak}


def largest_child_kb() -> int:
    """The largest peak RSS (VmHWM) among this process's descendants now; their RSS where there is no /proc.

    The hostile run is judged on its own children: RUSAGE_CHILDREN would count every child of the
    session's earlier tests too (860-1,015 MB in full runs, against ~370 MB with the tests of one file).
    """
    sizes = [0]
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(OSError, KeyError, psutil.Error):  # a child gone meanwhile
            sizes.append(_status_kb("VmHWM", child.pid) if Path("/proc").exists() else child.memory_info().rss // 1024)
    return max(sizes)


def _status_kb(field: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _reset_peak_rss() -> int | None:
    """This process's RSS now (kB), with its recorded peak (VmHWM) reset to it; None where Linux does not allow it.

    The test process has run every earlier test, and what they left counts in its lifetime peak:
    the hostile run is judged on what it adds.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")  # 5: reset the peak RSS to the current RSS
        return _status_kb("VmRSS")
    except (OSError, KeyError):
        return None


def rows(data: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_healthy_outlets_land_despite_the_hostile_ones(hostile_run) -> None:
    loaded = {u for (u,) in rows(hostile_run["data"], "select url from articles")}
    assert set(hostile_run["served"]) <= loaded


def test_nothing_hostile_becomes_an_article(hostile_run) -> None:
    base = hostile_run["hostile"].url("/")
    assert rows(hostile_run["data"], f"select count(*) from articles where url like '{base}%'") == [(0,)]


def test_every_bad_page_is_recorded_with_a_reason(hostile_run) -> None:
    base = hostile_run["hostile"].url("/p/")
    recorded = dict(rows(hostile_run["data"], f"select url, reason from fetches where url like '{base}%'"))
    expected = {base + name for name in ("trickle", "reset", "e500", "e503", "e429", "loop", "chain0",
                                          "to-metadata", "to-private", "to-loopback", "to-multicast",
                                          "gzip-bomb", "deflate-bomb", "huge-length", "huge-chunked", "pdf",
                                          "image", "octet", "html-as-text", "garbage", "random",
                                          "lying-charset", "deep", "empty")}
    missing = expected - set(recorded)
    assert not missing, f"not recorded: {sorted(missing)}"
    assert all(recorded[u] for u in expected), {u: recorded[u] for u in expected if not recorded[u]}


def test_hostile_feeds_are_refused_with_reasons(hostile_run) -> None:
    by_source = {r.source_id: r for r in hostile_run["summary"].sources}
    for name in ("h-laughs", "h-xxe"):
        assert by_source[name].discovered == 0 and "entit" in " ".join(by_source[name].errors).lower()
    reasons = dict(rows(hostile_run["data"], "select source_id, reason from fetches where kind = 'feed'"))
    assert "unusable listing" in reasons["h-laughs"] and "unusable listing" in reasons["h-xxe"]
    giant = by_source["h-giant"]
    assert giant.discovered == 5000 and giant.fetched + giant.failed <= 40  # capped per feed and source
    assert hostile_run["hostile"].hits["/feeds/self-index.xml"] == 1


def test_robots_faults_are_handled(hostile_run) -> None:
    reasons = dict(rows(hostile_run["data"],
                        "select source_id, string_agg(coalesce(reason, outcome), '; ') from fetches "
                        "where source_id like 'h-robots%' group by 1"))
    assert "robots" in reasons["h-robots-5xx"]
    assert hostile_run["robots"]["robots-huge"].hits["/a.html"] == 1  # huge but valid: allowed
    assert hostile_run["robots"]["robots-5xx"].hits["/a.html"] == 0


def test_only_loopback_was_ever_connected(hostile_run) -> None:
    inet = [addr for addr in hostile_run["connects"] if len(addr) >= 2]  # unix sockets are local IPC
    assert inet and {addr[0] for addr in inet} <= {"127.0.0.1"}


def test_memory_stays_bounded(hostile_run) -> None:
    """Bombs, a 100,000-link feed and an 8 MB robots.txt add a bounded amount to the run's memory.

    Measured: the run's process peaks ~180 MB above where it started (RSS), its largest child at ~260 MB.
    """
    grown_kb = hostile_run["grown_kb"]
    if grown_kb is None:  # no peak reset here: the test process's whole life is bounded instead
        lifetime_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert lifetime_kb < 1_000_000, f"peak RSS {lifetime_kb / 1024:.0f} MB"
    else:
        assert grown_kb < 500_000, f"the run's process grew by {grown_kb / 1024:.0f} MB at its peak"
    child_kb = hostile_run["child_kb"]  # the largest worker, forkserver or API
    assert 0 < child_kb < 1_000_000, f"a child process peaked at {child_kb / 1024:.0f} MB"
