"""newsflow's folders in the user's cache: files any run can rebuild, kept to save their cost."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache(name: str) -> Path:
    """The folder `name` of newsflow's cache ($XDG_CACHE_HOME/newsflow, else ~/.cache/newsflow)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "newsflow" / name
