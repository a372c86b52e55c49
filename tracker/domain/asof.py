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
    """The initiative as it stood at `moment`, or None if it did not exist yet; `initiative`
    itself is left as it is."""
    snapshot = _copy(initiative)
    return snapshot if rewind(snapshot, events, plan_changes, moment, completed_by) else None


def rewind(
    initiative: Initiative,
    events: Sequence[Event],
    plan_changes: Sequence[PlanChange],
    moment: datetime,
    completed_by: Mapping[Stage, str],
) -> bool:
    """Turn `initiative` back, in place, into what it was at `moment`; False (and untouched) if
    it did not exist yet. For a caller that owns a fresh copy: as_of without the copy.

    Plan changes and edits recorded later are undone (newest first); the state, held stage and
    actual dates come from replaying the events recorded by then.
    """
    known: list[Event] = []
    later: list[Event] = []
    for event in events:
        (known if event.recorded_at <= moment else later).append(event)
    if any(e.name == CREATE for e in later):
        return False
    # sorted() is stable with reverse=True too: entries recorded at the same instant are undone
    # in log order, as before.
    for edit in sorted(later, key=_recorded_at, reverse=True):
        if edit.name == EDIT and edit.details:
            restore_metadata(initiative, edit.details.get("before", {}))
    undone = [c for c in plan_changes if c.recorded_at > moment]
    for change in sorted(undone, key=_recorded_at, reverse=True):
        if change.added:
            initiative.milestones.pop(change.stage, None)
            continue
        milestone = initiative.milestones.get(change.stage)
        if milestone is not None:
            milestone.plan = change.plan_before
            milestone.baseline = change.baseline_before
    replayed = replay(known, completed_by)
    initiative.state = replayed.state
    initiative.held_stage = replayed.held_stage
    for stage, milestone in initiative.milestones.items():
        milestone.actual = replayed.actuals.get(stage)
    return True


def _recorded_at(entry: Event | PlanChange) -> datetime:
    return entry.recorded_at


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
