"""Changes waiting for SQLite's writers' turn together are written in one transaction, each in a
savepoint of its own, and acknowledged only once that transaction is committed
(tracker.store.group_commit)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, text

from tracker.domain.errors import Busy
from tracker.store.db import make_engine
from tracker.store.group_commit import GroupCommit
from tracker.store.writer_gate import WriterGate


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        path = tmp_path / "group.sqlite3"
        self.engine: Engine = make_engine(f"sqlite:///{path}")
        with self.engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
        self.gate = WriterGate(str(path))
        self.announced = 0
        self.commits = 0
        event.listen(self.engine, "commit", self._counted)
        writer = self.engine.execution_options(sqlite_immediate=True)
        self.group = GroupCommit(writer, self.gate, self._announce)

    def _counted(self, _connection: Connection) -> None:
        self.commits += 1

    def _announce(self) -> None:
        self.announced += 1

    def rows(self) -> list[int]:
        with self.engine.connect() as connection:
            return list(connection.scalars(text("SELECT x FROM t ORDER BY x")))

    def together(self, changes: list[Callable[[Connection], Any]]) -> list[Any]:
        """Run `changes` from threads of their own that all wait for the writers' turn, held
        meanwhile by this thread, so that one batch takes them all; each one's value or
        error."""
        outcomes: list[Any] = [None] * len(changes)

        def run(i: int) -> None:
            try:
                outcomes[i] = self.group.run(changes[i])
            except Exception as error:  # handed to the test
                outcomes[i] = error

        threads = [threading.Thread(target=run, args=[i]) for i in range(len(changes))]
        with self.gate:
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 10
            while len(self.group._waiting) < len(changes):  # all of them wait for the turn
                assert time.monotonic() < deadline, "the changes did not all wait"
                time.sleep(0.005)
            self.commits = 0
        for thread in threads:
            thread.join(10)
        return outcomes


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    made = Setup(tmp_path)
    yield made
    made.gate.close()
    made.engine.dispose()


def _insert(x: int) -> Callable[[Connection], int]:
    def change(connection: Connection) -> int:
        connection.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": x})
        return x

    return change


def _failing(x: int, error: Exception) -> Callable[[Connection], int]:
    def change(connection: Connection) -> int:
        _insert(x)(connection)
        raise error

    return change


def test_changes_waiting_together_are_one_transaction_and_one_announcement(setup):
    assert setup.together([_insert(1), _insert(2), _insert(3)]) == [1, 2, 3]
    assert setup.rows() == [1, 2, 3]
    assert setup.commits == 1
    assert setup.announced == 1


def test_a_failing_change_undoes_only_its_own_writes(setup):
    refused = ValueError("refused")
    outcomes = setup.together([_insert(1), _failing(2, refused), _insert(3)])
    assert outcomes == [1, refused, 3]
    assert setup.rows() == [1, 3]
    assert setup.commits == 1


def test_a_change_that_breaks_the_key_undoes_only_its_own_writes(setup):
    outcomes = setup.together([_insert(1), _insert(1), _insert(2)])
    assert (outcomes[0], outcomes[2]) == (1, 2)
    assert "UNIQUE" in str(outcomes[1])
    assert setup.rows() == [1, 2]


def test_a_batch_of_only_failures_commits_nothing(setup):
    refused = ValueError("refused")
    assert setup.together([_failing(1, refused), _failing(2, refused)]) == [refused, refused]
    assert setup.rows() == []
    assert setup.commits == 0
    assert setup.announced == 0


def test_a_failed_commit_fails_every_change_of_the_batch(setup):
    def failing_commit(_connection: Connection) -> None:
        raise OSError("disk full")

    event.listen(setup.engine, "commit", failing_commit)
    try:
        outcomes = setup.together([_insert(1), _insert(2)])
    finally:
        event.remove(setup.engine, "commit", failing_commit)
    assert all(isinstance(outcome, OSError) for outcome in outcomes)
    assert setup.rows() == []
    assert setup.announced == 0
    assert setup.group.run(_insert(3)) == 3  # and the next change is written as usual
    assert setup.rows() == [3]


def test_a_transaction_sqlite_ended_fails_every_change_of_the_batch(setup):
    def ended(connection: Connection) -> int:
        # As SQLite itself does on a full disk or an I/O error: the whole transaction is gone.
        connection.exec_driver_sql("ROLLBACK")
        raise OSError("disk I/O error")

    outcomes = setup.together([_insert(1), ended, _insert(2)])
    assert all(isinstance(outcome, OSError) for outcome in outcomes)
    assert setup.rows() == []
    assert setup.announced == 0


def test_changes_the_turn_never_came_for_are_refused_and_never_written(setup, monkeypatch):
    monkeypatch.setattr(WriterGate, "WAIT", 0.3)
    outcomes: list[Any] = []
    threads = [
        threading.Thread(target=lambda x=x: outcomes.append(_outcome(setup, _insert(x))))
        for x in (1, 2, 3)
    ]
    with setup.gate:  # another writer of this process keeps the turn
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert len(outcomes) == 3
    assert all(isinstance(outcome, Busy) for outcome in outcomes)
    assert setup.group.run(_insert(4)) == 4  # nothing of theirs is left waiting to be written
    assert setup.rows() == [4]


def _outcome(setup: Setup, change: Callable[[Connection], Any]) -> Any:
    try:
        return setup.group.run(change)
    except Busy as error:
        return error


def test_many_threads_each_get_their_own_value(setup):
    values: dict[int, int] = {}

    def run(x: int) -> None:
        values[x] = setup.group.run(_insert(x))

    threads = [threading.Thread(target=run, args=[x]) for x in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert values == {x: x for x in range(64)}
    assert setup.rows() == list(range(64))
