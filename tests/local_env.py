"""Settings for newsflow processes that fetch from the local test site on 127.0.0.1."""

from __future__ import annotations

import os

# No politeness delay, 127.0.0.1 allowed, short timeouts, two extraction workers.
LOCAL_SITE = {
    "NEWSFLOW_HOST_DELAY": "0",
    "NEWSFLOW_HOST_CONCURRENCY": "4",
    "NEWSFLOW_TIMEOUT": "1.5",
    "NEWSFLOW_ALLOWED_NETWORKS": "127.0.0.1/32",
    "NEWSFLOW_EXTRACT_WORKERS": "2",
}


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for a newsflow subprocess: no inherited Prefect home or API, no telemetry."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", **LOCAL_SITE, **extra)
    return env
