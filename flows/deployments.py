"""The deployments `newsflow serve` runs (prefect.yaml declares the same ones for work pools)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment

from flows.ingest import ingest
from flows.maintenance import maintenance
from tasks.schedules import Cadence, IngestPlan

MAINTENANCE_CRON = "17 3 * * *"  # daily, off the hour, when feeds are quiet (UTC)
TAGS = ["newsflow"]


def no_overlap() -> ConcurrencyLimitConfig:
    """One run per deployment at a time; a run due while the last is still going is cancelled."""
    # CANCEL_NEW rather than ENQUEUE: the next tick fetches whatever the skipped one would have,
    # whereas a queue of late runs would only pile up behind a slow one.
    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)


@dataclass(frozen=True)
class Served:
    """A deployment with what the CLI prints about it."""

    deployment: RunnerDeployment
    cadence: Cadence
    sources: str


def _schedule(cadence: Cadence) -> dict[str, Any]:
    return {"cron": cadence.cron} if cadence.cron else {"interval": cadence.interval}


def ingest_deployment(plan: IngestPlan, sources_file: Path, data_dir: Path) -> Served:
    """An ingest deployment for one group of sources."""
    params: dict[str, Any] = {
        "sources_file": str(sources_file.resolve()),
        "data_dir": str(data_dir.resolve()),
    }
    if plan.source_ids is not None:
        params["source_ids"] = list(plan.source_ids)
    # to_deployment is sync/async-dispatched; called from sync code it returns the deployment.
    deployment = cast(
        RunnerDeployment,
        ingest.to_deployment(
            name=plan.name,
            parameters=params,
            concurrency_limit=no_overlap(),
            paused=False,
            tags=TAGS,
            description=f"newsflow ingest, {plan.cadence.describe()}",
            entrypoint_type=EntrypointType.MODULE_PATH,
            **_schedule(plan.cadence),
        ),
    )
    described = "all" if plan.source_ids is None else ", ".join(plan.source_ids)
    return Served(deployment, plan.cadence, described)


def maintenance_deployment(data_dir: Path, cron: str = MAINTENANCE_CRON) -> Served:
    """The daily lake compaction and warehouse checkpoint."""
    cadence = Cadence(cron=cron)
    deployment = cast(
        RunnerDeployment,
        maintenance.to_deployment(
            name="daily",
            parameters={"data_dir": str(data_dir.resolve())},
            concurrency_limit=no_overlap(),
            paused=False,
            tags=TAGS,
            description="newsflow lake compaction and warehouse checkpoint",
            entrypoint_type=EntrypointType.MODULE_PATH,
            cron=cron,
        ),
    )
    return Served(deployment, cadence, "-")


def build(
    plans: list[IngestPlan],
    sources_file: Path,
    data_dir: Path,
    maintenance_cron: str | None = MAINTENANCE_CRON,
) -> list[Served]:
    """Every deployment to serve: one per ingest plan, plus maintenance unless switched off."""
    served = [ingest_deployment(plan, sources_file, data_dir) for plan in plans]
    if maintenance_cron:
        served.append(maintenance_deployment(data_dir, maintenance_cron))
    return served
