"""Applying a workflow step to an initiative: the date rules, actual dates, on hold and resume.

The workflow engine decides *whether* an event may move the initiative and *where to*; this
module checks *when* it happened and records what completing a stage means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tracker.domain.calendar import FRIDAY, ParliamentCalendar, WorkingCalendar
from tracker.domain.corrections import effective
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


# The Council of State often answers a little late; only an advice long after its term ended
# suggests a mistyped date.
COUNCIL_GRACE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class StageDates:
    """What the steps completing the parliament, publication and Council of State stages are
    checked against (tracker.rules.procedure_rules.stage_dates builds it for an initiative)."""

    parliament: ParliamentCalendar
    gazette: WorkingCalendar  # the days the Belgisch Staatsblad appears
    council_deadline: date | None = None  # the Council's request plus the initiative's term


def check_date(
    occurred_on: date,
    *,
    today: date,
    previous: date | None,
    government_decision: bool,
    calendar: WorkingCalendar,
    completes: Stage | None = None,
    stage_dates: StageDates | None = None,
) -> list[StepWarning]:
    """Refuse a future date or one before the previous step; a government decision happens on a
    working day (refused otherwise) and normally on a Friday (warned otherwise). With the
    `stage_dates` of the initiative, the stage a step `completes` is checked too: the parliament
    adopts on a plenary day outside its recesses, the Belgisch Staatsblad appears on working
    days (refused otherwise) and the Council of State answers around its term (all warned)."""
    if occurred_on > today:
        raise EventRefused("future_date", occurred_on=occurred_on, today=today)
    if previous is not None and occurred_on < previous:
        raise EventRefused("before_previous_event", occurred_on=occurred_on, previous=previous)
    warnings = []
    if government_decision:
        if not calendar.is_working_day(occurred_on):
            raise EventRefused("not_a_working_day", occurred_on=occurred_on)
        if occurred_on.weekday() != FRIDAY:
            warnings.append(StepWarning("not_a_friday", {"occurred_on": occurred_on}))
    if stage_dates is not None and completes is not None:
        warnings += _stage_date_warnings(occurred_on, completes, stage_dates)
    return warnings


def _stage_date_warnings(day: date, completes: Stage, dates: StageDates) -> list[StepWarning]:
    if completes is Stage.PUBLICATION and not dates.gazette.is_working_day(day):
        raise EventRefused("not_a_publication_day", occurred_on=day)
    warnings = []
    if completes is Stage.PARLIAMENT:
        if day.weekday() != dates.parliament.plenary_weekday:
            warnings.append(StepWarning("not_a_wednesday", {"occurred_on": day}))
        recess = dates.parliament.recess_on(day)
        if recess is not None:
            # Both names: a warning's params are said later, in the reader's language.
            params: dict[str, Any] = {"occurred_on": day, "start": recess.start, "end": recess.end}
            params |= {"recess_nl": recess.name, "recess_en": recess.name_en or recess.name}
            warnings.append(StepWarning("in_recess", params))
    if completes is Stage.COUNCIL_OF_STATE and dates.council_deadline is not None:
        late = (day - dates.council_deadline).days
        if late > COUNCIL_GRACE.days:
            late_params = {"occurred_on": day, "deadline": dates.council_deadline, "days": late}
            warnings.append(StepWarning("long_after_council_term", late_params))
    return warnings


@dataclass(frozen=True, slots=True)
class Replayed:
    state: str
    held_stage: Stage | None
    actuals: dict[Stage, date]


def replay(events: Iterable[Event], completed_by: Mapping[Stage, str]) -> Replayed:
    """The state, held stage and actual dates that an event log implies, as its corrections have
    it (tracker.domain.corrections)."""
    state, held, actuals = Stage.DRAFTING.value, None, {}
    completing = {event: stage for stage, event in completed_by.items()}
    for event in effective(events):
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
