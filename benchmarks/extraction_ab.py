"""extract_article at a git ref (default main) against the working tree: same records? CPU per page?

Run from the project root: `python -m benchmarks.extraction_ab [--ref main] [--limit N]`.
Every corpus extraction page goes through both versions (alternating which runs first, so
neither gains from the other's warm caches) and through bare `trafilatura.extract`. Every
Article field is compared; differences are listed. The reference is `tasks/extract` exported
from git into a temporary folder and imported under another package name.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura

from benchmarks.common import CORPUS, trafilatura_as_shipped
from benchmarks.e2e_site import corpus_pages
from tasks.extract.article import extract_article
from tasks.models import Article, NotAnArticle

ROOT = Path(__file__).resolve().parents[1]
Extractor = Callable[..., Article]


def reference_extractor(ref: str, folder: Path) -> Extractor:
    """extract_article of `tasks/extract` at git ref, as package `ref_extract` (models stay shared)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "tasks/extract"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    package = folder / "ref_extract"
    (folder / "tasks" / "extract").rename(package)
    for module in package.glob("*.py"):
        module.write_text(module.read_text().replace("tasks.extract.", "ref_extract."))
    sys.path.insert(0, str(folder))
    return importlib.import_module("ref_extract.article").extract_article  # type: ignore[no-any-return]


def outcome(extract: Extractor, html: str, url: str) -> tuple[Any, float]:
    """The Article's fields (or the NotAnArticle reason) and the CPU seconds it took."""
    start = time.process_time()
    try:
        result: Any = extract(html, url, default_language="en").to_json()
    except NotAnArticle as exc:
        result = f"NotAnArticle: {exc}"
    return result, time.process_time() - start


def differences(old: Any, new: Any) -> list[str]:
    """Fields that differ between two outcomes, each as 'field: old -> new'."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [f"{k}: {_short(old[k])} -> {_short(new.get(k))}" for k in old if old[k] != new.get(k)]
    return [] if old == new else [f"outcome: {_short(old)} -> {_short(new)}"]


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main", help="git ref of the reference version")
    parser.add_argument("--limit", type=int, default=0, help="first N pages only")
    args = parser.parse_args()
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    pages = corpus_pages(CORPUS)[: args.limit or None]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        old_extract = reference_extractor(args.ref, Path(folder))
        for extract in (old_extract, extract_article):  # load the models outside the timings
            outcome(extract, pages[0].html, pages[0].url)
        cpu = {"ref": 0.0, "new": 0.0, "bare": 0.0}
        changed = 0
        for i, page in enumerate(pages):
            runs = [("ref", old_extract), ("new", extract_article)]
            results = {}
            for name, extract in runs if i % 2 == 0 else runs[::-1]:
                results[name], seconds = outcome(extract, page.html, page.url)
                cpu[name] += seconds
            with trafilatura_as_shipped():
                start = time.process_time()
                trafilatura.extract(page.html, url=page.url)
                cpu["bare"] += time.process_time() - start
            if diff := differences(results["ref"], results["new"]):
                changed += 1
                print(f"page {i} {page.url}\n  " + "\n  ".join(diff))
    n = max(1, len(pages))
    ms = {name: seconds / n * 1000 for name, seconds in cpu.items()}
    print(f"\n{len(pages)} pages, {changed} with a difference between {args.ref} and the working tree")
    print(f"CPU ms/page: {args.ref} {ms['ref']:.2f}, working tree {ms['new']:.2f} "
          f"({ms['new'] / ms['ref']:.3f} x), bare trafilatura.extract {ms['bare']:.2f}")
    print(f"over bare trafilatura: {args.ref} +{ms['ref'] - ms['bare']:.2f} ms, "
          f"working tree +{ms['new'] - ms['bare']:.2f} ms")
    print("load average before/after: " + " / ".join(f"{a:.2f}" for a in (*load_before[:1], os.getloadavg()[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
