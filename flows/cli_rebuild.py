"""`newsflow rebuild`: regenerate the warehouse from the lake (and the lake from the raw archive)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.cli import UserError, check_data_dir, settings_from


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Recreate derived state; the lake (and raw WARCs) are never modified in place."""
    # imported here: the progress display loads rich, which every other command's parser would pay for
    from flows.progress import StepLines
    from tasks.process import shutdown_pools
    from tasks.runlock import RunLocked, hold
    from tasks.store.rebuild import rebuild_warehouse, reextract
    from tasks.store.retag import finish_interrupted
    from warehouse.db import WarehouseLocked

    settings = settings_from(args)
    if not (settings.data_dir / "lake").is_dir():  # before check_data_dir, which would create a mistyped folder
        raise UserError(f"no lake under {settings.data_dir}: nothing to rebuild from")
    data_dir = check_data_dir(settings.data_dir)
    say = StepLines()
    try:
        with hold(data_dir, purpose="rebuild", wait=settings.lock_wait):
            # A retag that died after committing a day has moved some of its tag files: finish it
            # before anything rebuilds from (or re-extracts into) that day.
            if finished := finish_interrupted(data_dir):
                say(f"completed the interrupted retag of {len(finished)} days")
            if args.from_raw:
                say(f"{reextract(data_dir, workers=settings.extract_workers, progress=say)} articles re-extracted")
            elif args.retag:
                _retag(data_dir, settings.extract_workers, say)
            report = rebuild_warehouse(data_dir, settings.warehouse_path, wait=settings.lock_wait)
    except (RunLocked, WarehouseLocked) as exc:
        raise UserError(str(exc), 1) from exc
    finally:
        say.close()
        shutdown_pools()  # the extraction and tagging workers of --from-raw and --retag
    rows = ", ".join(f"{table} {count:,}" for table, count in report.rows.items())
    say(f"warehouse rebuilt from {report.files:,} lake files; rows read: {rows}")
    for path in report.quarantined:
        say(f"quarantined unreadable lake file: {path}")
    return 0


def _retag(data_dir: Path, workers: int, say: Callable[[str], None]) -> None:
    """Re-tag the lake's articles and print what changed, version before -> after."""
    from tasks.store.retag import retag_lake

    report = retag_lake(data_dir, workers=workers, progress=say)
    rate = report.articles / report.seconds if report.seconds else 0.0
    say(f"{report.articles} articles re-tagged in {report.days} days ({rate:.0f}/s); "
        f"{report.current} days already had the current tags")
    for change, count in sorted(report.changes.items()):
        say(f"  {change}: {count} articles")


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the rebuild subcommand."""
    p = add("rebuild", cmd_rebuild, "recreate the warehouse from the lake (--from-raw: re-extract the raw "
            "WARCs first; --retag: re-tag the lake's articles with the current taggers first)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--from-raw", action="store_true", help="extract and tag the raw WARC archive again first")
    how.add_argument("--retag", action="store_true",
                     help="tag the lake's articles again with the current taggers (no re-extraction) first")
