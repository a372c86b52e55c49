"""A server killed mid-load loses no acknowledged change and leaves nothing half-written.

A real `tracker serve --workers 2` takes steps and re-plans from eleven writers at once and is
killed with SIGKILL (its whole process group: no shutdown, no flush, no rollback) while requests
are in flight. Afterwards every change answered 201/200 is stored, in the order it was answered,
plus at most the one request per writer that was committed but not yet answered; every
initiative equals the replay of its logs; and the SQLite file passes `PRAGMA integrity_check`.
A restarted server then carries on from the stored versions.
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


class Writer(threading.Thread):
    """Changes one initiative over and over, each building on the last answer's ETag, and notes
    every change the server acknowledged, in order."""

    def __init__(self, base: str, auth: dict[str, str], slug: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.base, self.auth, self.slug, self.halt = base, auth, slug, stop
        self.acknowledged: list[str] = []
        self.interrupted = False  # a request was on its way when the server died
        self.failures: list[str] = []

    def run(self) -> None:
        path = f"/api/initiatives/{self.slug}"
        with httpx.Client(base_url=self.base, headers=self.auth, timeout=30) as http:
            etag = http.get(path).headers["etag"]
            i = 0
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


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sigkill_mid_load_loses_no_acknowledged_change(backend: str, tmp_path: Path):
    with ExitStack() as stack:
        url = seeded_database_url(stack, backend, tmp_path)
        database = Database(make_engine(url))
        stack.callback(database.dispose)
        auth = token_for(database, "durability", "coordinator")
        with database.uow() as uow:
            slugs = [i.slug for i in uow.initiatives.all(InitiativeFilter())]
        served = serve(stack, url, tmp_path, workers=2)
        process, base, log = served.process, served.base, served.log

        halt = threading.Event()
        writers = [Writer(base, auth, slug, halt) for slug in slugs]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 30
        while sum(len(w.acknowledged) for w in writers) < ACKNOWLEDGED_BEFORE_KILL:
            assert time.monotonic() < deadline, "the server acknowledged too little in 30 s"
            assert not any(w.failures for w in writers), [w.failures for w in writers]
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        halt.set()
        for writer in writers:
            writer.join(timeout=30)
        assert [f for w in writers for f in w.failures] == []
        assert any(w.interrupted for w in writers), "the kill should catch requests in flight"

        # Checked on the files the dead server left, before anything else opens them.
        if backend == "sqlite":
            with database.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert database_problems(database) == []
        stored = _stored_changes(database)
        for writer in writers:
            acknowledged, kept = writer.acknowledged, stored[writer.slug]
            assert kept[: len(acknowledged)] == acknowledged, writer.slug
            # At most the one request that was committed when the server died, unanswered.
            assert len(kept) - len(acknowledged) in (0, 1), writer.slug

        # A restarted server carries on from what was stored.
        base = serve(stack, url, tmp_path).base
        with httpx.Client(base_url=base, headers=auth, timeout=30) as http:
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
        assert "Traceback" not in log.read_text(errors="replace")
