"""Allocator settings that keep newsflow's long-running processes from holding freed memory.

Set by the `newsflow` command before it starts anything (and before anything imports pyarrow):
the Prefect API and the extraction forkserver read them from the environment at start, and the
workers inherit the forkserver's.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys

THRESHOLD = 2 * 2**20  # bytes: see tune_malloc

# (environment variable glibc reads at start, mallopt parameter for a process already running, value)
SETTINGS = (
    # Threads that allocate at once get arenas of their own (up to 8 per core), and the page
    # bodies freed by the fetch threads stay spread over them: on the end-to-end benchmark the
    # tree peaked at 1,227-1,247 MB RSS capped against 1,337-1,353 MB uncapped, as fast.
    ("MALLOC_ARENA_MAX", -8, 2),
    # After freeing a large block glibc raises its mmap threshold to the block's size (up to
    # 32 MB) and its trim threshold to twice that, so past a few big pages an extraction worker
    # kept ~40 MB of freed heap for good. Fixed thresholds hand it back: worker heap after 500
    # pages 66-70 -> 38-42 MB, tree PSS on benchmarks.e2e 1,042-1,047 -> 982 MB, with no CPU
    # difference measurable at 2 MB (a 128 kB mmap threshold cost 9 %).
    ("MALLOC_MMAP_THRESHOLD_", -3, THRESHOLD),
    ("MALLOC_TRIM_THRESHOLD_", -1, THRESHOLD),
)

# Libraries that choose their allocator from the environment when first imported.
LIBRARY_SETTINGS = (
    # pyarrow's own allocator (mimalloc) keeps, per thread, what the fetch threads' Parquet
    # staging freed: on benchmarks.e2e the main process grew to 280-290 MB PSS with it and to
    # 170-180 MB with glibc's, which the settings above already hand back.
    ("ARROW_DEFAULT_MEMORY_POOL", "system"),
)


def tune_malloc() -> None:
    """Apply SETTINGS to this process now and, through the environment, to the processes it starts;
    set LIBRARY_SETTINGS for the libraries not yet imported.

    A setting the user exported wins (glibc applied it when this process started).
    """
    for name, choice in LIBRARY_SETTINGS:
        os.environ.setdefault(name, choice)
    for name, parameter, value in SETTINGS:
        if name in os.environ:
            continue
        os.environ[name] = str(value)
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
                ctypes.CDLL(None).mallopt(parameter, value)
