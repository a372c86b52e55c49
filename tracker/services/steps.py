"""Advancing an initiative through its workflow: what is allowed now, and recording a step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Concatenate, ParamSpec

from tracker.clock import brussels_day
from tracker.domain.access import Principal
from tracker.domain.bounds import within
from tracker.domain.model import Event, Initiative, Stage
from tracker.domain.procedure import (
    EventRefused,
    StepWarning,
    apply_step,
    check_date,
)
from tracker.errors import InvalidInput, Refused, out_of_bounds
from tracker.forecasting import refresh_forecast
from tracker.services.initiatives import readable_initiative, writable_initiative
from tracker.store.uow import UnitOfWork
from workflows.definitions import EventDef, catalogue
from workflows.engine import TransitionRefused, engine_for

P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class TransitionOption:
    event: EventDef
    to_state: str
    completes: Stage | None
    government_decision: bool


@dataclass(frozen=True, slots=True)
class RecordedStep:
    initiative: Initiative
    event: Event
    completed: Stage | None
    warnings: list[StepWarning]


def _completes(initiative: Initiative, event: str) -> Stage | None:
    """The stage this event completes from the initiative's current state, if any."""
    stages = catalogue().stages
    if initiative.state not in {s.value for s in stages}:
        return None
    stage = Stage(initiative.state)
    return stage if stages[stage].completed_by == event else None


def options(initiative: Initiative) -> list[TransitionOption]:
    cat = catalogue()
    engine = engine_for(initiative.kind)
    result = []
    for event in engine.allowed_events(initiative):
        completes = _completes(initiative, event)
        result.append(
            TransitionOption(
                event=cat.events[event],
                to_state=engine.fire(initiative, event),
                completes=completes,
                government_decision=bool(completes and cat.stages[completes].government_decision),
            )
        )
    return result


def allowed_transitions(
    uow: UnitOfWork, slug: str, principal: Principal
) -> tuple[Initiative, list[TransitionOption]]:
    initiative = readable_initiative(uow, slug, principal)
    return initiative, options(initiative)


def decide_step(
    uow: UnitOfWork,
    slug: str,
    *,
    event: str,
    occurred_on: date,
    reference: str | None,
    note: str | None,
    principal: Principal,
    expected_version: int,
    now: datetime,
) -> RecordedStep:
    """Apply one step through the initiative's shared workflow machine, or refuse it, writing
    nothing: `store_step` writes it, in the same transaction or in a later one (see there)."""
    initiative = writable_initiative(uow, slug, principal, expected_version)
    if not within(occurred_on):
        raise out_of_bounds("occurred_on", occurred_on)
    engine = engine_for(initiative.kind)
    try:
        dest = engine.fire(initiative, event)
    except TransitionRefused as refused:
        raise Refused(
            refused.code,
            state=refused.state,
            allowed=refused.allowed,
            params={"event": event, "kind": initiative.kind},
        ) from None
    cat = catalogue()
    requires = cat.events[event].requires
    evidence = {"reference": reference, "note": note}
    for field in requires:
        if field in evidence and not (evidence[field] or "").strip():
            raise InvalidInput(
                field, f"required for '{event}'", code="evidence_required", params={"event": event}
            )
    completes = _completes(initiative, event)
    from_state = initiative.state
    assert initiative.id is not None
    try:
        warnings = check_date(
            occurred_on,
            today=brussels_day(now),
            previous=uow.initiatives.latest_step_on(initiative.id),
            government_decision=bool(completes and cat.stages[completes].government_decision),
            calendar=cat.calendar(),
        )
    except EventRefused as refused:
        raise Refused(
            refused.code,
            state=from_state,
            allowed=engine.allowed_events(initiative),
            params={"event": event, **refused.params},
        ) from None
    apply_step(initiative, event, dest, occurred_on, completes)
    refresh_forecast(initiative, brussels_day(now))
    logged = Event(event, occurred_on, now, principal.name, from_state, dest, reference, note)
    return RecordedStep(initiative, logged, completes, warnings)


def store_step(uow: UnitOfWork, step: RecordedStep) -> None:
    """Write a step `decide_step` worked out: the initiative (its version goes up by one) and the
    event-log row.

    In a later transaction than the one that decided it, the write happens only if the
    initiative is still at the version it was decided on, else StaleVersion: every event and
    re-plan raises the version, so an unchanged version means the step stands as decided.
    """
    uow.initiatives.save(step.initiative, now=step.event.recorded_at)
    uow.initiatives.append_event(step.initiative, step.event)


def _and_stored(
    decide: Callable[Concatenate[UnitOfWork, P], RecordedStep],
) -> Callable[Concatenate[UnitOfWork, P], RecordedStep]:
    def record(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> RecordedStep:
        step = decide(uow, *args, **kwargs)
        store_step(uow, step)
        return step

    return record


# A step decided and written in the caller's transaction: the new state, the actual date of the
# completed stage and the event-log row; a refused step changes nothing. The API decides first
# and writes in the writers' turn instead (api.writes.run_write).
record_event = _and_stored(decide_step)
