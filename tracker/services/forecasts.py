"""The daily forecast refresh: move the forecasts that reality has overtaken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.domain.clock import brussels_day
from tracker.rules.procedure_rules import forecast_rules
from tracker.services.feeds import sync_feed
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Refreshed:
    initiatives: int
    moved: list[str]  # slugs whose forecasts changed


def refresh_all(uow: UnitOfWork, now: datetime) -> Refreshed:
    """Recompute every stored forecast as of `today`; running it again changes nothing.

    Forecasts are derived data: writing them does not change an initiative's version, so an
    editor's If-Match stays valid across the daily refresh.
    """
    uow.feeds.lock()
    # Locked before they are read: a step committed meanwhile would otherwise have its forecast
    # overwritten by one worked out before it, and (PostgreSQL) a step that locks its
    # initiative and then its milestones could deadlock with this, which wrote them first.
    uow.initiatives.lock_all()
    initiatives = uow.initiatives.all(InitiativeFilter())
    moved = []
    for initiative in initiatives:
        if initiative.refresh_forecast(forecast_rules(initiative), brussels_day(now)):
            uow.initiatives.save_forecasts(initiative)
            moved.append(initiative.slug)
        sync_feed(uow, initiative, now)  # also the status shown in events may have changed
    return Refreshed(len(initiatives), moved)
