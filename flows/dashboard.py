"""`newsflow dashboard`: a local Prefect server (UI + API) that later local runs report to."""

# While it runs, PREFECT_API_URL is written into the active profile of the project-local Prefect
# home (<data_dir>/.prefect/profiles.toml), which `newsflow ingest` and `newsflow serve` read via
# prefect_env(); it is removed again when the dashboard stops. `dashboard.json` beside it names the
# URL and the process, so a dashboard that was killed outright is recognised and cleaned up.

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from flows import prefect_server

STATE_FILE = "dashboard.json"


def prefect_home() -> Path:
    """The Prefect home prefect_env() chose."""
    return Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))


def _set_profile_api_url(url: str | None) -> None:
    from prefect.settings import PREFECT_API_URL, update_current_profile

    update_current_profile({PREFECT_API_URL: url})


def remember(api_url: str, pid: int) -> None:
    """Point this Prefect home's profile at the dashboard's API."""
    _set_profile_api_url(api_url)
    (prefect_home() / STATE_FILE).write_text(json.dumps({"api_url": api_url, "pid": pid}), encoding="utf-8")


def forget() -> None:
    """Undo remember(): later runs use a temporary API again."""
    state = prefect_home() / STATE_FILE
    if state.exists():
        _set_profile_api_url(None)
        state.unlink(missing_ok=True)


def active_api_url(home: Path) -> str | None:
    """The API URL of a dashboard still running for this Prefect home, if any."""
    try:
        state: dict[str, Any] = json.loads((home / STATE_FILE).read_text(encoding="utf-8"))
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(state["api_url"])


def _stop_on_signals() -> None:
    """SIGTERM and SIGINT stop the dashboard (SIGINT explicitly: background jobs ignore it)."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def run(host: str, port: int, data_dir: Path, timeout: float = 120.0, db_templates: Path | None = None) -> int:
    """Start the server, wait until healthy, point local runs at it; stop it on Ctrl-C/SIGTERM."""
    home = prefect_home()
    running = active_api_url(home)
    if running:
        raise prefect_server.ServerError(f"a dashboard for {data_dir} is already running at {running}")
    forget()  # a URL left by a dashboard killed outright must not point the new server astray
    local = "127.0.0.1" if host in ("0.0.0.0", "") else host
    api_url, log_file = f"http://{local}:{port}/api", home / "dashboard.log"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    # The UI's own idea of the API ignores --port; a browser elsewhere needs PREFECT_UI_API_URL set.
    env.setdefault("PREFECT_UI_API_URL", api_url)
    began = time.monotonic()
    proc = prefect_server.start(host, port, env, log_file, db_templates)
    _stop_on_signals()
    try:
        prefect_server.wait_healthy(proc, api_url, timeout, log_file)
        remember(api_url, proc.pid)
        _announce(api_url, data_dir, time.monotonic() - began)
        proc.wait()
        print(
            f"newsflow: the Prefect server stopped on its own:\n{prefect_server.tail(log_file)}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("newsflow: stopping the dashboard", file=sys.stderr)
        return 0
    finally:
        forget()
        prefect_server.stop(proc)


def _announce(api_url: str, data_dir: Path, seconds: float) -> None:
    ui = api_url.removesuffix("/api")
    print(f"newsflow: dashboard at {ui} (API healthy after {seconds:.1f} s)", flush=True)
    print(
        f"newsflow: `newsflow ingest` and `newsflow serve` with --data-dir {data_dir} "
        "report to it now; "
        f"other shells or machines: export PREFECT_API_URL={api_url}",
        flush=True,
    )
    if os.environ.get("PREFECT_API_URL"):
        print(
            "newsflow: note: PREFECT_API_URL is exported in this shell and wins over the dashboard",
            file=sys.stderr,
        )
    print("newsflow: Ctrl-C stops it", flush=True)
