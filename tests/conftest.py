"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The shared corpus lives beside the project folder; a user's fresh clone has none.
CORPUS = Path(os.environ.get("NEWSFLOW_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus folder, or a skip when it is absent."""
    if not (CORPUS / "README.md").is_file():
        pytest.skip(f"shared corpus not found at {CORPUS} (set NEWSFLOW_CORPUS to its folder)")
    return CORPUS
