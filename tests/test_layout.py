"""The layout rules: stage packages under tasks/, Prefect only in flows/, no import cycles between two modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "tasks", "warehouse")
STAGES = ("discover", "fetch", "extract", "tag", "store")
MAX_LOOSE = 13


def module_name(path: Path) -> str:
    """tasks/fetch/client.py -> tasks.fetch.client; a package's __init__ is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            # `from tasks import runlock` imports the module tasks.runlock
            found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES)
    return found


GRAPH = {name: imports(path) for name, path in MODULES.items()}


def test_stage_packages_exist_with_a_docstring() -> None:
    for stage in STAGES:
        init = ROOT / "tasks" / stage / "__init__.py"
        assert init.is_file(), f"tasks/{stage}/ is not a package"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"tasks/{stage}/__init__.py has no docstring"


def test_few_loose_modules_at_the_top_of_tasks() -> None:
    loose = sorted(p.name for p in (ROOT / "tasks").glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= MAX_LOOSE, loose


@pytest.mark.parametrize("package", ["tasks", "warehouse"])
def test_prefect_stays_in_flows(package: str) -> None:
    offenders = {m for m, deps in GRAPH.items() if m.split(".")[0] == package
                 and any(d == "prefect" or d.startswith("prefect.") for d in deps)}
    assert not offenders


def test_warehouse_imports_neither_tasks_nor_flows() -> None:
    offenders = {m: sorted(d for d in deps if d.split(".")[0] in ("tasks", "flows"))
                 for m, deps in GRAPH.items() if m.startswith("warehouse")}
    assert not {m: d for m, d in offenders.items() if d}


def test_tasks_import_no_flows() -> None:
    offenders = {m for m, deps in GRAPH.items() if m.startswith("tasks") and any(d.startswith("flows") for d in deps)}
    assert not offenders


def test_no_two_modules_import_each_other() -> None:
    pairs = {tuple(sorted((a, b))) for a, deps in GRAPH.items() for b in deps
             if b in GRAPH and b != a and a in GRAPH[b]}
    assert not pairs


def test_the_rules_see_real_imports() -> None:
    """Guards the guard: the scanner finds imports that are known to exist."""
    assert "tasks.fetch.exchange" in GRAPH["tasks.fetch.client"]
    assert "prefect" in GRAPH["flows.stages"] or any(d.startswith("prefect") for d in GRAPH["flows.stages"])
    assert "tasks.runlock" in GRAPH["flows.ingest"]
