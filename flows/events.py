"""Prefect events for source health, so a Prefect automation can e-mail or message someone."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from prefect.events import emit_event

from tasks.health import StatusChange

log = logging.getLogger(__name__)

RESOURCE_PREFIX = "newsflow.source."  # each source is the resource newsflow.source.<id>


def source_resource(source_id: str) -> dict[str, str]:
    """The Prefect resource an event about this source concerns."""
    return {"prefect.resource.id": RESOURCE_PREFIX + source_id, "prefect.resource.name": source_id,
            "newsflow.source": source_id}


def payload(change: StatusChange) -> dict[str, Any]:
    """What an automation's message template can use ({{ event.payload.last_error }}, ...)."""
    newest = change.last_article_at.astimezone(UTC).isoformat() if change.last_article_at else None
    return {"source_id": change.source_id, "previous_status": change.before, "status": change.after,
            "consecutive_failures": change.consecutive_failures, "last_error": change.last_error,
            "last_article_at": newest, "suggested_url": change.suggested_url, "summary": change.describe()}


def announce(changes: Sequence[StatusChange]) -> int:
    """Emit newsflow.source.failing / .silent / .recovered for each change worth it; returns how many."""
    sent = 0
    for change in changes:
        if change.event is None:
            continue
        event = emit_event(change.event, resource=source_resource(change.source_id), payload=payload(change))
        if event is None:  # events are off, or there is no API to send them to
            log.warning("could not emit %s for %s", change.event, change.source_id)
            continue
        log.warning("%s", change.describe())  # shown in the flow run's logs as well
        sent += 1
    return sent
