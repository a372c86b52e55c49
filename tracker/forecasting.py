"""Keeping stored forecasts current: computed from the plan, the actual dates and the rules."""

from __future__ import annotations

from datetime import date
from functools import cache

from tracker.domain.forecast import ForecastRules, entry_into_force
from tracker.domain.model import Initiative, Stage, Window
from tracker.domain.status import Assessment, assess
from tracker.plans import rules_for
from workflows.definitions import Catalogue, catalogue


def forecast_rules(initiative: Initiative, cat: Catalogue | None = None) -> ForecastRules:
    return _forecast_rules(cat or catalogue(), initiative.council_of_state_term)


@cache
def _forecast_rules(cat: Catalogue, term: str) -> ForecastRules:
    # Once per catalogue and term (see rules_for), not once per initiative.
    return ForecastRules(rules_for(cat, term), cat.parliament)


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
