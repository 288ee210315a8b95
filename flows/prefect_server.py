"""Run a local Prefect server (the full `prefect server start`, or its API alone) as a child process."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows import prefect_db_template

PR_SET_PDEATHSIG = 1  # linux/prctl.h
GATE_ENV = "NEWSFLOW__API_GATE"  # set: the API imports, then waits for "go" on stdin before touching its database
# Prefect's registration of block types, done by the start that created the database. Even when
# nothing changed, Prefect imports every installed collection (prefect-dask) and hashes the block
# registry to find that out: ~0.5 s of CPU before the API answers. Block types new in a later
# Prefect or collection are registered by the next `newsflow dashboard` or `serve`, which start
# Prefect's own server; newsflow's runs use no blocks.
BLOCK_REGISTRATION_OFF = {"PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
                          "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false"}
# Prefect's automation services (reactive triggers and their actions), for a database holding no
# automation: they would check every event of the run against none, and their start builds a
# second API client (~0.3 s of CPU and of the wait for a healthy API).
AUTOMATIONS_OFF = {"PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false"}
# Prefect's migration step at start-up, for a database already at the installed migrations' head
# (copied from the template, or left by an earlier run of the same Prefect): Alembic would load
# every migration script to find nothing to do (~0.16 s of CPU before the API answers).
MIGRATIONS_OFF = {"PREFECT_API_DATABASE_MIGRATE_ON_START": "false"}


class ServerError(RuntimeError):
    """The server could not be started; the message says why."""


def port_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port yet."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no conflict
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the parent's own cleanup has to do


def start(host: str, port: int, env: dict[str, str], log_file: Path,
          db_templates: Path | None = None) -> subprocess.Popen[bytes]:
    """Start `prefect server start` (UI, API and services) on host:port.

    With `db_templates`, a new home's database is first copied from the migrated template kept
    there, when the run API has saved one for this Prefect version: the server then has no
    migrations to run (~5 s of its start).
    """
    if not port_free(host, port):
        raise ServerError(f"{host}:{port} is already in use (another dashboard?); choose --port")
    if db_templates is not None:
        _seed_new_home(db_templates)
    return _spawn([sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
                  env, log_file)


def _seed_new_home(folder: Path) -> None:
    """Copy the template into this process's Prefect home if it has no database yet (never fatal)."""
    import prefect
    from prefect.settings import get_current_settings

    from flows import prefect_db_template

    try:
        url = get_current_settings().server.database.connection_url
        prefect_db_template.seed_for_server(folder, url.get_secret_value() if url else None, prefect.__version__)
    except Exception as exc:  # the template only saves time: the server migrates as usual
        prefect_db_template.log.warning("Prefect database template not used: %r", exc)


def start_api(port: int, env: dict[str, str], log_file: Path, db_templates: Path | None = None,
              gated: bool = False) -> subprocess.Popen[bytes]:
    """Start the API alone on 127.0.0.1:port, as Prefect's temporary server runs it (no UI, no services).

    With `db_templates`, a new home's database starts from a migrated template kept there
    (flows/prefect_db_template.py) instead of being migrated from nothing. A `gated` API does
    its imports (~2 s of CPU) and then waits for `proceed` or `cancel`: it can be started before
    we know whether the run wants it.
    """
    from flows.prefect_db_template import ENV

    command = [sys.executable, "-m", "uvicorn", "--factory", f"{__name__}:api_app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    env = {k: v for k, v in env.items() if k not in (ENV, GATE_ENV)}
    if db_templates is not None:
        env[ENV] = str(db_templates)
    if gated:
        env[GATE_ENV] = "1"
    return _spawn(command, {**env, "PREFECT_UI_ENABLED": "0"}, log_file, gated)


def proceed(proc: subprocess.Popen[bytes]) -> None:
    """Let a gated API go on to open its database and serve."""
    if proc.stdin is not None:
        with contextlib.suppress(OSError):  # it died meanwhile: wait_healthy reports its log
            proc.stdin.write(b"go\n")
            proc.stdin.close()


def cancel(proc: subprocess.Popen[bytes]) -> None:
    """Stop a gated API that is not wanted: killed with no grace, as it has not touched any database.

    (uvicorn holds SIGTERM back until the app is loaded, that is until the gate after the
    imports: a grace period cost the run up to 2 s of waiting.)
    """
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
    stop(proc, grace=0)


def _wait_at_gate() -> None:
    """In a gated API: block until the parent says go; end of input means it is not wanted."""
    if os.environ.pop(GATE_ENV, None) and sys.stdin.readline().strip() != "go":
        raise SystemExit(0)


def api_app() -> Any:
    """uvicorn's app factory for start_api (imported in the server process only)."""
    # Prefect's server builds several hundred thousand objects at start-up; the cyclic garbage
    # collector would walk them again and again (a fifth of the start's CPU). It is off until the
    # app is built, and what start-up leaves is then frozen out of later collections (a collection
    # before freezing found no garbage and cost the run 0.2 s of waiting).
    gc.disable()
    try:
        app = _build_api_app()
        gc.freeze()
    finally:
        gc.enable()
    return app


def _build_api_app() -> Any:
    import prefect
    from prefect.server.api.server import create_app
    from prefect.settings import get_current_settings

    from flows import prefect_db_template

    _wait_at_gate()
    url = get_current_settings().server.database.connection_url
    url_text = url.get_secret_value() if url else None
    plan = None
    if folder := os.environ.get(prefect_db_template.ENV):
        try:
            plan = prefect_db_template.prepare(Path(folder), url_text, prefect.__version__)
        except Exception as exc:  # the template only saves time: never a reason for the API not to start
            prefect_db_template.log.warning("Prefect database template not used: %r", exc)
    left_out: dict[str, str] = {}
    if prefect_db_template.has_database(url_text):  # it was here before, or copied from the template
        left_out |= BLOCK_REGISTRATION_OFF
    if not prefect_db_template.has_automations(url_text):
        left_out |= AUTOMATIONS_OFF
    if plan is not None and prefect_db_template.at_revision(url_text, plan.head):
        left_out |= MIGRATIONS_OFF
    _leave_out(left_out)
    app = create_app(ephemeral=True, final=True)
    if plan is not None and plan.save:
        _save_template_after_startup(app, plan)
    return app


def _leave_out(settings: dict[str, str]) -> None:
    """Set these Prefect settings for this process's server (read again by Prefect at once)."""
    if not settings:
        return
    from prefect.context import refresh_global_settings_context

    os.environ.update(settings)
    refresh_global_settings_context()


def _save_template_after_startup(app: Any, plan: prefect_db_template.Plan) -> None:
    """Once Prefect's own start-up (migrations, block types) is done, before the first request: keep the template."""
    from contextlib import asynccontextmanager

    from flows import prefect_db_template

    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        async with started(app) as state:
            prefect_db_template.save(plan.db, plan.template, plan.head)
            yield state

    app.router.lifespan_context = lifespan


def _spawn(command: list[str], env: dict[str, str], log_file: Path, pipe: bool = False) -> subprocess.Popen[bytes]:
    """The server in its own session, so a terminal's Ctrl-C reaches only us."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.PIPE if pipe else subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Called from the main thread: PR_SET_PDEATHSIG watches the thread that started the child.
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """True when the API answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:  # noqa: S310 - local URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(proc: subprocess.Popen[bytes], api_url: str, timeout: float, log_file: Path) -> float:
    """Seconds until the API is healthy; raises ServerError with the log's tail when it is not."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if proc.poll() is not None:
            raise ServerError(f"the Prefect server exited with code {proc.returncode}:\n{tail(log_file)}")
        if healthy(api_url, timeout=1.0):
            return time.monotonic() - began
        time.sleep(0.05)  # a refused connection costs microseconds; the run waits on this
    raise ServerError(f"the Prefect server did not answer {api_url}/health within {timeout:.0f} s:\n{tail(log_file)}")


def stop(proc: subprocess.Popen[bytes], grace: float = 15.0) -> int:
    """Ask the server to stop (SIGTERM: background jobs may ignore SIGINT), then kill it."""
    if proc.poll() is None:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)  # its whole session: uvicorn may have children
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
    return proc.wait()


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def flush_to_api() -> None:
    """Send the log lines and events still queued for the API, before the server they go to stops."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):  # shutting down: a lost log line is not worth a traceback
            worker.drain_all(timeout=5)
