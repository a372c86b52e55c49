"""Backups of the SQLite database while the server runs, and restoring them.

A backup is SQLite's online backup in one step: one read transaction copies every page, so
it is the database as of one commit, while writers carry on (WAL readers do not block them).
PostgreSQL has its own tools for this: pg_dump and pg_restore (see the README).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from tracker.store.db import normalize_url
from tracker.store.migrate import VERSION_TABLE, known_revisions

KEPT_SUFFIX = ".before-restore"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for the command line."""


@dataclass(frozen=True, slots=True)
class Copied:
    path: Path
    revision: str
    initiatives: int
    events: int


def sqlite_file(url: str, action: str) -> Path:
    """The SQLite file of a database URL; PostgreSQL is refused with the tool to use instead."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        tool = "pg_dump" if action == "backup" else "pg_restore"
        raise BackupError(
            f"tracker {action} is for the SQLite database; for PostgreSQL use {tool} "
            "(see 'Backups' in README.md)"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError(f"tracker {action} needs a database file, not {url}")
    return Path(parsed.database)


def backup(database: Path, target: Path) -> Copied:
    """Copy the live database to `target`, a new single-file database, checked before it is
    put in place; a failure leaves no `target` behind."""
    if not database.is_file():
        raise BackupError(f"{database}: no database to back up")
    if target.exists():
        raise BackupError(f"{target} exists already; choose another name or remove it")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder")
    partial = _partial(target)
    try:
        with closing(sqlite3.connect(database, timeout=30)) as source:
            _copy(source, partial)
        copied = check(partial)
        _put_in_place(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Copied(target, copied.revision, copied.initiatives, copied.events)


def check(path: Path) -> Copied:
    """What a tracker database holds, after SQLite's integrity check; BackupError when the file
    is not a sound database of this tracker."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        # Its newest commits are in that log, which a copy of the file alone would lose.
        raise BackupError(
            f"{path}: has a write-ahead log beside it; make backups with 'tracker backup'"
        )
    try:
        # Read-only and immutable: checking a file never changes it, nor creates -wal or -shm.
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path}: damaged database (integrity check: {verdict})")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if VERSION_TABLE not in tables or not {"initiative", "event_log"} <= tables:
                raise BackupError(f"{path}: not a tracker database (no tracker schema)")
            revision = db.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            initiatives = db.execute("SELECT count(*) FROM initiative").fetchone()[0]
            events = db.execute("SELECT count(*) FROM event_log").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a tracker database ({exc})") from None
    if revision is None or revision[0] not in known_revisions():
        found = revision[0] if revision else "none"
        raise BackupError(f"{path}: schema revision {found} is not one this tracker knows")
    return Copied(path, revision[0], initiatives, events)


def restore(source: Path, database: Path) -> Copied:
    """Replace the database by the backup `source`, atomically; the database it replaces is kept
    next to it as <name>.before-restore. Refused while anyone has the database open."""
    checked = check(source)
    if database.exists() and source.resolve() == database.resolve():
        raise BackupError(f"{source} is the database itself")
    kept = database.with_name(database.name + KEPT_SUFFIX)
    if kept.exists():
        raise BackupError(f"{kept} exists (an earlier restore); move it away first")
    database.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(database)
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?immutable=1", uri=True)) as db:
            _copy(db, partial)
        check(partial)
        if not database.exists():
            _put_in_place(partial, database)
            return checked
        current = _exclusive(database)
        if current is None:  # not a database at all: kept as it is, for whoever looks into it
            os.replace(database, kept)
            _put_in_place(partial, database)
            return checked
        with closing(current) as current:
            # Fold the write-ahead log into the file and remove it, so that no -wal of the
            # old database is left to be read as part of the restored one.
            if current.execute("PRAGMA journal_mode=DELETE").fetchone()[0] != "delete":
                raise BackupError(f"{database}: could not close its write-ahead log")
            kept_partial = _partial(kept)
            try:
                _copy(current, kept_partial)
                _put_in_place(kept_partial, kept)
            finally:
                kept_partial.unlink(missing_ok=True)
            # Still under the lock: nobody can have opened the old file in the meantime.
            _put_in_place(partial, database)
    finally:
        partial.unlink(missing_ok=True)
    return checked


def _exclusive(database: Path) -> sqlite3.Connection | None:
    """A connection that holds the database's exclusive lock until it closes.

    Every open connection to a WAL database holds a shared lock, idle or not, so the lock is
    refused while a server (or anyone else) has the database open: a connection opened before
    the file is replaced would go on writing to the replaced file, and those writes would be
    lost. None when the file is no database at all.
    """
    connection = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")  # kept until the connection closes
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        connection.close()
        if exc.sqlite_errorname != "SQLITE_BUSY":
            return None
        raise BackupError(
            f"{database} is in use (is 'tracker serve' running?); stop it, then restore"
        ) from None
    return connection


def _copy(source: sqlite3.Connection, target: Path) -> None:
    with closing(sqlite3.connect(target, isolation_level=None)) as copy:
        source.backup(copy)  # all pages in one step: one consistent snapshot
        # One self-contained file: a backup in WAL mode would need its -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")


def _put_in_place(partial: Path, target: Path) -> None:
    """Rename after fsync: after a crash `target` is the old file or the complete new one."""
    with partial.open("rb+") as file:
        os.fsync(file.fileno())
    os.replace(partial, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        with suppress(OSError):  # some file systems cannot sync a directory
            os.fsync(directory)
    finally:
        os.close(directory)
