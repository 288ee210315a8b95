"""newsflow's folder in the user's cache: atomic and checksummed writes, and the pruning of versions
nobody uses any more."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterable
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


_HEADER = b"newsflow cache 1\n"
# Versions of a file unused this long are removed when a new version is saved. Versions in use
# (two installs of newsflow, or two checkouts benchmarked against each other) stay side by side.
UNUSED = 14 * 24 * 3600


def write_checked(path: Path, payload: bytes) -> None:
    """Save payload behind its checksum, atomically, and remove the unused versions of this file.

    Versions share the name's part before its last "-" (`gazetteer-<key>.bin`, where the key
    names the inputs: data, code, Python).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    checksum = hashlib.sha256(payload).hexdigest().encode()
    write_atomic(path, lambda f: f.write(_HEADER + checksum + b"\n" + payload))
    stem = path.name.rpartition("-")[0]
    remove_unused(old for old in path.parent.glob(f"{stem}-*{path.suffix}")
                  if old != path and old.name.rpartition("-")[0] == stem)


def read_checked(path: Path) -> bytes | None:
    """The payload of a file saved by write_checked; None when there is none (ValueError: damaged)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    checksum, newline, payload = data.removeprefix(_HEADER).partition(b"\n")
    if not data.startswith(_HEADER) or not newline or hashlib.sha256(payload).hexdigest().encode() != checksum:
        raise ValueError(f"{path.name}: damaged or not newsflow's")
    mark_used(path)
    return payload


def mark_used(path: Path) -> None:
    """Record that a cached file or folder was read now (its modification time)."""
    with contextlib.suppress(OSError):  # a read-only cache: it may then be pruned one day, and rebuilt
        os.utime(path)


def remove_unused(paths: Iterable[Path]) -> None:
    """Remove the files and folders among paths that nobody has read for UNUSED seconds."""
    now = time.time()
    for path in paths:
        with contextlib.suppress(OSError):  # gone already, or another process's
            if now - path.stat().st_mtime > UNUSED:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink()
