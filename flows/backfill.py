"""The backfill flow: WARC files (CC-NEWS months, local files, URLs) into the lake, one task per file
(small local files: per group of them)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows import stages
from flows.ingest import run_config
from flows.runners import make_task_runner, task_runner_kind
from flows.settings import Settings
from tasks import runlock
from tasks.backfill import BackfillConfig, FileReport, archives_done, backfill_files, merge_reports, run_sources
from tasks.discover.archives import cc_news_files, in_groups, local_files
from tasks.discover.sources import load_sources
from tasks.harvest import RunContext
from tasks.process import shutdown_pools
from tasks.progress import begin as follow_run
from tasks.run import RunSummary, new_run
from warehouse.db import shared_reads

for _name in ("tasks", "warehouse"):
    logging.getLogger(_name).setLevel(logging.INFO)

# WARC files are CPU-bound in the extraction pool: two in flight keep it busy while one is read.
FILES_IN_FLIGHT = 2


def _runner():  # type: ignore[no-untyped-def]
    return make_task_runner("dask") if task_runner_kind() == "dask" else ThreadPoolTaskRunner(FILES_IN_FLIGHT)


@task(cache_policy=NO_CACHE, persist_result=False, name="list-archives")
def plan(cc_news: str | None, paths: list[str], base: str, data_dir: Path) -> tuple[list[str], int]:
    """Every WARC file asked for, less those a backfill already read to their end."""
    wanted = cc_news_files(cc_news, base) if cc_news else []
    wanted += local_files(paths)
    done = archives_done(data_dir / "warehouse.duckdb")
    return [w for w in wanted if w not in done], len(wanted)


@task(cache_policy=NO_CACHE, persist_result=False, task_run_name="warc-{index}")
def warc_files(locations: list[str], index: int, config: BackfillConfig, ctx: RunContext) -> list[FileReport]:
    """Read a WARC file (or a group of small ones) into the lake; damage and failures are in the
    reports, never raised."""
    return backfill_files(locations, index, config, ctx)


def _files_table(files: list[FileReport]) -> list[dict[str, Any]]:
    return [{"file": f.location.rsplit("/", 1)[-1], "status": f.status, "records": f.scan.records,
             "kept": f.scan.kept, "other hosts": f.scan.other_hosts, "known": f.known, "new": f.new,
             "seconds": round(f.seconds, 1), "error": f.error or ""} for f in files]


@flow(name="backfill", task_runner=_runner(), log_prints=True)
def backfill(cc_news: str | None = None, paths: list[str] | None = None, sources_file: str | None = None,
             data_dir: str | None = None, all_hosts: bool = False,
             limit_files: int | None = None) -> tuple[RunSummary, list[FileReport]]:
    """Archive pages into the same lake and warehouse as ingestion, one task per WARC file (or per
    group of small local files)."""
    overrides: dict[str, Any] = {"sources": sources_file, "data_dir": data_dir}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    data = settings.data_dir.resolve()  # Dask workers elsewhere see the same (shared) path
    config = BackfillConfig(data, tuple(load_sources(Path(settings.sources))), all_hosts,
                            settings.extract_workers, settings.user_agent, settings.timeout)
    rconfig = run_config(settings.model_copy(update={"data_dir": data}))
    with runlock.hold(data, purpose="backfill"):
        ctx = new_run(data)
        stages.catch_up(rconfig)
        todo, asked = plan(cc_news, list(paths or []), settings.ccnews_base, data)
        todo = todo[:limit_files] if limit_files else todo
        meter = follow_run(len(todo), "files", skipped=asked - len(todo))
        meter.watch_beats(ctx.staging_dir)  # files read by Dask workers, which this process cannot follow
        with shared_reads(config.warehouse):  # each batch of pages looks up its URLs there
            futures = [warc_files.submit(group, n, config, ctx) for n, group in enumerate(in_groups(todo))]
            files = [meter.file_done(report) for f in as_completed(futures) for report in f.result()]
        shutdown_pools()
        reports = merge_reports(files)
        summary = stages.finish(run_sources(config, reports), reports, rconfig, ctx)
    stages.publish_summary(summary, rconfig)
    create_table_artifact(key="backfill-files", table=_files_table(files) or [{"file": "(none)"}],
                          description=f"newsflow backfill {ctx.run_id}: per-file counts")
    return summary, files
