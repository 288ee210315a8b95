"""Which sources run when: one ingest plan per distinct schedule in the sources file."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tasks.discover.sources import Source, SourcesError

DEFAULT_INTERVAL = 1800  # seconds: feeds every half hour
CRON_FIELDS = (5, 6)
CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


@dataclass(frozen=True)
class Cadence:
    """A cron expression or an interval in seconds (exactly one of them)."""

    cron: str | None = None
    interval: int | None = None

    @property
    def slug(self) -> str:
        """A name-safe spelling, e.g. every-3600s or cron-0-6-x-x-x."""
        if self.interval is not None:
            return f"every-{self.interval}s"
        text = (self.cron or "").replace("*", "x").lower()
        return "cron-" + re.sub(r"[^a-z0-9]+", "-", text).strip("-")

    def describe(self) -> str:
        return f"every {self.interval} s" if self.interval is not None else f"cron '{self.cron}'"


def parse_cadence(text: str | int) -> Cadence:
    """A schedule from a sources file or the command line: whole seconds, or a cron expression."""
    value = str(text).strip()
    if value.isdigit():
        if int(value) < 1:
            raise SourcesError(f"schedule {value!r}: an interval must be at least 1 second")
        return Cadence(interval=int(value))
    fields = value.split()
    if value.lower() in CRON_MACROS or (len(fields) in CRON_FIELDS and all(_cron_field(f) for f in fields)):
        return Cadence(cron=" ".join(fields))
    raise SourcesError(f"schedule {value!r} is neither whole seconds nor a cron expression (e.g. '*/30 * * * *')")


def _cron_field(field: str) -> bool:
    return bool(re.fullmatch(r"[0-9A-Za-z*/,?#LW-]+", field))


@dataclass(frozen=True)
class IngestPlan:
    """One ingest deployment: a name, when it runs, and its sources (None = every source)."""

    name: str
    cadence: Cadence
    source_ids: tuple[str, ...] | None


def plan_ingest(
    sources: Sequence[Source],
    override: Cadence | None = None,
    default: Cadence = Cadence(interval=DEFAULT_INTERVAL),
) -> list[IngestPlan]:
    """One plan per distinct schedule; an override puts every source on one schedule."""
    if override is not None:
        return [IngestPlan("default", override, None)]
    groups: dict[Cadence, list[str]] = {}
    unscheduled = [s.id for s in sources if not s.schedule]
    for source in sources:
        if source.schedule:
            try:
                cadence = parse_cadence(source.schedule)
            except SourcesError as exc:
                raise SourcesError(f"source '{source.id}': {exc}") from exc
            groups.setdefault(cadence, []).append(source.id)
    plans = []
    if unscheduled:
        everyone = len(unscheduled) == len(sources)
        plans.append(IngestPlan("default", default, None if everyone else tuple(unscheduled)))
    names = {"default"}
    # Intervals first, shortest first, then cron expressions: a stable order for names and output.
    for cadence, members in sorted(groups.items(), key=lambda kv: (kv[0].cron or "", kv[0].interval or 0)):
        plans.append(IngestPlan(_unique(cadence.slug, names), cadence, tuple(members)))
    return plans


def _unique(name: str, taken: set[str]) -> str:
    """The name, or the name with a counter when two schedules spell the same slug."""
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    taken.add(candidate)
    return candidate


def select_sources(sources: Iterable[Source], ids: Iterable[str] | None) -> list[Source]:
    """The sources with the given ids in file order, or all of them; unknown ids are an error."""
    sources = list(sources)
    if ids is None:
        return sources
    wanted = set(ids)
    unknown = wanted - {s.id for s in sources}
    if unknown:
        raise SourcesError(f"unknown source id(s) {', '.join(sorted(unknown))}: not in the sources file")
    return [s for s in sources if s.id in wanted]
