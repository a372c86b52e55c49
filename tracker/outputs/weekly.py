"""The weekly slippage report's shape: its lines and sections (tracker.services.weekly_report
works them out; tracker.outputs.render writes them), and one logged change as people read it."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from tracker.domain.clock import BRUSSELS
from tracker.domain.model import Event, Initiative, PlanChange, Window
from workflows.definitions import catalogue


# The report's lines hold only values (strings, numbers, dates, Periods), so they can never be
# part of a reference cycle: gc=False keeps the collector from tracking them, and a report on
# 10,000 initiatives has some 75,000 of them, which the collector otherwise scans again and again
# while the report is built.
class Period(msgspec.Struct, gc=False):
    earliest: date | None
    latest: date | None
    text: str


class InitiativeLine(msgspec.Struct, gc=False):
    slug: str
    title: str
    short_title: str
    kind: str
    status: str
    status_label: str
    slippage_days: int | None
    worst_stage: str | None
    worst_stage_label: str | None
    state_label: str


class StageLine(msgspec.Struct, gc=False):
    slug: str
    title: str
    short_title: str
    stage: str
    stage_label: str
    baseline: Period | None
    forecast: Period | None
    actual: date | None
    slippage_days: int | None
    overdue: bool
    days_overdue: int | None
    status: str
    planned: bool  # the annex or a re-plan gives it a window (drafting, for one, has none)


class ChangeLine(msgspec.Struct, gc=False):
    recorded_at: datetime
    slug: str
    title: str
    short_title: str
    type: str  # "event" or "plan_change"
    what: str  # the event's label, or the re-planned stage's label
    actor: str
    occurred_on: date | None
    reference: str | None
    note: str | None  # the event's note, or the re-plan's reason
    before: Period | None
    after: Period | None
    rebaseline: bool


class DeadlineLine(msgspec.Struct, gc=False):
    slug: str
    title: str
    short_title: str
    deadline: date
    text: str
    entry_into_force: date
    days_late: int


class FindingLine(msgspec.Struct, gc=False):
    slug: str
    title: str
    short_title: str
    kind: str
    severity: str
    stage: str | None
    message: str


class Summary(msgspec.Struct):
    initiatives: int
    by_status: dict[str, int]
    biggest_slips: list[InitiativeLine]


class WeeklyReport(msgspec.Struct):
    week: str
    week_start: date
    week_end: date
    as_of: datetime
    as_of_date: date
    provisional: bool  # the week has not ended: more may be recorded
    lang: str
    entity: str | None
    summary: Summary
    slipped: list[InitiativeLine]
    overdue: list[StageLine]
    due: list[StageLine]
    changes: list[ChangeLine]
    deadlines_at_risk: list[DeadlineLine]
    findings: list[FindingLine]
    stages: list[StageLine]  # every stage of every initiative (the CSV)


def period(window: Window | None) -> Period | None:
    if window is None:
        return None
    return Period(window.earliest, window.latest, window.text)


def change_line(initiative: Initiative, entry: Event | PlanChange, lang: str) -> ChangeLine:
    """One logged change as people read it: in the weekly report and an initiative's history."""
    cat = catalogue()
    recorded_at = entry.recorded_at.astimezone(BRUSSELS)
    if isinstance(entry, Event):
        return ChangeLine(
            recorded_at=recorded_at, slug=initiative.slug, title=initiative.title,
            short_title=initiative.short_title, type="event",
            what=cat.event_label(entry.name, lang), actor=entry.actor,
            occurred_on=entry.occurred_on, reference=entry.reference, note=entry.note,
            before=None, after=None, rebaseline=False,
        )  # fmt: skip
    return ChangeLine(
        recorded_at=recorded_at, slug=initiative.slug, title=initiative.title,
            short_title=initiative.short_title,
        type="plan_change", what=cat.stages[entry.stage].label.get(lang), actor=entry.actor,
        occurred_on=None, reference=None, note=entry.reason,
        before=period(entry.plan_before or entry.baseline_before),
        after=period(entry.plan_after), rebaseline=entry.rebaseline,
    )  # fmt: skip
