"""A server's weekly-report memo, made when it starts and after every midnight."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import NOW
from tracker.domain.access import ANONYMOUS
from tracker.domain.clock import brussels_day
from tracker.domain.weeks import IsoWeek
from tracker.outputs.render import render
from tracker.services.background import Background, next_warm_up
from tracker.services.weekly_report import ReportMemo, weekly_report
from tracker.store.uow import Database

MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # 23 November 2026, 10:00 in Brussels (UTC+1): the next midnight is 23:00 UTC.
        (datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 23, 23, 1, tzinfo=UTC)),
        # Already the 24th in Brussels, though still the 23rd in UTC.
        (datetime(2026, 11, 23, 23, 30, tzinfo=UTC), datetime(2026, 11, 24, 23, 1, tzinfo=UTC)),
        # The clocks go forward on 29 March 2026: that night ends at 22:00 UTC (UTC+2).
        (datetime(2026, 3, 29, 12, tzinfo=UTC), datetime(2026, 3, 29, 22, 1, tzinfo=UTC)),
        # And back on 25 October 2026: that day lasts 25 hours, to 23:00 UTC.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 23, 1, tzinfo=UTC)),
    ],
)
def test_a_new_day_is_judged_just_after_midnight_in_brussels(now: datetime, due: datetime):
    assert next_warm_up(now, MINUTE) == due


def _report(database: Database, memo: ReportMemo | None, now: datetime) -> bytes:
    with database.uow() as uow:
        made = weekly_report(
            uow, IsoWeek.of(brussels_day(now)), principal=ANONYMOUS, now=now, memo=memo
        )
    return render(made, "json")


def test_a_warmed_memo_holds_every_initiative_and_reports_what_a_new_one_would(seeded: Database):
    memo = ReportMemo()
    now = NOW + timedelta(days=2)
    Background(seeded, memo).warm_report(now)
    stood, judged = memo.of(brussels_day(now))
    assert len(stood) == len(judged) == 11  # as a coordinator: every initiative
    assert all(known.lines.keys() == {"nl"} for known in judged.values())
    # Another reader's report, later that day, from the memo: as if it were made afresh.
    later = now + timedelta(hours=1)
    assert _report(seeded, memo, later) == _report(seeded, None, later)


def test_the_warmer_makes_the_memo_at_start_and_stops_when_asked(seeded: Database):
    memo = ReportMemo()
    warmer = Background(seeded, memo, clock=lambda: NOW)
    warmer.start()
    try:
        deadline = time.monotonic() + 30
        while not memo.of(brussels_day(NOW))[1] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        warmer.stop()  # it waits for the next midnight meanwhile: a stop must end that wait
    assert len(memo.of(brussels_day(NOW))[1]) == 11
    assert not any(t.name == "background" for t in threading.enumerate())
