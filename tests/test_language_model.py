"""py3langid's model unpacked once per machine: mapped tables, the same scores, any damage rebuilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tasks.extract import language_model

TEXTS = ["Der Stadtrat hat den Hafenplan nach langen Debatten beschlossen.",
         "The council approved the port plan after months of debate.",
         "Городской совет утвердил план нового порта.", "東京で地震があった。", "ok", ""]


@pytest.fixture(scope="module")
def expected() -> list:
    built = language_model._built()
    return [built.rank(text) for text in TEXTS]


def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "newsflow" / "language"


def test_the_first_process_unpacks_and_later_ones_map_the_same_tables(tmp_path, monkeypatch, expected) -> None:
    folder = _cache(tmp_path, monkeypatch)
    first = language_model.load()
    (entry,) = folder.iterdir()
    assert sorted(p.name for p in entry.iterdir()) == sorted([*(f"{t}.npy" for t in language_model.TABLES),
                                                              "classes.json"])

    def refuse() -> None:
        raise AssertionError("unpacked again")

    monkeypatch.setattr(language_model, "_built", refuse)
    mapped = language_model.load()
    assert isinstance(mapped.tk_nextmove, memoryview) and isinstance(mapped.nb_ptc, np.memmap)
    assert [mapped.rank(t) for t in TEXTS] == [first.rank(t) for t in TEXTS] == expected


@pytest.mark.parametrize("damage", ["truncated table", "wrong type", "missing classes"])
def test_damaged_tables_are_unpacked_again(tmp_path, monkeypatch, expected, damage: str) -> None:
    folder = _cache(tmp_path, monkeypatch)
    language_model.load()
    (entry,) = folder.iterdir()
    if damage == "truncated table":
        table = entry / "nb_ptc.npy"
        table.write_bytes(table.read_bytes()[:-1000])
    elif damage == "wrong type":
        np.save(entry / "tk_output.npy", np.zeros(3, dtype=np.float64))
    else:
        (entry / "classes.json").unlink()
    again = language_model.load()
    assert [again.rank(t) for t in TEXTS] == expected
    assert isinstance(language_model.load().tk_nextmove, memoryview)  # written anew, mapped again


def test_without_a_usable_cache_folder_the_model_stays_in_memory(tmp_path, monkeypatch, expected) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    model = language_model.load()
    assert not isinstance(model.tk_nextmove, memoryview)
    assert [model.rank(t) for t in TEXTS] == expected
