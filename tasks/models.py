"""Small records passed between pipeline stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # older "publish dates" are placeholders (1970, 1900)


def plausible_publish_time(stamp: datetime) -> bool:
    """False for a placeholder (1970, 1900) or a time more than a day in the future."""
    return EARLIEST <= stamp <= datetime.now(UTC) + timedelta(days=1)


@dataclass(slots=True)
class Link:
    """A page URL found by discovery (feed item, sitemap entry or fixed URL)."""

    url: str
    published_at: datetime | None = None
    title: str | None = None


@dataclass(slots=True)
class Page:
    """The outcome of one HTTP request: a response, or the reason there is none."""

    url: str
    final_url: str
    status: int | None
    fetched_at: datetime
    elapsed: float = 0.0
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    moved_to: str | None = None  # the final URL when every redirect on the way was permanent (301/308)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


class NotAnArticle(Exception):
    """Raised by extraction when a page is not a news article; the message is the reason."""


@dataclass(slots=True)
class Article:
    """An extracted article: the record of DESIGN.md before tagging."""

    url: str
    canonical_url: str
    title: str
    text: str
    description: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    language: str | None = None
    word_count: int = 0
    content_hash: str = ""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["published_at"] = self.published_at.isoformat() if self.published_at else None
        return out


@dataclass(slots=True)
class Processed:
    """An article with its tags, or the reason the page is not one."""

    article: dict[str, Any] | None = None
    countries: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    skip_reason: str | None = None
    taggers: tuple[str, str] | None = None  # (countries, topics) tagger versions, once tagged
    # The body's MinHash digest for story grouping (tasks/stories/sketch.digest_bytes), made in the
    # worker so the run's main process does not sketch every article at its end; None: not made.
    sketch: bytes | None = None
