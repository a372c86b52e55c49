"""The procedure's rules (workflows/) applied to initiatives: the stages of a plan, the rules
that check its windows and forecast them, and an initiative's forecasts and status today."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache

import holidays

from tracker.domain.calendar import WorkingCalendar
from tracker.domain.forecast import ForecastRules, entry_into_force
from tracker.domain.model import Initiative, Kind, Milestone, Stage, Window
from tracker.domain.procedure import StageDates
from tracker.domain.schedule import ProcedureRules
from tracker.domain.status import Assessment, assess
from workflows.definitions import Catalogue, catalogue


@cache
def rules_for(cat: Catalogue, term: str = "days_30") -> ProcedureRules:
    """The rules under a Council of State term: built once per catalogue and term, not for every
    initiative of a report."""
    return ProcedureRules(
        minimum=cat.minimum,
        council_term=cat.council_terms[term].duration,
        government_decisions=cat.government_decisions(),
        calendar=cat.calendar(),
    )


def build_milestones(
    kind: Kind, baselines: Mapping[Stage, Window], *, asks_advice: bool, cat: Catalogue
) -> dict[Stage, Milestone]:
    """A milestone for every stage of the procedure; optional stages only when planned."""
    workflow = cat.workflows[kind]
    milestones = {}
    for stage in workflow.stages:
        planned = stage in baselines or (stage is Stage.ADVISORY_OPINIONS and asks_advice)
        if stage in workflow.optional and not planned:
            continue
        window = baselines.get(stage)
        milestones[stage] = Milestone(stage, baseline=window, forecast=window)
    return milestones


def asks_advice(advisory_bodies: list[str], cat: Catalogue) -> bool:
    """Whether any body other than the Council of State is consulted."""
    return any(
        code in cat.advisory_bodies and not cat.advisory_bodies[code].council_of_state
        for code in advisory_bodies
    )


def forecast_rules(initiative: Initiative, cat: Catalogue | None = None) -> ForecastRules:
    return _forecast_rules(cat or catalogue(), initiative.council_of_state_term)


@cache
def _forecast_rules(cat: Catalogue, term: str) -> ForecastRules:
    # Once per catalogue and term (see rules_for), not once per initiative.
    return ForecastRules(rules_for(cat, term), cat.parliament)


def stage_dates(initiative: Initiative, cat: Catalogue | None = None) -> StageDates:
    """What check_date holds the initiative's parliament, publication and Council of State steps
    against: the Council's advice is due its term after the step that asked it, the completion
    of the stage before."""
    cat = cat or catalogue()
    deadline = None
    procedure = initiative.procedure
    if Stage.COUNCIL_OF_STATE in procedure:
        at = procedure.index(Stage.COUNCIL_OF_STATE)
        requested = initiative.milestones[procedure[at - 1]].actual if at else None
        term = cat.council_terms.get(initiative.council_of_state_term)
        if requested is not None and term is not None:
            deadline = cat.calendar().add(requested, term.duration)
    return StageDates(cat.parliament, gazette_calendar(), deadline)


@cache
def gazette_calendar() -> WorkingCalendar:
    """The Belgisch Staatsblad is federal: it appears on every weekday but the Belgian legal
    holidays, the days off of the Flemish administration (calendar.toml) included."""
    legal = holidays.country_holidays("BE")
    return WorkingCalendar(lambda day: day in legal)


def stored_forecasts(initiative: Initiative) -> dict[Stage, Window]:
    return {
        stage: m.forecast
        for stage, m in initiative.milestones.items()
        if m.forecast is not None and m.actual is None
    }


def assessment(
    initiative: Initiative, today: date, forecasts: dict[Stage, Window] | None = None
) -> Assessment:
    """Slippage and status on `today`, from the given or else the stored forecasts."""
    forecasts = stored_forecasts(initiative) if forecasts is None else forecasts
    return assess(initiative, forecasts, today, entry_into_force(initiative, forecasts))
