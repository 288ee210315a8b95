"""The one settings object, read from the environment (NEWSFLOW_*) at the edge."""

from __future__ import annotations

import ipaddress
from importlib import metadata
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_URL = "https://github.com/newsflow/newsflow"
DEFAULT_SOURCES = Path(__file__).with_name("sources.toml")


def version() -> str:
    """Installed package version."""
    try:
        return metadata.version("newsflow")
    except metadata.PackageNotFoundError:
        return "0.0.0"


class Settings(BaseSettings):
    """Everything a run can be configured with; CLI options override these."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", extra="ignore")

    data_dir: Path = Path("data")
    sources: Path = DEFAULT_SOURCES
    max_per_source: int = Field(200, ge=1)
    host_delay: float = Field(1.0, ge=0)
    host_concurrency: int = Field(2, ge=1)
    fetch_workers: int = Field(16, ge=1)
    timeout: float = Field(20.0, gt=0)
    total_timeout: float = Field(60.0, gt=0)  # wall-clock cap per request, body included
    max_bytes: int = Field(10_000_000, gt=0)
    allow_private_hosts: bool = False
    allowed_networks: str = ""  # comma-separated CIDRs allowed even without allow_private_hosts
    respect_robots: bool = True
    extract_workers: int = Field(0, ge=0)  # 0 = one per core
    lock_wait: float = Field(60.0, ge=0)  # seconds a load waits for a DuckDB lock held elsewhere
    backoff: bool = True  # try sources that keep failing less often (tasks/health.py)
    ccnews_base: str = "https://data.commoncrawl.org/"  # CC-NEWS tree (or a mirror) for `backfill --cc-news`
    progress_interval: float = Field(12.0, ge=0)  # seconds between progress lines when not on a terminal
    task_runner: str = "threads"  # threads | dask (read at import by flows.runners)
    dask_address: str = ""  # tcp://host:8786 of an existing Dask scheduler; empty = a local cluster
    # Folder of migrated Prefect databases that new Prefect homes start from (flows/prefect_db_template.py):
    # empty = the user's cache folder, "off" = none (every new home migrates its own).
    prefect_db_cache: str = ""

    @field_validator("task_runner")
    @classmethod
    def _runner(cls, value: str) -> str:
        """The check flows.runners makes at import, made here so a typo is a one-line error."""
        kind = value.strip().lower() or "threads"
        if kind not in ("threads", "dask"):
            raise ValueError(f"{value!r}: expected threads or dask")
        return kind

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        """Refuse a CIDR that is not one here, rather than crash every source's task later."""
        for item in filter(None, (v.strip() for v in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"{item!r} is not an IP network (e.g. 127.0.0.1/32)") from exc
        return value

    @property
    def user_agent(self) -> str:
        return f"newsflow/{version()} (+{PROJECT_URL})"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"
