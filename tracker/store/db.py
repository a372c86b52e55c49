"""Engines: SQLite (embedded default, WAL, foreign keys) or PostgreSQL via TRACKER_DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    return Path(os.environ.get("TRACKER_DATA_DIR", PROJECT_ROOT / "data"))


def database_url() -> str:
    """TRACKER_DATABASE_URL, or the SQLite file in the data folder."""
    url = os.environ.get("TRACKER_DATABASE_URL")
    return normalize_url(url) if url else f"sqlite:///{data_dir() / 'tracker.sqlite3'}"


def normalize_url(url: str) -> str:
    """Plain postgresql:// URLs (as psql and libpq write them) use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    # Every window's alternatives are JSON: msgspec reads them several times faster.
    kwargs.setdefault("json_deserializer", msgspec.json.decode)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin) instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "synchronous=FULL",  # an acknowledged event survives a power loss, not only a crash
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock at BEGIN, so two writers queue instead of failing later with
    # "database is locked" when a read transaction tries to upgrade.
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
