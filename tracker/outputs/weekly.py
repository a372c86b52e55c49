"""The weekly slippage report's shape: its lines and sections (tracker.services.weekly_report
works them out; tracker.outputs.render writes them), and one logged change as people read it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from tracker.domain.clock import BRUSSELS
from tracker.domain.corrections import CORRECT
from tracker.domain.model import Event, Initiative, PlanChange, Window
from tracker.domain.procedure import EDIT
from tracker.outputs.i18n import format_date
from workflows.definitions import Label, catalogue

# What an edit or a correction changed, by the name its details give it.
FIELD_LABELS = {
    "title": Label("Titel", "Title"),
    "short_title": Label("Korte titel", "Short title"),
    "summary": Label("Samenvatting", "Summary"),
    "entities": Label("Entiteiten", "Entities"),
    "is_public": Label("Openbaar", "Public"),
    "council_of_state_term": Label("Termijn Raad van State", "Council of State term"),
    "entry_into_force": Label("Inwerkingtreding", "Entry into force"),
    "legal_deadlines": Label("Wettelijke termijnen", "Legal deadlines"),
    "occurred_on": Label("Datum", "Date"),
    "reference": Label("Referentie", "Reference"),
    "note": Label("Notitie", "Note"),
}
_YES_NO = {True: Label("ja", "yes"), False: Label("nee", "no")}
_ANNULLED = Label("geannuleerd", "annulled")


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


class ValueChange(msgspec.Struct, gc=False):
    """One value an edit or a correction changed, as people read it."""

    field: str
    label: str
    before: str
    after: str


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
    values: list[ValueChange] = []  # an edit's or a correction's values, before and after


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
            before=None, after=None, rebaseline=False, values=value_changes(entry, lang),
        )  # fmt: skip
    return ChangeLine(
        recorded_at=recorded_at, slug=initiative.slug, title=initiative.title,
            short_title=initiative.short_title,
        type="plan_change", what=cat.stages[entry.stage].label.get(lang), actor=entry.actor,
        occurred_on=None, reference=None, note=entry.reason,
        before=period(entry.plan_before or entry.baseline_before),
        after=period(entry.plan_after), rebaseline=entry.rebaseline,
    )  # fmt: skip


def value_changes(event: Event, lang: str) -> list[ValueChange]:
    """What an edit or a correction changed: each value before and after, in the reader's
    language (a correction that annuls its step says so)."""
    if event.name not in (EDIT, CORRECT) or not event.details:
        return []
    before = event.details.get("before") or {}
    after = event.details.get("after")
    if event.name == CORRECT and after is None:
        annulled = _ANNULLED.get(lang)
        return [ValueChange("occurred_on", FIELD_LABELS["occurred_on"].get(lang),
                            _shown(before.get("occurred_on"), lang), annulled)]  # fmt: skip
    return [
        ValueChange(
            name,
            FIELD_LABELS[name].get(lang) if name in FIELD_LABELS else name,
            _shown(before.get(name), lang),
            _shown((after or {}).get(name), lang),
        )
        for name in before
        if before.get(name) != (after or {}).get(name)
    ]


def _shown(value: Any, lang: str) -> str:
    """A logged value (JSON) as text: dates in words, lists joined, yes or no, a dash for none."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return _YES_NO[value].get(lang)
    if isinstance(value, list):
        return "; ".join(_shown(item, lang) for item in value)
    if isinstance(value, dict):  # a legal deadline: its date and text
        day = _shown(value.get("date"), lang)
        return f"{day}: {value.get('text', '')}" if value.get("date") else str(value.get("text"))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(date.fromisoformat(value), lang)
        except ValueError:
            return value
    return str(value)
