"""The unit of work: one transaction, committed only when the use case finishes without error."""

from __future__ import annotations

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

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
