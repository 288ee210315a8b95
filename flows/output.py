"""What the CLI prints: run summaries, extracted articles, tagged lines."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from tasks.run import RunSummary
from tasks.summary import COLUMNS, summary_rows


def print_summary(summary: RunSummary, log_path: Path | None = None) -> None:
    """A one-screen summary of a run on standard error (stdout stays clean for pipes).

    Sources with nothing to show are named on one line rather than given a row of zeros each,
    so a run with no network fits on a screen.
    """
    console = Console(stderr=True, soft_wrap=True, highlight=False)
    busy = [(r, row) for r, row in zip(summary.sources, summary_rows(summary), strict=True)
            if any(row[c] for c in COLUMNS[1:-2])]
    if busy:
        table = Table(title=f"newsflow run {summary.run_id}", title_justify="left")
        for col in COLUMNS[:-2]:
            table.add_column(col, justify="left" if col == "source" else "right")
        for report, row in busy:
            style = "red" if report.failed or report.feeds_failed else None
            table.add_row(*(str(row[c]) for c in COLUMNS[:-2]), style=style)
        console.print(table)
    _idle_sources(console, summary, {r.source_id for r, _ in busy})
    seconds = (summary.finished_at - summary.started_at).total_seconds()
    rows = ", ".join(f"{table} {count:,}" for table, count in summary.lake_rows.items()) or "none"
    console.print(f"{summary.total('new')} new articles from {len(summary.sources)} sources in {seconds:.0f} s; "
                  f"lake rows written: {rows}")
    errors = [(r.source_id, err) for r in summary.sources for err in r.errors[:1]]
    for source_id, err in errors[:8]:
        console.print(f"  [yellow]{source_id}[/]: {err}")
    if len(errors) > 8:
        console.print(f"  … and {len(errors) - 8} more sources with errors (see the fetches table)")
    _notes(console, summary)
    if log_path is not None:
        console.print(f"[dim]log of the run: {log_path}[/]")


def _idle_sources(console: Console, summary: RunSummary, busy: set[str]) -> None:
    """One line each for the sources whose listings failed and those with nothing new."""
    idle = [r for r in summary.sources if r.source_id not in busy]
    unread = [r.source_id for r in idle if r.feeds_failed]
    quiet = [r.source_id for r in idle if not r.feeds_failed]
    if unread:
        console.print(f"[red]no listing could be read[/] for {len(unread)} sources: {', '.join(unread)}")
    if quiet:
        console.print(f"nothing new from {len(quiet)} sources: {', '.join(quiet)}")


def _notes(console: Console, summary: RunSummary) -> None:
    """Status changes, back-offs and the warehouse load's problems."""
    for change in summary.health_changes:
        console.print(f"  [bold]status[/] {change.describe()}")
    for d in summary.backed_off:
        console.print(f"  [dim]{d.source_id}: skipped for back-off ({d.failures} failed runs in a row); "
                      f"next due {d.next_due:%Y-%m-%d %H:%M} UTC[/]")
    if summary.load_error:
        console.print(f"[yellow]warehouse not updated:[/] {summary.load_error}")
    elif summary.loaded and summary.loaded.quarantined:
        console.print(f"[yellow]quarantined lake files:[/] {', '.join(summary.loaded.quarantined)}")


def _is_warc(path: Path) -> bool:
    """WARC files by name, or by their first record when gzipped."""
    name = path.name.lower()
    if ".warc" in name or name.endswith(".arc.gz"):
        return True
    with open(path, "rb") as fh:
        head = fh.read(2)
        if head != b"\x1f\x8b":
            return head + fh.read(3) == b"WARC/"
    with gzip.open(path, "rb") as gz:
        try:
            return gz.read(5) == b"WARC/"
        except OSError:
            return False


def _html_pages(path: Path, url: str | None) -> Iterator[tuple[str | None, bytes, str | None]]:
    """(url, body, content type) of one HTML file, gzipped or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        yield url, fh.read(), None


def _warc_pages(path: Path, damaged: list[Path]) -> Iterator[tuple[str | None, bytes, str | None]]:
    from tasks.store.archive import iter_warc

    def stopped(exc: Exception) -> None:
        damaged.append(path)
        print(f"newsflow: {path}: stopped reading at a damaged record: {exc}", file=sys.stderr)

    for page in iter_warc(path, on_damage=stopped):
        yield page.url, page.body, page.content_type


def extract_files(paths: list[Path], url: str | None = None) -> int:
    """Print one JSON article per line for every article found in the files."""
    from tasks.worker import process_page

    found = skipped = errors = 0
    damaged: list[Path] = []  # files read up to a damaged record, the pages before it kept
    for path in paths:
        try:
            pages = _warc_pages(path, damaged) if _is_warc(path) else _html_pages(path, url)
            for page_url, body, ctype in pages:
                result = process_page(body, ctype, page_url or "")
                if result.article is None:
                    skipped += 1
                    print(f"newsflow: {path}: {page_url or 'page'}: skipped: {result.skip_reason}", file=sys.stderr)
                    continue
                found += 1
                print(json.dumps({**result.article, "countries": result.countries, "topics": result.topics},
                                 ensure_ascii=False))
        except BrokenPipeError:  # our reader stopped (`| head`), not the file
            raise
        except (OSError, EOFError) as exc:
            errors += 1
            print(f"newsflow: {path}: cannot read: {exc}", file=sys.stderr)
    print(f"newsflow: {found} articles, {skipped} skipped, {errors} unreadable files"
          + (f", {len(damaged)} damaged" if damaged else ""), file=sys.stderr)
    return 1 if (errors or damaged) and not found else 0


def tag_stream(lines: IO[str], out: IO[str]) -> int:
    """Tag JSON lines one at a time, in input order, without reading the whole input first."""
    from tasks.worker import tag_article

    bad = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item: Any = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
            language = _language(item.get("language"))
        except ValueError as exc:
            bad += 1
            print(f"newsflow: line {number}: skipped, {exc}", file=sys.stderr)
            continue
        title, text = str(item.get("title") or ""), str(item.get("text") or "")
        item["countries"], item["topics"] = tag_article(title, text, language)
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
    out.flush()
    return 1 if bad else 0


def _language(value: Any) -> str | None:
    """A line's optional "language" as ISO 639-1 ("pt-BR" reads as pt); without it the taggers judge."""
    from tasks.discover.sources import language_code

    if value is None or value == "":
        return None
    code = language_code(value.replace("_", "-").split("-")[0]) if isinstance(value, str) else None
    if code is None:
        raise ValueError(f'"language" is {json.dumps(value, ensure_ascii=False)}, not an ISO 639-1 code such as "de"')
    return code
