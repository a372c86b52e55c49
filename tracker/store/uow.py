"""The unit of work: one transaction, committed only when the use case finishes without error."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tracker.store.access import IdempotencyRepository, TokenRepository
from tracker.store.feeds import FeedRepository
from tracker.store.repository import InitiativeRepository
from tracker.store.writer_gate import WriterGate


class CommitWatcher:
    """A SQLite connection of its own that never writes: its PRAGMA data_version changes with
    every commit to the database file, by any connection of any process."""

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


class Database:
    """An engine and the units of work over it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(sqlite_immediate=True)
        path = engine.url.database
        file_sqlite = engine.dialect.name == "sqlite" and path not in (None, "", ":memory:")
        self._watcher = CommitWatcher(path) if file_sqlite and path else None
        self._gate = WriterGate(path) if file_sqlite and path else None
        # Generations of two databases must never be equal: caches may hold both.
        self.token = uuid.uuid4().hex
        # Called after each commit of a write unit of work, in the committing thread.
        self.after_write: list[Callable[[], None]] = []

    def uow(self, *, write: bool = False) -> UnitOfWork:
        session = Session(self._writer if write else self.engine, expire_on_commit=False)
        if not write:
            return UnitOfWork(session, self)
        return UnitOfWork(session, self, self.after_write, self._gate)

    def known_generation(self) -> str | None:
        """The generation (UnitOfWork.generation) when it is known without a query to a server:
        on a SQLite file, cheap enough to ask on the event loop. None: ask a unit of work."""
        if self._watcher is None:
            return None
        return f"{self.token}:{self._watcher.version()}"

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
        """A value that differs whenever a commit may have changed what this transaction reads
        (None: unknown on this database). Call it before anything else of the transaction, so
        that what is read afterwards is at least as new.

        SQLite: the data_version of a connection that never writes, which moves with every
        commit to the file, from any connection or process. PostgreSQL: change_counter, which
        triggers move once per committed transaction that wrote (migration 0007).
        """
        known = self._database.known_generation()
        if known is not None:
            return known
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            counter = connection.exec_driver_sql("SELECT value FROM change_counter").scalar()
            return f"{self._database.token}:{counter}"
        return None

    def commit(self) -> None:
        self.session.commit()
        for hook in self._after_commit:
            hook()

    def rollback(self) -> None:
        self.session.rollback()
