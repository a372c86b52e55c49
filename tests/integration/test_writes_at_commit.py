"""A unit of work reads and decides outside the writers' turn and writes at commit (Transaction):
a step is written only if the initiative still stands as it was decided on."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import NOW, record_step
from tracker.domain.access import Principal, Role
from tracker.domain.errors import InvalidInput, StaleVersion
from tracker.services.steps import RecordedStep, record_event
from tracker.services.tokens import create_token
from tracker.store.uow import Database, UnitOfWork

KLIP = "decreet-klip-gipod-verordening"
OTHER = "decreet-crab-omvorming-centraal"
COORDINATOR = Principal("decided-steps-test", Role.COORDINATOR)


def _decide(uow: UnitOfWork, slug: str, event: str, version: int) -> RecordedStep:
    return record_event(
        uow, slug, event=event, occurred_on=NOW.date(), reference=None, note="test",
        principal=COORDINATOR, expected_version=version, now=NOW,
    )  # fmt: skip


def _record(database: Database, slug: str, event: str, version: int) -> int:
    """Another request's step, committed at once: on SQLite while the first is still open."""
    return record_step(database, slug, event, version, actor=COORDINATOR.name, note="other")


def _log(database: Database, slug: str) -> list[tuple[str, str | None]]:
    with database.uow() as uow:
        return [(e.name, e.note) for e in uow.initiatives.events(slug)]


def _state(database: Database, slug: str) -> tuple[str, int]:
    with database.uow() as uow:
        initiative = uow.initiatives.get(slug)
        assert initiative is not None
        return initiative.state, initiative.version


def test_of_two_steps_decided_on_one_version_one_is_written_and_the_other_refused(seeded):
    """SQLite: the other step, committed while this one was decided, goes first, and this one
    is refused at commit. PostgreSQL: the other waits for this one's row lock, and is refused."""
    before = _log(seeded, KLIP)
    outcome: list[object] = []

    def other() -> None:
        try:
            outcome.append(_record(seeded, KLIP, "hold", 1))
        except StaleVersion as refused:
            outcome.append(refused)

    with seeded.uow() as uow:
        _decide(uow, KLIP, "hold", 1)
        racer = threading.Thread(target=other)
        racer.start()
        racer.join(0.5)
        if seeded.engine.dialect.name == "sqlite":
            assert outcome == [2]
            with pytest.raises(StaleVersion) as refused:
                uow.commit()
            assert (refused.value.expected, refused.value.current) == (1, 2)
            written = ("hold", "other")
        else:
            assert racer.is_alive(), "the other step did not wait for this one's row lock"
            uow.commit()
            written = ("hold", "test")
    racer.join(10)
    if seeded.engine.dialect.name != "sqlite":
        [refused_other] = outcome
        assert isinstance(refused_other, StaleVersion)
        assert (refused_other.expected, refused_other.current) == (1, 2)
    assert _log(seeded, KLIP) == [*before, written]
    assert _state(seeded, KLIP)[1] == 2


def test_a_step_decided_before_changes_of_other_initiatives_is_written(seeded):
    before = _log(seeded, KLIP)
    with seeded.uow() as uow:
        step = _decide(uow, KLIP, "hold", 1)
        _record(seeded, OTHER, "hold", 1)
        uow.commit()
    assert _log(seeded, KLIP) == [*before, ("hold", "test")]
    assert _state(seeded, KLIP) == (step.initiative.state, 2)


def test_deciding_does_not_wait_for_the_writers_turn_and_writing_does(seeded):
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writers wait on row locks, not on a writers' turn")
    turn_taken, release = threading.Event(), threading.Event()

    def hold_the_turn() -> None:
        with seeded.uow() as uow:
            uow.take_turn()
            turn_taken.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_turn)
    holder.start()
    try:
        assert turn_taken.wait(10)
        with seeded.uow() as uow:
            step = _decide(uow, KLIP, "hold", 1)  # decided while another writer has its turn
            waited = threading.Thread(target=uow.commit)
            waited.start()
            waited.join(0.3)
            assert waited.is_alive(), "commit did not wait for the writer's turn"
            release.set()
            waited.join(10)
    finally:
        release.set()
        holder.join(10)
    assert _state(seeded, KLIP) == (step.initiative.state, 2)


def test_reading_after_writing_sees_the_writes_and_holds_the_turn(seeded):
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writes at once, in its one transaction")
    with seeded.uow() as uow:
        step = _decide(uow, KLIP, "hold", 1)
        assert [e.note for e in uow.initiatives.events(KLIP)][-1] == "test"  # written, in turn
        other = threading.Thread(target=_record, args=[seeded, OTHER, "hold", 1])
        other.start()
        other.join(0.3)
        assert other.is_alive(), "another writer went ahead while this one held the turn"
        uow.commit()
    other.join(10)
    assert _state(seeded, KLIP) == (step.initiative.state, 2)
    assert _state(seeded, OTHER)[1] == 2


def test_leaving_without_commit_writes_nothing(seeded):
    before = _log(seeded, KLIP)
    with seeded.uow() as uow:
        _decide(uow, KLIP, "hold", 1)
    assert _log(seeded, KLIP) == before
    assert _state(seeded, KLIP)[1] == 1


def test_a_token_name_taken_while_another_was_created_is_refused_with_a_reason(seeded):
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("the writers' turn is SQLite's")
    outcome: list[object] = []

    def second() -> None:
        try:
            with seeded.uow() as uow:
                create_token(uow, name="dubbel", role=Role.VIEWER, entities=[], now=NOW)
                uow.commit()
            outcome.append("created")
        except InvalidInput as refused:
            outcome.append(refused)

    with seeded.uow() as uow:
        create_token(uow, name="dubbel", role=Role.VIEWER, entities=[], now=NOW)
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(0.3)
        assert racer.is_alive(), "the second name was checked before the first was written"
        uow.commit()
    racer.join(10)
    [refused] = outcome
    assert isinstance(refused, InvalidInput)
    assert "exists already" in str(refused)
