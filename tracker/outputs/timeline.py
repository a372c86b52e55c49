"""The "legislative train": where each initiative or stage stands on a time axis, laid out for
an inline SVG (templates/_timeline.html draws it; this module only computes the geometry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.domain.model import Initiative, Span, Stage, Window
from tracker.domain.status import Assessment, Status
from tracker.outputs.i18n import MONTHS, format_date, format_span, format_window
from tracker.outputs.page_text import TEXT
from tracker.outputs.read_models import STATUS_LABELS
from workflows.definitions import catalogue

WIDTH = 1000
LABEL_WIDTH = 400  # room for a short title (at most 60 characters) at 12.5 px
ROW_HEIGHT = 34
AXIS_HEIGHT = 34
LANE = 9  # height of a baseline or forecast bar
OPEN_START_DAYS = 14  # how much of an open-start window ("uiterlijk ...") to draw
MIN_BAR = 5.0  # a one-day window stays visible

# The look of each stage and initiative status: a colour from the Okabe-Ito palette (safe for
# colour-blind readers) and a shape that tells the same without colour.
STATUS_SHAPES = {
    Status.ON_TRACK: "circle",
    Status.AT_RISK: "triangle",
    Status.SLIPPED: "square",
    Status.ON_HOLD: "pause",
    Status.DONE: "check",
    Status.WITHDRAWN: "cross",
}


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    lane: str  # "baseline" or "forecast"
    status: str  # the stage's status: its colour and pattern
    title: str
    open_start: bool


@dataclass(frozen=True, slots=True)
class Marker:
    x: float
    kind: str  # "actual" or "deadline"
    title: str


@dataclass(frozen=True, slots=True)
class Row:
    y: float
    label: str
    href: str | None
    note: str  # under the label: the current step, or the stage's dates
    status: str
    status_label: str
    bars: list[Bar]
    markers: list[Marker]


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str
    year: bool


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: float
    label_width: int
    axis_height: int
    row_height: int
    lane: int
    rows: list[Row]
    ticks: list[Tick]
    today_x: float | None
    today_label: str
    start: date
    end: date  # the day after the axis

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Spec:
    """What to draw in one row, before layout."""

    label: str
    href: str | None
    note: str
    status: Status
    baseline: list[tuple[Stage, Window]]
    forecast: list[tuple[Stage, Window]]
    actual: list[tuple[Stage, date]]
    deadlines: list[tuple[str, date]]
    stage_status: dict[Stage, Status]


def stage_status(initiative: Initiative, judged: Assessment, stage: Stage) -> Status:
    """A stage's own status: done when it happened, slipped when overdue or done late."""
    stage_judged = judged.stages.get(stage)
    done = initiative.milestones[stage].actual is not None
    late = stage_judged is not None and (
        stage_judged.overdue or (done and (stage_judged.slippage_days or 0) > 0)
    )
    if late:
        return Status.SLIPPED
    if done:
        return Status.DONE
    if stage_judged is not None and stage_judged.at_risk:
        return Status.AT_RISK
    return Status.ON_TRACK


def initiative_spec(initiative: Initiative, judged: Assessment, *, href: str, note: str) -> Spec:
    """One row for the whole initiative: every stage's windows on one line."""
    stages = initiative.procedure
    return Spec(
        label=initiative.short_title,
        href=href,
        note=note,
        status=judged.status,
        baseline=[(s, w) for s in stages if (w := initiative.milestones[s].baseline)],
        forecast=[
            (s, w)
            for s in stages
            if (w := initiative.milestones[s].forecast) and initiative.milestones[s].actual is None
        ],
        actual=[(s, d) for s in stages if (d := initiative.milestones[s].actual)],
        deadlines=[(d.text, d.due_on) for d in initiative.legal_deadlines if d.due_on],
        stage_status={s: stage_status(initiative, judged, s) for s in stages},
    )


def stage_specs(initiative: Initiative, judged: Assessment, lang: str) -> list[Spec]:
    """One row per stage of an initiative, for its own page."""
    specs = []
    for stage in initiative.procedure:
        milestone = initiative.milestones[stage]
        status = stage_status(initiative, judged, stage)
        shown = milestone.forecast if milestone.actual is None else None
        note = (
            format_date(milestone.actual, lang)
            if milestone.actual
            else format_span(shown.earliest, shown.latest, lang)
            if shown and shown.latest
            else ""
        )
        specs.append(
            Spec(
                label=catalogue().stages[stage].label.get(lang),
                href=None,
                note=note,
                status=status,
                baseline=[(stage, milestone.baseline)] if milestone.baseline else [],
                forecast=[(stage, shown)] if shown else [],
                actual=[(stage, milestone.actual)] if milestone.actual else [],
                # The act must be in force by a legal deadline: shown on its publication.
                deadlines=[(d.text, d.due_on) for d in initiative.legal_deadlines if d.due_on]
                if stage == initiative.procedure[-1]
                else [],
                stage_status={stage: status},
            )
        )
    return specs


def _spans(window: Window) -> list[tuple[date, date, bool]]:
    """The drawable (start, end, open_start) spans of a window; none when it was not read."""
    if window.latest is None:
        return []
    spans = window.alternatives or (Span(window.earliest, window.latest),)
    return [
        (s.earliest or s.latest - timedelta(days=OPEN_START_DAYS), s.latest, s.earliest is None)
        for s in spans
    ]


def _dates(specs: list[Spec]) -> list[date]:
    found: list[date] = []
    for spec in specs:
        for _, window in spec.baseline + spec.forecast:
            found += [d for start, end, _ in _spans(window) for d in (start, end)]
        found += [d for _, d in spec.actual] + [d for _, d in spec.deadlines]
    return found


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(day: date) -> date:
    month = day.month + 3
    return date(day.year + (month > 12), (month - 1) % 12 + 1, 1)


def layout(specs: list[Spec], today: date, lang: str) -> Timeline:
    """Place every row, bar and marker on one axis from the first to the last date shown,
    rounded out to whole quarters so that the axis reads in quarters and years."""
    days = [*_dates(specs), today]
    start = _quarter_start(min(days))
    end = _next_quarter(_quarter_start(max(days)))
    scale = (WIDTH - LABEL_WIDTH - 10) / max((end - start).days, 1)

    def x(day: date) -> float:
        return round(LABEL_WIDTH + (day - start).days * scale, 1)

    def bars(spec: Spec, lane: str, windows: list[tuple[Stage, Window]]) -> list[Bar]:
        drawn = []
        lane_name = TEXT[lang][lane]
        for stage, window in windows:
            stage_label = catalogue().stages[stage].label.get(lang)
            text = format_window(window.earliest, window.latest, window.text, lang)
            for first, last, open_start in _spans(window):
                left = x(first)
                drawn.append(
                    Bar(
                        x=left,
                        width=max(x(last + timedelta(days=1)) - left, MIN_BAR),
                        lane=lane,
                        status=spec.stage_status[stage].value,
                        title=f"{stage_label} – {lane_name}: {text}",
                        open_start=open_start,
                    )
                )
        return drawn

    rows = []
    for index, spec in enumerate(specs):
        markers = [
            Marker(
                x(day),
                "actual",
                f"{catalogue().stages[stage].label.get(lang)}: {TEXT[lang]['done_on']} "
                f"{format_date(day, lang)}",
            )
            for stage, day in spec.actual
        ]
        markers += [
            Marker(x(day), "deadline", f"{TEXT[lang]['deadline']} {format_date(day, lang)}: {text}")
            for text, day in spec.deadlines
        ]
        rows.append(
            Row(
                y=AXIS_HEIGHT + index * ROW_HEIGHT,
                label=spec.label,
                href=spec.href,
                note=spec.note,
                status=spec.status.value,
                status_label=STATUS_LABELS[spec.status].get(lang),
                bars=bars(spec, "baseline", spec.baseline) + bars(spec, "forecast", spec.forecast),
                markers=markers,
            )
        )
    ticks = []
    quarter = start
    while quarter < end:
        label = str(quarter.year) if quarter.month == 1 else MONTHS[lang][quarter.month - 1][:3]
        ticks.append(Tick(x(quarter), label, quarter.month == 1))
        quarter = _next_quarter(quarter)
    return Timeline(
        width=WIDTH,
        height=AXIS_HEIGHT + len(specs) * ROW_HEIGHT + 6,
        label_width=LABEL_WIDTH,
        axis_height=AXIS_HEIGHT,
        row_height=ROW_HEIGHT,
        lane=LANE,
        rows=rows,
        ticks=ticks,
        today_x=x(today) if start <= today <= end else None,
        today_label=f"{TEXT[lang]['today']} {format_date(today, lang)}",
        start=start,
        end=end,
    )
