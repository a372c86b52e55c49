"""Slippage, overdue stages, legal-deadline risk and the initiative status (DESIGN §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.domain.forecast import CLOSED
from tracker.domain.model import Initiative, LegalDeadline, Stage, Terminal, Window


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    SLIPPED = "slipped"
    DONE = "done"
    WITHDRAWN = "withdrawn"
    ON_HOLD = "on_hold"


@dataclass(frozen=True, slots=True)
class StageAssessment:
    stage: Stage
    slippage_days: int | None  # (actual, or forecast latest) - baseline latest; None: no baseline
    overdue: bool  # baseline window passed, nothing recorded
    at_risk: bool  # the forecast ends after the baseline window


@dataclass(frozen=True, slots=True)
class DeadlineRisk:
    deadline: LegalDeadline
    entry_into_force: date


@dataclass(frozen=True, slots=True)
class Assessment:
    status: Status
    stages: dict[Stage, StageAssessment]
    entry_into_force: date | None
    deadline_risks: list[DeadlineRisk]

    @property
    def slippage_days(self) -> int | None:
        """The largest slip of any stage (negative: ahead of the baseline)."""
        slips = [s.slippage_days for s in self.stages.values() if s.slippage_days is not None]
        return max(slips, default=None)

    @property
    def worst_stage(self) -> Stage | None:
        slipped = [s for s in self.stages.values() if s.slippage_days is not None]
        return max(slipped, key=lambda s: s.slippage_days or 0).stage if slipped else None


def _baseline_latest(window: Window | None) -> date | None:
    return window.latest if window is not None and window.parsed else None


def assess(
    initiative: Initiative,
    forecasts: dict[Stage, Window],
    as_of: date,
    entry_into_force: date | None,
) -> Assessment:
    open_ = initiative.state not in CLOSED
    stages = {}
    for stage in initiative.procedure:
        milestone = initiative.milestones[stage]
        baseline = _baseline_latest(milestone.baseline)
        forecast = forecasts.get(stage)
        reached = milestone.actual or (forecast.latest if forecast is not None else None)
        slip = (reached - baseline).days if baseline is not None and reached is not None else None
        stages[stage] = StageAssessment(
            stage=stage,
            slippage_days=slip,
            overdue=open_
            and milestone.actual is None
            and baseline is not None
            and baseline < as_of,
            at_risk=milestone.actual is None and slip is not None and slip > 0,
        )
    risks = [
        DeadlineRisk(deadline, entry_into_force)
        for deadline in initiative.legal_deadlines
        if open_ and deadline.due_on is not None
        and entry_into_force is not None and entry_into_force > deadline.due_on
    ]  # fmt: skip
    return Assessment(_status(initiative, stages, risks), stages, entry_into_force, risks)


def _status(
    initiative: Initiative, stages: dict[Stage, StageAssessment], risks: list[DeadlineRisk]
) -> Status:
    if initiative.state == Terminal.WITHDRAWN.value:
        return Status.WITHDRAWN
    if initiative.state == Terminal.PUBLISHED.value:
        return Status.DONE
    if initiative.state == Terminal.ON_HOLD.value:
        return Status.ON_HOLD
    done_late = any(
        initiative.milestones[s.stage].actual is not None and (s.slippage_days or 0) > 0
        for s in stages.values()
    )
    if done_late or any(s.overdue for s in stages.values()):
        return Status.SLIPPED
    if risks or any(s.at_risk for s in stages.values()):
        return Status.AT_RISK
    return Status.ON_TRACK
