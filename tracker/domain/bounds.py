"""The one range of days the tracker accepts, wherever a date comes in.

Why 1990 to 2100: the Flemish Government and its procedure as tracked here (the Council of
State's advice, the Flemish Parliament, publication in the Belgian Official Gazette) exist in
this form since the state reform of 1988-1989, so no step of a tracked initiative can lie
before 1990; and a plan more than a few legislatures ahead (a legislature lasts five years) is
a typing error, not a plan: 2100 leaves ample room. Within the range every computation on a
date (working days, parliamentary recesses, the Council of State's term, entry into force ten
days after publication, ISO weeks, the forecast moving a stage by months, a report's as-of
moment in any time zone) stays thousands of years away from `date.min` and `date.max`, so no
arithmetic inside the tracker can overflow.

Every date that enters (the API's bodies and query parameters, the pages' forms, the command
line and the annex reader, including Dutch planning text such as "najaar 9999") is checked
against this range; a date outside it is refused, naming the field. Rows stored before this
check existed are read defensively (`tracker.store.repository`): a date outside the range is
shown as unread, for that one initiative, and logged once.
"""

from __future__ import annotations

from datetime import date, datetime

from tracker.domain.model import Window

EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)


class OutOfBounds(ValueError):
    """A date outside [EARLIEST, LATEST]; `value` is the text or date as given."""

    def __init__(self, value: object) -> None:
        super().__init__(
            f"{value} lies outside the dates this tracker accepts "
            f"({EARLIEST.isoformat()} to {LATEST.isoformat()})"
        )
        self.value = value


def within(day: date | None) -> bool:
    """Whether `day` (None: no date) lies in the accepted range."""
    return day is None or EARLIEST <= day <= LATEST


def year_within(year: int) -> bool:
    return EARLIEST.year <= year <= LATEST.year


def checked(day: date) -> date:
    """`day`, or OutOfBounds."""
    if not within(day):
        raise OutOfBounds(day.isoformat())
    return day


def moment_within(moment: datetime) -> bool:
    """Whether a moment's own calendar day (in its own offset) lies in the range: checked
    before it is converted to any other time zone, which could overflow at the year edges."""
    return within(moment.date())


def window_within(window: Window | None) -> bool:
    """Whether every day of a planned window (its alternatives too) lies in the range."""
    if window is None:
        return True
    return (
        within(window.earliest)
        and within(window.latest)
        and all(within(s.earliest) and within(s.latest) for s in window.alternatives)
    )
