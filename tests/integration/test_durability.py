"""A server killed mid-load loses no acknowledged change and leaves nothing half-written.

A real `tracker serve --workers 2` takes steps and re-plans from eleven writers at once and is
killed with SIGKILL (its whole process group: no shutdown, no flush, no rollback) while requests
are in flight. Afterwards every change answered 201/200 is stored, in the order it was answered,
plus at most the one request per writer that was committed but not yet answered; every
initiative equals the replay of its logs; and the SQLite file passes `PRAGMA integrity_check`.
A restarted server then carries on from the stored versions.

Where the kill lands is up to the machine: now and then every writer is between two requests.
Such a round still proves that nothing acknowledged was lost, but not what a kill does to a
request on its way, so the server is restarted and killed again, up to ROUNDS times, until a
kill has caught a request in flight; each round is checked the same way.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS, token_for
from tests.consistency import database_problems, logs
from tests.server import seeded_database_url, serve
from tracker.store.db import make_engine
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import Database

HOLD = {"event": "hold", "occurred_on": "2025-01-06", "note": "wacht op het IF-advies"}
RESUME = {"event": "resume", "occurred_on": "2025-01-06"}
PLANS = ["eind 2027", "medio 2028"]
ACKNOWLEDGED_BEFORE_KILL = 80
ROUNDS = 5


class Writer(threading.Thread):
    """Changes one initiative over and over, each building on the last answer's ETag, and notes
    every change the server acknowledged, in order."""

    def __init__(self, base: str, auth: dict[str, str], slug: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.base, self.auth, self.slug, self.halt = base, auth, slug, stop
        self.acknowledged: list[str] = []
        self.interrupted = False  # a request was on its way when the server died
        self.refused = False  # the server was gone before the next request could connect
        self.failures: list[str] = []

    def run(self) -> None:
        path = f"/api/initiatives/{self.slug}"
        with httpx.Client(base_url=self.base, headers=self.auth, timeout=30) as http:
            current = http.get(path)
            etag = current.headers["etag"]
            i = 1 if current.json()["state"] == "on_hold" else 0  # resume first, after a kill
            while not self.halt.is_set():
                headers = {"If-Match": etag}
                if i % 3 == 2:
                    label, method, url = "plan:publication", "PUT", f"{path}/plan/publication"
                    body = {"text": PLANS[i % 2], "reason": "de Staatsblad-planning schuift"}
                else:
                    body = RESUME if i % 3 else HOLD
                    label, method, url = str(body["event"]), "POST", f"{path}/events"
                try:
                    response = http.request(method, url, json=body, headers=headers)
                except httpx.ConnectError:
                    self.refused = True
                    return
                except httpx.TransportError:
                    self.interrupted = True
                    return
                if response.status_code not in (200, 201):
                    self.failures.append(f"{self.slug}: {response.status_code} {response.text}")
                    return
                self.acknowledged.append(label)
                etag = response.headers["etag"]
                i += 1


def _stored_changes(database: Database) -> dict[str, list[str]]:
    """Each initiative's changes after its creation, in the order they were recorded."""
    result = {}
    for slug, (events, changes) in logs(database).items():
        entries: list[tuple[datetime, str]] = [
            (e.recorded_at, e.name) for e in events if e.name != "create"
        ]
        entries += [(c.recorded_at, f"plan:{c.stage.value}") for c in changes]
        result[slug] = [label for _, label in sorted(entries)]
    return result


def _kill_under_load(
    stack: ExitStack, url: str, folder: Path, auth: dict[str, str], slugs: list[str]
) -> list[Writer]:
    """One round: a server under load from a writer per initiative, killed with SIGKILL once
    it has acknowledged ACKNOWLEDGED_BEFORE_KILL changes; its writers, stopped."""
    served = serve(stack, url, folder, workers=2)
    halt = threading.Event()
    writers = [Writer(served.base, auth, slug, halt) for slug in slugs]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 30
    while sum(len(w.acknowledged) for w in writers) < ACKNOWLEDGED_BEFORE_KILL:
        assert time.monotonic() < deadline, "the server acknowledged too little in 30 s"
        assert not any(w.failures for w in writers), [w.failures for w in writers]
        time.sleep(0.01)
    os.killpg(served.process.pid, signal.SIGKILL)
    served.process.wait(timeout=10)
    halt.set()
    for writer in writers:
        writer.join(timeout=30)
    assert [f for w in writers for f in w.failures] == []
    return writers


def _assert_nothing_lost(
    database: Database, backend: str, before: dict[str, list[str]], writers: list[Writer]
) -> dict[str, list[str]]:
    """Checked on the files the dead server left, before anything else opens them: every
    change a writer saw acknowledged is stored after what was stored `before`, in order, plus
    at most the one that was committed when the server died, unanswered. What is stored now."""
    if backend == "sqlite":
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert database_problems(database) == []
    stored = _stored_changes(database)
    for writer in writers:
        earlier = before.get(writer.slug, [])
        assert stored[writer.slug][: len(earlier)] == earlier, writer.slug
        acknowledged, kept = writer.acknowledged, stored[writer.slug][len(earlier) :]
        assert kept[: len(acknowledged)] == acknowledged, writer.slug
        assert len(kept) - len(acknowledged) in (0, 1), writer.slug
    return stored


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sigkill_mid_load_loses_no_acknowledged_change(backend: str, tmp_path: Path):
    with ExitStack() as stack:
        url = seeded_database_url(stack, backend, tmp_path)
        database = Database(make_engine(url))
        stack.callback(database.dispose)
        auth = token_for(database, "durability", "coordinator")
        with database.uow() as uow:
            slugs = [i.slug for i in uow.initiatives.all(InitiativeFilter())]

        stored = _stored_changes(database)
        caught_in_flight = False
        for _ in range(ROUNDS):
            writers = _kill_under_load(stack, url, tmp_path, auth, slugs)
            stored = _assert_nothing_lost(database, backend, stored, writers)
            if any(w.interrupted for w in writers):
                caught_in_flight = True
                break
        assert caught_in_flight, f"none of {ROUNDS} kills caught a request on its way"

        # A restarted server carries on from what was stored.
        served = serve(stack, url, tmp_path)
        with httpx.Client(base_url=served.base, headers=auth, timeout=30) as http:
            for slug in slugs:
                detail = http.get(f"/api/initiatives/{slug}")
                assert detail.json()["version"] == 1 + len(stored[slug])
                body = RESUME if detail.json()["state"] == "on_hold" else HOLD
                step = http.post(
                    f"/api/initiatives/{slug}/events",
                    json=body,
                    headers={"If-Match": detail.headers["etag"]},
                )
                assert step.status_code == 201, step.text
        assert database_problems(database) == []
        assert "Traceback" not in served.log.read_text(errors="replace")
