"""A step decided before the writers' turn is written only if the initiative still stands as
it was decided on (UnitOfWork.write_in_turn, decide_step and store_step)."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import NOW, record_step
from tracker.domain.access import Principal, Role
from tracker.errors import StaleVersion
from tracker.services.steps import RecordedStep, decide_step, store_step
from tracker.store.uow import Database, UnitOfWork

KLIP = "decreet-klip-gipod-verordening"
OTHER = "decreet-crab-omvorming-centraal"
COORDINATOR = Principal("decided-steps-test", Role.COORDINATOR)


def _decide(uow: UnitOfWork, slug: str, event: str, version: int) -> RecordedStep:
    return decide_step(
        uow, slug, event=event, occurred_on=NOW.date(), reference=None, note="test",
        principal=COORDINATOR, expected_version=version, now=NOW,
    )  # fmt: skip


def _record(database: Database, slug: str, event: str, version: int) -> int:
    """Another request's step, committed at once."""
    return record_step(database, slug, event, version, actor=COORDINATOR.name, note="other")


def _log(database: Database, slug: str) -> list[tuple[str, str | None]]:
    with database.uow() as uow:
        return [(e.name, e.note) for e in uow.initiatives.events(slug)]


def _state(database: Database, slug: str) -> tuple[str, int]:
    with database.uow() as uow:
        initiative = uow.initiatives.get(slug)
        assert initiative is not None
        return initiative.state, initiative.version


def test_a_step_decided_before_another_change_of_its_initiative_is_refused_unwritten(seeded):
    before = _log(seeded, KLIP)
    with seeded.uow(write=True, read_first=True) as uow:
        step = _decide(uow, KLIP, "hold", 1)
        assert _record(seeded, KLIP, "hold", 1) == 2  # another request's step, committed first
        with pytest.raises(StaleVersion) as refused:
            uow.write_in_turn(lambda uow: store_step(uow, step))
        assert (refused.value.expected, refused.value.current) == (1, 2)
    assert _log(seeded, KLIP) == [*before, ("hold", "other")]
    assert _state(seeded, KLIP)[1] == 2


def test_a_step_decided_before_changes_of_other_initiatives_is_written(seeded):
    before = _log(seeded, KLIP)
    with seeded.uow(write=True, read_first=True) as uow:
        step = _decide(uow, KLIP, "hold", 1)
        _record(seeded, OTHER, "hold", 1)
        uow.write_in_turn(lambda uow: store_step(uow, step))
    assert _log(seeded, KLIP) == [*before, ("hold", "test")]
    assert _state(seeded, KLIP) == (step.initiative.state, 2)


def test_deciding_does_not_wait_for_the_writers_turn(seeded):
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writers wait on row locks, not on a writers' turn")
    turn_taken, release = threading.Event(), threading.Event()

    def hold_the_turn() -> None:
        with seeded.uow(write=True):
            turn_taken.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_turn)
    holder.start()
    try:
        assert turn_taken.wait(10)
        with seeded.uow(write=True, read_first=True) as uow:
            step = _decide(uow, KLIP, "hold", 1)  # decided while another writer has its turn
            waited = threading.Thread(
                target=uow.write_in_turn, args=[lambda uow: store_step(uow, step)]
            )
            waited.start()
            waited.join(0.3)
            assert waited.is_alive(), "write_in_turn did not wait for the writer's turn"
            release.set()
            waited.join(10)
    finally:
        release.set()
        holder.join(10)
    assert _state(seeded, KLIP)[1] == 2


def test_write_in_turn_only_once_and_only_when_reading_first(seeded):
    with seeded.uow(write=True, read_first=True) as uow:
        uow.write_in_turn(lambda uow: None)
        with pytest.raises(RuntimeError, match="once"):
            uow.write_in_turn(lambda uow: None)
    with seeded.uow(write=True) as uow, pytest.raises(RuntimeError, match="once"):
        uow.write_in_turn(lambda uow: None)
