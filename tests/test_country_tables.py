"""The country matchers' tables built once per machine: read back equal, rebuilt when their inputs change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tasks.tag import country_scripts, country_tables, gazetteer
from tasks.tag.country_tables import cached, fingerprint


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "newsflow" / "countries"


def _refuse() -> None:
    raise AssertionError("built again although cached")


@pytest.mark.parametrize("name, build", [("gazetteer", "_gazetteer_parts"), ("scripts", "_packed_parts")])
def test_a_later_process_reads_back_what_the_first_built(cache: Path, monkeypatch, name: str, build: str) -> None:
    module = gazetteer if name == "gazetteer" else country_scripts
    built = cached(name, getattr(module, build))
    assert [p.name.split("-")[0] for p in cache.iterdir()] == [name]
    monkeypatch.setattr(module, build, _refuse)
    assert cached(name, getattr(module, build)) == built


def test_the_tables_read_back_are_the_ones_built_from_the_alias_files(cache: Path) -> None:
    packed, capital, lower = cached("gazetteer", gazetteer._gazetteer_parts)
    packed, capital, lower = cached("gazetteer", gazetteer._gazetteer_parts)  # read back
    aliases, _ = gazetteer.load_aliases()
    assert gazetteer.unpack_aliases(packed) == aliases
    scripts = cached("scripts", country_scripts._packed_parts)
    fresh = country_scripts.build_parts([*country_scripts.curated_script_entries(),
                                         *country_scripts.generated_script_entries()])
    assert [(s, body, gazetteer.unpack_aliases(t), words) for s, body, t, words in scripts] == fresh


def test_entries_shared_by_many_keys_stay_shared() -> None:
    aliases, _ = gazetteer.load_aliases()
    again = gazetteer.unpack_aliases(gazetteer.pack_aliases(aliases))
    assert again == aliases
    assert len({id(a) for a in again.values()}) == len({id(a) for a in aliases.values()})


def test_a_damaged_file_is_built_again_and_replaced(cache: Path, monkeypatch) -> None:
    built = cached("scripts", country_scripts._packed_parts)
    (path,) = cache.iterdir()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert cached("scripts", country_scripts._packed_parts) == built
    monkeypatch.setattr(country_scripts, "_packed_parts", _refuse)
    assert cached("scripts", country_scripts._packed_parts) == built  # the rewritten file


def test_a_change_to_the_code_or_the_country_data_names_another_file(tmp_path: Path) -> None:
    copy = tmp_path / "tag"
    (copy / "data").mkdir(parents=True)
    for path in country_tables.PACKAGE.glob("*.py"):
        shutil.copy(path, copy / path.name)
    for path in (country_tables.PACKAGE / "data").glob("countries_*"):
        shutil.copy(path, copy / "data" / path.name)
    same = fingerprint(copy)
    assert same == fingerprint(country_tables.PACKAGE)
    aliases = copy / "data" / "countries_aliases.tsv"
    aliases.write_text(aliases.read_text() + "XX\tname\t-\tAtlantis\n")
    fingerprint.cache_clear()
    assert fingerprint(copy) != same
    aliases_changed = fingerprint(copy)
    (copy / "gazetteer.py").write_text((copy / "gazetteer.py").read_text() + "\n# changed\n")
    fingerprint.cache_clear()
    assert fingerprint(copy) not in (same, aliases_changed)


def test_without_a_usable_cache_folder_the_tables_are_built(tmp_path: Path, monkeypatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert cached("scripts", country_scripts._packed_parts)[0][0] == "arab"
