"""The country matchers' large regexes, compiled once per machine instead of once per process.

Python's `re` parses and compiles a pattern in pure Python: the gazetteer's and the Cyrillic
matcher's tries (~250,000 characters each) take ~1.1 s of CPU together, paid by every process that
tags (the extraction forkserver at each run's start, `newsflow tag`, a retag). What compiling
yields is a list of integers (the pattern's code for the C matching engine), which loads in a
few milliseconds. The first process keeps that code in newsflow's user cache; later ones give it
straight to the engine, which validates it (CPython's `_sre.compile`).

It relies on CPython's internal modules (`re._parser`, `re._compiler`, `_sre`). Code is only
saved after the pattern built from it compared equal to `re.compile`'s (same flags, same code),
the file's name holds the interpreter's version and the engine's magic number, and its content
is checksummed: any mismatch, or an unusable cache folder, falls back to `re.compile`.
"""

from __future__ import annotations

import array
import hashlib
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

from tasks.store import user_cache

log = logging.getLogger(__name__)

try:  # CPython's regex internals (3.11+); elsewhere every pattern is compiled by re
    import _sre
    from re import _compiler, _parser
except ImportError:  # pragma: no cover - another interpreter
    _sre = None

_TYPECODE = "I" if _sre is not None and _sre.CODESIZE == 4 else "H"  # the engine's code words


def compile_cached(name: str, pattern: str, folder: Path | None = None) -> re.Pattern[str]:
    """re.compile(pattern), its compiled code read from (or saved to) the user's cache.

    `name` says which regex it is: saving a new version of it removes the unused earlier ones.
    """
    if _sre is None:
        return re.compile(pattern)
    try:
        folder = folder or user_cache.folder("regex")  # RuntimeError: no home folder
        path = folder / f"{name}-{_key(pattern)}.bin"
    except (OSError, RuntimeError) as exc:
        log.debug("regex cache not usable: %r", exc)
        return re.compile(pattern)
    try:
        cached = _read(path, pattern)
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:  # RuntimeError: invalid code
        log.warning("compiling %s again over its damaged cache file: %r", name, exc)
        cached = None
    if cached is not None:
        return cached
    compiled = re.compile(pattern)
    try:
        parts = _parts(pattern)
        if _build(pattern, parts) == compiled:  # the internals still work as read here
            user_cache.write_checked(path, _encode(parts))
    except (OSError, RuntimeError, ValueError, TypeError, AttributeError) as exc:
        log.debug("regex cache not written: %r", exc)
    return compiled


def _key(pattern: str) -> str:
    """Names the file by the pattern, the interpreter and the engine's code version."""
    seed = f"{sys.implementation.cache_tag}|{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}|"
    return hashlib.sha256((seed + pattern).encode()).hexdigest()[:32]


def _parts(pattern: str) -> dict[str, Any]:
    """What re's compiler hands the engine for this pattern (as re._compiler.compile does)."""
    parsed = _parser.parse(pattern, 0)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return {"flags": parsed.state.flags, "code": _compiler._code(parsed, 0),
            "groups": parsed.state.groups - 1, "groupindex": groupindex, "indexgroup": indexgroup}


def _build(pattern: str, parts: dict[str, Any]) -> re.Pattern[str]:
    return _sre.compile(pattern, parts["flags"], parts["code"], parts["groups"],
                        parts["groupindex"], tuple(parts["indexgroup"]))


def _encode(parts: dict[str, Any]) -> bytes:
    code = array.array(_TYPECODE, parts["code"]).tobytes()
    meta = {k: v for k, v in parts.items() if k != "code"}
    return json.dumps(meta).encode() + b"\n" + code


def _read(path: Path, pattern: str) -> re.Pattern[str] | None:
    """The pattern rebuilt from its cached code; None when it is not cached."""
    payload = user_cache.read_checked(path)
    if payload is None:
        return None
    meta_line, _, code = payload.partition(b"\n")
    words = array.array(_TYPECODE)
    words.frombytes(code)
    return _build(pattern, json.loads(meta_line) | {"code": words.tolist()})
