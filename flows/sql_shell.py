"""The interactive `newsflow sql` shell: multi-line statements, history, a few dot-commands."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TextIO

from warehouse.db import sql
from warehouse.query import FORMATS, QueryError, Result, run, write

BANNER = """\
newsflow sql: read-only queries over {db}
End statements with ';'. .help lists commands, .quit leaves. The warehouse is opened only while a
statement runs, so this shell never blocks ingestion; settings and temp tables do not carry over.
"""

HELP = """\
.tables              tables and views
.schema NAME         columns of a table or view
.format [FORMAT]     show or set the output format: table, csv, json, markdown
.maxrows N           rows shown in table and markdown output (0: all)
.timer on|off        print how long each statement took and held the warehouse
.help                this list
.quit, .exit         leave (so does Ctrl-D)
"""


class Shell:
    """Reads statements until ';', runs each on a fresh read-only connection, prints the rows."""

    def __init__(self, db: Path, history: Path, *, fmt: str = "table", max_rows: int = 100,
                 wait: float = 30.0, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
        self.db, self.history, self.fmt, self.max_rows, self.wait = db, history, fmt, max_rows, wait
        self.out, self.err = out, err
        self.timer = False
        self.interactive = sys.stdin.isatty()

    def run(self) -> int:
        """The read-eval-print loop; 1 when a piped script had errors, else 0."""
        if self.interactive:
            self._load_history()
            self.err.write(BANNER.format(db=self.db))
        failed = False
        buffer: list[str] = []
        while True:
            try:
                line = input(self._prompt(buffer))
            except EOFError:
                break
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, as in psql
                buffer.clear()
                self.err.write("\n")
                continue
            if not buffer and line.lstrip().startswith("."):
                if not self.dot(line.strip()):
                    break
                continue
            if buffer or line.strip():
                buffer.append(line)
            if buffer and "\n".join(buffer).rstrip().endswith(";"):
                failed = not self.execute("\n".join(buffer)) or failed
                buffer.clear()
        if buffer:  # a script's last statement may lack its ';'
            failed = not self.execute("\n".join(buffer)) or failed
        self._save_history()
        return 1 if failed and not self.interactive else 0

    def _prompt(self, buffer: list[str]) -> str:
        if not self.interactive:
            return ""
        return "     ...> " if buffer else "newsflow> "

    def execute(self, text: str, params: dict[str, str] | None = None) -> bool:
        """Run statements and print their rows; False (after saying why) when they fail."""
        try:
            results = run(self.db, text, params, wait=self.wait, on_wait=self._note_wait,
                          progress=self.interactive)
        except QueryError as exc:
            self._say(f"Error: {exc}")
            return False
        except KeyboardInterrupt:
            self._say("interrupted")
            return False
        for result in results:
            self._show(result)
        return True

    def _show(self, result: Result) -> None:
        if result.table.num_columns:
            write(result.table, self.fmt, self.out, self.max_rows)
        if self.timer:
            self.out.write(f"Run Time: {result.seconds:.3f} s (warehouse held {result.lock_seconds:.3f} s)\n")
        self.out.flush()

    def dot(self, command: str) -> bool:
        """Run a dot-command; False means leave the shell."""
        name, _, arg = command.partition(" ")
        arg = arg.strip()
        if name in (".quit", ".exit", ".q"):
            return False
        if name == ".help":
            self.out.write(HELP)
        elif name == ".tables":
            self.execute(sql("shell_tables"))
        elif name == ".schema" and arg:
            self.execute(sql("shell_columns"), {"name": arg})
        elif name == ".schema":
            self.execute(sql("shell_tables"))
        elif name == ".format":
            self._set_format(arg)
        elif name == ".maxrows" and arg.isdigit():
            self.max_rows = int(arg)
        elif name == ".timer" and arg in ("on", "off"):
            self.timer = arg == "on"
        else:
            self._say(f"Error: unknown or incomplete command {command!r}; .help lists the commands")
        self.out.flush()
        return True

    def _set_format(self, fmt: str) -> None:
        if not fmt:
            self.out.write(f"{self.fmt}\n")
        elif fmt in FORMATS and fmt != "parquet":
            self.fmt = fmt
        else:
            self._say(f"Error: unknown format {fmt!r}; choose table, csv, json or markdown")

    def _note_wait(self) -> None:
        self._say("(the warehouse is being loaded; waiting for the load to finish…)")

    def _say(self, message: str) -> None:
        self.out.flush()
        self.err.write(message + "\n")
        self.err.flush()

    def _load_history(self) -> None:
        """Keep statements across sessions in a file under the data directory."""
        try:
            import readline
        except ImportError:  # not on every platform; the shell works without it
            return
        readline.set_history_length(1000)
        with contextlib.suppress(OSError):  # no history yet
            readline.read_history_file(self.history)

    def _save_history(self) -> None:
        if not self.interactive:
            return
        try:
            import readline

            readline.write_history_file(self.history)
        except (ImportError, OSError):
            pass
