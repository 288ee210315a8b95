"""PageSink: what an extracted page becomes in the staged rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from tasks.harvest import PageSink, RunContext, SourceReport
from tasks.models import Page, Processed, plausible_publish_time
from tasks.store.lake import Stager

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
FEED_DATE = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


def _article(url: str, published: str | None) -> Processed:
    return Processed(article={"url": url, "canonical_url": url, "title": "A headline", "text": "Body " * 40,
                              "published_at": published, "language": "en", "word_count": 40})


def _staged_dates(tmp_path: Path, results: list[tuple[str, Processed]]) -> dict[str, datetime | None]:
    ctx = RunContext(run_id="r1", day="2024-05-02", data_dir=tmp_path, started_at=NOW)
    stager = Stager(ctx.staging_dir, "s")
    listed = {"https://news.example.org/a": FEED_DATE, "https://news.example.org/b": FEED_DATE}
    sink = PageSink("s", stager, ctx, SourceReport("s"), listed)
    for url, result in results:
        sink.processed(Page(url, url, 200, NOW, content_type="text/html"), result)
    stager.close()
    rows = pq.read_table(ctx.staging_dir / "articles--s.parquet").to_pylist()
    return {row["url"]: row["published_at"] for row in rows}


def test_listing_date_fills_in_only_when_the_page_states_none(tmp_path: Path) -> None:
    a, b, c = (f"https://news.example.org/{x}" for x in "abc")
    dates = _staged_dates(tmp_path, [
        (a, _article(a, None)),                          # no date on the page: the feed's
        (b, _article(b, "2024-04-30T22:00:00+00:00")),   # the page's own date wins
        (c, _article(c, None)),                          # neither: none (views use the fetch date)
    ])
    assert dates[a] == FEED_DATE
    assert dates[b] == datetime(2024, 4, 30, 22, 0, tzinfo=UTC)
    assert dates[c] is None


def test_placeholder_and_future_listing_dates_are_not_kept() -> None:
    assert plausible_publish_time(FEED_DATE)
    assert not plausible_publish_time(datetime(1970, 1, 1, tzinfo=UTC))
    assert not plausible_publish_time(datetime(2999, 1, 1, tzinfo=UTC))
