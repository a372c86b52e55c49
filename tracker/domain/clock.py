"""Time: stored in UTC, days counted in Europe/Brussels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def utc_now() -> datetime:
    return datetime.now(UTC)


def brussels_day(moment: datetime) -> date:
    return moment.astimezone(BRUSSELS).date()


def today() -> date:
    """Today in Brussels."""
    return brussels_day(utc_now())
