"""Serve deployments until told to stop; the first SIGINT/SIGTERM drains, a second one cancels."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from prefect.exceptions import TerminationSignal
from prefect.runner import Runner
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows import prefect_server

if TYPE_CHECKING:
    from flows.deployments import Served

log = logging.getLogger(__name__)


class DrainingRunner(Runner):
    """A Runner whose first stop signal lets running flow runs finish (up to `grace` seconds)."""

    def __init__(self, *, grace: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.grace = grace
        self.draining = False

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        """First signal: take no new runs and wait for running ones; second: cancel them now."""
        if not self.started or self._loop is None:
            sys.exit(0)
        if self.draining:
            self._logger.warning("second stop signal: cancelling running flow runs")
            self.execute_in_background(self._stop_now)
            return
        self.draining = True
        self.execute_in_background(self._drain)

    def _running(self) -> int:
        manager = getattr(self, "_process_manager", None)
        return manager.flow_run_count() if manager is not None else 0

    async def _drain(self) -> None:
        """Stop polling, wait for running flow runs, then stop (cancelling what outlives grace)."""
        poller = getattr(self, "_scheduled_run_poller", None)
        if poller is not None:
            poller.stopping = True  # no new runs from here on
        if self._running():
            self._logger.info(
                "stopping: waiting up to %.0f s for %d running flow run(s); signal again to cancel them",
                self.grace,
                self._running(),
            )
        deadline = time.monotonic() + self.grace
        while self._running() and time.monotonic() < deadline and not self.stopping:
            await anyio.sleep(0.5)
        await self._stop_now()

    async def _stop_now(self) -> None:
        if not self.stopping and self.started:
            await self.astop()  # cancels anything still running: it ends Cancelled, not half-done


@contextmanager
def prefect_api(home: Path, timeout: float = 120.0, host: str = "127.0.0.1",
                db_templates: Path | None = None) -> Iterator[tuple[str, bool]]:
    """The configured Prefect API, or a private server on host that lives as long as serve."""
    configured = PREFECT_API_URL.value()
    if configured:
        yield configured, False
        return
    # Prefect's own temporary server runs no scheduler service, so schedules would never fire;
    # a real `prefect server start` (no UI) on a free port does; the flow-run processes share it.
    port = prefect_server.free_port()
    local = "127.0.0.1" if host in ("0.0.0.0", "") else host  # how this machine reaches it
    api_url, log_file = f"http://{local}:{port}/api", home / "serve-server.log"
    env = {**os.environ, "PREFECT_SERVER_UI_ENABLED": "false"}
    proc = prefect_server.start(host, port, env, log_file, db_templates)
    try:
        prefect_server.wait_healthy(proc, api_url, timeout, log_file)
        os.environ["PREFECT_API_URL"] = api_url  # inherited by the flow-run processes
        with temporary_settings({PREFECT_API_URL: api_url}):
            yield api_url, True
    finally:
        prefect_server.flush_to_api()  # before the server goes, or the last runner logs have nowhere to go
        os.environ.pop("PREFECT_API_URL", None)
        prefect_server.stop(proc)


def serve(served: Sequence[Served], *, name: str, grace: float) -> None:
    """Register the deployments and run them on their schedules until stopped."""
    # No runner-side limit: a run due while its deployment is busy must reach the server, whose
    # CANCEL_NEW policy records it as skipped; a runner limit would instead queue it as Late.
    runner = DrainingRunner(grace=grace, name=name, pause_on_shutdown=True, limit=None)
    for item in served:
        runner.add_deployment(item.deployment)
    # Runner.start installs the SIGTERM handler; SIGINT (Ctrl-C) should drain the same way.
    signal.signal(signal.SIGINT, runner.handle_sigterm)
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        log.info("stopped")
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
