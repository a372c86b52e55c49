"""Working days and government Fridays (DESIGN §4) on the real calendar data, checked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.calendar import Duration, WorkingCalendar
from workflows.definitions import catalogue


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return catalogue().calendar()


def test_twelve_working_days_skip_flemish_and_national_holidays(cal: WorkingCalendar) -> None:
    # From Monday 7 July 2025 (not counted): 8, 9, 10 (1-3), Friday 11 July is off,
    # 14-18 (4-8), Monday 21 July is off, 22, 23, 24, 25 (9-12).
    assert cal.add_working_days(date(2025, 7, 7), 12) == date(2025, 7, 25)


def test_working_days_without_holidays_skip_only_the_weekend(cal: WorkingCalendar) -> None:
    # From Monday 3 March 2025: 4-7 (1-4), 10-14 (5-9), 17 (10).
    assert cal.add_working_days(date(2025, 3, 3), 10) == date(2025, 3, 17)


def test_first_government_friday_after_christmas_2025_is_2_january_2026(
    cal: WorkingCalendar,
) -> None:
    # Wednesday 24 December 2025; Friday 26 December is a Flemish day off.
    assert cal.government_friday_on_or_after(date(2025, 12, 24)) == date(2026, 1, 2)


def test_a_working_friday_is_its_own_government_friday(cal: WorkingCalendar) -> None:
    assert cal.government_friday_on_or_after(date(2025, 3, 7)) == date(2025, 3, 7)
    assert cal.government_friday_on_or_after(date(2025, 3, 8)) == date(2025, 3, 14)


def test_government_friday_skips_a_friday_holiday(cal: WorkingCalendar) -> None:
    # Friday 15 August 2025 is Assumption; Friday 11 July 2025 the Flemish Community's day.
    assert cal.government_friday_on_or_after(date(2025, 8, 12)) == date(2025, 8, 22)
    assert cal.government_friday_on_or_after(date(2025, 7, 8)) == date(2025, 7, 18)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 1),  # New Year (Wednesday)
        date(2025, 4, 21),  # Easter Monday
        date(2025, 5, 1),  # Labour Day (Thursday)
        date(2025, 5, 29),  # Ascension (Thursday)
        date(2025, 6, 9),  # Whit Monday
        date(2025, 7, 11),  # Feest van de Vlaamse Gemeenschap (Friday)
        date(2025, 7, 21),  # National holiday (Monday)
        date(2025, 8, 15),  # Assumption (Friday)
        date(2024, 11, 1),  # All Saints (Friday)
        date(2023, 11, 2),  # All Souls (Thursday)
        date(2026, 11, 2),  # All Souls (Monday)
        date(2025, 11, 11),  # Armistice (Tuesday)
        date(2023, 11, 15),  # King's Feast (Wednesday)
        date(2027, 11, 15),  # King's Feast (Monday)
        date(2025, 12, 25),  # Christmas (Thursday)
        date(2025, 12, 26),  # Boxing Day (Friday)
        date(2025, 12, 29),  # between Christmas and New Year (Monday)
        date(2025, 12, 30),  # (Tuesday)
        date(2025, 12, 31),  # (Wednesday)
        date(2024, 12, 27),  # (Friday)
    ],
    ids=str,
)
def test_holidays_and_flemish_days_off_are_not_working_days(
    cal: WorkingCalendar, day: date
) -> None:
    assert day.weekday() < 5  # a weekday: only the holiday data makes it a day off
    assert not cal.is_working_day(day)


@pytest.mark.parametrize("day", [date(2025, 12, d) for d in range(26, 32)], ids=str)
def test_every_day_from_26_to_31_december_is_a_day_off(day: date) -> None:
    assert catalogue().is_day_off(day)


@pytest.mark.parametrize(
    "day", [date(2025, 3, 8), date(2025, 3, 9), date(2025, 11, 2), date(2025, 11, 15)], ids=str
)
def test_weekends_are_not_working_days(cal: WorkingCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert not cal.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 3, 11),  # a plain Tuesday
        date(2025, 3, 4),  # carnival Tuesday is no holiday
        date(2025, 12, 24),  # Christmas Eve (Wednesday)
        date(2026, 1, 2),  # Friday after New Year
        date(2025, 4, 18),  # Good Friday is no holiday in Belgium
        date(2025, 7, 10),  # the day before the Flemish Community's day
    ],
    ids=str,
)
def test_ordinary_weekdays_are_working_days(cal: WorkingCalendar, day: date) -> None:
    assert cal.is_working_day(day)


# --- WorkingCalendar with a fake holiday lookup ---------------------------------------------

FAKE_DAYS_OFF = {date(2025, 3, 12), date(2025, 3, 14)}  # a Wednesday and a Friday


@pytest.fixture
def fake() -> WorkingCalendar:
    return WorkingCalendar(lambda day: day in FAKE_DAYS_OFF)


def test_zero_working_days_return_the_day_itself(fake: WorkingCalendar) -> None:
    assert fake.add_working_days(date(2025, 3, 11), 0) == date(2025, 3, 11)
    # even when that day is not a working day
    assert fake.add_working_days(date(2025, 3, 12), 0) == date(2025, 3, 12)
    assert fake.add_working_days(date(2025, 3, 15), 0) == date(2025, 3, 15)


def test_fake_days_off_are_skipped(fake: WorkingCalendar) -> None:
    # From Tuesday 11 March: 12 off, 13 (1), 14 off, 15/16 weekend, 17 (2), 18 (3).
    assert fake.add_working_days(date(2025, 3, 11), 1) == date(2025, 3, 13)
    assert fake.add_working_days(date(2025, 3, 11), 3) == date(2025, 3, 18)
    assert not fake.is_working_day(date(2025, 3, 12))
    assert fake.is_working_day(date(2025, 3, 13))


def test_fake_government_friday(fake: WorkingCalendar) -> None:
    assert fake.government_friday_on_or_after(date(2025, 3, 10)) == date(2025, 3, 21)
    assert fake.government_friday_on_or_after(date(2025, 3, 7)) == date(2025, 3, 7)


def test_add_a_duration_counts_calendar_days_then_working_days(fake: WorkingCalendar) -> None:
    # 30 days after Friday 7 March 2025 is Sunday 6 April; then 2 working days: 7, 8 April.
    assert fake.add(date(2025, 3, 7), Duration(days=30, working_days=2)) == date(2025, 4, 8)
    assert fake.add(date(2025, 3, 7), Duration(days=30)) == date(2025, 4, 6)
    assert fake.add(date(2025, 3, 7), Duration()) == date(2025, 3, 7)


def test_duration_addition() -> None:
    assert Duration(30, 0) + Duration(0, 5) == Duration(30, 5)
    assert Duration(days=15, working_days=3) + Duration(days=30, working_days=2) == Duration(45, 5)
    assert Duration() + Duration() == Duration(0, 0)
