"""`newsflow rebuild`: regenerate the warehouse from the lake (and the lake from the raw archive)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from flows.cli import UserError, check_data_dir, settings_from


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Recreate derived state; the lake (and raw WARCs) are never modified in place."""
    from tasks.runlock import RunLocked, hold
    from tasks.store.rebuild import rebuild_warehouse, reextract
    from warehouse.db import WarehouseLocked

    settings = settings_from(args)
    data_dir = check_data_dir(settings.data_dir)
    if not (data_dir / "lake").is_dir():
        raise UserError(f"no lake under {data_dir}: nothing to rebuild from")
    say = lambda msg: print(f"newsflow: {msg}", file=sys.stderr)  # noqa: E731
    try:
        with hold(data_dir, purpose="rebuild", wait=settings.lock_wait):
            if args.from_raw:
                say(f"{reextract(data_dir, workers=settings.extract_workers, progress=say)} articles re-extracted")
            report = rebuild_warehouse(data_dir, settings.warehouse_path, wait=settings.lock_wait)
    except (RunLocked, WarehouseLocked) as exc:
        raise UserError(str(exc), 1) from exc
    say(f"warehouse rebuilt from {report.files} lake files: {report.rows}")
    for path in report.quarantined:
        say(f"quarantined unreadable lake file: {path}")
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the rebuild subcommand."""
    p = add("rebuild", cmd_rebuild, "recreate the warehouse from the lake (--from-raw: re-extract the raw WARCs first)")
    p.add_argument("--from-raw", action="store_true", help="extract and tag the raw WARC archive again first")
