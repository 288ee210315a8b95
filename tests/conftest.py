"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Prefect reads these at import: a project-local home, no telemetry, time for the temporary server.
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "tasks,warehouse")
# New Prefect homes start from a migrated database kept here, not in the user's cache.
os.environ.setdefault("NEWSFLOW_PREFECT_DB_CACHE", str(ROOT / ".prefect" / "db-templates"))

# The shared corpus lives beside the project folder; a user's fresh clone has none.
CORPUS = Path(os.environ.get("NEWSFLOW_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus folder, or a skip when it is absent."""
    if not (CORPUS / "README.md").is_file():
        pytest.skip(f"shared corpus not found at {CORPUS} (set NEWSFLOW_CORPUS to its folder)")
    return CORPUS


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the whole session (it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def fast_fetch_env() -> Iterator[None]:
    """Fetch settings for the local test site: no politeness delay, 127.0.0.1 allowed, short timeouts."""
    from tests.local_env import LOCAL_SITE

    with pytest.MonkeyPatch.context() as mp:
        for name, value in LOCAL_SITE.items():
            mp.setenv(name, value)
        yield
