"""Bringing stored calendar events up to date outside the transactions that change initiatives
(after a server's commits: tracker.services.background; before a feed is built: api.calendars)."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime

from tracker.services.feeds import event_writes
from tracker.store.feeds import Behind, EventWrite
from tracker.store.repository import chunks
from tracker.store.uow import Database, UnitOfWork

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
