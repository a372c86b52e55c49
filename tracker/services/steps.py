"""Advancing an initiative through its workflow: what is allowed now, and recording a step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker.domain.access import EVERY_EVENT, Principal
from tracker.domain.bounds import within
from tracker.domain.clock import brussels_day
from tracker.domain.errors import Forbidden, InvalidInput, Refused, out_of_bounds
from tracker.domain.model import Event, Initiative, Stage
from tracker.domain.procedure import (
    EventRefused,
    StepWarning,
    check_date,
)
from tracker.domain.slugs import slugify
from tracker.outputs.messages import warning_message
from tracker.rules.procedure_rules import forecast_rules, stage_dates
from tracker.services.initiatives import readable_initiative, writable_initiative
from tracker.services.unit_of_work import UnitOfWork
from workflows.definitions import EventDef, catalogue
from workflows.engine import TransitionRefused, engine_for


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


def completed_stage(state: str | None, event: str) -> Stage | None:
    """The stage `event` completes when taken from `state`, if any."""
    stages = catalogue().stages
    if state not in {s.value for s in stages}:
        return None
    stage = Stage(state)
    return stage if stages[stage].completed_by == event else None


def check_evidence(event: str, *, reference: str | None, note: str | None) -> None:
    """The evidence `event` requires (stages.toml), given, for a step recorded or corrected."""
    evidence = {"reference": reference, "note": note}
    for field in catalogue().events[event].requires:
        if field in evidence and not (evidence[field] or "").strip():
            raise InvalidInput(
                field, f"required for '{event}'", code="evidence_required", params={"event": event}
            )


def date_warnings(
    initiative: Initiative,
    occurred_on: date,
    completes: Stage | None,
    *,
    previous: date | None,
    now: datetime,
) -> list[StepWarning]:
    """The date rules of a step that completes `completes` (check_date), for a step recorded or
    corrected: its warnings, or EventRefused."""
    cat = catalogue()
    return check_date(
        occurred_on,
        today=brussels_day(now),
        previous=previous,
        government_decision=bool(completes and cat.stages[completes].government_decision),
        calendar=cat.calendar(),
        completes=completes,
        stage_dates=stage_dates(initiative, cat),
    )


def _ordered_slugs(initiative: Initiative) -> list[str]:
    return [slugify(name) for name in initiative.entities]


def may_record(principal: Principal, initiative: Initiative, event: str) -> bool:
    """Whether the principal may record `event` on this initiative (or correct such a step):
    by its role and whether its entities lead the initiative, are involved, or neither
    (workflows/permissions.toml)."""
    return principal.may_record(event, _ordered_slugs(initiative), catalogue().record_rights)


def check_may_record(principal: Principal, initiative: Initiative, event: str) -> None:
    """Forbidden (event_not_for_entity) unless `may_record`: the refusal names the lead entity
    and what the caller's entities may record here."""
    if may_record(principal, initiative, event):
        return
    cat = catalogue()
    rights = principal.recordable(_ordered_slugs(initiative), cat.record_rights)
    recordable = [e for e in cat.events if EVERY_EVENT in rights or e in rights]
    raise Forbidden(
        f"{principal.role} '{principal.name}' may not record '{event}' on '{initiative.slug}'",
        rule="event_not_for_entity",
        params={
            "name": principal.name,
            "role": str(principal.role),
            "token_entities": sorted(principal.entities),
            "entities": list(initiative.entities),
            "slug": initiative.slug,
            "lead": initiative.lead_entity or "",
            "event": event,
            "may_record": recordable,
        },
    )


def options(initiative: Initiative, principal: Principal | None = None) -> list[TransitionOption]:
    """The steps the procedure allows now; with `principal`, only those it may record."""
    cat = catalogue()
    engine = engine_for(initiative.kind)
    result = []
    for event in engine.allowed_events(initiative):
        if principal is not None and not may_record(principal, initiative, event):
            continue
        completes = completed_stage(initiative.state, event)
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
    """What the caller may record now; the anonymous public is told what the procedure allows
    (what can come next), as it records nothing."""
    initiative = readable_initiative(uow, slug, principal)
    return initiative, options(initiative, None if principal.is_anonymous else principal)


def record_event(
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
    confirmed: bool = True,
) -> RecordedStep:
    """Apply one step through the initiative's shared workflow machine and write it (the new
    state, the actual date of the completed stage and the event-log row), or refuse it.

    A date that draws warnings is written only when `confirmed`: the API and the step form pass
    what the legal team said; the importers and tools that call this have decided already."""
    initiative = writable_initiative(uow, slug, principal, expected_version)
    if not within(occurred_on):
        raise out_of_bounds("occurred_on", occurred_on)
    if event in catalogue().events:  # an unknown one is the procedure's refusal (409) below
        check_may_record(principal, initiative, event)
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
    check_evidence(event, reference=reference, note=note)
    completes = completed_stage(initiative.state, event)
    from_state = initiative.state
    assert initiative.id is not None
    try:
        previous = uow.initiatives.latest_step_on(initiative.id)
        warnings = date_warnings(initiative, occurred_on, completes, previous=previous, now=now)
    except EventRefused as refused:
        raise Refused(
            refused.code,
            state=from_state,
            allowed=engine.allowed_events(initiative),
            params={"event": event, **refused.params},
        ) from None
    if warnings and not confirmed:
        allowed = engine.allowed_events(initiative)
        raise unconfirmed(event, warnings, state=from_state, allowed=allowed)
    initiative.record_step(
        event, dest, occurred_on, completes, rules_of=forecast_rules, today=brussels_day(now)
    )
    logged = Event(event, occurred_on, now, principal.name, from_state, dest, reference, note)
    uow.initiatives.save(initiative, now=now)
    uow.initiatives.append_event(initiative, logged)
    return RecordedStep(initiative, logged, completes, warnings)


def unconfirmed(
    event: str, warnings: list[StepWarning], *, state: str, allowed: list[str]
) -> Refused:
    """409 confirm_date: the date draws `warnings` ("klopt de datum?") and is written only when
    the caller confirms it. The warnings are said in both languages here: the refusal's message
    is one template and the reader's language is known only when it is answered."""
    params: dict[str, Any] = {
        f"warnings_{lang}": " ".join(warning_message(w.code, w.params, lang) for w in warnings)
        for lang in ("nl", "en")
    }
    params |= {"event": event, "warnings": [w.code for w in warnings]}
    return Refused("confirm_date", state=state, allowed=allowed, params=params)
