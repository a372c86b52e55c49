"""Working days and government Fridays (DESIGN §4), over a holiday lookup given as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

FRIDAY = 4
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Duration:
    """A minimal duration in calendar days plus working days."""

    days: int = 0
    working_days: int = 0

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.days + other.days, self.working_days + other.working_days)


class WorkingCalendar:
    """Monday to Friday minus the days off that `is_day_off` reports (legal and Flemish)."""

    def __init__(self, is_day_off: Callable[[date], bool]) -> None:
        self._is_day_off = is_day_off

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self._is_day_off(day)

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself is not counted)."""
        while count > 0:
            day += ONE_DAY
            if self.is_working_day(day):
                count -= 1
        return day

    def add(self, day: date, duration: Duration) -> date:
        return self.add_working_days(day + timedelta(days=duration.days), duration.working_days)

    def government_friday_on_or_after(self, day: date) -> date:
        """The Flemish Government meets on Fridays that are working days."""
        day += timedelta(days=(FRIDAY - day.weekday()) % 7)
        while not self.is_working_day(day):
            day += timedelta(days=7)
        return day
