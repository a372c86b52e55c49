"""In-process measurements: annex parsing, forecast refresh, weekly report, programme feed.

Times are the best of a few runs (the least disturbed by the other work on a shared machine);
peak memory is measured in a separate run under tracemalloc, which slows Python down.
"""

from __future__ import annotations

import gc
import hashlib
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from litestar.testing import TestClient

from api.app import create_app
from api.limits import Limits
from bench.floor import PlainEvent, plain_calendar
from bench.floor import create_app as create_floor_app
from bench.generate import Programme, parse
from tracker.domain.access import Principal, Role
from tracker.domain.clock import brussels_day
from tracker.domain.weeks import IsoWeek
from tracker.outputs.feeds import calendar
from tracker.outputs.ical import events as calendar_events
from tracker.outputs.ical import uid
from tracker.outputs.render import render_parts
from tracker.services.feed_catch_up import catch_up_feeds
from tracker.services.feeds import feed
from tracker.services.forecasts import refresh_all
from tracker.services.weekly_report import ReportMemo, weekly_report
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import Database

SYSTEM = Principal("bench", Role.ADMIN)
Figures = dict[str, Any]


MOST_REPEATS = 5
REPEAT_BUDGET_S = 3.0


def best_of(action: Callable[[], object], repeats: int, *, most: int = MOST_REPEATS) -> float:
    """The shortest of at least `repeats` timed runs, in seconds; more, up to MOST_REPEATS, while
    they fit in REPEAT_BUDGET_S. The least of fewer runs is larger on a busy machine: with as
    many runs at every size wherever they are cheap, noise does not pass for growth in N.
    `most` = `repeats` for an action that is not the same when repeated."""
    times: list[float] = []
    while len(times) < repeats or (
        len(times) < most and sum(times) + min(times) <= REPEAT_BUDGET_S
    ):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def peak_mb(action: Callable[[], object]) -> float:
    """The peak of memory allocated by Python while `action` runs, in MB."""
    tracemalloc.start()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def held_mb(action: Callable[[], object]) -> float:
    """The memory allocated by Python while `action` ran that is still held after it, in MB."""
    tracemalloc.start()
    try:
        action()
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return held / 1e6


def repeats_for(size: int) -> int:
    return 5 if size <= 1000 else 2


def annex_parsing(prog: Programme) -> Figures:
    """Initiatives per second through the annex reader (text in memory, no database)."""

    def parse_all() -> None:
        for number, text in enumerate(prog.annexes):
            parse(text, number)

    seconds = best_of(parse_all, 3 if prog.size <= 10_000 else 1)
    return {"parse_s": seconds, "parse_per_s": prog.size / seconds}


def forecast_refresh(database: Database, now: datetime) -> Figures:
    """The daily refresh: the first one after loading moves forecasts, the second moves none."""

    def refresh() -> int:
        with database.uow() as uow:
            result = refresh_all(uow, now)
            uow.commit()
        return len(result.moved)

    started = time.perf_counter()
    moved = refresh()
    first = time.perf_counter() - started
    again = best_of(refresh, 2)
    return {"refresh_first_s": first, "refresh_again_s": again, "refresh_moved": moved}


def weekly(database: Database, now: datetime) -> Figures:
    """This week's report for a coordinator (everything), built and rendered as JSON and HTML:
    with a new memo (a server's first report), with the memo of a report the day before (a
    server's first report of a day), and with the memo of a report made before (its later
    reports that day; nothing changed in between)."""
    yesterday = now - timedelta(days=1)

    def build(
        fmt: str, memo: ReportMemo | None = None, at: datetime = now
    ) -> Callable[[], list[bytes]]:
        def run() -> list[bytes]:
            week = IsoWeek.of(brussels_day(at))
            with database.uow() as uow:
                report = weekly_report(uow, week, principal=SYSTEM, now=at, memo=memo)
            return render_parts(report, fmt)  # as the server sends it

        return run

    figures: Figures = {}
    repeats = repeats_for(_count(database))
    for fmt in ("json", "html"):
        figures[f"report_{fmt}_s"] = best_of(build(fmt), repeats)
        next_days = []
        for _ in range(repeats):
            memo = ReportMemo()
            build(fmt, memo, yesterday)()
            next_days.append(best_of(build(fmt, memo), 1, most=1))  # a second is the same day
        figures[f"report_{fmt}_next_day_s"] = min(next_days)
        kept = ReportMemo()
        build(fmt, kept)()
        figures[f"report_{fmt}_kept_s"] = best_of(build(fmt, kept), repeats)
        figures[f"report_{fmt}_bytes"] = sum(map(len, build(fmt)()))
        figures[f"report_{fmt}_mb"] = peak_mb(build(fmt))
    figures["report_memo_mb"] = held_mb(build("json", ReportMemo()))
    return figures


def _count(database: Database) -> int:
    with database.uow() as uow:
        return len(uow.initiatives.ids(InitiativeFilter()))


def programme_feed(database: Database, now: datetime) -> Figures:
    """The public programme feed: assembled from stored events as each request does, against
    the floor of writing the same events with plain string formatting."""

    def build() -> tuple[bytes, str]:
        with database.uow() as uow:
            result = feed(uow, "programme", None, audience=frozenset(), lang="nl", now=now)
        body = calendar(result.name, result.description, result.events)
        return body, hashlib.sha256(body).hexdigest()

    repeats = repeats_for(_count(database))
    body, _ = build()
    figures: Figures = {
        "feed_s": best_of(build, repeats),
        "feed_bytes": len(body),
        "feed_events": body.count(b"BEGIN:VEVENT"),
        "feed_mb": peak_mb(build),
    }
    head, plain = _plain_events(database, now)
    figures["feed_floor_s"] = best_of(lambda: plain_calendar(head, plain), repeats)
    figures["feed_floor_events"] = len(plain)
    figures.update(_conditional_get(database))
    return figures


def _plain_events(database: Database, now: datetime) -> tuple[str, list[PlainEvent]]:
    """The programme feed's events as plain values: its dates, status and sequence as stored,
    its texts as the calendar module writes them."""
    today = brussels_day(now)
    with database.uow() as uow:
        result = feed(uow, "programme", None, audience=frozenset(), lang="nl", now=now)
        initiatives = uow.initiatives.all(InitiativeFilter(visible_to=frozenset()))
        stored = uow.feeds.stored([i.id for i in initiatives if i.id is not None])
        plain = []
        for initiative in initiatives:
            assert initiative.id is not None
            for content in calendar_events(initiative, today):
                row = stored[initiative.id][content.key]
                plain.append(
                    PlainEvent(
                        uid=uid(initiative.id, content.key),
                        changed_at=row.changed_at,
                        sequence=row.sequence,
                        start=content.start,
                        end=content.end,
                        summary=content.summary["nl"],
                        description=content.description["nl"],
                        categories=content.categories["nl"],
                        status=row.status,
                        url=content.url,
                    )
                )
    head = calendar(result.name, result.description, []).decode().removesuffix("END:VCALENDAR\r\n")
    return head, plain


def _conditional_get(database: Database) -> Figures:
    """One subscriber's poll through the whole app in process: a full GET, then a conditional
    GET answered 304 (median of several); and the app's own part of a poll, called as ASGI
    without HTTP, beside the floor app's answer of 1 KB called the same way."""
    path = "/calendars/programme.ics"
    with TestClient(create_app(database)) as client:
        started = time.perf_counter()
        first = client.get(path)
        full = time.perf_counter() - started
        assert first.status_code == 200, first.text
        etag = first.headers["etag"]
        times = []
        for _ in range(7):
            started = time.perf_counter()
            answer = client.get(path, headers={"If-None-Match": etag})
            times.append(time.perf_counter() - started)
            assert answer.status_code == 304, answer.status_code
        # As in the load tests: the rate limits guard a service, not what lies behind them.
        client.app.state.limits = Limits(writes=None, feeds=None)
        poll = client.blocking_portal.call(_asgi_time, client.app, path, etag)
    with TestClient(create_floor_app()) as floor:
        floor_poll = floor.blocking_portal.call(_asgi_time, floor.app, "/json/1024", None)
    return {
        "feed_get_s": full,
        "feed_304_s": statistics.median(times),
        "feed_304_asgi_s": poll,
        "floor_asgi_s": floor_poll,
    }


async def _asgi_time(app: Any, path: str, etag: str | None, calls: int = 2000) -> float:
    """Seconds per call of the ASGI app for GET `path` (If-None-Match: etag), best of 3 runs."""
    headers = [(b"host", b"bench")] + ([(b"if-none-match", etag.encode())] if etag else [])
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(calls):
            await app({**scope, "state": {}}, receive, send)
        runs.append((time.perf_counter() - started) / calls)
    assert statuses == {304 if etag else 200}, statuses
    return min(runs)


def reads(database: Database) -> Figures:
    """CPU per list of 50 and per detail computed afresh through the services (what a request
    costs when the views kept by the server do not answer it), median of several."""
    from tracker.domain.access import ANONYMOUS
    from tracker.outputs.read_models import initiative_summary, initiative_view
    from tracker.services.initiatives import find_initiatives, readable_initiative

    day = brussels_day(datetime.now(UTC))
    with database.uow() as uow:
        slugs = [i.slug for i in uow.initiatives.find(InitiativeFilter(), limit=20, offset=0)[0]]

    def listing() -> None:
        with database.uow() as uow:
            items, _ = find_initiatives(uow, InitiativeFilter(), ANONYMOUS, limit=50, offset=0)
            msgspec.json.encode([initiative_summary(i, day, "nl") for i in items])

    def detail() -> None:
        for slug in slugs:
            with database.uow() as uow:
                msgspec.json.encode(initiative_view(readable_initiative(uow, slug, ANONYMOUS),
                                                    day, "nl"))  # fmt: skip

    return {
        "list_cpu_s": _cpu_median(listing, 7),
        "detail_cpu_s": _cpu_median(detail, 7) / len(slugs),
    }


def _cpu_median(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return statistics.median(times)


# Where a transition's CPU goes: (label, function as cProfile names it).
STEP_PARTS = (
    ("loading for update", ("tracker/services/initiatives.py", "writable_initiative")),
    ("saving (Core updates)", ("tracker/store/repository.py", "save")),
    ("forecast", ("tracker/domain/model.py", "refresh_forecast")),
    ("commit", ("sqlalchemy/orm/session.py", "commit")),
)


def transition_profile(database: Database, steps: int = 60) -> Figures:
    """CPU per recorded step (hold, then resume, ...) through `record_event` and a commit, and
    its parts under cProfile; then the CPU of bringing one stepped initiative's calendar events
    up to date afterwards (once per burst of steps). It writes to the database, so it runs
    last."""
    import cProfile
    import pstats

    from tracker.domain.model import Stage
    from tracker.services.steps import record_event

    open_states = {s.value for s in Stage}
    with database.uow() as uow:
        chosen = [i for i in uow.initiatives.all(InitiativeFilter()) if i.state in open_states]
    state = {i.slug: [i.version, False] for i in chosen[:20]}
    slugs = list(state)

    def step(number: int) -> None:
        slug = slugs[number % len(slugs)]
        version, held = state[slug]
        now = datetime.now(UTC)
        with database.uow() as uow:
            done = record_event(
                uow, slug, event="resume" if held else "hold", occurred_on=brussels_day(now),
                reference=None, note="bench", principal=SYSTEM, expected_version=version, now=now,
            )  # fmt: skip
            uow.commit()
        state[slug] = [done.initiative.version, not held]

    def run(count: int) -> None:
        for number in range(count):
            step(number)

    run(len(slugs))  # warm up: the first step of each moves its forecasts more than later ones
    started = time.process_time()
    run(steps)
    cpu = (time.process_time() - started) / steps
    profile = cProfile.Profile()
    profile.runcall(run, steps)
    # (file, line, function) -> (primitive calls, calls, own time, cumulative time, callers)
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cumulative(file: str, name: str) -> float:
        found = (v[3] for (p, _, f), v in stats.items() if p.endswith(file) and f == name)
        return float(sum(found)) / steps

    parts = {label: cumulative(file, name) for label, (file, name) in STEP_PARTS}
    whole = cumulative("bench/measure.py", "step")
    catch_up = []
    for _ in range(3):
        run(len(slugs))  # each of them one step behind
        started = time.process_time()
        behind = catch_up_feeds(database, datetime.now(UTC))
        catch_up.append((time.process_time() - started) / behind)
    return {
        "step_cpu_s": cpu,
        "step_profiled_s": whole,
        "step_parts_s": parts,
        "events_catch_up_cpu_s": statistics.median(catch_up),
    }
