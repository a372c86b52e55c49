"""A server's weekly-report memo, worked out before anyone asks for a report."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from tracker.domain.access import Principal, Role
from tracker.domain.clock import BRUSSELS, brussels_day, utc_now
from tracker.domain.weeks import IsoWeek
from tracker.services.weekly_report import ReportMemo, weekly_report
from tracker.store.uow import Database

log = logging.getLogger(__name__)

# Everything is visible to a coordinator: every other reader's report is made of a part of
# what this one works out (the memo keeps initiatives, not readers).
WARMER = Principal("report-warmer", Role.COORDINATOR)


def next_warm_up(now: datetime, after_midnight: timedelta) -> datetime:
    """When the judgement of a new day is due: `after_midnight` past the next midnight in
    Brussels (a day there is 23 or 25 hours long when the clocks change)."""
    tomorrow = brussels_day(now) + timedelta(days=1)
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=BRUSSELS)
    return midnight + after_midnight


class ReportWarmer:
    """A server process's thread that makes this week's report into the memo when the server
    starts and again after every midnight, so that a coordinator's report reads the memo.

    On 10,000 initiatives a JSON report took 1.8 s from a new memo (reading and turning back
    every initiative), 0.76 s on a new day (forecasts and judgements are the day's own) and
    0.37 s from the memo of the same day (in process, one machine; bench/results.md has the
    bench's). A report asked for while the memo is being made waits for it
    (ReportMemo.building) rather than doing the same work beside it. The price is the memo's
    memory, held from the start (77 MB at 10,000).
    """

    AFTER_MIDNIGHT = timedelta(minutes=1)

    def __init__(
        self, database: Database, memo: ReportMemo, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._database = database
        self._memo = memo
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="report-warmer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def warm(self, now: datetime) -> None:
        """Make the report of `now`'s week as of `now` into the memo, in the default language
        (a report in another one makes its own lines: 0.2 s at 10,000)."""
        started = time.perf_counter()
        with self._database.uow() as uow:
            report = weekly_report(
                uow, IsoWeek.of(brussels_day(now)), principal=WARMER, now=now, memo=self._memo,
            )  # fmt: skip
        log.info(
            "weekly report memo warm: %d initiatives in %.2f s",
            report.summary.initiatives, time.perf_counter() - started,
        )  # fmt: skip

    def _run(self) -> None:
        while not self._stopping.is_set():
            now = self._clock()
            try:
                self.warm(now)
            except Exception:  # a report then makes the memo itself; try again on the next day
                log.exception("weekly report memo not made")
            wait = next_warm_up(now, self.AFTER_MIDNIGHT) - self._clock()
            self._stopping.wait(max(wait.total_seconds(), 0.0))
