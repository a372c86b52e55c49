"""A server worker's one in-process scheduler, and the jobs it runs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from tracker.domain.access import Principal, Role
from tracker.domain.clock import BRUSSELS, brussels_day, utc_now
from tracker.domain.weeks import IsoWeek
from tracker.services.feed_catch_up import catch_up_feeds
from tracker.services.weekly_report import ReportMemo, weekly_report
from tracker.store.uow import Database

log = logging.getLogger(__name__)

# Everything is visible to a coordinator: every other reader's report is made of a part of
# what this one works out (the memo keeps initiatives, not readers).
WARMER = Principal("report-warmer", Role.COORDINATOR)


class Background:
    """One thread, named "background", that runs a server worker's two jobs when they are due.

    - **Calendar events**: after this process's commits, `catch_up_feeds` brings the stored
      events up to date, once no commit came for DELAY seconds, or LONGEST seconds after the
      first commit it waits for, so that a burst of steps is built once: under a steady stream
      of steps each initiative's events are rebuilt once per LONGEST instead of once per step
      (measured: the rebuilds took most of the CPU of the bench's transition POSTs). Feeds
      never wait for it: they catch up themselves before they are built.
    - **The weekly-report memo**: `warm_report` makes this week's report into the memo when
      the worker starts and AFTER_MIDNIGHT past every midnight in Brussels, so that a
      coordinator's report reads the memo. On 10,000 initiatives a JSON report took 1.8 s
      from a new memo, 0.76 s on a new day and 0.37 s from the memo of the same day (in
      process; bench/results.md has the bench's). A report asked for meanwhile waits for it
      (ReportMemo.building). The price is the memo's memory, held from the start (77 MB at
      10,000).

    The jobs are the same functions `tracker forecast refresh` and a report would run; if one
    fails, it is logged and the next request does the work instead.
    """

    DELAY = 0.5
    LONGEST = 5.0
    AFTER_MIDNIGHT = timedelta(minutes=1)

    def __init__(
        self, database: Database, memo: ReportMemo, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._database = database
        self._memo = memo
        self._clock = clock
        self._changed = threading.Condition()
        self._stopping = False
        self._first_commit: float | None = None  # waited for since (time.monotonic)
        self._last_commit = 0.0
        self._warm_at: datetime | None = None  # due now once started
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run the jobs from now on: the report memo at once, the events after every commit
        this process makes."""
        self._database.after_write.append(self.committed)
        self._warm_at = self._clock()
        self._thread = threading.Thread(target=self._run, name="background", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        with self._changed:
            now = time.monotonic()
            if self._first_commit is None:
                self._first_commit = now
            self._last_commit = now
            self._changed.notify()

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify()
        if self.committed in self._database.after_write:
            self._database.after_write.remove(self.committed)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def warm_report(self, now: datetime) -> None:
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
        while True:
            with self._changed:
                job = None
                while not self._stopping and job is None:
                    job = self._due()
                    if job is None:
                        self._changed.wait(self._until_due())
                if self._stopping or job is None:
                    return
            try:
                job()
            except Exception:  # a request then does the work itself; the job runs again later
                log.exception("background job %s failed", getattr(job, "__name__", job))

    def _due(self) -> Callable[[], object] | None:
        """The job due now, if any, marked as started; under the lock."""
        if self._first_commit is not None:
            now = time.monotonic()
            quiet = now - self._last_commit >= self.DELAY
            if quiet or now - self._first_commit >= self.LONGEST:
                self._first_commit = None
                return self._catch_up
        if self._warm_at is not None and self._clock() >= self._warm_at:
            now_at = self._clock()
            self._warm_at = next_warm_up(now_at, self.AFTER_MIDNIGHT)
            return partial(self.warm_report, now_at)
        return None

    def _until_due(self) -> float:
        """Seconds until the next job may be due; under the lock."""
        waits = []
        if self._first_commit is not None:
            next_check = min(self._last_commit + self.DELAY, self._first_commit + self.LONGEST)
            waits.append(next_check - time.monotonic())
        if self._warm_at is not None:
            waits.append((self._warm_at - self._clock()).total_seconds())
        return max(min(waits, default=3600.0), 0.0)

    def _catch_up(self) -> None:
        catch_up_feeds(self._database, utc_now())


def next_warm_up(now: datetime, after_midnight: timedelta) -> datetime:
    """When the judgement of a new day is due: `after_midnight` past the next midnight in
    Brussels (a day there is 23 or 25 hours long when the clocks change)."""
    tomorrow = brussels_day(now) + timedelta(days=1)
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=BRUSSELS)
    return midnight + after_midnight
