"""How a server process learns that the database changed, for the caches it keeps.

SQLite: PRAGMA data_version of a connection that never writes moves with every commit to the
file, by any connection or process, and asks no server; as announced, it is read again at most
every 50 ms (and after each commit of this process). PostgreSQL: change_counter moves once
per committed transaction that wrote (migration 0007) and is announced with NOTIFY at commit
(migration 0008); a reader may ask the counter (exact: one query) or take what was last
announced to its process (no query, but a commit of another process shows only once its
announcement arrived, a fraction of a millisecond on one machine).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine

log = logging.getLogger(__name__)

CHANNEL = "wetgevingsplanner_change"  # migration 0008


class DataVersionWatcher:
    """A SQLite connection of its own that never writes: its PRAGMA data_version changes with
    every commit to the database file, by any connection of any process."""

    # How long announced() answers without asking SQLite again. A kept feed's poll reads the
    # generation on the event loop: asking SQLite every time (a query, the GIL let go and taken
    # back) made a poll 0.75-0.77x the 1 KB floor, against 0.87-0.89x with this (2 workers,
    # alternating runs, /tmp/load304.py).
    FRESH = 0.05  # seconds

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._commits = 0  # this process's, counted under the lock
        self._announced: tuple[int, float, int] | None = None  # commits, read at, version

    def version(self) -> int:
        with self._lock:
            if self._connection is None:
                self._connection = sqlite3.connect(
                    self._path, check_same_thread=False, isolation_level=None
                )
            row = self._connection.execute("PRAGMA data_version").fetchone()
            return int(row[0])

    async def version_on_loop(self) -> int:
        """version(), on an event loop: it waits on no server."""
        return self.version()

    def announced(self) -> int:
        """The version as read at most FRESH seconds ago and since this process's last commit:
        a commit of another process shows up to FRESH seconds late, as on PostgreSQL a commit
        shows once its announcement arrives."""
        commits, now = self._commits, time.monotonic()
        kept = self._announced
        if kept is not None and kept[0] == commits and now - kept[1] < self.FRESH:
            return kept[2]
        version = self.version()
        self._announced = (commits, now, version)
        return version

    def committed(self) -> None:
        """This process's commit shows at once: the next announced() reads the version again
        (version() always does)."""
        with self._lock:
            self._commits += 1

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class ChangeCounterWatcher:
    """change_counter read on a PostgreSQL connection of its own, outside any transaction (one
    prepared query on the driver's connection: a kept view is answered after it, and
    SQLAlchemy's part of a query cost as much as the server's), and as announced to this
    process."""

    COUNTER = "SELECT value FROM change_counter"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None  # the driver's (psycopg) connection
        self._cursor: Any = None
        self._lock = threading.Lock()
        self._announcements: _Announcements | None = None
        self._on_loops: dict[asyncio.AbstractEventLoop, _LoopConnection] = {}
        self._loops_lock = threading.Lock()  # not _lock, which a query in a thread holds
        self._conninfo: str | None = None

    def version(self) -> int:
        with self._lock:
            try:
                return self._read()
            except psycopg.OperationalError:
                if self._connection is None or not self._connection.broken:
                    raise  # not connected at all, or a failure of the query itself
                self._connection = None  # the server closed it: once more, on a new one
                return self._read()

    def _read(self) -> int:
        if self._connection is None:
            self._connection = own_connection(self._engine)
            self._cursor = self._connection.cursor()
        self._cursor.execute(self.COUNTER, prepare=True)
        return int(self._cursor.fetchone()[0])

    async def version_on_loop(self) -> int:
        """version(), on an event loop: the same query on an async connection of the loop's
        own, so that the loop serves other requests while the server answers."""
        if self._conninfo is None:
            self._conninfo = await asyncio.to_thread(_conninfo, self._engine)
        loop = asyncio.get_running_loop()
        with self._loops_lock:
            held = self._on_loops.get(loop)
            if held is None:
                for gone in [other for other in self._on_loops if other.is_closed()]:
                    self._on_loops.pop(gone).finish()
                held = self._on_loops[loop] = _LoopConnection(self._conninfo)
        return await held.version(self.COUNTER)

    def announced(self) -> int | None:
        """The counter as last announced to this process, without a query; None while nothing
        listens (the first call starts listening, in a thread)."""
        if self._announcements is None:
            with self._lock:
                if self._announcements is None:
                    self._announcements = _Announcements(self._engine)
        return self._announcements.value

    def committed(self) -> None:
        """After a commit of this process: its own change counts at once, not only when its
        announcement arrives, so that this process reads its own writes."""
        if self._announcements is None or self._announcements.value is None:
            return
        try:
            self._announcements.raise_to(self.version())
        except psycopg.Error as exc:
            # The commit stands: its announcement still comes, this process only hears of it
            # a moment later, as the others do.
            log.warning("reading the change counter after a commit failed: %s", exc)

    def close(self) -> None:
        if self._announcements is not None:
            self._announcements.stop()
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = self._cursor = None
        with self._loops_lock:
            for held in self._on_loops.values():
                held.finish()
            self._on_loops.clear()


def _conninfo(engine: Engine) -> str:
    """What the engine's pool connects with (its URL and connect_args: search_path among them),
    as a connection string."""
    connection = own_connection(engine)
    try:
        password = connection.info.password
        dsn: str = connection.info.dsn
        return make_conninfo(dsn, password=password) if password else dsn
    finally:
        connection.close()


class _LoopConnection:
    """An async connection of one event loop's, in autocommit, made when first asked."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()  # one query at a time on a connection

    async def version(self, query: str) -> int:
        async with self._lock:
            try:
                return await self._read(query)
            except psycopg.OperationalError:
                if self._connection is None or not self._connection.broken:
                    raise  # not connected at all, or a failure of the query itself
                self._connection = None  # the server closed it: once more, on a new one
                return await self._read(query)

    async def _read(self, query: str) -> int:
        if self._connection is None:
            self._connection = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True
            )
        cursor = await self._connection.execute(query, prepare=True)
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    def finish(self) -> None:
        """Close the connection without its loop (which may be gone)."""
        if self._connection is not None:
            self._connection.pgconn.finish()
            self._connection = None


def own_connection(engine: Engine) -> Any:
    """The driver's connection, in autocommit, with the engine's settings (search_path among
    them) and no place in its pool."""
    raw = engine.raw_connection()
    connection: Any = raw.driver_connection
    raw.detach()
    connection.rollback()
    connection.autocommit = True
    return connection


class _Announcements:
    """A thread that LISTENs on a connection of its own and keeps the latest counter of this
    schema; `value` is None while it is not connected (a missed announcement would otherwise
    leave a cache answering from before a change)."""

    RETRY_S = 1.0
    WAKE_S = 0.2  # how long stop() may wait for the thread to see it

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.value: int | None = None
        self.backend_pid: int | None = None  # of the listening connection, for operators
        self._failures = 0  # since it last listened
        self._thread = threading.Thread(target=self._run, name="change-announcements", daemon=True)
        self._thread.start()

    def raise_to(self, value: int) -> None:
        with self._lock:
            if self.value is not None and value > self.value:
                self.value = value

    def heard(self, payload: str, schema: str) -> None:
        """An announcement, '<schema>:<value>': only this schema's count."""
        announced, _, value = payload.rpartition(":")
        if announced == schema:
            self.raise_to(int(value))

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except Exception as exc:  # a lost connection, a server restart: listen again
                # Once per outage, not once per retry.
                (log.debug if self._failures else log.warning)(
                    "listening for database changes failed, retrying every %g s: %s",
                    self.RETRY_S, exc,
                )  # fmt: skip
                self._failures += 1
            finally:
                with self._lock:
                    self.value = None
            self._stopping.wait(self.RETRY_S)

    def _listen(self) -> None:
        connection = own_connection(self._engine)
        try:
            schema = connection.execute("SELECT current_schema()").fetchone()[0]
            self.backend_pid = connection.info.backend_pid
            connection.execute(f"LISTEN {CHANNEL}")
            # Read after LISTEN: a commit before it is in this value, one after it announced.
            counter = connection.execute("SELECT value FROM change_counter").fetchone()[0]
            with self._lock:
                self.value = int(counter)
            if self._failures:
                log.warning(
                    "listening for database changes again; attempts that failed: %d", self._failures
                )
                self._failures = 0
            while not self._stopping.is_set():
                for note in connection.notifies(timeout=self.WAKE_S):
                    self.heard(note.payload, schema)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=self.WAKE_S + 1.0)
