"""Discovery parsing: the real corpus feeds and sitemaps, every feed format, sitemap walking."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.discover.feeds import (
    FeedError,
    parse_any,
    parse_feed,
    parse_sitemap,
    sniff_kind,
    walk_sitemaps,
)
from tasks.discover.urls import normalize_url
from tasks.models import Link
from tests.feed_docs import item, rss, urlset

# Item counts of the corpus README's feeds/ table, and the URL each feed was published at.
CORPUS_FEEDS = {
    "guardian_us.rss.xml": (55, "https://www.theguardian.com/us/rss"),
    "heise_developer.atom.xml": (15, "https://www.heise.de/developer/rss/news-atom.xml"),
    "uol_noticias.rss.xml": (15, "http://rss.uol.com.br/feed/noticias.xml"),
    "talkingpointsmemo_all.atom.xml": (20, "http://talkingpointsmemo.com/account/feed/all/x"),
    "washingtonpost_wellness.rss.xml": (29, "http://feeds.washingtonpost.com/rss/wellness"),
    "nytimes_homepage.rss.xml": (1, "http://www.nytimes.com/services/xml/rss/nyt/HomePage.xml"),
    "dailymail_ushome.rss.xml": (1, "http://www.dailymail.co.uk/ushome/index.rss"),
    "oren_ru.rss.xml": (10, "http://www.oren.ru/rss/"),
    "ilgiornale_cronache.rss.xml": (1, "https://www.ilgiornale.it/taxonomy/term/40821/feed"),
    "ilmessaggero_mondo.rss.xml": (1, "https://www.ilmessaggero.it/rss/mondo.xml"),
    "nbcnewyork.rss.xml": (1, "https://www.nbcnewyork.com/?rss=y"),
    "npr_technology.feed.json": (25, "https://feeds.npr.org/1019/feed.json"),
    "hebdenbridgetimes_articles.sitemap.xml": (
        74,
        "http://www.hebdenbridgetimes.co.uk/sitemap.xml",
    ),
    "shinpaideshou_news.sitemap.xml": (3, "https://shinpaideshou.wordpress.com/news-sitemap.xml"),
}


def corpus_links(corpus_dir: Path, name: str, base: str = "https://e.com/feed") -> list[Link]:
    """The links parse_feed finds in one corpus feed."""
    return parse_feed((corpus_dir / "feeds" / name).read_bytes(), base)




def index(*locs: str) -> bytes:
    """A sitemap index listing the given child sitemaps."""
    body = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'.encode()


# --- the real feeds of the shared corpus --------------------------------------------------------


def test_corpus_table_lists_every_feed_file(corpus_dir: Path) -> None:
    assert sorted(
        p.name for p in (corpus_dir / "feeds").iterdir() if p.suffix in (".xml", ".json")
    ) == sorted(CORPUS_FEEDS)


@pytest.mark.parametrize("name", sorted(CORPUS_FEEDS))
def test_corpus_feed_yields_one_link_per_item(corpus_dir: Path, name: str) -> None:
    count, base = CORPUS_FEEDS[name]
    body = (corpus_dir / "feeds" / name).read_bytes()
    if name.endswith(".json"):
        raw_items = len(json.loads(body)["items"])
    else:
        raw_items = len(
            re.findall(rb"<url>" if "sitemap" in name else rb"<(?:item|entry)[\s>]", body)
        )
    assert raw_items == count  # the README's count, and every item has a link
    links, children = parse_any(body, base)
    assert len(links) == count
    assert children == []
    for link in links:
        assert normalize_url(link.url) == link.url
        assert link.published_at is not None and link.published_at.tzinfo is UTC
    if "sitemap" not in name or "news" in name:
        assert all(link.title for link in links)


def test_sniffed_kinds_of_corpus_files(corpus_dir: Path) -> None:
    for name in CORPUS_FEEDS:
        body = (corpus_dir / "feeds" / name).read_bytes()
        assert sniff_kind(body) == ("sitemap" if "sitemap" in name else "feed"), name


def test_windows_1251_titles_are_decoded(corpus_dir: Path) -> None:
    links = corpus_links(corpus_dir, "oren_ru.rss.xml")
    assert links[0].title == "В Бузулуке главные стройплощадки – детсад и Ледовый дворец"
    assert all(re.search("[а-яА-Я]", link.title or "") for link in links)
    assert links[0].published_at == datetime(2014, 1, 22, 14, 31, 31, tzinfo=UTC)  # +0600


def test_iso_8859_1_without_declaration_is_decoded(corpus_dir: Path) -> None:
    links = corpus_links(corpus_dir, "uol_noticias.rss.xml")
    title = "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    assert links[0].title == title
    assert not any("\ufffd" in (link.title or "") or "Ã" in (link.title or "") for link in links)
    # "Seg, 24 Set 2018 19:42:40 -0300": Portuguese day and month names.
    assert links[0].published_at == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)


def test_italian_date_and_plain_rss(corpus_dir: Path) -> None:
    links = corpus_links(corpus_dir, "ilmessaggero_mondo.rss.xml")
    assert links[0].published_at == datetime(2022, 11, 15, 23, 38, 15, tzinfo=UTC)  # "mer, 16 nov"


def test_atom_relative_links_resolve_against_feed_url(corpus_dir: Path) -> None:
    body = (corpus_dir / "feeds/talkingpointsmemo_all.atom.xml").read_bytes()
    links = parse_feed(body, "http://talkingpointsmemo.com/account/feed/all/x")
    assert links[0].url == (
        "http://talkingpointsmemo.com/livewire/"
        "hannity-announces-fox-hired-sebastian-gorka-national-security-strategist"
    )
    assert links[0].published_at == datetime(2017, 11, 8, 23, 15, 58, tzinfo=UTC)


def test_tracking_parameters_are_removed_from_feed_links(corpus_dir: Path) -> None:
    links = corpus_links(corpus_dir, "dailymail_ushome.rss.xml")
    # The feed's link ends in ?ITO=1490&ns_mchannel=rss&ns_campaign=1490.
    assert links[0].url.endswith("horrific-murder.html")
    npr = corpus_links(corpus_dir, "npr_technology.feed.json")
    assert all("utm_" not in link.url for link in npr)


def test_json_feed(corpus_dir: Path) -> None:
    links = corpus_links(corpus_dir, "npr_technology.feed.json")
    first = links[0]
    assert first.url == (
        "https://www.npr.org/2021/10/29/1050315385/keller-rinaudo-how-can-delivery-drones-save-lives"
    )
    assert first.title == "Keller Rinaudo: How can delivery drones save lives?"
    assert first.published_at == datetime(2021, 10, 29, 14, 26, tzinfo=UTC)  # 10:26 -04:00


def test_google_news_sitemap(corpus_dir: Path) -> None:
    body = (corpus_dir / "feeds/shinpaideshou_news.sitemap.xml").read_bytes()
    links, children = parse_sitemap(body, "https://shinpaideshou.wordpress.com/news-sitemap.xml")
    assert children == []
    assert links[0].title == "Job Opening: Reischauer Policy Research Fellow"
    assert links[0].published_at == datetime(2017, 4, 25, 10, 0, 36, tzinfo=UTC)


def test_sitemap_lastmod_and_nested_image_locs(corpus_dir: Path) -> None:
    body = (corpus_dir / "feeds/hebdenbridgetimes_articles.sitemap.xml").read_bytes()
    links, _ = parse_sitemap(body, "http://www.hebdenbridgetimes.co.uk/sitemap.xml")
    assert links[0].published_at == datetime(2015, 5, 3, 17, 51, 50, tzinfo=UTC)  # 18:51:50+01:00
    # image:title, video:title and image:loc belong to media, not to the page.
    assert all(link.title is None for link in links)
    assert not any(re.search(r"\.(jpe?g|png|gif)$", link.url) for link in links)


# --- feeds and sitemaps of every kind ------------------------------------------------------------


def test_rss_1_rdf_and_netscape_rss_091() -> None:
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://dw.com/"><title>DW</title><link>https://dw.com/</link></channel>
<item rdf:about="https://dw.com/a-1"><title>One</title><link>https://dw.com/a-1</link>
<dc:date>2024-05-01T10:00:00+02:00</dc:date></item>
<item rdf:about="https://dw.com/a-2"><title>Two</title><link>https://dw.com/a-2</link></item>
</rdf:RDF>"""
    links = parse_feed(rdf, "https://rss.dw.com/rdf/rss-en-all")
    assert [link.url for link in links] == ["https://dw.com/a-1", "https://dw.com/a-2"]
    assert links[0].published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    netscape = rss(
        item("http://e.com/1"),
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n',
    ).replace(b'version="2.0"', b'version="0.91"')
    assert [link.url for link in parse_feed(netscape, "http://e.com/rss")] == ["http://e.com/1"]


def test_entry_details() -> None:
    items = (
        "<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp; more</title><link>https://e.com/1</link>"
        "<pubDate>Tue, 21 Aug 2012 10:33:00</pubDate></item>"  # no zone: UTC
        '<item xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><title>fb</title>'
        "<link>https://feedproxy.example/~r/x/1</link><feedburner:origLink>https://e.com/2"
        "</feedburner:origLink></item>"
        "<item><title>guid only</title><guid>https://e.com/3</guid></item>"
        '<item><title>not a link</title><guid isPermaLink="false">https://e.com/4</guid></item>'
    )
    links = parse_feed(rss(items), "https://e.com/feed")
    assert [link.url for link in links] == ["https://e.com/1", "https://e.com/2", "https://e.com/3"]
    assert links[0].published_at == datetime(2012, 8, 21, 10, 33, tzinfo=UTC)


def test_charset_from_http_header_is_used() -> None:
    body = rss(item("http://e.com/1", "Новости")).replace(b' encoding="utf-8"', b"")
    body = body.decode().encode("windows-1251")
    links = parse_feed(body, "http://e.com/", content_type="text/xml; charset=windows-1251")
    assert links[0].title == "Новости"


def test_links_are_cleaned_deduplicated_and_resolved() -> None:
    bad = [
        "javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "mailto:a@e.com",
        "http://user:pw@e.com/x", "https://e.com/" + "a" * 3000, "", "http://exa mple.com/",
    ]  # fmt: skip
    good = ["https://e.com/1", "/2", "https://e.com/1#dup", "https://E.com/3?utm_source=rss"]
    links = parse_feed(rss("".join(item(url) for url in bad + good)), "https://e.com/feed")
    assert [link.url for link in links] == ["https://e.com/1", "https://e.com/2", "https://e.com/3"]


def test_json_feed_edge_cases() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "1", "url": "/a", "date_published": "2024-01-02T03:04:05"},  # naive: UTC
            {"id": "2", "external_url": "https://other.org/b", "title": "  spaced\n title "},
            {"id": "3", "url": "javascript:alert(1)"},
            "junk",
            {"id": "4", "url": 12},
        ],
    }
    links = parse_feed(json.dumps(doc).encode(), "https://e.com/feed.json")
    assert [link.url for link in links] == ["https://e.com/a", "https://other.org/b"]
    assert links[0].published_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert links[1].title == "spaced title"
    with pytest.raises(FeedError, match="JSON"):
        parse_feed(b'{"not": "a feed"}', "https://e.com/")
    with pytest.raises(FeedError, match="invalid JSON"):
        parse_feed(b'{"items": [' + b"[" * 100000, "https://e.com/")


def test_sitemap_index_children_and_dates() -> None:
    links, children = parse_sitemap(
        index("https://e.com/s1.xml", "/s2.xml", "https://e.com/s1.xml", "javascript:x"),
        "https://e.com/sitemap.xml",
    )
    assert links == [] and children == ["https://e.com/s1.xml", "https://e.com/s2.xml"]
    entries = (
        "<url><loc>https://e.com/a</loc><lastmod>2017-04-25</lastmod></url>"
        "<url><loc> https://e.com/b?x=1&amp;y=2 </loc><lastmod>2017</lastmod></url>"
        "<url><loc>https://e.com/c</loc><lastmod>yesterday</lastmod></url>"
        "<url><lastmod>2017-04-25</lastmod></url>"
    )
    links, _ = parse_sitemap(urlset(entries), "https://e.com/sitemap.xml")
    assert [link.url for link in links] == [
        "https://e.com/a",
        "https://e.com/b?x=1&y=2",
        "https://e.com/c",
    ]
    assert [link.published_at for link in links] == [
        datetime(2017, 4, 25, tzinfo=UTC), datetime(2017, 1, 1, tzinfo=UTC), None,
    ]  # fmt: skip


def test_gzip_and_text_sitemaps() -> None:
    body = gzip.compress(urlset("<url><loc>https://e.com/a</loc></url>"))
    assert sniff_kind(body) == "sitemap"
    assert [link.url for link in parse_any(body, "https://e.com/s.xml.gz")[0]] == [
        "https://e.com/a"
    ]
    text = b"https://e.com/1\nhttps://e.com/2\r\n\nnot a url\n"
    assert [link.url for link in parse_sitemap(text, "https://e.com/s.txt")[0]] == [
        "https://e.com/1", "https://e.com/2",
    ]  # fmt: skip


def test_sitemap_encodings() -> None:
    news = (
        "<url><loc>https://e.ru/1</loc><news:news><news:title>Новости</news:title>"
        "<news:publication_date>2024-05-01T10:00:00+03:00</news:publication_date></news:news></url>"
    )
    doc = (
        urlset(news)
        .decode()
        .replace(
            'xmlns="http', 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns="http'
        )
    )
    for body in (
        doc.encode(),
        doc.replace("UTF-8", "windows-1251").encode("windows-1251"),
        doc.encode("utf-16"),
    ):
        links, _ = parse_sitemap(body, "https://e.ru/sitemap.xml")
        assert links[0].title == "Новости"
        assert links[0].published_at == datetime(2024, 5, 1, 7, tzinfo=UTC)


def test_valid_feed_without_items_is_empty_not_an_error() -> None:
    assert parse_feed(rss(""), "http://e.com/") == []
    assert parse_sitemap(urlset(""), "http://e.com/") == ([], [])


def test_sniff_kind() -> None:
    assert sniff_kind(b"\xef\xbb\xbf  <?xml version='1.0'?><!-- x --><rss>") == "feed"
    assert sniff_kind("<?xml version='1.0'?><feed>".encode("utf-16")) == "feed"
    assert sniff_kind(b'<rdf:RDF xmlns:rdf="x">') == "feed"
    assert sniff_kind(b"<sitemapindex>") == "sitemap"
    assert sniff_kind(b'{"version": "https://jsonfeed.org/version/1"}') == "feed"
    assert sniff_kind(b"<!DOCTYPE html><html><body>hi</body></html>") == "html"
    assert sniff_kind(b"<!doctype html>\n<head><title>x</title>") == "html"
    assert sniff_kind(b"hello") == "unknown"
    assert sniff_kind(b"") == "unknown"


# --- walking sitemap indexes ---------------------------------------------------------------------


class FakeSite:
    """A dict-backed fetch function that records what was asked for."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.fetched: list[str] = []

    def __call__(self, url: str) -> bytes | None:
        self.fetched.append(url)
        return self.pages.get(url)


def page(*paths: str) -> bytes:
    """A urlset with one entry per path on e.com."""
    return urlset("".join(f"<url><loc>https://e.com{p}</loc></url>" for p in paths))


def test_walk_follows_index_and_survives_self_reference() -> None:
    site = FakeSite(
        {
            "https://e.com/sitemap.xml": index(
                *(f"https://e.com/{n}.xml" for n in ("sitemap", "a", "b", "missing", "html"))
            ),
            "https://e.com/a.xml": page("/1", "/2"),
            "https://e.com/b.xml": page("/2", "/3"),
            "https://e.com/html.xml": b"<html><body>oops</body></html>",
        }
    )
    links = walk_sitemaps("https://E.com/sitemap.xml#x", site)
    assert [link.url for link in links] == ["https://e.com/1", "https://e.com/2", "https://e.com/3"]
    assert len(site.fetched) == len(set(site.fetched)) == 5


def test_walk_bounds_cycles_depth_and_count() -> None:
    cycle = FakeSite(
        {
            "https://e.com/a.xml": index("https://e.com/b.xml"),
            "https://e.com/b.xml": index("https://e.com/a.xml"),
        }
    )
    assert walk_sitemaps("https://e.com/a.xml", cycle) == []
    assert cycle.fetched == ["https://e.com/a.xml", "https://e.com/b.xml"]

    chain = {f"https://e.com/{i}.xml": index(f"https://e.com/{i + 1}.xml") for i in range(10)}
    deep = FakeSite(chain | {f"https://e.com/{i}.xml": page(f"/{i}") for i in (2, 3, 5)})
    deep.pages["https://e.com/2.xml"] = index("https://e.com/3.xml")
    links = walk_sitemaps("https://e.com/0.xml", deep, max_depth=3)
    assert deep.fetched == [f"https://e.com/{i}.xml" for i in range(4)]  # depths 0..3
    assert [link.url for link in links] == ["https://e.com/3"]

    wide = FakeSite(
        {"https://e.com/i.xml": index(*(f"https://e.com/c{i}.xml" for i in range(200)))}
    )
    wide.pages |= {f"https://e.com/c{i}.xml": page(f"/p{i}") for i in range(200)}
    links = walk_sitemaps("https://e.com/i.xml", wide, max_sitemaps=50)
    assert len(wide.fetched) == 50 and len(links) == 49


def test_walk_accepts_a_feed_as_root() -> None:
    site = FakeSite({"https://e.com/rss": rss(item("https://e.com/x"))})
    assert [link.url for link in walk_sitemaps("https://e.com/rss", site)] == ["https://e.com/x"]
