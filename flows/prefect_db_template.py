"""A migrated, empty Prefect database kept per Prefect version, copied into new Prefect homes.

A new home's temporary API spends ~5 s of its start creating the database (116 Alembic
migrations), and the result is the same for every home of one Prefect version. The first API
started on a new home keeps a copy of its freshly migrated database in the user's cache; later
new homes start from that copy, and Prefect's own start-up migration check (still on) finds
nothing to run. Runs in the API's own process (see prefect_server.api_app), which imports
Prefect's server anyway.

Safety: a template is named by the Prefect version and the migrations' head revision, so no
version ever uses another's; it is written to a temporary name and renamed; a copy is checked
(SQLite integrity, the head revision, no runs in it) before it is used, and one that fails the
check is deleted so the run rebuilds it; a home is only seeded when it has no database file of any
kind, and never replaces one that another launch put there meanwhile.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from tasks.store import user_cache

log = logging.getLogger(__name__)

ENV = "NEWSFLOW__PREFECT_DB_TEMPLATES"  # set by run_api for the API process: the templates' folder
MARK = 20260  # PRAGMA user_version of a template's copies; Prefect's migrations leave it at 0
_SQLITE_URL = re.compile(r"^sqlite\+aiosqlite:///(?P<path>/[^?]+)$")


@dataclass(frozen=True)
class Plan:
    """What this API start does with the template: seeded the home from it, or will save one."""

    db: Path
    template: Path
    head: str
    seeded: bool = False
    save: bool = False


def default_folder() -> Path:
    """The user's cache folder for newsflow's Prefect database templates."""
    return user_cache.folder("prefect-db")


def sqlite_path(connection_url: str | None) -> Path | None:
    """The database file of a plain SQLite connection URL; None for anything else (Postgres, memory, URIs)."""
    match = _SQLITE_URL.match(connection_url or "")
    return Path(match["path"]) if match else None


def migrations_head() -> str | None:
    """The head revision of the configured database's migrations, from Prefect's own Alembic setup."""
    try:
        from alembic.script import ScriptDirectory
        from prefect.server.database import provide_database_interface
        from prefect.server.database.alembic_commands import alembic_config

        config = alembic_config()
        config.set_main_option("version_locations", str(provide_database_interface().orm.versions_dir))
        heads = ScriptDirectory.from_config(config).get_heads()
    except Exception as exc:  # an unexpected Prefect layout: no template, the API migrates as usual
        log.warning("no Prefect database template: migrations head unknown (%r)", exc)
        return None
    return heads[0] if len(heads) == 1 else None


def template_path(folder: Path, prefect_version: str, head: str) -> Path:
    """The template of one Prefect version and schema head."""
    return folder / f"{_name_prefix(prefect_version)}{_safe(head)}.db"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


def _name_prefix(prefect_version: str) -> str:
    return _safe(f"prefect-{prefect_version}-")


def _files(db: Path) -> list[Path]:
    return [db, *(db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def _exists(db: Path) -> bool:
    return any(p.exists() for p in _files(db))


def has_database(connection_url: str | None) -> bool:
    """Whether the SQLite database of this URL (or a part of it) exists; False for anything else."""
    db = sqlite_path(connection_url)
    return db is not None and _exists(db)


def has_automations(connection_url: str | None) -> bool:
    """Whether the database may hold a Prefect automation: True unless it is a SQLite file
    (or one still to be created) that holds none."""
    db = sqlite_path(connection_url)
    if db is None:
        return True
    if not _exists(db):
        return False
    try:
        with _read_only(db) as con:
            return con.execute("select exists(select 1 from automation)").fetchone() != (0,)
    except sqlite3.Error:  # no such table yet (a part-made database), or not readable: assume some
        return True


def at_revision(connection_url: str | None, head: str) -> bool:
    """Whether the SQLite database of this URL exists at migration revision `head`: nothing to migrate."""
    db = sqlite_path(connection_url)
    if db is None or not db.exists():
        return False
    try:
        with _read_only(db) as con:
            return _revisions(con) == [head]
    except sqlite3.Error:  # no such table (a part-made database) or not readable: let Prefect migrate
        return False


def usable(path: Path, head: str) -> bool:
    """True when path is an intact SQLite database at revision `head` holding no flow run."""
    try:
        with _read_only(path) as con:
            if con.execute("pragma quick_check").fetchone() != ("ok",):
                return False
            revisions = _revisions(con)
            runs = con.execute("select count(*) from flow_run").fetchone()
    except sqlite3.Error:
        return False
    return revisions == [head] and runs == (0,)


def _read_only(path: Path, timeout: float = 5) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout))


def _revisions(con: sqlite3.Connection) -> list[str]:
    """The migration revisions a Prefect database records (one, once migrated)."""
    return [str(row[0]) for row in con.execute("select version_num from alembic_version")]


def seed(db: Path, template: Path, head: str) -> bool:
    """Copy the template into a home that has no database yet; False when it was not used.

    A template that fails the check is deleted (unless another launch replaced it meanwhile),
    so this run's own migration writes a good one.
    """
    if _exists(db):  # a stray -wal must never meet another database
        return False
    if not db.parent.is_dir():  # Prefect's own error about it stays as it was
        return False
    try:
        before = template.stat()
    except OSError:
        return False
    tmp = db.with_name(f".{db.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(template, tmp)
        if not usable(tmp, head):
            log.warning("Prefect database template %s is damaged; ignored, and rebuilt by this run", template)
            _unlink_if_same(template, before)
            return False
        with closing(sqlite3.connect(tmp)) as con:
            con.execute(f"pragma user_version = {MARK}")
            con.commit()
        os.link(tmp, db)  # unlike a rename, never replaces a database another launch put there meanwhile
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        log.warning("Prefect database template not used: %r", exc)
        return False
    finally:
        tmp.unlink(missing_ok=True)


def _unlink_if_same(path: Path, seen: os.stat_result) -> None:
    try:
        now = path.stat()
        if (now.st_ino, now.st_mtime_ns) == (seen.st_ino, seen.st_mtime_ns):
            path.unlink()
    except OSError:
        pass


def save(db: Path, template: Path, head: str) -> bool:
    """Keep a consistent copy of a freshly migrated database as the template (atomic replace)."""
    tmp = template.with_name(f".{template.name}.{os.getpid()}.tmp")
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        with _read_only(db, timeout=10) as src, closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)  # a consistent snapshot, the write-ahead log included
            dst.execute("pragma journal_mode = delete")  # one self-contained file
        if not usable(tmp, head):
            return False
        os.replace(tmp, template)
        return True
    except (OSError, sqlite3.Error) as exc:
        log.warning("Prefect database template not saved: %r", exc)
        return False
    finally:
        tmp.unlink(missing_ok=True)


def prepare(folder: Path, connection_url: str | None, prefect_version: str) -> Plan | None:
    """Before the API starts: seed a new home from the template, or plan to save one after migrating."""
    db = sqlite_path(connection_url)
    if db is None:
        return None
    if _exists(db):
        return None
    head = migrations_head()
    if head is None:
        return None
    template = template_path(folder, prefect_version, head)
    if seed(db, template, head):
        return Plan(db, template, head, seeded=True)
    return Plan(db, template, head, save=not _exists(db))


def seed_for_server(folder: Path, connection_url: str | None, prefect_version: str) -> bool:
    """Seed a new home from this Prefect version's template before a full `prefect server start`.

    The dashboard and serve start Prefect's own server, so the process that seeds has not imported
    Prefect's server (~2 s, ~90 MB) and cannot ask Alembic for the head. It takes the revision
    stored in this version's template, used only when there is one such template and its name
    agrees; seed() then checks the copy as always. Nothing is saved here: templates come from the
    run API (prepare), and a template that cannot be read is left for it to replace.
    """
    db = sqlite_path(connection_url)
    if db is None or _exists(db):
        return False
    prefix = _name_prefix(prefect_version)
    found = list(folder.glob(f"{glob.escape(prefix)}*.db"))
    if len(found) != 1:
        return False
    try:
        with _read_only(found[0]) as con:
            head = _revisions(con)[0]
    except (sqlite3.Error, IndexError):
        return False
    return template_path(folder, prefect_version, head) == found[0] and seed(db, found[0], head)
