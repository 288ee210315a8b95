"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CORPUS = Path(os.environ.get("NEWSFLOW_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


def corpus_path(relative: str) -> Path:
    """Path of a corpus file; exits with a clear message when the corpus is absent."""
    path = CORPUS / relative
    if not path.exists():
        sys.exit(f"corpus file not found: {path} (set NEWSFLOW_CORPUS to the corpus folder)")
    return path


def read_jsonl(path: Path) -> Iterator[dict]:
    """Records of a gzipped JSON Lines file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def use_checkout(code: Path) -> None:
    """Import `tasks` from another checkout (A/B comparisons): call before anything imports it."""
    sys.path.insert(0, str(code.resolve()))
    for name in [m for m in sys.modules if m == "tasks" or m.startswith("tasks.")]:
        del sys.modules[name]


@contextmanager
def trafilatura_as_shipped() -> Iterator[None]:
    """Bare trafilatura's timings as a user's process has them: lxml.html's own element classes and
    trafilatura's own XPaths.

    Importing newsflow's extraction gives trafilatura's parser a faster class lookup
    (tasks/extract/element_classes.py) and answers its costliest XPaths in Python
    (tasks/extract/trafilatura_xpaths.py); a baseline measured after that would be faster than
    trafilatura alone. newsflow's settings are back afterwards.
    """
    from tasks.extract.element_classes import use_lxml_classes, use_plain_classes
    from tasks.extract.trafilatura_xpaths import use_fast_xpaths, use_trafilatura_xpaths

    use_lxml_classes()
    use_trafilatura_xpaths()
    try:
        yield
    finally:
        use_plain_classes()
        use_fast_xpaths()
