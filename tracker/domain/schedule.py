"""Plan checks: stages planned out of order, or closer together than the minimal durations."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tracker.domain.calendar import Duration, WorkingCalendar
from tracker.domain.model import (
    STAGE_ORDER,
    Finding,
    FindingKind,
    Initiative,
    LegalDeadline,
    Severity,
    Stage,
    Window,
)

ENTRY_INTO_FORCE_DELAY = timedelta(days=10)  # art. 84 BWHI / art. 56: ten days after publication
NO_MINIMUM = Duration()  # a stage without a minimal duration (one object, not one per question)


@dataclass(frozen=True, slots=True)
class ProcedureRules:
    """Minimal durations per stage (None: the Council of State term) and government decisions."""

    minimum: Mapping[Stage, Duration | None]
    council_term: Duration
    government_decisions: frozenset[Stage]
    calendar: WorkingCalendar

    def minimum_for(self, stage: Stage) -> Duration:
        found = self.minimum.get(stage, NO_MINIMUM)
        return self.council_term if found is None else found

    def earliest_completion(self, start: date, stages: Sequence[Stage]) -> date:
        """The first day `stages` can all be completed when the stage before ends on `start`."""
        day = start
        for stage in stages:
            day = self.calendar.add(day, self.minimum_for(stage))
            if stage in self.government_decisions:
                day = self.calendar.government_friday_on_or_after(day)
        return day


def _planned(initiative: Initiative) -> list[tuple[Stage, Window]]:
    return [
        (stage, m.baseline)
        for stage, m in sorted(initiative.milestones.items(), key=lambda i: STAGE_ORDER[i[0]])
        if m.baseline is not None and m.baseline.parsed
    ]


def _pair_finding(
    previous: tuple[Stage, Window],
    current: tuple[Stage, Window],
    procedure: Sequence[Stage],
    rules: ProcedureRules,
) -> Finding | None:
    (p_stage, p), (c_stage, c) = previous, current
    p_target, c_target = p.target, c.target  # computed properties: read once
    assert p.latest and c.latest and p_target and c_target  # noqa: PT018 (parsed windows)
    if p.earliest is not None and c.latest < p.earliest:
        return _finding(FindingKind.STAGE_ORDER, Severity.ERROR, previous, current)
    if c_target < p_target:
        return _finding(FindingKind.STAGE_ORDER, Severity.WARNING, previous, current)
    between = procedure[procedure.index(p_stage) + 1 : procedure.index(c_stage) + 1]
    possible = rules.earliest_completion(p_target, between)
    days = {"planned_days": (c_target - p_target).days, "needed_days": (possible - p_target).days}
    if p.earliest is not None and rules.earliest_completion(p.earliest, between) > c.latest:
        return _finding(FindingKind.TIGHT_SCHEDULE, Severity.ERROR, previous, current, days)
    if possible > c_target:
        return _finding(FindingKind.TIGHT_SCHEDULE, Severity.WARNING, previous, current, days)
    return None


def _finding(
    kind: FindingKind,
    severity: Severity,
    previous: tuple[Stage, Window],
    current: tuple[Stage, Window],
    days: dict[str, int] | None = None,
) -> Finding:
    """A finding on the current stage whose params name both stages (and, for a tight schedule,
    the days): built only for the pairs that have one, most have none."""
    (p_stage, p), (c_stage, c) = previous, current
    params: dict[str, Any] = {
        "stage": c_stage.value, "text": c.text, "previous": p_stage.value, "previous_text": p.text,
    }  # fmt: skip
    return Finding(kind, severity, c_stage, params | (days or {}))


def check_plan(initiative: Initiative, rules: ProcedureRules) -> list[Finding]:
    """Order and minimal-duration findings for consecutive planned stages, plus deadline risks."""
    planned = _planned(initiative)
    procedure = initiative.procedure
    findings = [
        f
        for previous, current in itertools.pairwise(planned)
        if (f := _pair_finding(previous, current, procedure, rules)) is not None
    ]
    publication = initiative.milestones.get(Stage.PUBLICATION)
    if publication and publication.baseline and publication.baseline.parsed:
        findings += _deadline_risks(publication.baseline, initiative.legal_deadlines)
    return findings


def _deadline_risks(publication: Window, deadlines: Sequence[LegalDeadline]) -> list[Finding]:
    findings = []
    assert publication.latest is not None
    for deadline in deadlines:
        if deadline.due_on is None:
            continue
        start = publication.earliest or publication.latest
        params = {
            "deadline": deadline.due_on.isoformat(),
            "text": publication.text,
            "entry_into_force": (publication.latest + ENTRY_INTO_FORCE_DELAY).isoformat(),
        }
        if start + ENTRY_INTO_FORCE_DELAY > deadline.due_on:
            findings.append(
                Finding(FindingKind.DEADLINE_RISK, Severity.ERROR, Stage.PUBLICATION, params)
            )
        elif publication.latest + ENTRY_INTO_FORCE_DELAY > deadline.due_on:
            findings.append(
                Finding(FindingKind.DEADLINE_RISK, Severity.WARNING, Stage.PUBLICATION, params)
            )
    return findings
