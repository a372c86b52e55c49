"""Working days and government Fridays (DESIGN §4), over a holiday lookup given as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

FRIDAY = 4
ONE_DAY = timedelta(days=1)
WEEK = timedelta(days=7)


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
        # Forecasts and plan checks ask the same few thousand questions (a day plus a minimal
        # duration, the government Friday on or around a day) over and over: a weekly report
        # asks hundreds of thousands. Bounded by the days that plans and reports name.
        self._sums: dict[tuple[date, int, int], date] = {}
        self._fridays_after: dict[date, date] = {}
        self._fridays_before: dict[date, date] = {}

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
        key = (day, duration.days, duration.working_days)  # cheaper to hash than a Duration
        found = self._sums.get(key)
        if found is None:
            found = self._sums[key] = self.add_working_days(
                day + timedelta(days=duration.days), duration.working_days
            )
        return found

    def government_friday_on_or_before(self, day: date) -> date:
        found = self._fridays_before.get(day)
        if found is None:
            back = -((day.weekday() - FRIDAY) % 7)
            found = self._fridays_before[day] = self._friday(day + timedelta(days=back), -WEEK)
        return found

    def government_friday_on_or_after(self, day: date) -> date:
        """The Flemish Government meets on Fridays that are working days."""
        found = self._fridays_after.get(day)
        if found is None:
            ahead = (FRIDAY - day.weekday()) % 7
            found = self._fridays_after[day] = self._friday(day + timedelta(days=ahead), WEEK)
        return found

    def _friday(self, friday: date, step: timedelta) -> date:
        """`friday` if it is a working day, else the first that is, a `step` at a time."""
        while not self.is_working_day(friday):
            friday += step
        return friday


@dataclass(frozen=True, slots=True)
class Recess:
    name: str
    start: date
    end: date  # inclusive
    # The English name, for messages in English; not part of what makes two recesses the same.
    name_en: str = field(default="", compare=False)


class ParliamentCalendar:
    """Plenary days of the Flemish Parliament outside its recesses."""

    def __init__(self, plenary_weekday: int, recesses: Callable[[int], list[Recess]]) -> None:
        self._weekday = plenary_weekday
        self._rules = recesses  # the recesses that start in a year
        self._by_year: dict[int, list[Recess]] = {}

    @property
    def plenary_weekday(self) -> int:
        return self._weekday

    def recesses(self, year: int) -> list[Recess]:
        if year not in self._by_year:
            self._by_year[year] = self._rules(year)
        return self._by_year[year]

    def recess_on(self, day: date) -> Recess | None:
        for year in (day.year - 1, day.year):
            for recess in self.recesses(year):
                if recess.start <= day <= recess.end:
                    return recess
        return None

    def plenary_on_or_before(self, day: date) -> date:
        day -= timedelta(days=(day.weekday() - self._weekday) % 7)
        while (recess := self.recess_on(day)) is not None:
            day = recess.start - ONE_DAY
            day -= timedelta(days=(day.weekday() - self._weekday) % 7)
        return day

    def plenary_on_or_after(self, day: date) -> date:
        """The first plenary day on or after `day` that is not in a recess."""
        day += timedelta(days=(self._weekday - day.weekday()) % 7)
        while (recess := self.recess_on(day)) is not None:
            day = recess.end + ONE_DAY
            day += timedelta(days=(self._weekday - day.weekday()) % 7)
        return day
