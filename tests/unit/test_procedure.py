"""The step rules of the domain, without HTTP or a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracker.domain.model import Event, Initiative, Kind, Milestone, Stage
from tracker.domain.procedure import (
    EventRefused,
    check_date,
    replay,
)
from tracker.domain.windows import read_window
from tracker.rules.procedure_rules import forecast_rules
from workflows.definitions import catalogue

CALENDAR = catalogue().calendar()
COMPLETED_BY = {stage: d.completed_by for stage, d in catalogue().stages.items()}
AT = datetime(2026, 1, 5, 12, tzinfo=UTC)
TODAY = date(2026, 1, 5)


def _check(day: date, *, previous: date | None = None, government: bool = True) -> list[str]:
    warnings = check_date(
        day, today=TODAY, previous=previous, government_decision=government, calendar=CALENDAR
    )
    return [w.code for w in warnings]


@pytest.mark.parametrize(
    ("day", "previous", "government", "rule"),
    [
        (date(2026, 1, 6), None, False, "future_date"),
        (date(2025, 12, 12), date(2025, 12, 19), True, "before_previous_event"),
        (date(2025, 12, 13), None, True, "not_a_working_day"),  # a Saturday
        (date(2025, 12, 26), None, True, "not_a_working_day"),  # Friday, Tweede Kerstdag
        (date(2025, 7, 11), None, True, "not_a_working_day"),  # Friday, Flemish Community
    ],
)
def test_refused_dates(day: date, previous: date | None, government: bool, rule: str) -> None:
    with pytest.raises(EventRefused) as refused:
        _check(day, previous=previous, government=government)
    assert refused.value.code == rule


def test_accepted_dates() -> None:
    assert _check(date(2025, 12, 19)) == []  # a Friday
    assert _check(date(2025, 12, 17)) == ["not_a_friday"]  # a Wednesday
    assert _check(date(2025, 12, 13), government=False) == []  # a Saturday, not a decision
    assert _check(TODAY, previous=TODAY, government=False) == []  # same day as the previous


def _event(name: str, on: date, source: str | None, dest: str) -> Event:
    return Event(name, on, AT, "test", source, dest)


def test_replay_of_a_log_with_hold_and_resume() -> None:
    events = [
        _event("create", date(2026, 1, 5), None, "drafting"),
        _event("complete_drafting", date(2025, 3, 3), "drafting", "first_approval"),
        _event("hold", date(2025, 3, 10), "first_approval", "on_hold"),
        _event("resume", date(2025, 4, 1), "on_hold", "first_approval"),
        _event("approve_first", date(2025, 4, 4), "first_approval", "council_of_state"),
        _event("hold", date(2025, 4, 8), "council_of_state", "on_hold"),
    ]
    replayed = replay(events, COMPLETED_BY)
    assert replayed.state == "on_hold"
    assert replayed.held_stage is Stage.COUNCIL_OF_STATE
    assert replayed.actuals == {
        Stage.DRAFTING: date(2025, 3, 3),
        Stage.FIRST_APPROVAL: date(2025, 4, 4),
    }


def test_a_step_records_the_actual_and_the_held_stage_and_moves_the_forecasts() -> None:
    first = read_window("maart 2025")
    initiative = Initiative(
        "x", "X", Kind.ORDER, milestones={s: Milestone(s) for s in catalogue().stages}
    )
    initiative.milestones[Stage.FIRST_APPROVAL].baseline = first
    rules = forecast_rules(initiative)

    def step(event: str, dest: str, day: date, completes: Stage | None) -> None:
        initiative.record_step(event, dest, day, completes, rules_of=lambda _: rules, today=day)

    step("complete_drafting", "first_approval", date(2025, 3, 3), Stage.DRAFTING)
    assert (initiative.state, initiative.milestones[Stage.DRAFTING].actual) == (
        "first_approval",
        date(2025, 3, 3),
    )
    assert initiative.milestones[Stage.DRAFTING].forecast is None  # done
    assert initiative.milestones[Stage.FIRST_APPROVAL].forecast is not None
    step("hold", "on_hold", date(2025, 3, 10), None)
    assert (initiative.state, initiative.held_stage) == ("on_hold", Stage.FIRST_APPROVAL)
    step("resume", "first_approval", date(2025, 4, 1), None)
    assert (initiative.state, initiative.held_stage) == ("first_approval", None)
    assert initiative.milestones[Stage.FIRST_APPROVAL].actual is None
    # resumed after the window planned for it: expected no earlier than the day it resumed
    forecast = initiative.milestones[Stage.FIRST_APPROVAL].forecast
    assert forecast is not None
    assert forecast.latest is not None
    assert first.latest is not None
    assert forecast.latest >= date(2025, 4, 1) > first.latest
