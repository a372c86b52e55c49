"""A unit of work's transaction: it reads at once and, on a SQLite file, writes at commit."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from tracker.store.group_commit import GroupCommit
from tracker.store.writer_gate import WriterGate

Write = Callable[[], None]


class Transaction:
    """The session the repositories read and write through, and when their writes happen.

    SQLite lets one writer in at a time. A change that read and checked in the writers' turn
    kept all the others waiting meanwhile (measured under the bench's load: a step took 1.8 ms
    of CPU in its turn, 1.0 ms when it had read first). So on a SQLite file the repositories'
    writes wait here until commit: the use case reads and decides outside the turn, and
    `commit` writes in it, together with the changes of this process's other threads that
    wait at the same time (GroupCommit: one transaction, a savepoint each, one disk sync).
    What was read may have changed meanwhile; every write that depends on it checks so
    (InitiativeRepository.save checks the version, which every change raises).

    A use case that reads again after writing (an import of many initiatives), or that must
    decide in the turn (a new slug must still be free when it is written: `take_turn`), gets
    the turn at that moment: its writes so far are written, and the rest happens in the turn.

    PostgreSQL (and SQLite in memory, for tests) writes at once, in the one transaction:
    row locks make concurrent writers wait for each other there.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        writer: Engine,
        gate: WriterGate | None,
        group: GroupCommit | None,
        committed: Callable[[], None],
    ) -> None:
        self._defers = group is not None and gate is not None
        self._reader = engine if self._defers else writer
        self.session = Session(self._reader, expire_on_commit=False)
        self._writer = writer
        self._gate = gate
        self._in_turn = False
        self._group = group
        self._committed = committed
        self._pending: list[Write] = []  # writes, and checks that must hold when they happen
        self._wrote = False

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def reading(self) -> Session:
        """The session to read from; it sees what this unit of work wrote."""
        if self._wrote and self._pending:
            self.take_turn()
        return self.session

    def write(self, write: Write) -> None:
        """Run `write` (which writes through `self.session`) now or at commit, see above."""
        self._wrote = True
        self.check(write)

    def check(self, check: Write) -> None:
        """Run `check` (which may raise to refuse the change) now or, when the writes wait for
        commit, in the writers' turn before them."""
        if self._defers and not self._in_turn:
            self._pending.append(check)
        else:
            check()

    def take_turn(self) -> None:
        """From now on this unit of work reads and writes in the writers' turn, which it holds
        until it ends: what it reads next stays as read until it commits. Its writes so far are
        written now."""
        if not self._defers or self._in_turn:
            return
        assert self._gate is not None
        self.session.rollback()
        self._gate.__enter__()
        self._in_turn = True
        self.session.bind = self._writer
        pending, self._pending = self._pending, []
        for write in pending:
            write()

    def commit(self) -> None:
        if self._pending and not self._in_turn:
            assert self._group is not None
            self.session.rollback()  # the reading ends: the writes go in a batch's transaction
            pending, self._pending = self._pending, []
            self._group.run(lambda connection: self._in_savepoint(pending, connection))
            return  # the group announced the commit
        began = self.session.in_transaction()
        try:
            self.session.commit()
        finally:
            self._release()
        self._wrote = False
        if began:  # it may have written, also past the repositories (a test, a migration)
            self._committed()

    def _in_savepoint(self, pending: list[Write], connection: Connection) -> None:
        """The writes on a batch's connection (GroupCommit), in the savepoint the batch began
        for them and releases or rolls back."""
        self.session.bind = connection
        self.session.join_transaction_mode = "rollback_only"  # the batch's savepoint is its own
        try:
            for write in pending:
                write()
            self.session.flush()
        finally:
            self.session.close()  # the connection goes back to the pool
            self.session.bind = self._reader
            self._wrote = False

    def rollback(self) -> None:
        self._end(self.session.rollback)

    def close(self) -> None:
        self._end(self.session.close)

    def _end(self, end: Callable[[], None]) -> None:
        """End the transaction; what waits for commit is not written."""
        self._pending.clear()
        try:
            end()
        finally:
            self._release()

    def _release(self) -> None:
        if self._in_turn:
            assert self._gate is not None
            self._in_turn = False
            self.session.bind = self._reader
            self._gate.__exit__()
