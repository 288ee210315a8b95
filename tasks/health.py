"""Source health between runs: back-off for failing sources, and the status changes worth telling."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tasks.discover.sources import Source
from warehouse.health import read_health

log = logging.getLogger(__name__)

Health = dict[str, dict[str, Any]]  # source_id -> its source_health row


@dataclass(frozen=True)
class Backoff:
    """After `after` failed tries in a row a source waits first_delay, doubling up to max_delay."""

    after: int = 3
    first_delay: timedelta = timedelta(hours=1)
    max_delay: timedelta = timedelta(days=1)
    # Scheduled runs start a little late or early; a source due within this slack is tried.
    slack: timedelta = timedelta(minutes=5)

    def delay(self, failures: int) -> timedelta | None:
        """How long a source with this many failed tries in a row waits after its last try."""
        if failures < self.after:
            return None
        doublings = min(failures - self.after, 16)  # 2**16 hours is far past max_delay already
        return min(self.first_delay * 2**doublings, self.max_delay)


@dataclass(frozen=True)
class Deferral:
    """A source skipped this run for back-off, and when it is next tried."""

    source_id: str
    failures: int
    next_due: datetime


def by_source(rows: Iterable[dict[str, Any]]) -> Health:
    """source_health rows keyed by source id."""
    return {row["source_id"]: row for row in rows}


def snapshot(warehouse: Path, now: datetime) -> Health:
    """Every source's health at `now`, read from the warehouse (empty when it cannot be read)."""
    return by_source(read_health(warehouse, now))


def plan_backoff(sources: Sequence[Source], health: Health, now: datetime,
                 policy: Backoff = Backoff(), announce: bool = True) -> tuple[list[Source], list[Deferral]]:
    """The sources to try now, and those backed off with when they are due (logged if `announce`); file order kept."""
    due, deferred = [], []
    for source in sources:
        row = health.get(source.id) or {}
        failures = int(row.get("consecutive_failures") or 0)
        delay, last = policy.delay(failures), row.get("last_tried_at")
        if delay is not None and last is not None and now + policy.slack < last + delay:
            deferred.append(Deferral(source.id, failures, (last + delay).astimezone(UTC)))
            if announce:
                log.info("%s: not tried this run after %d failed runs in a row; next due %s", source.id,
                         failures, f"{deferred[-1].next_due:%Y-%m-%d %H:%M} UTC")
        else:
            due.append(source)
    return due, deferred


# The events a change of status emits; a Prefect automation can match on these names.
EVENT_PREFIX = "newsflow.source."
PROBLEMS = ("failing", "silent")


@dataclass(frozen=True)
class StatusChange:
    """One source whose status differs after the run from before it."""

    source_id: str
    before: str
    after: str
    consecutive_failures: int = 0
    last_error: str | None = None
    last_article_at: datetime | None = None
    suggested_url: str | None = None

    @property
    def event(self) -> str | None:
        """The event name for this change, or None when it is not worth an alert (e.g. new -> ok)."""
        if self.after in PROBLEMS:
            return EVENT_PREFIX + self.after
        if self.before in PROBLEMS:
            return EVENT_PREFIX + "recovered"
        return None

    def describe(self) -> str:
        """One line for summaries."""
        text = f"{self.source_id}: {self.before} -> {self.after}"
        if self.after == "failing":
            text += f" ({self.consecutive_failures} failed runs in a row; {self.last_error or 'no error kept'})"
        elif self.after == "silent" and self.last_article_at is not None:
            text += f" (newest article {self.last_article_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
        if self.suggested_url:
            text += f"; its listing moved permanently to {self.suggested_url}"
        return text


def status_changes(before: Health, after: Health, only: Iterable[str] | None = None) -> list[StatusChange]:
    """Sources (of `only`, when given) whose status changed; a source not known before counts as 'new'."""
    changes = []
    wanted = None if only is None else set(only)
    for source_id, row in after.items():
        if wanted is not None and source_id not in wanted:
            continue  # another deployment's source: its own runs report it
        old = (before.get(source_id) or {}).get("status", "new")
        if row["status"] != old:
            changes.append(StatusChange(
                source_id, old, row["status"], int(row.get("consecutive_failures") or 0),
                row.get("last_error"), row.get("last_article_at"), row.get("suggested_url"),
            ))
    return changes


def health_markdown(changes: Sequence[StatusChange], deferred: Sequence[Deferral]) -> str:
    """Markdown lines for the run's summary artifact; empty when nothing changed or was skipped."""
    lines = []
    if changes:
        lines += ["## Sources whose status changed", ""] + [f"- {c.describe()}" for c in changes] + [""]
    if deferred:
        lines += ["## Sources skipped for back-off", ""]
        lines += [f"- {d.source_id}: {d.failures} failed runs in a row; next due {d.next_due:%Y-%m-%d %H:%M} UTC"
                  for d in deferred] + [""]
    return "\n".join(lines)
