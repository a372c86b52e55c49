"""What was known at a moment: an initiative rebuilt from its logs as of that instant."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from tracker.domain.model import Event, Initiative, PlanChange, Stage, restore_metadata
from tracker.domain.procedure import CREATE, EDIT, replay


def as_of(
    initiative: Initiative,
    events: Sequence[Event],
    plan_changes: Sequence[PlanChange],
    moment: datetime,
    completed_by: Mapping[Stage, str],
) -> Initiative | None:
    """The initiative as it stood at `moment`, or None if it did not exist yet.

    Plan changes and edits recorded later are undone (newest first); the state, held stage and
    actual dates come from replaying the events recorded by then.
    """
    if any(e.name == CREATE and e.recorded_at > moment for e in events):
        return None
    snapshot = _copy(initiative)
    for edit in sorted(events, key=lambda e: e.recorded_at, reverse=True):
        if edit.recorded_at <= moment:
            break
        if edit.name == EDIT and edit.details:
            restore_metadata(snapshot, edit.details.get("before", {}))
    for change in sorted(plan_changes, key=lambda c: c.recorded_at, reverse=True):
        if change.recorded_at <= moment:
            break
        if change.added:
            snapshot.milestones.pop(change.stage, None)
            continue
        milestone = snapshot.milestones.get(change.stage)
        if milestone is not None:
            milestone.plan = change.plan_before
            milestone.baseline = change.baseline_before
    known = replay([e for e in events if e.recorded_at <= moment], completed_by)
    snapshot.state = known.state
    snapshot.held_stage = known.held_stage
    for stage, milestone in snapshot.milestones.items():
        milestone.actual = known.actuals.get(stage)
    return snapshot


def _copy(initiative: Initiative) -> Initiative:
    """A copy that shares nothing the snapshot may change. Windows, spans, deadlines and events
    are frozen and shared; a deep copy of them cost half of a weekly report's time."""
    return replace(
        initiative,
        entities=list(initiative.entities),
        advisory_bodies=list(initiative.advisory_bodies),
        legal_deadlines=list(initiative.legal_deadlines),
        milestones={stage: replace(m) for stage, m in initiative.milestones.items()},
        findings=[replace(f, params=copy.deepcopy(f.params)) for f in initiative.findings],
    )
