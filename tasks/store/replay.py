"""Archived responses replayed as fetched pages, with what their metadata records kept beside them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from tasks.models import Page
from tasks.store.archive import RawPage, warc_date

# Names of the fields of newsflow's metadata records (application/warc-fields).
SOURCE_ID, LISTED_URL, LISTED_DATE = "source-id", "listed-url", "listed-date"


def listing_meta(source_id: str, page: Page, listed: datetime | None) -> dict[str, str]:
    """What a rebuild needs beside an archived page: its source, the URL as listed and the listing's date."""
    meta = {SOURCE_ID: source_id, LISTED_URL: page.url}
    if listed is not None:
        meta[LISTED_DATE] = listed.astimezone(UTC).isoformat()
    return meta


def page_from_raw(raw: RawPage) -> Page:
    """A Page as if just fetched: url is the URL as listed (when kept), final_url the archived one."""
    fetched = raw.fetched_at or datetime.now(UTC)
    headers = {"content-type": raw.content_type} if raw.content_type else {}
    error = None if raw.status in (None, 200) else f"HTTP {raw.status} in archive"
    url = raw.meta.get(LISTED_URL) or raw.url
    return Page(url=url, final_url=raw.url, status=raw.status or 200, fetched_at=fetched,
                content_type=raw.content_type, headers=headers, body=raw.body, error=error)


class Replay:
    """Iterates pages of archive records, filling listed_dates and source_ids (by page URL) as it goes.

    PageSink looks a listed date up only after the page was read, so sharing the dict is enough.
    """

    def __init__(self, records: Iterable[RawPage]) -> None:
        self.records = records
        self.listed_dates: dict[str, datetime] = {}
        self.source_ids: dict[str, str] = {}

    def __iter__(self) -> Iterator[Page]:
        for raw in self.records:
            page = page_from_raw(raw)
            if raw.meta.get(SOURCE_ID):
                self.source_ids[page.url] = raw.meta[SOURCE_ID]
            listed = warc_date(raw.meta.get(LISTED_DATE))
            if listed is not None:
                self.listed_dates[page.url] = listed
            yield page

