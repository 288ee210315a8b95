"""newsflow's folder in the user's cache, and the atomic writes of what it keeps there."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO


def folder(name: str) -> Path:
    """$XDG_CACHE_HOME/newsflow/NAME, else ~/.cache/newsflow/NAME (RuntimeError: no home folder)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "newsflow" / name


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file renamed into place: readers see the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
