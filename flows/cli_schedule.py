"""`newsflow serve` and `newsflow dashboard` (registered by flows/cli.py's extension hook)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.cli import EXIT_ERROR, EXIT_OK, UserError, check_data_dir, prefect_env, settings_from

DEFAULT_GRACE = 120.0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the scheduling subcommands."""
    p = add(
        "serve",
        cmd_serve,
        "run ingestion on schedules (every 30 min by default) plus daily maintenance, until Ctrl-C or SIGTERM",
    )
    p.add_argument("--sources", type=Path, help="outlets TOML file (default: the bundled list)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--cron", help="one cron schedule for every source, e.g. '*/15 * * * *' (UTC)")
    when.add_argument("--interval", type=int, help="one interval in seconds for every source")
    p.add_argument(
        "--maintenance-cron",
        default=None,
        help="when to compact the lake and checkpoint the warehouse (default '17 3 * * *' UTC)",
    )
    p.add_argument("--no-maintenance", action="store_true", help="do not serve the maintenance deployment")
    p.add_argument("--host", default="127.0.0.1",
                   help="address its private Prefect server listens on (default 127.0.0.1; "
                        "any other address requires basic auth)")
    p.add_argument(
        "--grace",
        type=float,
        default=DEFAULT_GRACE,
        help=f"seconds a stop signal waits for running flow runs (default {DEFAULT_GRACE:.0f})",
    )
    p = add(
        "dashboard",
        cmd_dashboard,
        "start the Prefect server and UI locally; ingest and serve with the same data directory report to it",
    )
    p.add_argument("--port", type=_port, default=4200, help="port (default 4200)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port (1-65535)")
    return int(text)


def _plans(args: argparse.Namespace, sources_file: Path) -> list:
    """Ingest plans from the sources file and the command line, or a UserError."""
    from tasks.discover.sources import SourcesError, load_sources
    from tasks.schedules import Cadence, parse_cadence, plan_ingest

    try:
        sources = load_sources(sources_file)
        if args.interval is not None and args.interval < 1:
            raise SourcesError("--interval must be at least 1 second")
        override = (
            parse_cadence(args.cron) if args.cron else (Cadence(interval=args.interval) if args.interval else None)
        )
        return plan_ingest(sources, override)
    except SourcesError as exc:
        raise UserError(str(exc)) from exc


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the deployments until stopped."""
    settings = settings_from(args)
    check_data_dir(settings.data_dir)
    plans = _plans(args, Path(settings.sources))
    prefect_env(settings.data_dir)
    from flows import deployments, serving
    from flows.prefect_server import ServerError
    from flows.run_api import template_folder

    cron = None if args.no_maintenance else (args.maintenance_cron or deployments.MAINTENANCE_CRON)
    try:
        served = deployments.build(plans, Path(settings.sources), settings.data_dir, cron)
    except ValueError as exc:  # e.g. a cron expression Prefect rejects
        raise UserError(f"bad schedule: {exc}") from exc
    if not serving.PREFECT_API_URL.value():  # serve starts its own server (a configured one is not ours)
        _require_auth(args.host)
    try:
        with serving.prefect_api(Path(os.environ["PREFECT_HOME"]), host=args.host,
                                 db_templates=template_folder(settings.prefect_db_cache)) as (api_url, private):
            _print_plan(served, api_url, private)
            serving.serve(served, name=f"newsflow-{socket.gethostname()}", grace=args.grace)
    except ServerError as exc:
        raise UserError(str(exc), EXIT_ERROR) from exc
    print("newsflow: serve stopped", file=sys.stderr)
    return EXIT_OK


def _print_plan(served: list, api_url: str, temporary: bool) -> None:
    kind = "a private local server that stops with serve" if temporary else "configured"
    print(
        f"newsflow: serving {len(served)} deployments; Prefect API {api_url} ({kind})",
        file=sys.stderr,
    )
    for item in served:
        name = f"{item.deployment.flow_name}/{item.deployment.name}"
        print(f"  {name:<30} {item.cadence.describe():<22} sources: {item.sources}", file=sys.stderr)
    print(
        "newsflow: Ctrl-C or SIGTERM stops after the running flow runs finish; twice cancels them",
        file=sys.stderr,
        flush=True,
    )


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Run the Prefect server and UI until Ctrl-C."""
    settings = settings_from(args)
    check_data_dir(settings.data_dir)
    prefect_env(settings.data_dir)
    from flows import dashboard
    from flows.prefect_server import ServerError
    from flows.run_api import template_folder

    _require_auth(args.host)
    try:
        return dashboard.run(args.host, args.port, settings.data_dir,
                             db_templates=template_folder(settings.prefect_db_cache))
    except ServerError as exc:
        raise UserError(str(exc), EXIT_ERROR) from exc


def _require_auth(host: str) -> None:
    """Off loopback the Prefect API (runs, logs, deployments it can trigger) must not be open to all."""
    from flows import auth

    if not auth.is_loopback(host):
        creds = auth.ensure_credentials(Path(os.environ["PREFECT_HOME"]))
        print(f"newsflow: {host} is reachable from other machines: {auth.describe(creds)}",
              file=sys.stderr, flush=True)
