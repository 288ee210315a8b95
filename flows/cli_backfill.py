"""`newsflow backfill`: CC-NEWS months or WARC files/URLs/directories into the lake and warehouse."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.cli import (
    EXIT_ERROR,
    EXIT_NOTHING,
    EXIT_OK,
    UserError,
    add_verbose,
    api_ahead,
    check_data_dir,
    prefect_env,
    settings_from,
)


def cmd_backfill(args: argparse.Namespace) -> int:
    """Run one backfill now and print its per-file and per-source summary."""
    from tasks.discover.archives import ArchiveSpecError, months
    from tasks.discover.sources import SourcesError, load_sources

    if not args.cc_news and not args.archives:
        raise UserError("give --cc-news YYYY-MM[..YYYY-MM] or WARC files, directories or URLs")
    api_ahead(args)
    settings = settings_from(args)
    check_data_dir(settings.data_dir)
    try:
        load_sources(Path(settings.sources))
        if args.cc_news:
            months(args.cc_news)
    except (SourcesError, ArchiveSpecError) as exc:
        raise UserError(str(exc)) from exc
    prefect_env(settings.data_dir)
    from flows.prefect_server import ServerError
    from flows.progress import terminal
    from flows.run_api import run_api, template_folder
    from tasks.runlock import RunLocked

    templates = template_folder(settings.prefect_db_cache)
    with run_api(templates) as api_ready, terminal(settings.data_dir, "backfill", args.verbose,
                                                   settings.progress_interval) as run_log:
        from flows.backfill import backfill
        from flows.runners import task_runner_kind
        from tasks.process import warming

        # The extraction workers import and warm up (~3 s of CPU) while the API starts, rather than
        # when the first file is read: benchmarks.backfill's ten files 13.4 -> 10.2-10.9 s. A rerun
        # with every file loaded already pays for them for nothing (3.2-4.1 -> 4.8-5.3 s); knowing
        # that in advance would mean reading the warehouse and the archive's listing twice.
        # (Dask workers extract in processes of their own.)
        try:
            with warming(settings.extract_workers, task_runner_kind() == "threads"):
                api_ready()
                summary, files = backfill(cc_news=args.cc_news, paths=args.archives,
                                          sources_file=str(settings.sources), data_dir=str(settings.data_dir),
                                          all_hosts=args.all_hosts, limit_files=args.limit_files)
            run_log.run_id = summary.run_id
        except ArchiveSpecError as exc:
            raise UserError(str(exc)) from exc
        except RunLocked as exc:
            raise UserError(str(exc), EXIT_ERROR) from exc
        except ServerError as exc:
            raise UserError(f"could not start a Prefect API for this run: {exc}", EXIT_ERROR) from exc
    sys.stderr.write(f"newsflow: log of the run: {run_log.path}\n")
    return _print(summary, files)


def _print(summary: Any, files: list[Any]) -> int:
    """Per-file problems, then totals; exit 3 when files were asked for and none could be read."""
    out = sys.stderr
    for f in files:
        if f.status != "loaded":
            out.write(f"  {f.status}: {f.location}: {f.error}\n")
    records = sum(f.scan.records for f in files)
    kept = sum(f.scan.kept for f in files)
    other = sum(f.scan.other_hosts for f in files)
    out.write(f"newsflow backfill {summary.run_id}: {len(files)} files, {records:,} records, {kept:,} kept pages, "
              f"{other:,} of other hosts skipped, {summary.total('known'):,} already known, "
              f"{summary.total('new'):,} new articles\n")
    if summary.load_error:
        out.write(f"  warehouse load postponed: {summary.load_error}\n")
    if files and all(f.status == "failed" for f in files):
        return EXIT_NOTHING
    return EXIT_OK


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the backfill subcommand."""
    p = add("backfill", cmd_backfill, "load news pages from web archives (CC-NEWS, WARC files) into the lake")
    p.add_argument("archives", nargs="*", help="WARC files, directories of WARCs, or http(s) URLs")
    p.add_argument("--cc-news", metavar="YYYY-MM[..YYYY-MM]", help="Common Crawl News months (NEWSFLOW_CCNEWS_BASE)")
    p.add_argument("--sources", type=Path, help="outlets TOML file: pages of their hosts are kept")
    p.add_argument("--all-hosts", action="store_true", help="keep pages of every host (source = registered domain)")
    p.add_argument("--limit-files", type=int, help="read at most N archive files this run")
    add_verbose(p)
