"""Forecasts that follow reality (DESIGN §4, §5).

For every open stage, the forecast window starts from the window planned for it and moves later
when reality demands it: no stage is expected before the day after the as-of date, each stage
follows its predecessor (done or forecast) by at least its minimal duration, approvals fall on
government Fridays and the parliament votes on a plenary day outside its recesses. A forecast
is never earlier than the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from tracker.domain.calendar import ParliamentCalendar
from tracker.domain.model import Finding, Initiative, Span, Stage, Terminal, Window
from tracker.domain.schedule import ENTRY_INTO_FORCE_DELAY, ProcedureRules, check_plan

CLOSED = frozenset({Terminal.PUBLISHED.value, Terminal.WITHDRAWN.value})


@dataclass(frozen=True, slots=True)
class ForecastRules:
    procedure: ProcedureRules
    parliament: ParliamentCalendar

    def on_or_after(self, stage: Stage, day: date) -> date:
        """The first day on or after `day` on which `stage` can be completed."""
        if stage in self.procedure.government_decisions:
            day = self.procedure.calendar.government_friday_on_or_after(day)
        if stage is Stage.PARLIAMENT:
            day = self.parliament.plenary_on_or_after(day)
        return day

    def expected(self, initiative: Initiative, today: date) -> dict[Stage, Window]:
        """forecast() under these rules (Initiative.refresh_forecast)."""
        return forecast(initiative, today, self)

    def plan_findings(self, initiative: Initiative) -> list[Finding]:
        """The checks of the planned windows (Initiative.refresh_plan_findings)."""
        return check_plan(initiative, self.procedure)

    def on_or_before(self, stage: Stage, day: date) -> date:
        if stage in self.procedure.government_decisions:
            day = self.procedure.calendar.government_friday_on_or_before(day)
        if stage is Stage.PARLIAMENT:
            day = self.parliament.plenary_on_or_before(day)
        return day


def forecast(initiative: Initiative, as_of: date, rules: ForecastRules) -> dict[Stage, Window]:
    """The forecast window of every open stage, as expected on `as_of`.

    While reality fits the plan, a stage's forecast is its planned window itself (text and
    alternatives included); once it does not, it is the window reality leaves.
    """
    if initiative.state in CLOSED:
        return {}
    calendar = rules.procedure.calendar
    floor = as_of + timedelta(days=1)
    result: dict[Stage, Window] = {}
    previous: tuple[date, date] | None = None
    for stage in initiative.procedure:
        milestone = initiative.milestones[stage]
        if milestone.actual is not None:
            previous = (milestone.actual, milestone.actual)
            continue
        need_lo = need_hi = floor
        if previous is not None:
            minimum = rules.procedure.minimum_for(stage)
            need_lo = max(floor, calendar.add(previous[0], minimum))
            need_hi = max(floor, calendar.add(previous[1], minimum))
        planned = milestone.planned
        if planned is None or planned.latest is None:
            lo = rules.on_or_after(stage, need_lo)
            hi = max(lo, rules.on_or_after(stage, need_hi))
            result[stage] = _computed(lo, hi)
        else:
            start = _first_reachable_start(planned, need_lo)
            lo = rules.on_or_after(stage, max(need_lo, start))
            latest_needed = rules.on_or_after(stage, need_hi)
            if latest_needed <= planned.latest:
                hi = max(lo, latest_needed, rules.on_or_before(stage, planned.latest))
            else:
                hi = max(lo, latest_needed)
            fits = start == (planned.earliest or start) and need_lo <= start
            result[stage] = planned if fits and hi <= planned.latest else _computed(lo, hi)
        previous = (lo, hi)
    return result


def _first_reachable_start(planned: Window, need: date) -> date:
    """Where the plan can still start: "juli of november" is November once July is out of
    reach. An open start ("uiterlijk ...") starts when reality allows."""
    for span in planned.alternatives:
        if span.latest >= need:
            return span.earliest or need
    return planned.earliest or need


@lru_cache(maxsize=4096)
def _computed(lo: date, hi: date) -> Window:
    # Windows are immutable and many initiatives are expected on the same days (the day after
    # the as-of day, the next government Friday): one object each, its text written once.
    return Window(f"{lo.isoformat()} – {hi.isoformat()}", lo, hi, (Span(lo, hi),))


def entry_into_force(initiative: Initiative, forecasts: dict[Stage, Window]) -> date | None:
    """The (latest expected) day the act enters into force."""
    if initiative.entry_into_force is not None:
        return initiative.entry_into_force
    publication = initiative.milestones.get(Stage.PUBLICATION)
    if publication is None:
        return None
    if publication.actual is not None:
        return publication.actual + ENTRY_INTO_FORCE_DELAY
    window = forecasts.get(Stage.PUBLICATION)
    return (
        None if window is None or window.latest is None else window.latest + ENTRY_INTO_FORCE_DELAY
    )
