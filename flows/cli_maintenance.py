"""`newsflow maintenance`: compact the lake and checkpoint the warehouse now (serve: daily)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from flows.cli import EXIT_OK, check_data_dir, prefect_env, settings_from


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


def cmd_maintenance(args: argparse.Namespace) -> int:
    """Run the maintenance flow once."""
    settings = settings_from(args)
    check_data_dir(settings.data_dir)
    prefect_env(settings.data_dir)
    from flows.maintenance import maintenance

    report = maintenance(data_dir=str(settings.data_dir), include_today=args.include_today)
    print(
        f"newsflow: merged {report.files_in} lake files into one per partition "
        f"({report.partitions} partitions, "
        f"{report.rows} rows); recovered {len(report.recovered)} interrupted writes",
        file=sys.stderr,
    )
    return EXIT_OK
