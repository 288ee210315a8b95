"""The `newsflow` command: parses arguments, sets up Prefect's environment, prints results."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import NoReturn

from flows.malloc import tune_malloc

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_NOTHING = 0, 1, 2, 3


class UserError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""

    def __init__(self, message: str, code: int = EXIT_CONFIG) -> None:
        super().__init__(message)
        self.code = code


def prefect_env(data_dir: Path) -> None:
    """Defaults for commands that run flows: quiet, local-first Prefect, a lean allocator.

    Anything the user exported wins.
    """
    tune_malloc()
    for name, value in _prefect_defaults(data_dir).items():
        os.environ.setdefault(name, value)


def _prefect_defaults(data_dir: Path) -> dict[str, str]:
    return {
        "PREFECT_HOME": str((data_dir / ".prefect").resolve()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_EXTRA_LOGGERS": "tasks,warehouse",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        # Lines logged before a flow run starts (the listings requested ahead) go to the run's log
        # file; Prefect would also warn on the terminal, once per logger, that the API cannot take them.
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }


def api_ahead(args: argparse.Namespace) -> None:
    """Start the run's Prefect API before the settings are read and checked: their import alone
    (pydantic) is ~0.25 s, and the API's own start (~3 s of CPU) is what a run waits for.

    The data directory is taken as Settings would take it (option, NEWSFLOW_DATA_DIR, "data");
    run_api adopts this API when the run's Prefect home is its own, and any other outcome (a bad
    setting, a configured API) kills it before it has touched a database (flows/run_api.py).
    """
    from flows import run_api

    tune_malloc()  # (its environment is the API's too)
    data_dir = Path(getattr(args, "data_dir", None) or os.environ.get("NEWSFLOW_DATA_DIR") or "data")
    env = {**_prefect_defaults(data_dir), **os.environ}  # what prefect_env gives: the user's exports win
    run_api.start_ahead(env, run_api.template_folder(os.environ.get("NEWSFLOW_PREFECT_DB_CACHE", "")))


def check_data_dir(path: Path) -> Path:
    """The data directory, created if needed; a clear error when it cannot be used."""
    if path.exists() and not path.is_dir():
        raise UserError(f"--data-dir {path} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".newsflow-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"--data-dir {path} is not writable: {exc.strerror or exc}") from exc
    return path


def settings_from(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Settings with the command line's options applied over the environment."""
    from pydantic import ValidationError

    from flows.settings import Settings

    overrides = {k: getattr(args, k, None) for k in ("data_dir", "sources", "max_per_source")}
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"bad setting NEWSFLOW_{str(first['loc'][0]).upper()}: {first['msg']}") from exc


def cmd_ingest(args: argparse.Namespace) -> int:
    """Run one ingestion now."""
    api_ahead(args)
    from tasks.discover.sources import SourcesError, load_sources

    settings = settings_from(args)
    check_data_dir(settings.data_dir)
    try:
        sources = load_sources(Path(settings.sources))
    except SourcesError as exc:
        raise UserError(str(exc)) from exc
    prefect_env(settings.data_dir)
    from flows.prefect_server import ServerError
    from flows.progress import terminal
    from flows.run_api import run_api, template_folder

    print(f"newsflow: ingesting {len(sources)} sources into {settings.data_dir}/", file=sys.stderr)
    templates = template_folder(settings.prefect_db_cache)
    with run_api(templates) as api_ready, terminal(settings.data_dir, "ingest", args.verbose,
                                                   settings.progress_interval) as run_log:
        from flows.ingest import ingest, run_config
        from flows.output import print_summary
        from flows.runners import task_runner_kind
        from tasks.process import warming
        from tasks.run import listings_ahead
        from tasks.runlock import RunLocked

        # (Dask workers extract in processes of their own.) On a new data directory every page
        # is new: the extraction workers import and warm up (~4 s of CPU) while the API starts.
        # Later runs warm them when a source first has new links (tasks/run.py), so a run with
        # nothing new never pays for them: a third of such a run's CPU on two cores.
        threads = task_runner_kind() == "threads"
        warm = threads and not settings.warehouse_path.exists()
        # The feeds and sitemaps are requested while the API starts too, for the run's discovery
        # to take over (in this process: not when Dask workers discover).
        ahead = listings_ahead(run_config(settings), sources, settings.backoff) if threads else nullcontext()
        try:
            with warming(settings.extract_workers, warm), ahead:
                api_ready()
                summary = ingest(sources_file=str(settings.sources), data_dir=str(settings.data_dir),
                                 max_per_source=settings.max_per_source)
            run_log.run_id = summary.run_id
        except RunLocked as exc:
            raise UserError(str(exc), EXIT_ERROR) from exc
        except ServerError as exc:
            raise UserError(f"could not start a Prefect API for this run: {exc}", EXIT_ERROR) from exc
    print_summary(summary, run_log.path)
    _fail_if_nothing_fetched(summary)
    return EXIT_OK


def _fail_if_nothing_fetched(summary) -> None:  # type: ignore[no-untyped-def]
    """Exit 3 with the first reason when no request of the run got an answer (no network?)."""
    if summary.nothing_fetched:
        first = next((e for r in summary.sources for e in r.errors), "no answer from any source")
        raise UserError(f"nothing could be fetched (no network?): {first}", EXIT_NOTHING)


def cmd_extract(args: argparse.Namespace) -> int:
    """Extract articles from HTML or WARC files to JSON lines."""
    from flows.output import extract_files

    return extract_files([Path(p) for p in args.files], url=args.url)


def cmd_tag(args: argparse.Namespace) -> int:
    """Tag JSON lines with countries and topics."""
    from flows.output import tag_stream

    if args.file in (None, "-"):
        return tag_stream(sys.stdin, sys.stdout)
    try:
        fh = open(args.file, encoding="utf-8")  # noqa: SIM115 - only opening is the file's fault
    except OSError as exc:
        raise UserError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    with fh:  # a closed stdout (`| head`) is flows/cli.main's to handle, not a read error
        return tag_stream(fh, sys.stdout)


def day_arg(text: str) -> date:
    """argparse type of a day option: YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def country_arg(text: str) -> str:
    """argparse type of --country: an ISO 3166-1 alpha-2 code, in any case."""
    from tasks.discover.sources import country_code

    code = country_code(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO 3166-1 alpha-2 country code (e.g. MX)")
    return code


def language_arg(text: str) -> str:
    """argparse type of --language: an ISO 639-1 code, in any case."""
    from tasks.discover.sources import language_code

    code = language_code(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO 639-1 language code (e.g. de)")
    return code


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """The -v option of commands that run flows."""
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show Prefect's log lines on the terminal too (they always go to data/logs/)")


class _Version(argparse.Action):
    """--version: what a result depends on, for a methods section (tags record their tagger versions)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        from importlib.metadata import PackageNotFoundError, version

        from tasks.worker import tagger_versions

        def of(package: str) -> str:
            try:
                return version(package)
            except PackageNotFoundError:
                return "not installed"

        libraries = ", ".join(f"{name} {of(name)}" for name in ("prefect", "duckdb", "pyarrow", "trafilatura"))
        print(f"newsflow {of('newsflow')}; taggers {', '.join(tagger_versions())}; {libraries}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="newsflow", description="News coverage pipeline.")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="newsflow's version, its taggers' and the main libraries', then exit")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--data-dir", type=Path, help="data directory (default ./data or NEWSFLOW_DATA_DIR)")
        p.set_defaults(func=func)
        return p

    p = add("ingest", cmd_ingest, "run one ingestion now")
    p.add_argument("--sources", type=Path, help="outlets TOML file (default: the bundled list)")
    p.add_argument("--max-per-source", type=int, help="new pages fetched per source and run")
    add_verbose(p)
    p = add("extract", cmd_extract, "extract articles from HTML (optionally .gz) or WARC files")
    p.add_argument("files", nargs="+", help="HTML, HTML.gz, WARC or WARC.gz files")
    p.add_argument("--url", help="the page URL, for HTML files")
    p = add("tag", cmd_tag, 'tag JSON lines {"id","title","text"[,"language"]} with countries and topics')
    p.add_argument("file", nargs="?", help="JSON lines file, or - for standard input (default)")
    for register in _extensions():
        register(sub, add)
    return parser


def _extensions() -> list[Callable]:
    """Subcommands defined in other modules (sql, report, serve, ...)."""
    registered = []
    for module in ("flows.cli_sql", "flows.cli_report", "flows.cli_schedule", "flows.cli_maintenance",
                   "flows.cli_rebuild", "flows.cli_sources", "flows.cli_search", "flows.cli_backfill"):
        try:
            registered.append(__import__(module, fromlist=["register"]).register)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return registered


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `newsflow` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("newsflow: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `newsflow sources -f json | head`: the reader has seen enough
        # Python would flush stdout again at exit and print a second error: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        if (started := sys.modules.get("flows.run_api")) is not None:
            started.cancel_ahead()  # an API started ahead for a command that stopped before its run


def run() -> NoReturn:
    """The `newsflow` command: main(), then an exit that leaves out the last garbage collections.

    At exit Python walks every object still alive (Prefect's and pydantic's models, the taggers'
    tables) looking for cycles to free: 0.25-0.45 s after each run, for memory the OS takes back
    anyway. Frozen objects are left out of that walk; atexit handlers still run.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    # `python -m flows.cli` runs this file as __main__; subcommand modules import flows.cli, and
    # must see these same classes (UserError) rather than a second copy of the module.
    sys.modules.setdefault("flows.cli", sys.modules[__name__])
    run()
