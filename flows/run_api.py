"""A private Prefect API for one `newsflow ingest`, started before the heavy imports so both overlap."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flows import dashboard, prefect_server


def template_folder(setting: str) -> Path | None:
    """Where the Prefect database templates live (Settings.prefect_db_cache); None when turned off."""
    from flows.prefect_db_template import default_folder

    if setting.strip().lower() in ("off", "none", "false", "0"):
        return None
    return Path(setting).expanduser() if setting.strip() else default_folder()


@contextmanager
def run_api(db_templates: Path | None = None) -> Iterator[Callable[[], object]]:
    """Yield `ready`, to call before the first flow run: it waits until the API answers.

    With no API configured, Prefect would start its temporary server only when the flow is
    called, after ~4 s of imports, and import its whole server (~90 MB) into this process to
    do so. The same API app started here, as a plain child process, boots while we import:
    it starts before even Prefect's settings are read (~1 s of imports), and waits at a gate
    before touching its database until they say the run wants it.
    A configured API (PREFECT_API_URL, a profile, a dashboard) is used as it is. A new Prefect
    home's database is copied from the migrated template in `db_templates` when there is one.
    """
    early = _adopt(db_templates)
    try:
        import prefect.context
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        # Missing in older Prefect releases: those start their temporary server themselves.
        refresh = getattr(prefect.context, "refresh_global_settings_context", None)
        wanted = not (settings.api.url or not settings.server.ephemeral.enabled or refresh is None)
    except BaseException:
        if early is not None:
            prefect_server.cancel(early[0])
        raise
    log_file = settings.home / "run-api.log"
    if early is not None and (not wanted or early[2].parent != settings.home.expanduser().resolve()):
        prefect_server.cancel(early[0])
        early = None
    if not wanted or refresh is None:
        yield lambda: None
        return
    if early is None:
        port = prefect_server.free_port()
        proc = prefect_server.start_api(port, dict(os.environ), log_file, db_templates)
    else:
        proc, port, _ = early
        prefect_server.proceed(proc)
    api_url = f"http://127.0.0.1:{port}/api"
    saved = {name: os.environ.get(name) for name in ("PREFECT_API_URL", "PREFECT_UI_URL")}
    os.environ["PREFECT_API_URL"] = api_url
    os.environ.setdefault("PREFECT_UI_URL", "")  # else Prefect logs "View at" links to a UI not served
    refresh()  # Prefect read its settings at import, before this URL existed
    timeout = settings.server.ephemeral.startup_timeout_seconds
    try:
        with _without_heartbeats():
            yield lambda: prefect_server.wait_healthy(proc, api_url, timeout, log_file)
    finally:
        prefect_server.flush_to_api()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        refresh()
        prefect_server.stop(proc, grace=5)


@contextmanager
def _without_heartbeats() -> Iterator[None]:
    """Flow runs on this API send no heartbeats: the API stops with the run, so none would be read.

    (A run ends by joining Prefect's heartbeat thread, which wakes once a second: 0.5 s on average.)
    """
    from prefect.context import SettingsContext

    current = SettingsContext.get()
    assert current is not None  # (Prefect always has a global one)
    flows = current.settings.flows.model_copy(update={"heartbeat_frequency": None})
    with SettingsContext(profile=current.profile, settings=current.settings.model_copy(update={"flows": flows})):
        yield


Early = tuple[subprocess.Popen[bytes], int, Path]  # the gated API, its port, its log file (in its Prefect home)
_ahead: tuple[Early, Path | None] | None = None  # started by start_ahead, with its templates' folder


def start_ahead(env: dict[str, str], db_templates: Path | None) -> None:
    """Start the gated API now with this environment, for the next run_api to adopt."""
    global _ahead
    cancel_ahead()
    try:
        early = _start_early(db_templates, env)
    except OSError:  # e.g. the data directory is a file: the command's own checks say what is wrong
        return
    _ahead = (early, db_templates) if early is not None else None


def cancel_ahead() -> None:
    """Kill an API started ahead that no run adopted (it has not touched any database)."""
    global _ahead
    if _ahead is not None:
        prefect_server.cancel(_ahead[0][0])
        _ahead = None


def _adopt(db_templates: Path | None) -> Early | None:
    """The API started ahead when it was started for these templates, else a new gated one."""
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is not None and ahead[1] == db_templates:
        return ahead[0]
    if ahead is not None:
        prefect_server.cancel(ahead[0][0])
    return _start_early(db_templates)


def _start_early(db_templates: Path | None, env: dict[str, str] | None = None) -> Early | None:
    """A gated API started before Prefect is imported, unless the environment already names an API."""
    env = dict(os.environ) if env is None else env
    home = env.get("PREFECT_HOME")  # (`newsflow` sets it for the data directory)
    if not home or env.get("PREFECT_API_URL") or dashboard.active_api_url(Path(home).expanduser()):
        return None  # (an API named some other way, in a profile by hand, is found later and costs a kill)
    log_file = Path(home).expanduser().resolve() / "run-api.log"
    port = prefect_server.free_port()
    return prefect_server.start_api(port, env, log_file, db_templates, gated=True), port, log_file
