"""Where an extraction worker's private memory comes from: pages it copied from the forkserver, or new ones.

    python -m benchmarks.worker_memory [--pages N] [--workers N]

Runs the corpus pages through the shared extraction pool (tasks/process.py: a forkserver that
loaded the extractors and taggers once, and workers forked from it), then asks each worker for
its memory: RSS, USS (pages no other process maps) and, of the private dirty pages, those lying
in mappings the forkserver already had (copy-on-write copies: shared objects the worker wrote to,
which in CPython is any object whose reference count changed, e.g. a function it called) against
pages in mappings the worker made itself (its own heap: pages, caches, fragmentation). Reads
/proc/<pid>/smaps, so Linux only. The figures say which change could pay: sharing more does not
help against copies made by reference counting; fewer worker processes or a smaller heap do.
"""

from __future__ import annotations

import argparse
import os
import time

from benchmarks.common import corpus_path
from benchmarks.newsite import load_pages
from flows.malloc import tune_malloc
from tasks.process import process_page, shared_pool, shutdown_pools

Range = tuple[int, int]


def private_dirty_by_mapping(pid: int | str) -> dict[Range, int]:
    """Private dirty kB of each mapping of a process."""
    out: dict[Range, int] = {}
    current: Range | None = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            field = line.split(maxsplit=2)
            if not field[0].endswith(":"):  # a mapping's header: "start-end perms offset dev inode [path]"
                start, end = (int(x, 16) for x in field[0].split("-"))
                current = (start, end)
                out[current] = 0
            elif field[0] == "Private_Dirty:" and current is not None:
                out[current] = int(field[1])
    return out


def memory_split() -> dict[str, int]:
    """This worker's RSS and USS, and its private dirty MB split into copies and new pages."""
    import psutil

    time.sleep(0.2)  # let the pool hand this probe to the other worker too
    parent = sorted(private_dirty_by_mapping(os.getppid()))
    copied = new = 0
    for (start, end), kb in private_dirty_by_mapping("self").items():
        if any(start < p_end and p_start < end for p_start, p_end in parent):
            copied += kb
        else:
            new += kb
    info = psutil.Process().memory_full_info()
    return {"pid": os.getpid(), "rss": info.rss >> 20, "uss": info.uss >> 20, "copied": copied >> 10, "new": new >> 10}


def per_worker(pool, workers: int) -> list[dict[str, int]]:  # type: ignore[no-untyped-def]
    """One figure per worker (probes are sent until every worker answered, or give up after a few)."""
    seen: dict[int, dict[str, int]] = {}
    for _ in range(4):
        for answer in [f.result() for f in [pool.submit(memory_split) for _ in range(2 * workers)]]:
            seen[answer["pid"]] = answer
        if len(seen) >= workers:
            break
    return sorted(seen.values(), key=lambda a: a["pid"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=0, help="corpus pages to process (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    folder = corpus_path("extraction")  # exits with a clear message when the corpus is absent
    pages = load_pages(folder.parent, sorted(p.name for p in folder.glob("*.jsonl.gz")), args.pages or None)
    tune_malloc()  # as `newsflow` does before it starts the pool (inherited through the environment)
    pool = shared_pool(args.workers)
    try:
        print("worker  RSS MB  USS MB  copied from the forkserver MB  new MB")
        for label, todo in (("fresh", []), (f"after {len(pages)} pages", pages)):
            futures = [pool.submit(process_page, p["html"].encode(), "text/html; charset=utf-8",
                                   p.get("url") or "https://example.org/a") for p in todo]
            articles = sum(1 for f in futures if f.result().article)
            print(f"-- {label}" + (f" ({articles} articles)" if todo else ""))
            for a in per_worker(pool, args.workers):
                print(f"{a['pid']:>6}  {a['rss']:>6}  {a['uss']:>6}  {a['copied']:>29}  {a['new']:>6}")
    finally:
        shutdown_pools()


if __name__ == "__main__":
    main()
