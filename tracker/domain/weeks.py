"""ISO weeks and report moments in Europe/Brussels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tracker.domain.bounds import OutOfBounds, moment_within, year_within
from tracker.domain.clock import BRUSSELS
from tracker.domain.errors import InvalidQuery, out_of_bounds

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """'2026-W48'; ValueError with a reason otherwise (OutOfBounds for a year outside the
        range the tracker accepts, tracker.domain.bounds)."""
        m = WEEK.match(text.strip())
        if m is None:
            raise ValueError(f"'{text}' is not an ISO week such as 2026-W48")
        year, week = int(m[1]), int(m[2])
        if not year_within(year):
            raise OutOfBounds(text.strip())
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"{year} has no week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def starts_at(self) -> datetime:
        return start_of(self.monday)

    @property
    def ends_at(self) -> datetime:
        return end_of(self.sunday)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def start_of(day: date) -> datetime:
    """Midnight at the start of `day` in Brussels."""
    return datetime.combine(day, time(), tzinfo=BRUSSELS)


def end_of(day: date) -> datetime:
    """The last instant of `day` in Brussels: whatever was recorded on that day counts."""
    return start_of(day + timedelta(days=1)) - timedelta(microseconds=1)


def parse_moment(text: str) -> datetime:
    """An as-of moment: a day (its end, in Brussels) or an ISO date-time with its offset.

    ValueError with a reason otherwise; OutOfBounds for a day outside the range the tracker
    accepts (tracker.domain.bounds), checked before any arithmetic or time-zone conversion.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (2026-11-20) or a date-time") from None
    if not moment_within(moment):
        raise OutOfBounds(text)
    if len(text) == 10:
        return end_of(moment.date())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BRUSSELS)
    return moment


def week_parameter(text: str | None, today: date) -> IsoWeek:
    """The `week` a caller asked for (a query parameter, a command-line option), or this week;
    InvalidQuery naming `week` otherwise (in the reader's language for a year out of range)."""
    if text is None:
        return IsoWeek.of(today)
    try:
        return IsoWeek.parse(text)
    except OutOfBounds as exc:
        raise out_of_bounds("week", exc.value, query=True) from None
    except ValueError as exc:
        raise InvalidQuery("week", str(exc)) from None


def moment_parameter(text: str | None) -> datetime | None:
    """The `as_of` moment a caller asked for, or None (now); InvalidQuery naming `as_of`."""
    if text is None:
        return None
    try:
        return parse_moment(text)
    except OutOfBounds as exc:
        raise out_of_bounds("as_of", exc.value, query=True) from None
    except ValueError as exc:
        raise InvalidQuery("as_of", str(exc)) from None
