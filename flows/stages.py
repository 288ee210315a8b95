"""Thin Prefect task wrappers over the plain stage functions in tasks/run.py."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State

from tasks import run
from tasks.discover.sources import Source
from tasks.harvest import RunContext, SourceReport
from tasks.models import Link
from tasks.summary import coverage_markdown, summary_rows

# Inputs are run-specific and results are not reusable, so nothing is cached.
stage = task(cache_policy=NO_CACHE, persist_result=False)


@stage(name="catch-up-load")
def catch_up(config: run.RunConfig) -> None:
    """Load lake files left by an earlier run whose load failed."""
    run.catch_up(config)


@task(cache_policy=NO_CACHE, persist_result=False, retries=1, retry_delay_seconds=5,
      task_run_name="discover-{source.id}")
def discover(source: Source, config: run.RunConfig, ctx: RunContext) -> tuple[list[Link], SourceReport] | State:
    """Find a source's new links; the task fails (visibly) when none of its listings answered."""
    links, report = run.discover_source(source, config, ctx)
    listings = len(source.feeds) + len(source.sitemaps)
    if listings and report.feeds_failed and not (report.feeds_ok or report.feeds_not_modified):
        return Failed(message=f"{source.id}: no feed or sitemap could be read: {report.errors[:1]}",
                      data=(links, report))
    return links, report


@task(cache_policy=NO_CACHE, persist_result=False, task_run_name="harvest-{source.id}")
def harvest(source: Source, found: tuple[list[Link], SourceReport], config: run.RunConfig,
            ctx: RunContext) -> SourceReport | State:
    """Fetch, archive, extract and tag a source's new pages; fails when every page fetch failed."""
    links, report = found
    report = run.harvest_source(source, links, report, config, ctx)
    if links and report.failed == len(links):
        return Failed(message=f"{source.id}: every page fetch failed: {report.errors[:1]}", data=report)
    return report


@stage(name="publish-and-load")
def finish(sources: list[Source], reports: list[SourceReport], config: run.RunConfig,
           ctx: RunContext) -> run.RunSummary:
    """Publish lake files and load the warehouse."""
    return run.finish_run(sources, reports, config, ctx)


@stage(name="run-summary")
def publish_summary(summary: run.RunSummary, config: run.RunConfig) -> None:
    """Attach the per-source table and the coverage headline to the flow run."""
    create_table_artifact(key="ingest-summary", table=summary_rows(summary),
                          description=f"newsflow run {summary.run_id}: per-source counts")
    create_markdown_artifact(key="coverage", markdown=coverage_markdown(summary, config.warehouse),
                             description=f"newsflow run {summary.run_id}: coverage headline")
