"""The weekly slippage report: its content, worked out from the logs as of a moment."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from tracker.domain.access import Principal
from tracker.domain.asof import rewind
from tracker.domain.clock import BRUSSELS
from tracker.domain.errors import InvalidQuery
from tracker.domain.forecast import entry_into_force, forecast
from tracker.domain.model import Event, Initiative, PlanChange, Stage, Window
from tracker.domain.status import Assessment, Status, assess
from tracker.domain.weeks import IsoWeek
from tracker.outputs.collector import full_collections_postponed
from tracker.outputs.messages import finding_message
from tracker.outputs.read_models import STATUS_LABELS
from tracker.outputs.weekly import (
    ChangeLine,
    DeadlineLine,
    FindingLine,
    InitiativeLine,
    StageLine,
    Summary,
    WeeklyReport,
    change_line,
    period,
)
from tracker.rules.procedure_rules import forecast_rules
from tracker.services.initiatives import visibility
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import UnitOfWork
from workflows.definitions import catalogue

DUE_DAYS = 28  # "due in the next 4 weeks"
BIGGEST = 5


@dataclass(frozen=True, slots=True)
class _Stood:
    """An initiative as it stood at a report's moment, with its logs and the checks of its
    plan: what holds from one day to the next, for as long as the initiative is unchanged."""

    initiative: Initiative
    events: list[Event]
    changes: list[PlanChange]
    last_recorded: datetime | None

    def holds(self, version: int, moment: datetime) -> bool:
        """Whether this still is the initiative of `version` as it stood at `moment`."""
        return (
            self.initiative.version == version
            and self.last_recorded is not None
            and self.last_recorded <= moment
        )


@dataclass(slots=True)
class _Known:
    """An initiative as it stood, judged on the report's day, and by language the lines it
    gives (made when a report first asks for them)."""

    stood: _Stood
    forecasts: dict[Stage, Window]
    judged: Assessment
    lines: dict[str, tuple[InitiativeLine | None, list[StageLine]]] = field(default_factory=dict)

    @property
    def initiative(self) -> Initiative:
        return self.stood.initiative


class ReportMemo:
    """What the weekly report worked out, kept while it holds.

    An initiative stands as it was at a report's moment for as long as its version is the same
    (every event and re-plan raises it) and its log ends before the moment (nothing to turn
    back); that is kept across days. Its forecast and judgement depend on the day as well: they
    are kept per day, for the days asked for most recently. Rebuilding all 10,000 initiatives
    of a large programme took over 1.5 s; a report with a memo rebuilds only those that
    changed, and on a new day judges the others again (the larger part of the time was reading,
    turning back and checking plans, which a new day does not change).
    """

    DAYS = 2

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Held while a report works out its initiatives: a second report waits and then finds
        # them in the memo, instead of working them out beside the first (under the GIL, both
        # would take as long as the two together).
        self.building = threading.Lock()
        self._stood: dict[int, _Stood] = {}
        self._days: dict[date, dict[int, _Known]] = {}

    def of(self, day: date) -> tuple[dict[int, _Stood], dict[int, _Known]]:
        """The initiatives kept as they stood (any day) and as judged on `day`, by id; changes
        to the dicts are kept."""
        with self._lock:
            kept = self._days.pop(day, None)
            self._days[day] = kept = {} if kept is None else kept  # now the most recent
            while len(self._days) > self.DAYS:
                del self._days[next(iter(self._days))]
            return self._stood, kept


def report_moment(week: IsoWeek, requested: datetime | None, now: datetime) -> datetime:
    """The instant the report is made as of: the end of the week, or `requested`; never later
    than now (a week in progress gives a provisional report)."""
    moment = requested or week.ends_at
    if moment > now:
        # A day means its end: today (or this week) is reported as far as it has gone.
        if (
            requested is not None
            and requested.astimezone(BRUSSELS).date() > now.astimezone(BRUSSELS).date()
        ):
            raise InvalidQuery("as_of", "lies in the future")
        moment = now
    if week.starts_at > now:
        raise InvalidQuery("week", f"{week} has not started yet")
    return moment


def weekly_report(
    uow: UnitOfWork,
    week: IsoWeek,
    *,
    principal: Principal,
    now: datetime,
    requested: datetime | None = None,
    entity: str | None = None,
    lang: str = "nl",
    memo: ReportMemo | None = None,
) -> WeeklyReport:
    """The report of `week` as a reader sees it; a server passes one `memo` to all its reports."""
    moment = report_moment(week, requested, now)
    if entity and not uow.initiatives.entity_names([entity]):
        raise InvalidQuery("entity", f"unknown entity '{entity}'")
    day = moment.astimezone(BRUSSELS).date()
    # Every initiative, its logs and what follows from them stay until the report is made: the
    # collector's full collections, rescanning them again and again, would find nothing.
    memo = ReportMemo() if memo is None else memo
    with full_collections_postponed(), memo.building:
        visible = InitiativeFilter(entity=entity, visible_to=visibility(principal))
        known = _as_of(uow, visible, moment, day, memo)
        return _report(week, moment, day, lang, entity, known)


def _as_of(
    uow: UnitOfWork, visible: InitiativeFilter, moment: datetime, day: date, memo: ReportMemo
) -> list[_Known]:
    """The initiatives as they stood at `moment`, judged on `day`, with their logs: from the
    memo where they still hold, else rebuilt (and kept if they will hold again)."""
    stood, judged = memo.of(day)
    stamps = uow.initiatives.versions(visible)
    found = {
        id_: s for id_, version in stamps
        if (s := stood.get(id_)) is not None and s.holds(version, moment)
    }  # fmt: skip
    # Rows before logs: a log read a moment later may hold an entry newer than the row; it is
    # then kept under a version that no report asks for again.
    initiatives = uow.initiatives.by_ids([id_ for id_, _ in stamps if id_ not in found])
    ids = [i.id for i in initiatives if i.id is not None]
    events = uow.initiatives.events_of(ids)
    changes = uow.initiatives.plan_changes_of(ids)
    first_record = min((e.recorded_at for log in events.values() for e in log), default=None)
    # Nothing visible (a new tracker, or a reader who may see none) is an empty report; a moment
    # before the first record is a question the log cannot answer (an initiative from the memo
    # was recorded by then).
    if not found and first_record is not None and moment < first_record:
        raise InvalidQuery("as_of", "lies before any data was recorded")
    cat = catalogue()
    completed_by = {stage: d.completed_by for stage, d in cat.stages.items()}
    for snapshot in initiatives:  # read for this report alone: turned back in place, no copy
        assert snapshot.id is not None
        logged, replans = events.get(snapshot.id, []), changes.get(snapshot.id, [])
        if not rewind(snapshot, logged, replans, moment, completed_by):
            continue
        snapshot.refresh_plan_findings(forecast_rules(snapshot, cat))
        last = max((entry.recorded_at for log in (logged, replans) for entry in log), default=None)
        s = found[snapshot.id] = _Stood(snapshot, logged, replans, last)
        if last is not None and last <= moment:
            stood[snapshot.id] = s
    known = []
    for id_ in sorted(found):
        s = found[id_]
        k = judged.get(id_)
        if k is None or k.stood is not s:
            expected = forecast(s.initiative, day, forecast_rules(s.initiative, cat))
            assessed = assess(s.initiative, expected, day, entry_into_force(s.initiative, expected))
            k = _Known(s, expected, assessed)
            if stood.get(id_) is s:
                judged[id_] = k
        known.append(k)
    return known


def _report(
    week: IsoWeek,
    moment: datetime,
    day: date,
    lang: str,
    entity: str | None,
    known: list[_Known],
) -> WeeklyReport:
    names = {stage: (stage.value, d.label.get(lang)) for stage, d in catalogue().stages.items()}
    made = [_lines(k, day, lang, names) for k in known]
    lines = {line.slug: line for line, _ in made if line is not None}
    stages = [s for _, stage_lines in made for s in stage_lines]
    slipped = sorted(
        (lines[k.initiative.slug] for k in known if k.judged.status is Status.SLIPPED),
        key=lambda line: (-(line.slippage_days or 0), line.slug),
    )
    horizon = day + timedelta(days=DUE_DAYS)
    due = [
        s for s in stages
        if s.actual is None and s.planned and s.forecast is not None
        and s.forecast.earliest is not None
        and s.forecast.latest is not None
        and s.forecast.earliest <= horizon and s.forecast.latest > day
    ]  # fmt: skip
    due.sort(key=lambda s: (s.forecast.earliest if s.forecast else day, s.slug))
    overdue = sorted(
        (s for s in stages if s.overdue),
        key=lambda s: (-(s.days_overdue or 0), s.slug, s.stage),
    )
    by_status = {status.value: 0 for status in Status}
    for k in known:
        by_status[k.judged.status.value] += 1
    return WeeklyReport(
        week=str(week),
        week_start=week.monday,
        week_end=week.sunday,
        as_of=moment.astimezone(BRUSSELS),
        as_of_date=day,
        provisional=moment < week.ends_at,
        lang=lang,
        entity=entity,
        summary=Summary(
            initiatives=len(known),
            by_status=by_status,
            biggest_slips=sorted(
                (line for line in lines.values() if (line.slippage_days or 0) > 0),
                key=lambda line: (-(line.slippage_days or 0), line.slug),
            )[:BIGGEST],
        ),
        slipped=slipped,
        overdue=overdue,
        due=due,
        changes=_changes(known, week, moment, lang),
        deadlines_at_risk=sorted(
            (
                DeadlineLine(
                    slug=k.initiative.slug,
                    title=k.initiative.title,
                    short_title=k.initiative.short_title,
                    deadline=risk.deadline.due_on,
                    text=risk.deadline.text,
                    entry_into_force=risk.entry_into_force,
                    days_late=(risk.entry_into_force - risk.deadline.due_on).days,
                )
                for k in known
                for risk in k.judged.deadline_risks
                if risk.deadline.due_on is not None
            ),
            key=lambda line: (line.deadline, line.slug),
        ),
        findings=[
            FindingLine(
                slug=k.initiative.slug,
                title=k.initiative.title,
                short_title=k.initiative.short_title,
                kind=f.kind.value,
                severity=f.severity.value,
                stage=f.stage.value if f.stage else None,
                message=finding_message(f, lang),
            )
            for k in sorted(known, key=lambda k: k.initiative.slug)
            for f in k.initiative.findings
        ],
        stages=stages,
    )


def _lines(
    k: _Known, day: date, lang: str, names: dict[Stage, tuple[str, str]]
) -> tuple[InitiativeLine | None, list[StageLine]]:
    """The initiative's line (only for those the summary or the slipped list shows: most are
    neither) and its stages' lines, in the report's language; made once per language."""
    made = k.lines.get(lang)
    if made is None:
        shown = k.judged.status is Status.SLIPPED or (k.judged.slippage_days or 0) > 0
        made = (_initiative_line(k, lang) if shown else None, _stage_lines(k, day, names))
        k.lines[lang] = made
    return made


def _initiative_line(k: _Known, lang: str) -> InitiativeLine:
    cat = catalogue()
    worst = k.judged.worst_stage
    return InitiativeLine(
        slug=k.initiative.slug,
        title=k.initiative.title,
        short_title=k.initiative.short_title,
        kind=k.initiative.kind.value,
        status=k.judged.status.value,
        status_label=STATUS_LABELS[k.judged.status].get(lang),
        slippage_days=k.judged.slippage_days,
        worst_stage=worst.value if worst else None,
        worst_stage_label=cat.stages[worst].label.get(lang) if worst else None,
        state_label=cat.state_label(k.initiative.state, lang),
    )


def _stage_lines(k: _Known, day: date, names: dict[Stage, tuple[str, str]]) -> list[StageLine]:
    """A line for every stage of the initiative; `names` holds each stage's value and its label
    in the report's language, looked up once per report."""
    initiative, status = k.initiative, k.judged.status.value
    lines = []
    for stage in initiative.procedure:
        value, label = names[stage]
        milestone = initiative.milestones[stage]
        judged = k.judged.stages[stage]
        baseline = milestone.baseline if milestone.baseline and milestone.baseline.parsed else None
        lines.append(
            StageLine(
                slug=initiative.slug,
                title=initiative.title,
                short_title=initiative.short_title,
                stage=value,
                stage_label=label,
                baseline=period(milestone.baseline),
                forecast=period(k.forecasts.get(stage)),
                actual=milestone.actual,
                slippage_days=judged.slippage_days,
                overdue=judged.overdue,
                days_overdue=(day - baseline.latest).days
                if judged.overdue and baseline and baseline.latest
                else None,
                status=status,
                planned=milestone.planned is not None,
            )
        )
    return lines


def _changes(known: list[_Known], week: IsoWeek, moment: datetime, lang: str) -> list[ChangeLine]:
    # The report week's changes only. In UTC, as the logs are: comparing times of one time zone
    # skips looking up Brussels' offset for every entry.
    start, end = week.starts_at.astimezone(UTC), min(moment, week.ends_at).astimezone(UTC)
    lines = []
    for k in known:
        logged: list[Event | PlanChange] = [*k.stood.events, *k.stood.changes]
        lines += [
            change_line(k.initiative, entry, lang)
            for entry in logged
            if start <= entry.recorded_at <= end
        ]
    return sorted(lines, key=lambda line: (line.recorded_at, line.slug, line.type))
