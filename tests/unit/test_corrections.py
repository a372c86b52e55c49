"""Correcting and annulling recorded steps (tracker.services.corrections), on storage in memory:
the log keeps every step and adds the correction; the state and actual dates follow the
corrected log; a correction that would make the log impossible stores nothing."""

from __future__ import annotations

from datetime import date

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.test_use_cases import COORDINATOR, EDITOR, NOW, STRANGER, _new
from tracker.domain.corrections import Correction
from tracker.domain.errors import Forbidden, InvalidInput, Refused
from tracker.domain.model import Stage
from tracker.services.corrections import correct_step
from tracker.services.initiatives import create_initiative
from tracker.services.steps import record_event

WEDNESDAY, FRIDAY = date(2026, 11, 18), date(2026, 11, 20)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """An initiative whose drafting was completed on 16 November and whose first approval was
    recorded for Wednesday 18 November (the meeting was on Friday 20): version 3."""
    uow = FakeUnitOfWork()
    with uow:
        create_initiative(uow, _new(), EDITOR, now=NOW)
        uow.commit()
    for event, day, reference, version in (
        ("complete_drafting", date(2026, 11, 16), None, 1),
        ("approve_first", WEDNESDAY, "VR 2026 1811", 2),
    ):
        with uow:
            record_event(
                uow, _slug(uow), event=event, occurred_on=day, reference=reference, note=None,
                principal=EDITOR, expected_version=version, now=NOW,
            )  # fmt: skip
            uow.commit()
    return uow


def _slug(uow: FakeUnitOfWork) -> str:
    return next(iter(uow.data.initiatives))


def _step_id(uow: FakeUnitOfWork, name: str) -> int:
    found = next(e.id for e in uow.data.events[_slug(uow)] if e.name == name)
    assert found is not None
    return found


def _correct(uow: FakeUnitOfWork, version: int = 3, principal=EDITOR, **asked: object) -> object:
    asked.setdefault("reason", "Verkeerde datum overgenomen")
    with uow:
        done = correct_step(
            uow, _slug(uow), Correction(**asked), principal,  # type: ignore[arg-type]
            expected_version=version, now=NOW,
        )  # fmt: skip
        uow.commit()
    return done


def test_a_wednesday_approval_corrected_to_the_friday_moves_the_actual_date(uow):
    approval = _step_id(uow, "approve_first")
    done = _correct(uow, event_id=approval, occurred_on=FRIDAY)
    initiative = uow.data.initiatives[_slug(uow)]
    assert initiative.milestones[Stage.FIRST_APPROVAL].actual == FRIDAY
    assert initiative.version == 4
    assert done.warnings == []  # type: ignore[attr-defined]
    log = uow.data.events[_slug(uow)]
    assert [e.name for e in log] == ["create", "complete_drafting", "approve_first", "correct"]
    assert log[2].occurred_on == WEDNESDAY  # the step stays as it was recorded
    assert log[-1].note == "Verkeerde datum overgenomen"
    assert log[-1].details == {
        "event_id": approval, "event": "approve_first", "annul": False,
        "before": {"occurred_on": "2026-11-18", "reference": "VR 2026 1811", "note": None},
        "after": {"occurred_on": "2026-11-20", "reference": "VR 2026 1811", "note": None},
    }  # fmt: skip


def test_annulling_the_latest_step_returns_the_initiative_to_where_it_was(uow):
    before = uow.data.initiatives[_slug(uow)]
    _correct(uow, event_id=_step_id(uow, "approve_first"), annul=True)
    after = uow.data.initiatives[_slug(uow)]
    assert after.state == "first_approval"
    assert after.milestones[Stage.FIRST_APPROVAL].actual is None
    assert after.milestones[Stage.DRAFTING].actual == date(2026, 11, 16)
    assert before.state != after.state
    assert uow.data.events[_slug(uow)][-1].details["after"] is None  # type: ignore[index]
    # The approval is recorded again, on its day: the annulled step no longer counts.
    with uow:
        record_event(
            uow, _slug(uow), event="approve_first", occurred_on=FRIDAY, reference="VR 2026 2011",
            note=None, principal=EDITOR, expected_version=4, now=NOW,
        )  # fmt: skip
        uow.commit()
    assert uow.data.initiatives[_slug(uow)].milestones[Stage.FIRST_APPROVAL].actual == FRIDAY


@pytest.mark.parametrize(
    ("asked", "rule"),
    [
        # Drafting cannot be annulled while the approval builds on it.
        ({"event": "complete_drafting", "annul": True}, "correction_breaks_log"),
        # A date before the step before it, or after the step after it.
        ({"event": "approve_first", "occurred_on": date(2026, 11, 13)}, "before_previous_event"),
        ({"event": "complete_drafting", "occurred_on": FRIDAY}, "after_next_event"),
        ({"event": "approve_first", "occurred_on": date(2026, 11, 24)}, "future_date"),
        ({"event": "approve_first", "occurred_on": date(2026, 11, 21)}, "not_a_working_day"),
    ],
)
def test_a_correction_that_breaks_the_rules_of_the_log_is_refused_and_stores_nothing(
    uow, asked, rule
):
    stored = (uow.data.initiatives[_slug(uow)], list(uow.data.events[_slug(uow)]))
    asked = dict(asked)
    event_id = _step_id(uow, asked.pop("event"))
    with pytest.raises(Refused) as refused:
        _correct(uow, event_id=event_id, **asked)
    assert refused.value.code == rule
    assert (uow.data.initiatives[_slug(uow)], uow.data.events[_slug(uow)]) == (stored[0], stored[1])


def test_wrong_requests_are_refused_with_the_field_and_a_reason(uow):
    cases = [
        ({"event_id": 999, "occurred_on": FRIDAY}, "event_id", "unknown_step"),
        ({"event_id": _step_id(uow, "create"), "occurred_on": FRIDAY}, "event_id", "not_a_step"),
        ({"event_id": _step_id(uow, "approve_first"), "occurred_on": WEDNESDAY}, "event_id",
         "nothing_changed"),
        ({"event_id": _step_id(uow, "approve_first"), "occurred_on": FRIDAY, "reason": "  "},
         "reason", "reason_required"),
        ({"event_id": _step_id(uow, "approve_first"), "reference": ""}, "reference",
         "evidence_required"),
    ]  # fmt: skip
    for asked, field, code in cases:
        with pytest.raises(InvalidInput) as refused:
            _correct(uow, **asked)
        assert (refused.value.field, refused.value.code) == (field, code), asked
    _correct(uow, event_id=_step_id(uow, "approve_first"), annul=True)
    with pytest.raises(InvalidInput) as refused:
        _correct(uow, version=4, event_id=_step_id(uow, "approve_first"), annul=True)
    assert refused.value.code == "already_annulled"


def test_only_who_may_change_the_initiative_corrects_its_steps(uow):
    with pytest.raises(Forbidden):  # a public initiative, but not theirs
        _correct(uow, principal=STRANGER, event_id=_step_id(uow, "approve_first"), annul=True)
    _correct(uow, principal=COORDINATOR, event_id=_step_id(uow, "approve_first"), annul=True)
