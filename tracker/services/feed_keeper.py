"""Bringing stored calendar events up to date outside the transactions that change initiatives."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from tracker.clock import utc_now
from tracker.services.feeds import sync_stale_feeds
from tracker.store.uow import Database

log = logging.getLogger(__name__)


def catch_up_feeds(database: Database, now: datetime) -> int:
    """`sync_stale_feeds` in a transaction of its own; returns how many initiatives were behind.

    A read comes first: when nothing is behind, which is nearly always, no write lock is taken
    and nothing is committed.
    """
    with database.uow() as uow:
        if not uow.feeds.stale():
            return 0
    with database.uow(write=True) as uow:
        behind = sync_stale_feeds(uow, now)
        if behind:
            uow.commit()
    return behind


class FeedKeeper:
    """A server process's thread that catches up the calendar events soon after its changes.

    It waits DELAY seconds after a commit before it starts, so that a burst of steps is built
    once; feeds never wait for it, because they catch up themselves before they are built.
    """

    DELAY = 0.5

    def __init__(self, database: Database) -> None:
        self._database = database
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def attach(self) -> None:
        """Run after every write the process commits."""
        self._database.after_write.append(self.poke)

    def poke(self) -> None:
        self._wanted.set()
        with self._lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._run, name="feed-keeper", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            thread = self._thread
        self._wanted.set()
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wanted.wait()
            if self._stopping.wait(self.DELAY):
                return
            self._wanted.clear()
            try:
                catch_up_feeds(self._database, utc_now())
            except Exception:  # the next feed request catches up instead; keep the thread alive
                log.exception("calendar events not brought up to date")
