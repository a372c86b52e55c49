"""The unit of work: one transaction, committed only when the use case finishes without error."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from sqlalchemy import Engine

from tracker.store.access import IdempotencyRepository, TokenRepository
from tracker.store.feeds import FeedRepository
from tracker.store.generations import ChangeCounterWatcher, DataVersionWatcher
from tracker.store.group_commit import GroupCommit
from tracker.store.repository import InitiativeRepository
from tracker.store.transaction import Transaction
from tracker.store.writer_gate import WriterGate

log = logging.getLogger(__name__)


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

    def uow(self) -> UnitOfWork:
        """A unit of work; it writes when it commits (see Transaction)."""
        transaction = Transaction(
            self.engine,
            writer=self.writer,
            gate=self._gate,
            group=self._group,
            committed=self.committed,
        )
        return UnitOfWork(transaction, self)

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
        """After each commit of a write unit of work, in the committing thread. The change is
        committed: a hook that fails is logged, never answered as the change's error."""
        try:
            if self._watcher is not None:
                self._watcher.committed()
            for hook in self.after_write:
                hook()
        except Exception:
            log.exception("after a commit")

    def dispose(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
        if self._gate is not None:
            self._gate.close()
        self.engine.dispose()


class UnitOfWork:
    """One transaction over the repositories: `with database.uow() as uow: ...; uow.commit()`.
    Leaving it without commit writes nothing."""

    def __init__(self, transaction: Transaction, database: Database) -> None:
        self._transaction = transaction
        self._database = database
        self.session = transaction.session
        self.initiatives = InitiativeRepository(transaction)
        self.tokens = TokenRepository(transaction)
        self.idempotency = IdempotencyRepository(transaction)
        self.feeds = FeedRepository(transaction)

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *_: object) -> None:
        self._transaction.close()

    def generation(self) -> str | None:
        """Database.generation; call it before anything else of the transaction, so that what
        is read afterwards is at least as new."""
        return self._database.generation()

    def take_turn(self) -> None:
        """Decide the rest in the writers' turn (see Transaction.take_turn)."""
        self._transaction.take_turn()

    def commit(self) -> None:
        self._transaction.commit()

    def rollback(self) -> None:
        self._transaction.rollback()
