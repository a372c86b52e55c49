"""The unit of work: one transaction, committed only when the use case finishes without error."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tracker.store.access import IdempotencyRepository, TokenRepository
from tracker.store.feeds import FeedRepository
from tracker.store.repository import InitiativeRepository
from tracker.store.writer_gate import WriterGate


class DataVersionWatcher:
    """A SQLite connection of its own that never writes: its PRAGMA data_version changes with
    every commit to the database file, by any connection of any process. No server to ask:
    cheap enough for the event loop (`local`)."""

    local = True

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def version(self) -> int:
        with self._lock:
            if self._connection is None:
                self._connection = sqlite3.connect(
                    self._path, check_same_thread=False, isolation_level=None
                )
            row = self._connection.execute("PRAGMA data_version").fetchone()
            return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class ChangeCounterWatcher:
    """A PostgreSQL connection of its own, outside any transaction: change_counter moves once
    per committed transaction that wrote, by any connection of any process (migration 0007).
    One query on a connection kept open, instead of a pool checkout and a transaction."""

    local = False

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def version(self) -> int:
        with self._lock:
            try:
                return self._read()
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                self._connection = None  # the server closed it: once more, on a new one
                return self._read()

    def _read(self) -> int:
        if self._connection is None:
            connection = self._engine.connect()
            self._connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        return int(
            self._connection.exec_driver_sql("SELECT value FROM change_counter").scalar_one()
        )

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class Database:
    """An engine and the units of work over it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(sqlite_immediate=True)
        path = engine.url.database
        file_sqlite = engine.dialect.name == "sqlite" and path not in (None, "", ":memory:")
        self._watcher: DataVersionWatcher | ChangeCounterWatcher | None = None
        if file_sqlite and path:
            self._watcher = DataVersionWatcher(path)
        elif engine.dialect.name == "postgresql":
            self._watcher = ChangeCounterWatcher(engine)
        self._gate = WriterGate(path) if file_sqlite and path else None
        # Generations of two databases must never be equal: caches may hold both.
        self._token = uuid.uuid4().hex
        # Called after each commit of a write unit of work, in the committing thread.
        self.after_write: list[Callable[[], None]] = []

    def uow(self, *, write: bool = False) -> UnitOfWork:
        session = Session(self._writer if write else self.engine, expire_on_commit=False)
        if not write:
            return UnitOfWork(session, self)
        return UnitOfWork(session, self, self.after_write, self._gate)

    def generation(self) -> str | None:
        """A value that differs whenever a commit may have changed what a transaction that
        begins afterwards reads (None: unknown on this database, an in-memory SQLite).

        SQLite: the data_version of a connection that never writes, which moves with every
        commit to the file, from any connection or process. PostgreSQL: change_counter, which
        triggers move once per committed transaction that wrote (migration 0007).
        """
        return None if self._watcher is None else f"{self._token}:{self._watcher.version()}"

    @property
    def generation_is_local(self) -> bool:
        """Whether `generation` asks no server, so that the event loop may ask it."""
        return self._watcher is not None and self._watcher.local

    def dispose(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
        if self._gate is not None:
            self._gate.close()
        self.engine.dispose()


class UnitOfWork:
    def __init__(
        self,
        session: Session,
        database: Database,
        after_commit: list[Callable[[], None]] | None = None,
        gate: WriterGate | None = None,
    ) -> None:
        self.session = session
        self._after_commit = after_commit or []
        self._gate = gate
        self._database = database
        self.initiatives = InitiativeRepository(session)
        self.tokens = TokenRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.feeds = FeedRepository(session)

    def __enter__(self) -> UnitOfWork:
        if self._gate is not None:
            self._gate.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self.session.rollback()
            self.session.close()
        finally:
            if self._gate is not None:
                self._gate.__exit__()

    def generation(self) -> str | None:
        """Database.generation; call it before anything else of the transaction, so that what
        is read afterwards is at least as new."""
        return self._database.generation()

    def commit(self) -> None:
        self.session.commit()
        for hook in self._after_commit:
            hook()

    def rollback(self) -> None:
        self.session.rollback()
