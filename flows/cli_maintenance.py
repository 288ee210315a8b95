"""`newsflow maintenance`: compact the lake and checkpoint the warehouse now (serve: daily)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from flows.cli import EXIT_OK, UserError, add_verbose, check_data_dir, prefect_env, settings_from


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the maintenance subcommand."""
    p = add(
        "maintenance",
        cmd_maintenance,
        "compact each day's small lake files and checkpoint the warehouse (newsflow serve does this daily)",
    )
    p.add_argument(
        "--include-today",
        action="store_true",
        help="compact today's partitions too (by default only earlier days)",
    )
    add_verbose(p)


def cmd_maintenance(args: argparse.Namespace) -> int:
    """Run the maintenance flow once, its Prefect log lines in the run's log file (and the terminal with -v)."""
    settings = settings_from(args)
    data_dir = settings.data_dir
    if not (data_dir / "lake").is_dir() and not settings.warehouse_path.exists():
        raise UserError(f"no lake or warehouse under {data_dir}: nothing to maintain (run `newsflow ingest` first)")
    check_data_dir(data_dir)
    prefect_env(data_dir)
    from flows.logfile import RunLog
    from flows.run_api import run_api, template_folder

    log = RunLog(data_dir, "maintenance", args.verbose).start()
    try:
        with run_api(template_folder(settings.prefect_db_cache)) as api_ready:
            from flows.maintenance import maintenance

            api_ready()
            report = maintenance(data_dir=str(data_dir), include_today=args.include_today)
    finally:
        path = log.finish()
    print(
        f"newsflow: merged {report.files_in} lake files into one per partition "
        f"({report.partitions} partitions, "
        f"{report.rows} rows); recovered {len(report.recovered)} interrupted writes; log: {path}",
        file=sys.stderr,
    )
    return EXIT_OK
