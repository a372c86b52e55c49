"""The audit trail of an initiative: its events and plan changes, oldest first."""

from __future__ import annotations

from tracker.domain.access import Principal
from tracker.domain.model import Event, PlanChange
from tracker.services.initiatives import readable_initiative
from tracker.services.unit_of_work import UnitOfWork


def history(uow: UnitOfWork, slug: str, principal: Principal) -> list[Event | PlanChange]:
    readable_initiative(uow, slug, principal)
    entries: list[Event | PlanChange] = [
        *uow.initiatives.events(slug),
        *uow.initiatives.plan_changes(slug),
    ]
    # Stable sort: at the same instant, events (listed first) come before plan changes.
    return sorted(entries, key=lambda entry: entry.recorded_at)
