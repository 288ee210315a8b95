"""Which WARC files a backfill reads: CC-NEWS months from their listings, local files and directories, URLs."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from tasks.fetch.stream import StreamError, is_url, read_listing

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc.gz")
DEFAULT_CCNEWS_BASE = "https://data.commoncrawl.org/"


class ArchiveSpecError(ValueError):
    """A month range or archive location that cannot be used."""


def months(spec: str) -> list[str]:
    """'2024-01' or '2024-01..2024-03' as the list of YYYY/MM path parts, in order."""
    first, _, last = spec.partition("..")
    bounds = []
    for part in (first, last or first):
        match = MONTH.match(part.strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise ArchiveSpecError(f"--cc-news {spec!r}: expected YYYY-MM or YYYY-MM..YYYY-MM")
        bounds.append(int(match[1]) * 12 + int(match[2]) - 1)
    if bounds[1] < bounds[0]:
        raise ArchiveSpecError(f"--cc-news {spec!r}: the range ends before it starts")
    if bounds[1] - bounds[0] >= 120:
        raise ArchiveSpecError(f"--cc-news {spec!r}: at most ten years at a time")
    return [f"{m // 12:04d}/{m % 12 + 1:02d}" for m in range(bounds[0], bounds[1] + 1)]


def cc_news_files(spec: str, base: str, session: requests.Session | None = None) -> list[str]:
    """URLs of every WARC file of the months, from each month's warc.paths.gz under base."""
    base = base if base.endswith("/") else base + "/"
    found: list[str] = []
    for month in months(spec):
        listing = f"{base}crawl-data/CC-NEWS/{month}/warc.paths.gz"
        try:
            paths = read_listing(listing, session)
        except StreamError as exc:
            raise ArchiveSpecError(f"cannot read the CC-NEWS listing for {month}: {exc}") from exc
        found.extend(base + path.lstrip("/") for path in paths)
    return found


def local_files(items: list[str]) -> list[str]:
    """URLs as given; files as absolute paths; directories as their WARC files (recursively, sorted)."""
    found: list[str] = []
    for item in items:
        if is_url(item):
            found.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            found.extend(str(p.resolve()) for p in sorted(path.rglob("*"))
                         if p.is_file() and p.name.endswith(WARC_SUFFIXES) and not p.name.startswith("."))
        elif path.is_file():
            found.append(str(path.resolve()))
        else:
            raise ArchiveSpecError(f"{item}: no such file or directory")
    return list(dict.fromkeys(found))


# A task of small local files reads this many bytes at most: each task pays ~0.1 s of Prefect's
# task run, story grouping and a publish of its own lake files, which a file of a few pages (one
# source's share of a newsflow run in data/raw) would otherwise pay alone.
GROUP_BYTES = 16 << 20
GROUP_FILES = 256


def in_groups(locations: list[str], most_bytes: int = GROUP_BYTES, most_files: int = GROUP_FILES) -> list[list[str]]:
    """Consecutive small local files share a group, read and published together; URLs and files of
    most_bytes or more are a group each. Order is kept."""
    groups: list[list[str]] = []
    size = 0
    for location in locations:
        try:
            own = Path(location).stat().st_size if not is_url(location) else most_bytes
        except OSError:  # gone since it was listed: its own task reports why
            own = most_bytes
        joins = groups and own < most_bytes and size + own <= most_bytes and len(groups[-1]) < most_files
        if joins:
            groups[-1].append(location)
            size += own
        else:
            groups.append([location])
            size = own
    return groups
