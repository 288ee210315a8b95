"""The country matchers' lookup tables and regex texts, built once per machine.

Building them from the alias files (spelling variants, inflected and declined forms, tries of
~47,000 names) takes ~0.7 s of CPU in every process that tags. The first process keeps what it
built in newsflow's user cache; later ones read it back in ~0.05 s (and the regexes' compiled
code from regex_cache). The file is named by a fingerprint of everything the build reads: the
`countries_*` data files and the source of every module of this package, so a change to either
builds afresh. It is checksummed: a damaged file is built again, and an unusable cache folder
means building in memory, as before.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from tasks.store import user_cache

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent
T = TypeVar("T")


def cached(name: str, build: Callable[[], T]) -> T:
    """build(), or what an earlier process saved of it; what it returns must be marshal-able."""
    try:
        path = user_cache.folder("countries") / f"{name}-{fingerprint()}.marshal"
    except (OSError, RuntimeError) as exc:  # RuntimeError: no home folder
        log.debug("country tables cache not usable: %r", exc)
        return build()
    try:
        payload = user_cache.read_checked(path)
        if payload is not None:
            return marshal.loads(payload)
    except (OSError, ValueError, EOFError, TypeError) as exc:
        log.warning("building the country tables %s again over their damaged cache file: %r", name, exc)
    built = build()
    try:
        user_cache.write_checked(path, marshal.dumps(built))
    except (OSError, ValueError) as exc:  # a read-only or full disk, or something marshal cannot hold
        log.debug("country tables %s not cached: %r", name, exc)
    return built


@lru_cache(maxsize=4)
def fingerprint(package: Path = PACKAGE) -> str:
    """Names the inputs of the build: this package's code, its country data, the interpreter."""
    digest = hashlib.sha256(f"{sys.version}|marshal {marshal.version}".encode())
    for path in sorted([*package.glob("*.py"), *(package / "data").glob("countries_*")]):
        digest.update(f"|{path.name}|".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]
