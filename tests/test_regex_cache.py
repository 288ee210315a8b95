"""The country matchers' regexes compiled once per machine: the same patterns, any damage read as a miss."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.store import user_cache
from tasks.tag import regex_cache
from tasks.tag.regex_cache import compile_cached

ROOT = Path(__file__).resolve().parents[1]
PATTERN = r"(?<!\w)(?P<core>Fran(?:ce|cia)|Deutschland|Россия)(?:(?P<end>s|n))?(?!\w)"
TEXTS = ["la Francia y Deutschlands", "Россия, France", "Frances", "xFrance", ""]


def _matches(pattern: re.Pattern[str]) -> list:
    return [(m.span(), m.groupdict()) for text in TEXTS for m in pattern.finditer(text)]


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled although cached")

    monkeypatch.setattr(regex_cache.re, "compile", refuse)
    monkeypatch.setattr(regex_cache, "_parts", refuse)


def test_a_second_process_reads_the_compiled_pattern_instead_of_compiling_it(tmp_path, monkeypatch) -> None:
    expected = re.compile(PATTERN)
    first = compile_cached("demo", PATTERN, tmp_path)
    assert first == expected and [p.name[:5] for p in tmp_path.iterdir()] == ["demo-"]
    _no_compiling(monkeypatch)
    again = compile_cached("demo", PATTERN, tmp_path)
    assert again == expected  # same flags and code
    assert again.groupindex == expected.groupindex and again.groups == expected.groups
    assert _matches(again) == _matches(expected) and _matches(expected)


def test_versions_in_use_stay_side_by_side_and_unused_ones_go(tmp_path) -> None:
    """Two installs (or two checkouts benchmarked) keep their own versions; one unused for weeks goes."""
    compile_cached("demo", PATTERN, tmp_path)
    compile_cached("other", "Mali|Chile", tmp_path)
    changed = compile_cached("demo", PATTERN.replace("Deutschland", "Germany"), tmp_path)
    assert changed.search("Germany") and not changed.search("Deutschland")
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["demo", "demo", "other"]
    weeks_ago = time.time() - user_cache.UNUSED - 3600
    first = tmp_path / f"demo-{regex_cache._key(PATTERN)}.bin"
    second = tmp_path / f"demo-{regex_cache._key(PATTERN.replace('Deutschland', 'Germany'))}.bin"
    assert first.exists() and second.exists()
    for path in tmp_path.iterdir():
        os.utime(path, (weeks_ago, weeks_ago))
    compile_cached("demo", PATTERN.replace("Deutschland", "Germany"), tmp_path)  # read: in use again
    compile_cached("demo", PATTERN.replace("Deutschland", "Allemagne"), tmp_path)  # a third version
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert second.name in kept and first.name not in kept  # the one read lately stays
    assert len([n for n in kept if n.startswith("other-")]) == 1  # another name is never a version


@pytest.mark.parametrize("damage", ["flip a code byte", "cut short", "not ours", "bad header"])
def test_a_damaged_file_is_compiled_again_and_replaced(tmp_path, monkeypatch, damage: str) -> None:
    compile_cached("demo", PATTERN, tmp_path)
    (path,) = tmp_path.iterdir()
    data = bytearray(path.read_bytes())
    if damage == "flip a code byte":
        data[-3] ^= 0xFF
    elif damage == "cut short":
        data = data[: len(data) - 5]
    elif damage == "not ours":
        data = bytearray(b"GIF89a" + bytes(data))
    else:
        data = data.replace(b'"flags"', b'"flogs"', 1)
    path.write_bytes(bytes(data))
    again = compile_cached("demo", PATTERN, tmp_path)
    assert again == re.compile(PATTERN) and _matches(again) == _matches(re.compile(PATTERN))
    _no_compiling(monkeypatch)  # written anew: the next process reads it
    assert compile_cached("demo", PATTERN, tmp_path) == again


def test_code_the_engine_refuses_is_compiled_again(tmp_path) -> None:
    """Code with a good checksum but invalid for the engine (another build's): _sre rejects it, we compile."""
    compile_cached("demo", PATTERN, tmp_path)
    (path,) = tmp_path.iterdir()
    meta, _, code = user_cache.read_checked(path).partition(b"\n")
    user_cache.write_checked(path, meta + b"\n" + bytes(len(code)))  # all zeros: no valid program
    assert compile_cached("demo", PATTERN, tmp_path) == re.compile(PATTERN)


def test_without_a_usable_cache_folder_patterns_are_compiled(tmp_path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert compile_cached("demo", PATTERN, blocked) == re.compile(PATTERN)
    assert compile_cached("demo", PATTERN, blocked / "below") == re.compile(PATTERN)


def test_the_country_patterns_are_the_same_text_in_every_process(tmp_path) -> None:
    """Each process must build the same pattern text, or none would find the others' file (hash seeds differ)."""
    code = ("import hashlib; from tasks.tag.gazetteer import gazetteer; "
            "from tasks.tag.country_scripts import script_matchers; g = gazetteer(); "
            "texts = [g.pattern.pattern, g.lower.pattern] + [m.pattern.pattern for m in script_matchers()]; "
            "print(hashlib.sha256('|'.join(texts).encode()).hexdigest())")
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed, "XDG_CACHE_HOME": str(tmp_path)}
        digests.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                   check=True).stdout)
    assert len(digests) == 1
    assert len(list((tmp_path / "newsflow" / "regex").glob("*.bin"))) == 6  # found, not written again
