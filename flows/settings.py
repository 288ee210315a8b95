"""The one settings object, read from the environment (NEWSFLOW_*) at the edge."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from pydantic import Field
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

    @property
    def user_agent(self) -> str:
        return f"newsflow/{version()} (+{PROJECT_URL})"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"
