"""Corrections: a recorded step corrected (its date, reference or note) or annulled, while the
event log stays append-only.

A correction is an event of its own ("correct") that names the step it supersedes by its id and
holds the step's values before and after. The log as it reads after its corrections (`effective`)
is what the state, the actual dates and everything derived from them follow; the history shows
the step and its corrections both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from tracker.domain.model import Event

CORRECT = "correct"
CORRECTED = ("occurred_on", "reference", "note")  # what a correction may change in a step


@dataclass(frozen=True, slots=True)
class Correction:
    """What a caller asks: the step (by its id), its new values (None: as it is) or its
    annulment, and why."""

    event_id: int
    reason: str
    occurred_on: date | None = None
    reference: str | None = None
    note: str | None = None
    annul: bool = False


def effective(events: Iterable[Event]) -> list[Event]:
    """The log as its corrections have it: each corrected step with its latest values, in its
    place; annulled steps left out; the corrections themselves kept (they are no steps)."""
    events = list(events)
    corrections = {}
    for event in events:
        if event.name == CORRECT and event.details:
            corrections[event.details["event_id"]] = event.details  # the latest wins
    if not corrections:
        return events
    result = []
    for event in events:
        details = corrections.get(event.id) if event.is_step else None
        if details is None:
            result.append(event)
        elif not details.get("annul"):
            result.append(_with(event, details["after"]))
    return result


def step_values(event: Event) -> dict[str, Any]:
    """A step's correctable values as a correction's details hold them (JSON)."""
    return {
        "occurred_on": event.occurred_on.isoformat(),
        "reference": event.reference,
        "note": event.note,
    }


def corrected(step: Event, correction: Correction) -> Event:
    """The step as the correction would have it (an annulment leaves it as it is)."""
    if correction.annul:
        return step
    return replace(
        step,
        occurred_on=correction.occurred_on or step.occurred_on,
        # An empty text takes the reference or note away.
        reference=step.reference if correction.reference is None else correction.reference or None,
        note=step.note if correction.note is None else correction.note or None,
    )


def correction_event(
    step: Event,
    after: Event,
    correction: Correction,
    *,
    states: tuple[str, str],
    actor: str,
    today: date,
    now: datetime,
) -> Event:
    """The log's entry for a correction of `step` to `after`, moving the state from and to
    `states`."""
    return Event(
        CORRECT,
        today,
        now,
        actor,
        states[0],
        states[1],
        note=correction.reason,
        details={
            "event_id": correction.event_id,
            "event": step.name,
            "annul": correction.annul,
            "before": step_values(step),
            "after": None if correction.annul else step_values(after),
        },
    )


def latest_step_on(events: Sequence[Event]) -> date | None:
    """The date of the latest step of the corrected log."""
    return max((e.occurred_on for e in effective(events) if e.is_step), default=None)


def _with(event: Event, values: dict[str, Any]) -> Event:
    return replace(
        event,
        occurred_on=date.fromisoformat(values["occurred_on"]),
        reference=values["reference"],
        note=values["note"],
    )
