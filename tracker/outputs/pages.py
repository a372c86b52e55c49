"""What the web pages show, computed from the domain objects (the templates only lay it out)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from tracker.domain.clock import BRUSSELS
from tracker.domain.corrections import CORRECT, effective
from tracker.domain.model import Event, Initiative, PlanChange
from tracker.domain.status import Status
from tracker.outputs.i18n import format_window
from tracker.outputs.read_models import STATUS_LABELS, STATUS_ORDER, FindingView, finding_view
from tracker.outputs.timeline import (
    STATUS_SHAPES,
    Timeline,
    initiative_spec,
    layout,
    stage_specs,
)
from tracker.outputs.weekly import ChangeLine, change_line
from tracker.rules.procedure_rules import assessment
from workflows.definitions import catalogue


@dataclass(frozen=True, slots=True)
class NextStep:
    label: str
    planned: str
    forecast: str | None


@dataclass(frozen=True, slots=True)
class ProgrammeRow:
    slug: str
    title: str
    short_title: str
    kind_label: str
    state_label: str
    status: str
    status_label: str
    entities: list[str]
    next: NextStep | None
    findings: list[FindingView]


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: str
    label: str
    shape: str
    count: int


@dataclass(frozen=True, slots=True)
class Programme:
    rows: list[ProgrammeRow]
    timeline: Timeline
    counts: list[StatusCount]


def _next_step(initiative: Initiative, lang: str) -> NextStep | None:
    stages = [s.value for s in initiative.procedure]
    start = stages.index(initiative.state) if initiative.state in stages else len(stages)
    for stage in initiative.procedure[start:]:
        milestone = initiative.milestones[stage]
        planned, expected = milestone.planned, milestone.forecast
        if planned is not None:
            return NextStep(
                catalogue().stages[stage].label.get(lang),
                format_window(planned.earliest, planned.latest, planned.text, lang),
                None
                if expected is None
                else format_window(expected.earliest, expected.latest, expected.text, lang),
            )
    return None


def status_of(initiative: Initiative, today: date) -> Status:
    return assessment(initiative, today).status


def programme(initiatives: list[Initiative], today: date, lang: str) -> Programme:
    """The rows, the timeline and the counts by status of these initiatives."""
    cat = catalogue()
    rows, specs = [], []
    for initiative in initiatives:
        judged = assessment(initiative, today)
        state_label = cat.state_label(initiative.state, lang)
        rows.append(
            ProgrammeRow(
                slug=initiative.slug,
                title=initiative.title,
                short_title=initiative.short_title,
                kind_label=cat.workflows[initiative.kind].label.get(lang),
                state_label=state_label,
                status=judged.status.value,
                status_label=STATUS_LABELS[judged.status].get(lang),
                entities=initiative.entities,
                next=_next_step(initiative, lang),
                findings=[finding_view(f, lang) for f in initiative.findings],
            )
        )
        specs.append(
            initiative_spec(
                initiative,
                judged,
                href=f"/initiatives/{initiative.slug}?lang={lang}",
                note=f"{cat.workflows[initiative.kind].label.get(lang)} · {state_label}",
            )
        )
    tally = Counter(row.status for row in rows)
    counts = [
        StatusCount(s.value, STATUS_LABELS[s].get(lang), STATUS_SHAPES[s], tally[s.value])
        for s in STATUS_ORDER
    ]
    return Programme(rows, layout(specs, today, lang), counts)


def stage_timeline(initiative: Initiative, today: date, lang: str) -> Timeline:
    return layout(stage_specs(initiative, assessment(initiative, today), lang), today, lang)


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """A row of an initiative's history: the logged change as the weekly report reads it, and
    what the page needs besides to correct a step (kept out of the report's lines, whose bytes
    the report's digests fix)."""

    change: ChangeLine
    event_id: int | None  # a step's id, which its correction form names; None for the rest
    current: Event | None  # the step as its corrections leave it; None once annulled or no step
    annulled: bool = False
    corrected_at: datetime | None = None  # when it was last corrected (Brussels time)


def history_lines(
    initiative: Initiative, entries: list[Event | PlanChange], lang: str
) -> list[HistoryLine]:
    """Newest first, as people read a history; the API lists them oldest first."""
    events = [e for e in entries if isinstance(e, Event)]
    now = {e.id: e for e in effective(events) if e.is_step}
    corrections: dict[int | None, Event] = {}
    for event in events:
        if event.name == CORRECT and event.details:
            corrections[event.details["event_id"]] = event  # the latest wins, as in `effective`
    lines = []
    for entry in entries:
        line = change_line(initiative, entry, lang)
        if not (isinstance(entry, Event) and entry.is_step and entry.id is not None):
            lines.append(HistoryLine(line, None, None))
            continue
        corrected = corrections.get(entry.id)
        lines.append(
            HistoryLine(
                line,
                entry.id,
                now.get(entry.id),
                annulled=entry.id not in now,
                corrected_at=None
                if corrected is None or entry.id not in now
                else corrected.recorded_at.astimezone(BRUSSELS),
            )
        )
    return sorted(lines, key=lambda line: line.change.recorded_at, reverse=True)
