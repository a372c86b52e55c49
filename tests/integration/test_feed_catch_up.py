"""Calendar events follow changes outside the changes' own transactions: a step only marks its
initiative's events stale; feeds and each server's Background bring them up to date."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import text

from api import calendars
from api.app import create_app
from api.kept_feeds import Poll
from tests.conftest import NOW, record_step
from tracker.services import background, feed_catch_up
from tracker.services.background import Background
from tracker.services.feed_catch_up import catch_up_feeds
from tracker.services.feeds import feed
from tracker.services.weekly_report import ReportMemo
from tracker.store.uow import Database

KLIP = "decreet-klip-gipod-verordening"
ACTOR = "catch-up-test"


def _step(database: Database, event: str, version: int) -> int:
    return record_step(database, KLIP, event, version, actor=ACTOR)


def _klip_events(database: Database) -> dict[str, tuple[int, str]]:
    with database.uow() as uow:
        (initiative_id,) = uow.feeds.initiative_ids([KLIP]).values()
        return {
            key: (row.sequence, row.vevent_nl.replace("\r\n ", ""))  # unfolded
            for key, row in uow.feeds.stored([initiative_id])[initiative_id].items()
        }


def _stale(database: Database) -> list[int]:
    with database.uow() as uow:
        return list(uow.feeds.stale())


def test_a_step_marks_its_events_stale_and_a_catch_up_builds_them_once(seeded):
    assert _stale(seeded) == []  # importing builds the events of what it imports
    before = _klip_events(seeded)
    version = _step(seeded, "hold", 1)
    version = _step(seeded, "resume", version)
    version = _step(seeded, "hold", version)
    assert len(_stale(seeded)) == 1
    assert _klip_events(seeded) == before  # the steps wrote no event

    later = NOW + timedelta(hours=5)
    assert catch_up_feeds(seeded, later) == 1
    assert _stale(seeded) == []
    after = _klip_events(seeded)
    # The milestones now say the initiative is on hold (a legal deadline shows no status); a
    # status in the text is no new SEQUENCE.
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {key for key in before if not key.startswith("deadline-")}
    assert all("Status: Opgeschort" in after[key][1] for key in changed)
    assert all(after[key][0] == before[key][0] for key in changed)
    # Stamped with the moment of the steps, not of the catching up.
    stamp = f"LAST-MODIFIED:{NOW:%Y%m%dT%H%M%SZ}"
    assert all(stamp in after[key][1] for key in changed)
    assert catch_up_feeds(seeded, later) == 0  # nothing behind: nothing written

    # Catching up is not a change of the user's: the initiative keeps its version (If-Match).
    with seeded.uow() as uow:
        initiative = uow.initiatives.get(KLIP)
    assert initiative is not None
    assert initiative.version == version


def test_concurrent_catch_ups_build_each_event_once(seeded):
    before = _klip_events(seeded)
    _step(seeded, "complete_drafting", 1)  # adds the drafting event: two builders would clash
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(catch_up_feeds(seeded, NOW))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 1  # one of them did the work; the others found nothing behind
    after = _klip_events(seeded)
    assert set(after) == {*before, "drafting"}
    assert "STATUS:CONFIRMED" in after["drafting"][1]
    assert all(after[key][0] - before[key][0] in (0, 1) for key in before)


def test_the_background_catches_up_soon_after_a_commit(seeded):
    keeper = Background(seeded, ReportMemo())
    keeper.start()
    try:
        _step(seeded, "hold", 1)
        deadline = time.monotonic() + 10
        while _stale(seeded) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _stale(seeded) == []
        with seeded.uow() as uow:
            text = b"".join(
                feed(uow, "initiative", KLIP, audience=frozenset(), lang="nl", now=NOW).events
            ).decode()
        assert "Status: Opgeschort" in text
    finally:
        keeper.stop()
        seeded.after_write.clear()


def test_requests_that_miss_together_build_a_feed_once(seeded, monkeypatch):
    builds: list[str] = []
    build = calendars._build

    def slow_build(*args: Any) -> Any:
        builds.append(threading.current_thread().name)
        time.sleep(0.3)  # long enough for every other request to miss too
        return build(*args)

    monkeypatch.setattr(calendars, "_build", slow_build)
    poll = Poll(("/calendars/programme.ics", b"", None), "GET", None, None)
    asked = calendars._Asked("programme", None, None, "nl", None, None)

    def get(_: int) -> tuple[bytes, int]:
        answer = calendars._serve(poll, seeded, asked)
        return dict(answer.headers)[b"etag"], len(answer.body)

    with ThreadPoolExecutor(8) as pool:
        answers = set(pool.map(get, range(8)))
    assert len(builds) == 1
    assert len(answers) == 1  # the same feed for all
    assert next(iter(answers))[1] > 10_000


def test_events_built_before_a_newer_change_are_not_stored(seeded, monkeypatch):
    """The events are built outside the write transaction: a step committed meanwhile makes
    them out of date, so they are dropped and the next catch-up builds them afresh."""
    from tracker.services import feed_catch_up

    before = _klip_events(seeded)
    version = _step(seeded, "hold", 1)
    plans = feed_catch_up._plans
    raced: list[int] = []

    def plans_then_a_step(*args: Any) -> Any:
        built = plans(*args)
        if not raced:
            raced.append(_step(seeded, "resume", version))
        return built

    monkeypatch.setattr(feed_catch_up, "_plans", plans_then_a_step)
    assert catch_up_feeds(seeded, NOW) == 0
    assert len(_stale(seeded)) == 1
    assert _klip_events(seeded) == before  # the events of 'hold' were not stored

    assert catch_up_feeds(seeded, NOW) == 1
    assert _stale(seeded) == []
    after = _klip_events(seeded)
    assert not any("Status: Opgeschort" in text for _, text in after.values())
    assert all(after[key][0] == before[key][0] for key in before)


def test_a_kept_feed_answers_polls_until_the_next_commit(seeded):
    """Polls of a kept public feed are answered without a transaction (on SQLite, on the event
    loop); any commit, by any connection, makes the next poll read the feed afresh."""
    url = f"/calendars/initiatives/{KLIP}.ics"
    with TestClient(create_app(seeded)) as client:
        first = client.get(url)
        etag = first.headers["etag"]
        assert first.headers["x-content-type-options"] == "nosniff"
        for _ in range(3):
            poll = client.get(url, headers={"If-None-Match": etag})
            assert poll.status_code == 304
            assert poll.headers["etag"] == etag
            assert poll.headers["cache-control"] == "no-cache"
            # RFC 9110 15.4.5: the client keeps the other headers it stored with the feed.
            assert "last-modified" not in poll.headers
            assert "x-content-type-options" not in poll.headers
        _step(seeded, "hold", 1)  # outside the app: no hook of its own tells it
        moved = client.get(url, headers={"If-None-Match": etag})
        assert moved.status_code == 200
        assert moved.headers["etag"] != etag
        assert "Status: Opgeschort" in moved.text.replace("\r\n ", "")


def test_a_catch_up_stores_a_few_initiatives_per_write_transaction(seeded, monkeypatch):
    """SQLite's other writers wait while one is stored: a long catch-up must not hold them up."""
    with seeded.uow() as uow:
        uow.session.execute(text("UPDATE initiative SET feed_version = NULL"))
        uow.commit()
    stale = _stale(seeded)
    assert len(stale) > 4
    commits: list[int] = []

    def counted() -> None:
        commits.append(1)

    seeded.after_write.append(counted)
    monkeypatch.setattr(feed_catch_up, "STORED_TOGETHER", 2)
    try:
        assert catch_up_feeds(seeded, NOW) == len(stale)
    finally:
        seeded.after_write.remove(counted)
    assert len(commits) == (len(stale) + 1) // 2
    assert _stale(seeded) == []


def test_the_background_waits_for_a_burst_to_end_but_not_forever(seeded, monkeypatch):
    runs: list[float] = []
    monkeypatch.setattr(background, "catch_up_feeds", lambda *_: runs.append(time.monotonic()))
    keeper = Background(seeded, ReportMemo())
    keeper.DELAY, keeper.LONGEST = 0.2, 1.0
    monkeypatch.setattr(keeper, "warm_report", lambda _: None)  # the other job, not timed here
    keeper.start()
    try:
        started = time.monotonic()
        while time.monotonic() - started < 2.5:  # a commit every 50 ms: never quiet
            keeper.committed()
            time.sleep(0.05)
        stopped_poking = time.monotonic()
        time.sleep(0.6)
    finally:
        keeper.stop()
    during = [t - started for t in runs if t < stopped_poking]
    assert 2 <= len(during) <= 3, during  # once per LONGEST, not once per commit, nor never
    assert all(t >= 0.9 for t in during[:1]), during
    after = [t for t in runs if t >= stopped_poking]
    assert len(after) == 1  # the last burst is caught up once it is quiet
    assert after[0] - stopped_poking < 0.5
