"""Databases holding a synthetic programme, on SQLite and PostgreSQL.

Loading through the services costs tens of milliseconds per initiative (see results.md), so a
loaded SQLite database is kept under data/bench/, named after the size, the seed and a digest of
the generator and the workflows; each use migrates a copy of it to the current schema. Delete
data/bench (or pass --no-cache) after changing what the services store. PostgreSQL gets the
programme through the services too for small sizes; larger ones are copied row by row from the
SQLite database the services filled.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

from bench.generate import Loaded, Programme, load
from tracker.store import migrate
from tracker.store.db import PROJECT_ROOT, make_engine, normalize_url
from tracker.store.tables import Base, ChangeCounterRow, core_table
from tracker.store.uow import Database

CACHE = PROJECT_ROOT / "data" / "bench"
SOURCES = ("workflows/*.toml", "bench/generate.py")


def code_digest() -> str:
    digest = hashlib.sha256()
    for pattern in SOURCES:
        for path in sorted(PROJECT_ROOT.glob(pattern)):
            digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def loaded_sqlite(prog: Programme, work: Path, *, cache: bool) -> tuple[Path, Loaded, bool]:
    """A working copy of a SQLite database holding `prog`, what loading it took, and whether it
    came from the cache."""
    name = f"n{prog.size}-seed{prog.seed}-{code_digest()}"
    folder = CACHE if cache else work
    cached, meta = folder / f"{name}.sqlite3", folder / f"{name}.json"
    hit = cache and cached.exists() and meta.exists()
    if not hit:
        folder.mkdir(parents=True, exist_ok=True)
        fresh = cached.with_suffix(".loading")
        fresh.unlink(missing_ok=True)
        database = Database(make_engine(sqlite_url(fresh)))
        try:
            migrate.upgrade(database.engine)
            loaded = load(database, prog)
            _checkpoint(database.engine)
        finally:
            database.dispose()
        fresh.replace(cached)
        fresh.with_name(fresh.name + ".writers").unlink(missing_ok=True)  # its writers' turn file
        meta.write_text(json.dumps(asdict(loaded)))
    loaded = Loaded(**json.loads(meta.read_text()))
    copy = work / f"sqlite-{prog.size}.sqlite3"
    shutil.copyfile(cached, copy)
    engine = make_engine(sqlite_url(copy))
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return copy, loaded, hit


def _checkpoint(engine: Engine) -> None:
    # The cached file must hold everything: fold the write-ahead log back into it.
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A throwaway schema, dropped afterwards; yields a URL whose search_path is that schema."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{normalize_url(url)}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def loaded_postgres(
    url: str, prog: Programme, source: Path, *, through_services: bool
) -> tuple[Loaded | None, float]:
    """Fill the (migrated) PostgreSQL database at `url` with `prog`: through the services, or as
    a copy of the SQLite database `source`. Returns what loading took (None for a copy) and the
    seconds spent."""
    database = Database(make_engine(url))
    started = time.perf_counter()
    try:
        migrate.upgrade(database.engine)
        if through_services:
            return load(database, prog), time.perf_counter() - started
        copy_rows(make_engine(sqlite_url(source)), database.engine)
        return None, time.perf_counter() - started
    finally:
        database.dispose()


def copy_rows(source: Engine, target: Engine, batch: int = 2000) -> None:
    """Every row of every table, keeping ids; then the id sequences continue after them. The
    change counter is the target's own: its migration made the row, its triggers move it."""
    with source.connect() as reading, target.begin() as writing:
        for table in Base.metadata.sorted_tables:
            if table is core_table(ChangeCounterRow):
                continue
            rows = reading.execute(select(table)).mappings()
            chunk: list[dict[str, object]] = []
            for row in rows:
                chunk.append(dict(row))
                if len(chunk) >= batch:
                    writing.execute(insert(table), chunk)
                    chunk = []
            if chunk:
                writing.execute(insert(table), chunk)
            if "id" in table.c:
                writing.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                    )
                )
    source.dispose()
