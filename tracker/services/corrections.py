"""Correcting a recorded step (its date, reference or note) or annulling it, with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.domain.access import Principal
from tracker.domain.bounds import within
from tracker.domain.clock import brussels_day
from tracker.domain.corrections import Correction, corrected, correction_event, effective
from tracker.domain.errors import InvalidInput, Refused, out_of_bounds
from tracker.domain.model import Event, Initiative, Stage
from tracker.domain.procedure import EventRefused, StepWarning, replay
from tracker.rules.procedure_rules import forecast_rules
from tracker.services.initiatives import writable_initiative
from tracker.services.steps import (
    check_evidence,
    check_may_record,
    completed_stage,
    date_warnings,
    unconfirmed,
)
from tracker.services.unit_of_work import UnitOfWork
from workflows.definitions import catalogue


@dataclass(frozen=True, slots=True)
class CorrectedStep:
    initiative: Initiative
    correction: Event  # the log's new entry
    warnings: list[StepWarning]


def correct_step(
    uow: UnitOfWork,
    slug: str,
    correction: Correction,
    principal: Principal,
    *,
    expected_version: int,
    now: datetime,
    confirmed: bool = True,
) -> CorrectedStep:
    """Correct or annul one step of the initiative's log, by whoever may write the initiative
    (its entities' editors, coordinators). The corrected log must still be one the procedure
    allows, its dates in order and within the rules of a step; the state, actual dates and
    forecasts then follow it, and the correction is logged beside the step. A date that draws
    warnings is written only when `confirmed`, as for a step (steps.record_event)."""
    initiative = writable_initiative(uow, slug, principal, expected_version)
    reason = correction.reason.strip()
    if not reason:
        raise InvalidInput("reason", "a correction says why", code="reason_required")
    events = uow.initiatives.events(slug)
    step = next((e for e in events if e.id == correction.event_id), None)
    if step is None:  # unknown, or a step of another initiative
        raise InvalidInput(
            "event_id", "no step of this initiative", code="unknown_step",
            params={"event_id": correction.event_id},
        )  # fmt: skip
    if not step.is_step:
        raise InvalidInput(
            "event_id", "not a step of the procedure", code="not_a_step",
            params={"event_id": correction.event_id, "event": step.name},
        )  # fmt: skip
    steps = [e for e in effective(events) if e.is_step]
    check_may_record(principal, initiative, step.name)  # the right to record that step
    current = next((e for e in steps if e.id == step.id), None)
    if current is None:
        raise InvalidInput(
            "event_id", "this step was annulled", code="already_annulled",
            params={"event_id": correction.event_id},
        )  # fmt: skip
    after = corrected(current, correction)
    if not correction.annul and after == current:
        raise InvalidInput("event_id", "the correction changes nothing", code="nothing_changed")
    if not within(after.occurred_on):
        raise out_of_bounds("occurred_on", after.occurred_on)
    if not correction.annul:
        check_evidence(step.name, reference=after.reference, note=after.note)
    log = [after if e.id == step.id else e for e in steps]
    if correction.annul:
        log.remove(after)
    _check_sequence(log, initiative)
    warnings = [] if correction.annul else _check_date(log, log.index(after), initiative, now)
    if warnings and not confirmed:
        raise unconfirmed(step.name, warnings, state=initiative.state, allowed=[])
    replayed = replay(log, {s: d.completed_by for s, d in catalogue().stages.items()})
    before = initiative.state
    initiative.follow_log(
        replayed.state, replayed.held_stage, replayed.actuals,
        rules_of=forecast_rules, today=brussels_day(now),
    )  # fmt: skip
    entry = correction_event(
        current, after, correction, states=(before, initiative.state), actor=principal.name,
        today=brussels_day(now), now=now,
    )  # fmt: skip
    uow.initiatives.save(initiative, now=now)
    uow.initiatives.append_event(initiative, entry)
    return CorrectedStep(initiative, entry, warnings)


def _check_sequence(log: list[Event], initiative: Initiative) -> None:
    """Each step leaves from where the one before it arrived: what the workflow allowed when
    each was recorded still follows. Annulling a step that later ones build on breaks that."""
    state = Stage.DRAFTING.value
    for event in log:
        if event.from_state != state:
            raise Refused(
                "correction_breaks_log",
                state=initiative.state,
                allowed=[],
                params={"event": event.name, "from_state": event.from_state, "state": state},
            )
        state = event.to_state


def _check_date(
    log: list[Event], index: int, initiative: Initiative, now: datetime
) -> list[StepWarning]:
    """The corrected step's date, under the rules of any step (check_date), between the steps
    before and after it."""
    step = log[index]
    try:
        warnings = date_warnings(
            initiative, step.occurred_on, completed_stage(step.from_state, step.name),
            previous=log[index - 1].occurred_on if index > 0 else None, now=now,
        )  # fmt: skip
    except EventRefused as refused:
        raise Refused(
            refused.code, state=initiative.state, allowed=[],
            params={"event": step.name, **refused.params},
        ) from None  # fmt: skip
    following = log[index + 1] if index + 1 < len(log) else None
    if following is not None and step.occurred_on > following.occurred_on:
        raise Refused(
            "after_next_event", state=initiative.state, allowed=[],
            params={"event": step.name, "occurred_on": step.occurred_on,
                    "next": following.occurred_on, "next_event": following.name},
        )  # fmt: skip
    return warnings
