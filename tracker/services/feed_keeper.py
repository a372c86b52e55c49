"""Bringing stored calendar events up to date outside the transactions that change initiatives."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from tracker.domain.clock import utc_now
from tracker.services.feeds import event_writes
from tracker.store.feeds import Behind, EventWrite
from tracker.store.repository import chunks
from tracker.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

STORED_TOGETHER = 16  # initiatives whose events one write transaction stores


@dataclass(frozen=True, slots=True)
class _Plan:
    behind: Behind
    seen: dict[str, tuple[int, str]]
    writes: list[EventWrite]


def catch_up_feeds(database: Database, now: datetime) -> int:
    """Bring the stored events of the initiatives that changed up to date; returns how many
    initiatives were brought up to date.

    The events are built (icalendar, two languages: the larger part of the cost of a step) in a
    read-only transaction, so that writers need not wait for them; the write transaction only
    stores those of initiatives and events unchanged since they were read. What changed in
    between stays behind for the next catch-up, which that change asks for. Within a process,
    one catch-up at a time: the others then find nothing behind.
    """
    with _builder(database):
        with database.uow() as uow:
            plans = _plans(uow, now)
        # Stored a few initiatives per transaction: SQLite's writers wait while one is stored.
        return sum(
            _store(database, {i: plans[i] for i in part})
            for part in chunks(list(plans), STORED_TOGETHER)
        )


def _store(database: Database, plans: dict[int, _Plan]) -> int:
    with database.uow() as uow:
        uow.feeds.lock()
        current = uow.feeds.stale(list(plans))
        candidates = [i for i, plan in plans.items() if current.get(i) == plan.behind]
        states = uow.feeds.states(candidates)
        ready = [i for i in candidates if states[i] == plans[i].seen]
        uow.feeds.write([write for i in ready for write in plans[i].writes])
        for initiative_id in ready:
            uow.feeds.synced(initiative_id, plans[initiative_id].behind.version)
        if ready:
            uow.commit()
    return len(ready)


def _plans(uow: UnitOfWork, now: datetime) -> dict[int, _Plan]:
    stale = uow.feeds.stale()
    if not stale:  # nearly always: nothing is built and no write lock is taken
        return {}
    stored = uow.feeds.stored(list(stale))
    plans = {}
    for initiative in uow.initiatives.by_ids(list(stale)):
        assert initiative.id is not None
        behind = stale[initiative.id]
        if initiative.version != behind.version:
            continue  # it changed while this read (PostgreSQL reads each statement afresh)
        events = stored[initiative.id]
        writes = event_writes(initiative, events, now, behind.changed_at)
        seen = {key: event.state for key, event in events.items()}
        plans[initiative.id] = _Plan(behind, seen, writes)
    return plans


_BUILDERS: weakref.WeakKeyDictionary[Database, threading.Lock] = weakref.WeakKeyDictionary()
_BUILDERS_LOCK = threading.Lock()


def _builder(database: Database) -> threading.Lock:
    with _BUILDERS_LOCK:
        return _BUILDERS.setdefault(database, threading.Lock())


class FeedKeeper:
    """A server process's thread that catches up the calendar events soon after its changes.

    It starts once no commit came for DELAY seconds, or LONGEST seconds after the first commit
    it waits for, so that a burst of steps is built once: under a steady stream of steps each
    initiative's events are rebuilt once per LONGEST instead of once per step (measured: the
    rebuilds took most of the CPU of the bench's transition POSTs). Feeds never wait for it,
    because they catch up themselves before they are built.
    """

    DELAY = 0.5
    LONGEST = 5.0

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
            first = time.monotonic()
            while True:
                self._wanted.clear()
                if self._stopping.wait(self.DELAY):
                    return
                if not self._wanted.is_set() or time.monotonic() - first >= self.LONGEST:
                    break
            self._wanted.clear()
            try:
                catch_up_feeds(self._database, utc_now())
            except Exception:  # the next feed request catches up instead; keep the thread alive
                log.exception("calendar events not brought up to date")
