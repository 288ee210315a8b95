"""The outlets file: the bundled one is valid, and every mistake gets a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import DEFAULT_SOURCES
from tasks.discover.sources import SourcesError, load_sources

GOOD = """
[[sources]]
id = "dw"
name = "Deutsche Welle"
country = "DE"
language = "en"
feeds = ["https://rss.dw.com/rdf/rss-en-all"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_sources_are_valid_and_international() -> None:
    sources = load_sources(DEFAULT_SOURCES)
    assert len(sources) >= 20
    assert len({s.country for s in sources}) >= 15
    assert {"de", "fr", "es", "pt", "it"} <= {s.language for s in sources}
    assert any(s.sitemaps for s in sources) and all(s.feeds or s.sitemaps for s in sources)


def test_good_file_parses(tmp_path: Path) -> None:
    (source,) = load_sources(write(tmp_path, GOOD))
    assert (source.id, source.country, source.language) == ("dw", "DE", "en")
    assert source.feeds == ("https://rss.dw.com/rdf/rss-en-all",)


@pytest.mark.parametrize(("change", "expected"), [
    (("country = \"DE\"", "country = \"XX\""), "'dw'.*'country'"),
    (("language = \"en\"", "language = \"english\""), "'dw'.*'language'"),
    (("feeds = [", "colour = \"red\"\nfeeds = ["), "'dw'.*unknown key.*colour"),
    (("https://rss", "ftp://rss"), "'dw'.*'feeds'.*non-http"),
    (("https://rss", "https://user:pw@rss"), "'dw'.*credentials"),
    (("id = \"dw\"", "id = \"Deutsche Welle\""), "'id'"),
    (("name = \"Deutsche Welle\"\n", ""), "'name' is required"),
])
def test_bad_field_is_named(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    with pytest.raises(SourcesError, match=expected):
        load_sources(write(tmp_path, GOOD.replace(*change)))


def test_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="duplicate source id 'dw'"):
        load_sources(write(tmp_path, GOOD + GOOD))


def test_invalid_toml_has_line_number(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="not valid TOML.*line 4"):
        load_sources(write(tmp_path, GOOD.replace('name = "Deutsche Welle"', "name = ")))


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="cannot read sources file"):
        load_sources(tmp_path / "missing.toml")
    with pytest.raises(SourcesError, match=r"\[\[sources\]\]"):
        load_sources(write(tmp_path, "title = 'x'\n"))
