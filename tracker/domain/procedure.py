"""Applying a workflow step to an initiative: the date rules, actual dates, on hold and resume.

The workflow engine decides *whether* an event may move the initiative and *where to*; this
module checks *when* it happened and records what completing a stage means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tracker.domain.calendar import FRIDAY, WorkingCalendar
from tracker.domain.model import HOLD, RESUME, Event, Stage

CREATE, EDIT = "create", "edit"  # system events: not steps of the procedure


class EventRefused(Exception):
    """A step that breaks a rule; `code` names the rule, `params` fill its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class StepWarning:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def check_date(
    occurred_on: date,
    *,
    today: date,
    previous: date | None,
    government_decision: bool,
    calendar: WorkingCalendar,
) -> list[StepWarning]:
    """Refuse a future date or one before the previous step; a government decision happens on a
    working day (refused otherwise) and normally on a Friday (warned otherwise)."""
    if occurred_on > today:
        raise EventRefused("future_date", occurred_on=occurred_on, today=today)
    if previous is not None and occurred_on < previous:
        raise EventRefused("before_previous_event", occurred_on=occurred_on, previous=previous)
    if government_decision:
        if not calendar.is_working_day(occurred_on):
            raise EventRefused("not_a_working_day", occurred_on=occurred_on)
        if occurred_on.weekday() != FRIDAY:
            return [StepWarning("not_a_friday", {"occurred_on": occurred_on})]
    return []


@dataclass(frozen=True, slots=True)
class Replayed:
    state: str
    held_stage: Stage | None
    actuals: dict[Stage, date]


def replay(events: Iterable[Event], completed_by: Mapping[Stage, str]) -> Replayed:
    """The state, held stage and actual dates that an event log implies."""
    state, held, actuals = Stage.DRAFTING.value, None, {}
    completing = {event: stage for stage, event in completed_by.items()}
    for event in events:
        if not event.is_step:
            continue
        if event.name == HOLD:
            held = Stage(event.from_state) if event.from_state else None
        elif event.name == RESUME:
            held = None
        elif event.name in completing and event.from_state == completing[event.name].value:
            actuals[completing[event.name]] = event.occurred_on
        state = event.to_state
    return Replayed(state, held, actuals)
