"""Re-planning a stage (its forecast) and, rarely, re-baselining it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tracker.domain.access import Principal
from tracker.domain.bounds import OutOfBounds, window_within, within
from tracker.domain.clock import brussels_day
from tracker.domain.errors import Forbidden, InvalidInput, NotFound, Refused, out_of_bounds
from tracker.domain.model import (
    Finding,
    FindingKind,
    Initiative,
    Milestone,
    PlanChange,
    Severity,
    Span,
    Stage,
    Window,
)
from tracker.domain.procedure import StepWarning
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
    warnings: list[StepWarning]


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
    today = brussels_day(now)
    initiative.replan(stage, window, rebaseline=rebaseline, rules_of=forecast_rules, today=today)
    warnings = plan_warnings(initiative, stage, window, today)
    refresh_replan_findings(initiative)
    _mark_plan_in_past(initiative, stage, window, today)
    uow.initiatives.save(initiative, now=now)
    uow.initiatives.append_plan_change(initiative, change)
    return Replanned(initiative, change, warnings)


# Marks the findings of re-planned windows: the plan check of the annex reader and of the
# baselines (Initiative.refresh_plan_findings) knows only baselines, so these are kept apart.
REPLANNED = "replanned"


def plan_warnings(
    initiative: Initiative, stage: Stage, window: Window, today: date
) -> list[StepWarning]:
    """A re-plan is accepted as the team says, but a window that has passed already or ends
    before the plan of the step before it is most likely a mistake."""
    warnings = []
    params = {"stage": stage.value, "text": window.text}
    if window.latest is not None and window.latest < today:
        warnings.append(StepWarning("plan_in_past", params | {"today": today}))
    previous = _previous_plan(initiative, stage)
    if previous is not None and _ends_before(window, previous[1]):
        labels = catalogue().stages[previous[0]].label
        warnings.append(
            StepWarning(
                "plan_before_previous",
                params
                | {
                    "previous_nl": labels.nl,
                    "previous_en": labels.en,
                    "previous_text": previous[1].text,
                },
            )
        )
    return warnings


def refresh_replan_findings(initiative: Initiative) -> None:
    """The re-planned windows that end before the plan of the step before them, as findings on
    the initiative (the annex reader's kind for stages out of order)."""
    found = []
    for stage in initiative.procedure:
        milestone = initiative.milestones[stage]
        window = milestone.plan
        if window is None or not window.parsed or milestone.actual is not None:
            continue
        previous = _previous_plan(initiative, stage)
        if previous is not None and _ends_before(window, previous[1]):
            params = {
                "stage": stage.value, "text": window.text,
                "previous": previous[0].value, "previous_text": previous[1].text,
                REPLANNED: True,
            }  # fmt: skip
            found.append(Finding(FindingKind.STAGE_ORDER, Severity.WARNING, stage, params))
    kept = [f for f in initiative.findings if not f.params.get(REPLANNED)]
    initiative.findings = kept + found


def _mark_plan_in_past(initiative: Initiative, stage: Stage, window: Window, today: date) -> None:
    """A stage re-planned in a window that had passed already: a finding, until the stage is
    re-planned again (what is past later is overdue, not a mistake in the plan)."""
    initiative.findings = [
        f
        for f in initiative.findings
        if not (f.kind is FindingKind.PLAN_IN_PAST and f.stage == stage)
    ]
    if window.latest is not None and window.latest < today:
        params = {"stage": stage.value, "text": window.text, "on": today.isoformat()}
        initiative.findings.append(
            Finding(FindingKind.PLAN_IN_PAST, Severity.WARNING, stage, params)
        )


def _previous_plan(initiative: Initiative, stage: Stage) -> tuple[Stage, Window] | None:
    """The nearest open stage before `stage` with a planned window; none once one is done
    (reality, not a plan, comes before it then)."""
    procedure = initiative.procedure
    for before in reversed(procedure[: procedure.index(stage)]):
        milestone = initiative.milestones[before]
        if milestone.actual is not None:
            return None
        if milestone.planned is not None:
            return before, milestone.planned
    return None


def _ends_before(window: Window, previous: Window) -> bool:
    return (
        window.latest is not None
        and previous.earliest is not None
        and window.latest < previous.earliest
    )


def _passed(initiative: Initiative, stage: Stage, sequence: list[Stage]) -> bool:
    """Whether the initiative is beyond `stage` (or finished) in its workflow."""
    current = initiative.held_stage.value if initiative.held_stage else initiative.state
    positions = {s.value: i for i, s in enumerate(sequence)}
    return positions.get(current, len(sequence)) > positions[stage.value]
