"""The unit of work: one transaction, committed only when the use case finishes without error."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tracker.store.access import IdempotencyRepository, TokenRepository
from tracker.store.feeds import FeedRepository
from tracker.store.generations import ChangeCounterWatcher, DataVersionWatcher
from tracker.store.repository import InitiativeRepository
from tracker.store.writer_gate import WriterGate


class Database:
    """An engine and the units of work over it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = engine.execution_options(sqlite_immediate=True)
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

    def uow(self, *, write: bool = False, read_first: bool = False) -> UnitOfWork:
        """A unit of work; `write` ones wait for the writers' turn, at once or, `read_first`,
        when they call `start_writing`."""
        if not write:
            return UnitOfWork(Session(self.engine, expire_on_commit=False), self)
        session = Session(self.engine if read_first else self.writer, expire_on_commit=False)
        return UnitOfWork(session, self, write=True, gate=self._gate, read_first=read_first)

    def generation(self) -> str | None:
        """A value that differs whenever a commit may have changed what a transaction that
        begins afterwards reads (None: unknown on this database, an in-memory SQLite).

        SQLite: the data_version of a connection that never writes, which moves with every
        commit to the file, from any connection or process. PostgreSQL: change_counter, which
        triggers move once per committed transaction that wrote (migration 0007).
        """
        return None if self._watcher is None else f"{self._token}:{self._watcher.version()}"

    async def generation_on_loop(self) -> str | None:
        """generation(), for an event loop: SQLite's asks no server; PostgreSQL's query waits on
        an async connection of the loop's own, not in a thread."""
        if self._watcher is None:
            return None
        return f"{self._token}:{await self._watcher.version_on_loop()}"

    def announced_generation(self) -> str | None:
        """The generation without asking a server, cheap enough for the event loop; it shows
        a commit of this process at once and one of another process a moment late: on SQLite
        up to 50 ms (DataVersionWatcher.FRESH), on PostgreSQL once announced (None while this
        process is not listening yet). For answers that may be that late, such as a calendar
        poll."""
        if self._watcher is None:
            return None
        announced = self._watcher.announced()
        return None if announced is None else f"{self._token}:{announced}"

    def committed(self) -> None:
        """After each commit of a write unit of work, in the committing thread."""
        if self._watcher is not None:
            self._watcher.committed()
        for hook in self.after_write:
            hook()

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
        *,
        write: bool = False,
        gate: WriterGate | None = None,
        read_first: bool = False,
    ) -> None:
        self.session = session
        self._write = write
        self._gate = gate
        self._database = database
        self._read_first = read_first
        self._in_turn = False
        self.initiatives = InitiativeRepository(session, locking=not read_first)
        self.tokens = TokenRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.feeds = FeedRepository(session)

    def __enter__(self) -> UnitOfWork:
        if self._write and not self._read_first:
            self._take_turn()
        return self

    def start_writing(self) -> None:
        """End the reading of a `read_first` unit of work and wait for the writers' turn; what
        follows is one new transaction, which sees what others committed in between.

        SQLite lets one writer in at a time, and a change that reads and checks in its turn
        keeps all the others waiting meanwhile (measured under the bench's load: a step took
        1.8 ms of CPU in its turn, 1.0 ms when it decided first). Read first, then write only
        what still holds: InitiativeRepository.save checks the version, which every change
        raises.
        """
        if not self._read_first or self._in_turn:
            raise RuntimeError("start_writing: once, in a unit of work that reads first")
        self.session.rollback()
        self.session.bind = self._database.writer
        self.initiatives.locking = True
        self._take_turn()

    def _take_turn(self) -> None:
        if self._gate is not None:
            self._gate.__enter__()
        self._in_turn = True

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
            if self._in_turn and self._gate is not None:
                self._gate.__exit__()

    def generation(self) -> str | None:
        """Database.generation; call it before anything else of the transaction, so that what
        is read afterwards is at least as new."""
        return self._database.generation()

    def commit(self) -> None:
        self.session.commit()
        if self._write:
            self._database.committed()

    def rollback(self) -> None:
        self.session.rollback()
