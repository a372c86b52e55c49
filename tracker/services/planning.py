"""Re-planning a stage (its forecast) and, rarely, re-baselining it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tracker.domain.access import Principal
from tracker.domain.bounds import OutOfBounds, window_within, within
from tracker.domain.clock import brussels_day
from tracker.domain.errors import Forbidden, InvalidInput, NotFound, Refused, out_of_bounds
from tracker.domain.model import Initiative, Milestone, PlanChange, Span, Stage, Window
from tracker.domain.windows import read_window
from tracker.rules.procedure_rules import forecast_rules
from tracker.services.initiatives import writable_initiative
from tracker.services.unit_of_work import UnitOfWork
from workflows.definitions import catalogue
from workflows.engine import engine_for


def window_from(
    prefix: str, text: str | None, earliest: date | None, latest: date | None
) -> Window:
    """A planned window from Dutch text ("medio maart 2026") or explicit dates, not both.

    Errors name the field under `prefix` ("plan.first_approval.text"; "" for a top level).
    """

    def field(name: str) -> str:
        return f"{prefix}.{name}" if prefix else name

    if text is not None and (earliest or latest):
        raise InvalidInput(field("text"), "give either the Dutch text or the dates, not both")
    if text is not None:
        try:
            window = read_window(text)
        except OutOfBounds:
            raise out_of_bounds(field("text"), text) from None
        if not window.parsed:
            raise InvalidInput(
                field("text"), f"'{text}' is not a planning date this tracker can read"
            )
        return window
    if latest is None:
        raise InvalidInput(field("latest"), "give the Dutch text or at least the latest date")
    for name, day in (("earliest", earliest), ("latest", latest)):
        if not within(day):
            raise out_of_bounds(field(name), day)
    if earliest is not None and earliest > latest:
        raise InvalidInput(field("earliest"), "earliest is after latest")
    shown = latest.isoformat() if earliest in (None, latest) else f"{earliest} – {latest}"
    return Window(
        shown if earliest else f"uiterlijk {shown}", earliest, latest, (Span(earliest, latest),)
    )


@dataclass(frozen=True, slots=True)
class Replanned:
    initiative: Initiative
    change: PlanChange


def replan(
    uow: UnitOfWork,
    slug: str,
    stage_id: str,
    window: Window,
    *,
    reason: str,
    rebaseline: bool,
    principal: Principal,
    expected_version: int,
    now: datetime,
) -> Replanned:
    initiative = writable_initiative(uow, slug, principal, expected_version)
    if not window_within(window):  # window_from refuses these already; no caller stores one
        raise out_of_bounds("latest", window.latest)
    workflow = catalogue().workflows[initiative.kind]
    if stage_id not in {s.value for s in workflow.stages}:
        raise NotFound("stage", stage_id)
    stage = Stage(stage_id)
    if rebaseline and not principal.can_rebaseline:
        raise Forbidden(
            "only coordinators re-baseline",
            rule="rebaseline_coordinators",
            params={"name": principal.name, "role": str(principal.role)},
        )
    engine = engine_for(initiative.kind)
    if engine.is_final(initiative.state):
        raise Refused("final_state", state=initiative.state, allowed=[])
    if not reason.strip():
        raise InvalidInput("reason", "say why the plan changes")
    milestone = initiative.milestones.get(stage)
    allowed = engine.allowed_events(initiative)
    if milestone is not None and milestone.actual is not None:
        raise Refused(
            "stage_done", state=initiative.state, allowed=allowed, params={"stage": stage_id}
        )
    if milestone is None and _passed(initiative, stage, list(workflow.stages)):
        raise Refused(
            "stage_passed", state=initiative.state, allowed=allowed, params={"stage": stage_id}
        )
    before = milestone or Milestone(stage)  # an optional stage joins the procedure
    change = PlanChange(
        stage=stage,
        recorded_at=now,
        actor=principal.name,
        reason=reason.strip(),
        rebaseline=rebaseline,
        plan_before=before.plan,
        plan_after=window,
        baseline_before=before.baseline,
        baseline_after=window if rebaseline else before.baseline,
        added=milestone is None,
    )
    initiative.replan(
        stage,
        window,
        rebaseline=rebaseline,
        rules_of=forecast_rules,
        today=brussels_day(now),
    )
    uow.initiatives.save(initiative, now=now)
    uow.initiatives.append_plan_change(initiative, change)
    return Replanned(initiative, change)


def _passed(initiative: Initiative, stage: Stage, sequence: list[Stage]) -> bool:
    """Whether the initiative is beyond `stage` (or finished) in its workflow."""
    current = initiative.held_stage.value if initiative.held_stage else initiative.state
    positions = {s.value: i for i, s in enumerate(sequence)}
    return positions.get(current, len(sequence)) > positions[stage.value]
