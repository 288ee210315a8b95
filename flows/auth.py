"""Basic auth for a Prefect server that other machines can reach (`dashboard`/`serve` off loopback).

Prefect's server checks PREFECT_SERVER_API_AUTH_STRING on every API call but its health check, and
its clients send PREFECT_API_AUTH_STRING. Both are kept in the project-local Prefect profile
(<data_dir>/.prefect/profiles.toml), which `newsflow ingest`, `serve` and their flow-run processes
read through PREFECT_HOME, so everything started from this data directory passes them on.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER_VAR, CLIENT_VAR = "PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_AUTH_STRING"
USER = "newsflow"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine reaches; 0.0.0.0, '' and host names count as reachable."""
    if host.strip().lower() in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Credentials:
    """The auth string in force and where it came from."""

    origin: str  # "configured" or "generated"
    profiles: Path  # the file that keeps it (when generated or taken from a profile)


def ensure_credentials(home: Path) -> Credentials:
    """The configured server auth string, or a strong new one saved into the project's profile.

    Either way this process's environment gets both variables, so the server it starts requires
    the string and its own clients send it.
    """
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    profiles = Path(settings.profiles_path) if settings.profiles_path else home / "profiles.toml"
    server = settings.server.api.auth_string
    client = settings.api.auth_string
    if server is not None and server.get_secret_value():
        value, origin = server.get_secret_value(), "configured"
        if client is None or client.get_secret_value() != value:
            _save(value, client_only=True)  # the server's own machine must be able to talk to it
    else:
        value, origin = f"{USER}:{secrets.token_urlsafe(24)}", "generated"
        _save(value, client_only=False)
    os.environ[SERVER_VAR] = os.environ[CLIENT_VAR] = value
    _private(profiles)
    return Credentials(origin, profiles)


def _save(value: str, *, client_only: bool) -> None:
    """Write the auth string(s) into the active profile of this Prefect home."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_SERVER_API_AUTH_STRING, update_current_profile

    wanted: dict[Any, Any] = {PREFECT_API_AUTH_STRING: value}
    if not client_only:
        wanted[PREFECT_SERVER_API_AUTH_STRING] = value
    update_current_profile(wanted)


def _private(path: Path) -> None:
    """Only the owner may read a file holding a password."""
    with contextlib.suppress(OSError):
        path.chmod(0o600)


def describe(creds: Credentials) -> str:
    """One line for the user: the API needs a password now, and where it is."""
    how = "a new one was generated" if creds.origin == "generated" else "using the configured one"
    return (f"the API requires basic auth ({how}); the string is {CLIENT_VAR} in {creds.profiles} "
            f"(the browser asks for it; other machines export it with PREFECT_API_URL)")
