"""The unit of work: one transaction, committed only when the use case finishes without error."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from tracker.store.access import IdempotencyRepository, TokenRepository
from tracker.store.feeds import FeedRepository
from tracker.store.generations import ChangeCounterWatcher, DataVersionWatcher
from tracker.store.group_commit import GroupCommit
from tracker.store.repository import InitiativeRepository
from tracker.store.writer_gate import WriterGate

T = TypeVar("T")


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
        self._group = (
            None if self._gate is None else GroupCommit(self.writer, self._gate, self.committed)
        )
        # Generations of two databases must never be equal: caches may hold both.
        self._token = uuid.uuid4().hex
        # Called after each commit of a write unit of work, in the committing thread.
        self.after_write: list[Callable[[], None]] = []

    def uow(self, *, write: bool = False, read_first: bool = False) -> UnitOfWork:
        """A unit of work; `write` ones wait for the writers' turn, at once or, `read_first`,
        in `write_in_turn`."""
        if not write:
            return UnitOfWork(Session(self.engine, expire_on_commit=False), self)
        session = Session(self.engine if read_first else self.writer, expire_on_commit=False)
        return UnitOfWork(
            session, self, write=True, gate=self._gate, group=self._group, read_first=read_first
        )

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
        group: GroupCommit | None = None,
        read_first: bool = False,
    ) -> None:
        self.session = session
        self._write = write
        self._gate = gate
        self._group = group
        self._database = database
        self._read_first = read_first
        self._in_turn = False
        self._holds_gate = False
        self.initiatives = InitiativeRepository(session, locking=not read_first)
        self.tokens = TokenRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.feeds = FeedRepository(session)

    def __enter__(self) -> UnitOfWork:
        if self._write and not self._read_first and self._gate is not None:
            self._gate.__enter__()
            self._holds_gate = True
        return self

    def write_in_turn(self, work: Callable[[UnitOfWork], T]) -> T:
        """End the reading of a `read_first` unit of work, then run `work(self)` in the writers'
        turn, in one new transaction, which sees what others committed in between, and commit
        it (`work` does not); `work`'s value.

        SQLite lets one writer in at a time, and a change that reads and checks in its turn
        keeps all the others waiting meanwhile (measured under the bench's load: a step took
        1.8 ms of CPU in its turn, 1.0 ms when it decided first). Read first, then write only
        what still holds: InitiativeRepository.save checks the version, which every change
        raises. On a SQLite file, the changes of this process's threads that wait for the turn
        at the same time are committed together (GroupCommit).
        """
        if not self._read_first or self._in_turn:
            raise RuntimeError("write_in_turn: once, in a unit of work that reads first")
        self.session.rollback()
        self.initiatives.locking = True
        self._in_turn = True
        if self._group is not None:
            return self._group.run(lambda connection: self._in_savepoint(work, connection))
        # PostgreSQL, or SQLite in memory: no writers' turn to wait for
        self.session.bind = self._database.writer
        value = work(self)
        self.commit()
        return value

    def _in_savepoint(self, work: Callable[[UnitOfWork], T], connection: Connection) -> T:
        """`work` on a batch's connection (GroupCommit), in the savepoint the batch began for
        it and releases or rolls back."""
        self.session.bind = connection
        self.session.join_transaction_mode = "rollback_only"  # the batch's savepoint is its own
        try:
            value = work(self)
            self.session.flush()
        finally:
            self.session.close()
            self.session.bind = self._database.writer  # the connection goes back to the pool
        return value

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
            if self._holds_gate and self._gate is not None:
                self._gate.__exit__()
                self._holds_gate = False

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
