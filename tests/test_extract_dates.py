"""The day of pages whose markup and URL state none: read from the title, byline and first lines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tasks.extract.article import extract_article
from tasks.extract.dates import day_in_text

STORY = " ".join(f"Sentence {i} of the report on the talks between the European governments in Brussels."
                 for i in range(30))
URL = "https://www.dw.com/en/eu-leaders-back-talks-on-waiving-vaccine-patents/a-57455871"


def _page(title: str, lead: str = "", byline: str = "") -> str:
    """A page built like the seed: no date in markup or URL, a copyright year in the footer."""
    return (f"<html lang=\"en\"><head><title>{title}</title></head><body><header><a href=\"/\">DW</a></header>"
            f"<article><h1>EU leaders back talks on waiving vaccine patents</h1>{byline}"
            f"<p>{lead}{STORY}</p><p>{STORY}</p></article><footer>© 2024 Deutsche Welle</footer></body></html>")


def test_seed_long_title_with_the_date_at_its_end() -> None:
    # htmldate's fast search reads only the first 52 characters of a title: this one gave no day
    art = extract_article(_page("EU leaders back talks on waiving patents for COVID vaccines | DW | 07.05.2021"), URL)
    assert art.published_at == datetime(2021, 5, 7, tzinfo=UTC)


@pytest.mark.parametrize("lead", ["Berlin, 7. Mai 2021 – ", "BRUSSELS, May 7, 2021 (Reuters) - ",
                                  "Paris, le 7 mai 2021. "])
def test_dateline_in_the_first_line_of_the_body(lead: str) -> None:
    art = extract_article(_page("EU leaders back talks on waiving vaccine patents | DW", lead=lead), URL)
    assert art.published_at == datetime(2021, 5, 7, tzinfo=UTC)


def test_byline_longer_than_htmldate_reads() -> None:
    byline = '<p class="byline">By Jane Doe and John Smith, political correspondents, Brussels · 07.05.2021</p>'
    art = extract_article(_page("EU leaders back talks on waiving vaccine patents | DW", byline=byline), URL)
    assert art.published_at == datetime(2021, 5, 7, tzinfo=UTC)


def test_no_day_anywhere_stays_unknown() -> None:
    # the footer's copyright year is no publication day
    art = extract_article(_page("EU leaders back talks on waiving vaccine patents | DW"), URL)
    assert art.published_at is None


def test_markup_date_wins_over_the_title() -> None:
    page = _page("EU leaders back talks on waiving vaccine patents | DW | 07.05.2021").replace(
        "</head>", '<meta property="article:published_time" content="2021-05-06T22:10:00+00:00"></head>')
    art = extract_article(page, URL)
    assert art.published_at == datetime(2021, 5, 6, 22, 10, tzinfo=UTC)


@pytest.mark.parametrize(("text", "day"), [
    ("Title | DW | 07.05.2021", date(2021, 5, 7)),
    ("Title - 2021-05-07", date(2021, 5, 7)),
    ("posted 25/12/2020 by staff", date(2020, 12, 25)),
    ("posted 12/25/2020 by staff", date(2020, 12, 25)),
    ("posted 05/07/2021 by staff", None),  # day-first or month-first: not sure, so no day
    ("7 May 2021", date(2021, 5, 7)),
    ("Top 10 of 2021", None),
    ("Title | 31.02.2021", None),  # no such day
    ("Title | 07.05.2099", None),  # the future
])
def test_day_in_text(text: str, day: date | None) -> None:
    assert day_in_text(text, today=date(2026, 1, 1)) == day
