"""The unit of work: one transaction, committed only when the use case finishes without error."""

from __future__ import annotations

import uuid
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tracker.store.access import IdempotencyRepository, TokenRepository
from tracker.store.feeds import FeedRepository
from tracker.store.repository import InitiativeRepository


class Database:
    """An engine and the units of work over it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(sqlite_immediate=True)

    def uow(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(Session(self._writer if write else self.engine, expire_on_commit=False))

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.initiatives = InitiativeRepository(session)
        self.tokens = TokenRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.feeds = FeedRepository(session)

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.session.rollback()
        self.session.close()

    def generation(self) -> str | None:
        """A value that differs whenever a commit may have changed what this transaction reads
        (None: unknown on this database). It is read before anything else of the transaction,
        so what is read afterwards is at least as new.

        SQLite: the connection's data_version (other connections' commits) and its own commits.
        PostgreSQL: the snapshot (which transactions are visible), exact but conservative: a
        commit anywhere in the cluster changes it.
        """
        connection = self.session.connection()
        dialect = connection.dialect.name
        if dialect == "sqlite":
            version = connection.exec_driver_sql("PRAGMA data_version").scalar()
            # A new connection may reuse an old one's numbers: tell connections apart.
            token = connection.info.setdefault("generation_token", uuid.uuid4().hex)
            return f"{token}:{version}:{connection.info.get('commits', 0)}"
        if dialect == "postgresql":
            snapshot = connection.exec_driver_sql("SELECT txid_current_snapshot()::text").scalar()
            return f"pg:{snapshot}"
        return None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
