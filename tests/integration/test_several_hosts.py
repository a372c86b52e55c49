"""Several `tracker serve` hosts over one PostgreSQL database stay consistent (issue 22, part 7).

Three servers on ports of their own, two workers each, over one seeded schema: three hosts behind
a load balancer, as far as one machine can show it. Every change is made through one host (A, B
and C in turn) and must show, within PROMISE of its acknowledgement, in what every worker of
every host answers, the writer's own other worker included: an initiative's detail (public and
with a token), the list, the history, the weekly report, and the initiative's and the
programme's calendar feeds, which must stop answering 304 to the ETag from before the change.

Each worker keeps caches of its own (api/views.py, api/kept_feeds.py, the report memo), so each
is polled over a connection that it accepted, known from /proc: a connection the kernel handed
to the other worker would leave one worker's caches unread. Every worker starts each change
with the old state in its caches: it answered every view as before, and each feed with 304.

What a worker must answer after a change is what the writer's own worker answers right after
it (read-your-writes), and that answer is checked against the change itself: exact versions,
states, history entries and calendar events. An answer that is neither the old one nor the new
one fails the test, and once all have shown the change every worker is asked every view again:
none may have gone back. The measured times run from the write's acknowledgement to the receipt
of the answer that showed the change, so they include the worker's work to make that answer.

The weekly report is the one view that depends on a host's clock: it is made as of the reading
host's now, and a change counts from the stamp the writing host gave it, so a host shows it only
once its own clock has passed that stamp; history and report list changes by those stamps. The
servers of a test run do not share one clock (each process starts the test's instant when it
boots, seconds apart), so the report is held to PROMISE from the moment the reading worker's clock
reached the stamp, and orders are expected by stamp. The lead of one worker's clock over
another's is measured from the reports' moments against this process's monotonic clock.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ON_THE_SEED_DAY, POSTGRES_URL, SEED_DAY_MORNING, token_for
from tests.server import Served, seeded_database_url, serve
from tracker.domain.clock import brussels_day
from tracker.store.db import make_engine
from tracker.store.uow import Database

pytestmark = [
    ON_THE_SEED_DAY,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="finds the worker of a connection in /proc"
    ),
]

PROMISE = 1.0  # seconds from a change's acknowledgement until every worker of every host shows it
INTERVAL = 0.05  # seconds between two polls of a worker
GIVE_UP = 10.0  # polled this long, so that a broken promise says by how much
HOSTS = {"A": "anna", "B": "bert", "C": "carla"}  # each host's coordinator, the actor it writes as
WORKERS = 2
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
TODAY = brussels_day(SEED_DAY_MORNING)

KLIP = "decreet-klip-gipod-verordening"
KLUIS = "decreet-digitale-kluis"  # the slug of NEW_DECREE, created during the test
NEW_DECREE = {
    "title": "Voorontwerp van decreet over de digitale kluis",
    "kind": "decree",
    "entities": ["Agentschap Digitaal Vlaanderen"],
    "plan": {"first_approval": {"text": "juni 2027"}},
}
NEW_TITLE = "Voorontwerp van KLIP- en GIPOD-decreet"
NEW_SHORT = "KLIP- en GIPOD-decreet"  # what a feed's SUMMARY shows
REPLAN = {"reason": "Het advies van de VTC is nodig", "text": "maart 2027"}
LATER = {"reason": "De onderhandelingen lopen uit", "text": "september 2027"}

FEEDS = {
    "initiative feed": f"/calendars/initiatives/{KLIP}.ics",
    "programme feed": "/calendars/programme.ics",
}
# The views that answer a conditional request (If-None-Match) with 304 while they are unchanged.
CONDITIONAL = {*FEEDS, "list"}
# What each worker is asked, by name: its path and whether it is asked with a token (a view
# made for a caller with a token is kept under the caller's role, apart from the public's).
VIEWS: dict[str, tuple[str, bool]] = {
    "detail": (f"/api/initiatives/{KLIP}", False),
    "detail with a token": (f"/api/initiatives/{KLIP}", True),
    "new detail": (f"/api/initiatives/{KLUIS}", False),
    "list": ("/api/initiatives", False),
    "history": (f"/api/initiatives/{KLIP}/history", False),
    "report": ("/api/reports/weekly", False),
    **{name: (path, False) for name, path in FEEDS.items()},
}


@dataclass(frozen=True, slots=True)
class Seen:
    """An answer as compared between workers: the report without its moment (each worker's now)."""

    status: int
    etag: str | None
    content: bytes

    def data(self) -> Any:
        return json.loads(self.content)

    def __str__(self) -> str:
        return f"{self.status} ETag {self.etag} ({len(self.content)} bytes)"


def _seen(view: str, response: httpx.Response) -> Seen:
    content = response.content
    if view == "report" and response.status_code == 200:
        report = {k: v for k, v in response.json().items() if k != "as_of"}
        content = json.dumps(report, sort_keys=True).encode()
    return Seen(response.status_code, response.headers.get("etag"), content)


def _polled(view: str, plain: Seen, held: str | None) -> Seen:
    """What a poll of `view` by a client that holds the ETag `held` answers, where a plain GET
    answers `plain`: a feed or the list answers 304 while its ETag is the same (the other views
    do not answer conditional requests, so they are polled plainly)."""
    if view in CONDITIONAL and plain.etag == held:
        return Seen(304, held, b"")
    return plain


# --- which worker accepted a connection -------------------------------------------------------


def _client_port(response: httpx.Response) -> int | None:
    stream = response.extensions.get("network_stream")
    address = None if stream is None else stream.get_extra_info("client_addr")
    return None if address is None else int(address[1])


def _accepted_by(server_port: int, client_port: int) -> int | None:
    """The process holding the server's end of the connection from `client_port` (Linux)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                local, remote, state = fields[1], fields[2], fields[3]
                if (
                    state == "01"  # ESTABLISHED
                    and int(local.rsplit(":", 1)[1], 16) == server_port
                    and int(remote.rsplit(":", 1)[1], 16) == client_port
                ):
                    inode = f"socket:[{fields[9]}]"
    if inode is None:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with suppress(OSError):
            for fd in Path("/proc", pid, "fd").iterdir():
                with suppress(OSError):
                    if os.readlink(fd) == inode:
                        return int(pid)
    return None


class Worker:
    """One worker process of a host, asked over a connection that this worker accepted. A
    connection the server closed (keep-alive) is replaced by one that the same worker accepts;
    an answer from another worker is never taken for this one's."""

    def __init__(self, host: str, served: Served, pid: int, client: httpx.Client, port: int):
        self.host, self.served, self.pid = host, served, pid
        self._client, self._port = client, port
        self._server_port = int(served.base.rsplit(":", 1)[1])
        self.viewer: dict[str, str] = {}  # the token of "detail with a token"
        # Its clock (epoch seconds) minus this process's monotonic clock, from its last report.
        self.clock: float | None = None

    @property
    def name(self) -> str:
        return f"host {self.host} worker {self.pid}"

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A write, which is never repeated: it fails if the connection moved to another worker."""
        response = self._client.request(method, path, json=body, headers=headers)
        port = _client_port(response)
        if port != self._port and _accepted_by(self._server_port, port or 0) != self.pid:
            pytest.fail(f"{method} {path} reached another worker than {self.name}")
        self._port = port or self._port
        return response

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        for _ in range(64):
            response = self._client.get(path, headers=headers)
            port = _client_port(response)
            if port == self._port:
                return response
            if port is not None and _accepted_by(self._server_port, port) == self.pid:
                self._port = port
                return response
            self._client.close()  # the kernel gave the new connection to another worker
            self._client = httpx.Client(base_url=self.served.base, timeout=TIMEOUT)
        pytest.fail(f"no new connection reached {self.name} in 64 attempts")

    def fetch(self, view: str, if_none_match: str | None = None) -> Seen:
        path, with_token = VIEWS[view]
        headers = dict(self.viewer) if with_token else {}
        if if_none_match is not None:
            headers["If-None-Match"] = if_none_match
        asked = time.monotonic()
        response = self.get(path, headers)
        if view == "report" and response.status_code == 200:
            moment = datetime.fromisoformat(response.json()["as_of"]).timestamp()
            self.clock = moment - (asked + time.monotonic()) / 2
        return _seen(view, response)

    def lead(self, other: Worker) -> float:
        """How far this worker's clock is ahead of `other`'s (0 when behind): how long after a
        change stamped here `other`'s report may leave it out."""
        assert self.clock is not None, f"no report of {self.name} told its clock"
        assert other.clock is not None, f"no report of {other.name} told its clock"
        return max(0.0, self.clock - other.clock)

    def json(self, path: str) -> Any:
        response = self.get(path)
        assert response.status_code == 200, f"{path} on {self.name}: {response.text}"
        return response.json()

    def close(self) -> None:
        self._client.close()


def _workers(stack: ExitStack, host: str, served: Served, count: int) -> list[Worker]:
    """A Worker for each of the `count` worker processes of `served`: new connections until
    each worker has accepted one (the kernel spreads them over the workers' sockets)."""
    server_port = int(served.base.rsplit(":", 1)[1])
    found: dict[int, Worker] = {}
    for _ in range(64):
        client = httpx.Client(base_url=served.base, timeout=TIMEOUT)
        response = client.get("/health")
        port = _client_port(response)
        pid = None if port is None else _accepted_by(server_port, port)
        if pid is None or pid in found or port is None:
            client.close()
            continue
        found[pid] = worker = Worker(host, served, pid, client, port)
        stack.callback(worker.close)
        if len(found) == count:
            return list(found.values())
    pytest.fail(f"host {host}: {len(found)} of {count} workers accepted one of 64 connections")


# --- the hosts --------------------------------------------------------------------------------


@dataclass
class Measured:
    what: str
    times: dict[tuple[str, str], float]  # (worker, view): seconds until it showed the change
    sent: dict[tuple[str, str], float]  # when the request that showed it was sent
    olds: dict[str, int]  # view: answers from before the change, after its acknowledgement
    leads: dict[str, float]  # worker: how far the writer's clock was ahead of the worker's


@dataclass
class Cluster:
    workers: list[Worker]  # every worker of every host
    writers: dict[str, Worker]  # per host: a connection of its own to one of its workers
    tokens: dict[str, dict[str, str]]  # per host: its coordinator's Authorization
    measured: list[Measured] = field(default_factory=list)

    def read(self, worker: Worker) -> dict[str, Seen]:
        """Every view as `worker` answers a plain GET of it."""
        return {view: worker.fetch(view) for view in VIEWS}

    def agree(self, state: dict[str, Seen], when: str) -> None:
        """Every worker answers every view as `state`, and each feed and the list with 304 to
        its ETag."""
        differ = []
        for worker in self.workers:
            for view in VIEWS:
                seen = worker.fetch(view)
                if seen != state[view]:
                    differ.append(f"{worker.name}, {view}: {seen}, not {state[view]}")
            for view in CONDITIONAL:
                held = state[view].etag
                seen = worker.fetch(view, if_none_match=held)
                if seen != Seen(304, held, b""):
                    differ.append(f"{worker.name}, {view} If-None-Match {held}: {seen}, not 304")
        assert differ == [], f"{when}:\n" + "\n".join(differ)

    def change(
        self,
        before: dict[str, Seen],
        host: str,
        method: str,
        path: str,
        body: Any,
        if_match: str | None = None,
    ) -> tuple[dict[str, Seen], httpx.Response]:
        """Make a change through `host`; what every view shows afterwards, once every worker of
        every host showed it within PROMISE, and the write's answer."""
        writer = self.writers[host]
        headers = dict(self.tokens[host])
        if if_match is not None:
            headers["If-Match"] = if_match
        what = f"{method} {path} through host {host}"
        leads = {w.name: writer.lead(w) for w in self.workers}
        expected: Future[dict[str, Seen]] = Future()
        with ThreadPoolExecutor(max_workers=len(self.workers)) as pool:
            writer.get("/health")  # a connection of its worker, not one the server closed idle
            response = writer.send(method, path, body, headers)
            acknowledged = time.monotonic()
            polls = [
                pool.submit(_poll, w, before, expected, acknowledged, GIVE_UP + leads[w.name])
                for w in self.workers
            ]
            try:
                assert response.status_code in (200, 201), f"{what}: {response.text}"
                after = self.read(writer)  # the writing worker reads its own writes
            except BaseException as exc:
                expected.set_exception(exc)
                raise
            expected.set_result(after)
            outcomes = [poll.result() for poll in polls]
        times = {(o.worker.name, v): t for o in outcomes for v, t in o.times.items()}
        sent = {(o.worker.name, v): t for o in outcomes for v, t in o.sent.items()}
        olds = {v: sum(o.olds.get(v, 0) for o in outcomes) for v in VIEWS}
        self.measured.append(Measured(what, times, sent, olds, leads))
        problems = [p for o in outcomes for p in o.problems()]
        assert problems == [], f"{what}:\n" + "\n".join(problems)
        late = {
            (name, view): round(t, 3)
            for (name, view), t in times.items()
            if t > PROMISE + (leads[name] if view == "report" else 0.0)
        }
        assert late == {}, (
            f"{what}: shown later than {PROMISE} s (worker, view: s): {late}; the writer's "
            f"clock was ahead of each worker's by (s, the report's allowance): {leads}"
        )
        self.agree(after, f"after {what}, every worker still shows it")
        return after, response


@dataclass
class Outcome:
    worker: Worker
    times: dict[str, float] = field(default_factory=dict)
    sent: dict[str, float] = field(default_factory=dict)
    olds: dict[str, int] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    never: dict[str, tuple[float, Seen]] = field(default_factory=dict)  # last answers of those

    def problems(self) -> list[str]:
        never = [
            f"{self.worker.name}, {view}: still {seen} after {at:.1f} s"
            for view, (at, seen) in self.never.items()
        ]
        return self.unexpected + never


def _poll(
    worker: Worker,
    before: dict[str, Seen],
    expected: Future[dict[str, Seen]],
    acknowledged: float,
    give_up: float,
) -> Outcome:
    """Polls each view of `worker` every INTERVAL until it answers as `expected` (known once the
    writer read it back; the answers until then are judged afterwards, in order)."""
    outcome = Outcome(worker)
    answers: dict[str, list[tuple[float, float, Seen]]] = {view: [] for view in VIEWS}
    judged = dict.fromkeys(VIEWS, 0)
    pending = list(VIEWS)
    while pending:
        started = time.monotonic()
        for view in pending:
            asked = time.monotonic() - acknowledged
            seen = worker.fetch(
                view, if_none_match=before[view].etag if view in CONDITIONAL else None
            )
            answers[view].append((asked, time.monotonic() - acknowledged, seen))
        if expected.done():
            if expected.exception() is not None:
                return outcome
            after = expected.result()
            for view in list(pending):
                old = _polled(view, before[view], before[view].etag)
                new = _polled(view, after[view], before[view].etag)
                for asked, at, seen in answers[view][judged[view] :]:
                    judged[view] += 1
                    if seen == new:
                        outcome.times[view], outcome.sent[view] = at, asked
                        pending.remove(view)
                        break
                    if seen == old:
                        outcome.olds[view] = outcome.olds.get(view, 0) + 1
                    else:
                        outcome.unexpected.append(
                            f"{worker.name}, {view} at {at:.3f} s: {seen}, neither the old "
                            f"{old} nor the new {new}"
                        )
        if pending and time.monotonic() - acknowledged > give_up:
            outcome.never = {view: answers[view][-1][1:] for view in pending}
            return outcome
        time.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))
    return outcome


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Three hosts of WORKERS workers each over one seeded PostgreSQL schema."""
    if not POSTGRES_URL:
        pytest.skip(
            "several hosts share one database only on PostgreSQL: set TRACKER_TEST_POSTGRES_URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    with ExitStack() as stack:
        url = seeded_database_url(stack, "postgresql", tmp_path)
        database = Database(make_engine(url))
        stack.callback(database.dispose)
        tokens = {host: token_for(database, actor, "coordinator") for host, actor in HOSTS.items()}
        viewer = token_for(database, "vera", "viewer")
        hosts: dict[str, Served] = {}
        for host in HOSTS:
            folder = tmp_path / f"host-{host}"  # a log each
            folder.mkdir()
            hosts[host] = serve(stack, url, folder, workers=WORKERS)
            assert hosts[host].health["database"] == "postgresql"
        workers = [w for host, s in hosts.items() for w in _workers(stack, host, s, WORKERS)]
        writers = {host: _workers(stack, host, s, 1)[0] for host, s in hosts.items()}
        for worker in [*workers, *writers.values()]:
            worker.viewer = viewer
            worker.fetch("report")  # tells its clock
        yield Cluster(workers, writers, tokens)
        for host, served in hosts.items():
            log = served.log.read_text(errors="replace")
            assert "Traceback" not in log, f"host {host}'s log:\n{log[-6000:]}"


# --- what the answers say ---------------------------------------------------------------------


def _changed(before: dict[str, Seen], after: dict[str, Seen]) -> set[str]:
    return {view for view in VIEWS if after[view] != before[view]}


def _listed(state: dict[str, Seen]) -> tuple[int, dict[str, tuple[int, str, str]]]:
    page = state["list"].data()
    return page["total"], {i["slug"]: (i["version"], i["state"], i["title"]) for i in page["items"]}


def _history(state: dict[str, Seen]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = state["history"].data()["entries"]
    return entries


def _stage(detail: dict[str, Any], stage: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in detail["stages"] if s["stage"] == stage)
    return found


def _vevents(seen: Seen) -> dict[str, dict[str, str]]:
    """A feed's events by UID: each property's value, its parameters left out."""
    text = seen.content.decode().replace("\r\n ", "").replace("\r\n", "\n")
    events: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.split("\n"):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT" and current is not None:
            events[current["UID"]] = current
            current = None
        elif current is not None and ":" in line:
            name, value = line.split(":", 1)
            current[name.split(";", 1)[0]] = value
    return events


def _of(events: dict[str, dict[str, str]], prefix: str) -> dict[str, dict[str, str]]:
    return {uid: event for uid, event in events.items() if uid.startswith(prefix)}


Line = tuple[datetime, str, str, str, str]  # a report's change: stamp, slug, type, what, actor


def _report(state: dict[str, Seen]) -> tuple[int, list[Line]]:
    """The report's count of initiatives and its changes of the week."""
    report = state["report"].data()
    lines = [
        (_moment(c["recorded_at"]), c["slug"], c["type"], c["what"], c["actor"])
        for c in report["changes"]
    ]
    return report["summary"]["initiatives"], lines


def _moment(recorded_at: str) -> datetime:
    return datetime.fromisoformat(recorded_at).astimezone(UTC)


def _stamped(entry: dict[str, Any]) -> datetime:
    return _moment(entry["recorded_at"])


def _added(before: list[Any], after: list[Any], key: Any = None) -> Any:
    """The one entry `after` has more than `before`, where its stamp places it: histories and
    reports list changes by the stamps of the hosts that made them (see the module's doc)."""
    added = [entry for entry in after if entry not in before]
    assert len(added) == 1, f"{len(added)} entries more, not 1: {added}"
    assert after == sorted([*before, *added], key=key), "not in the order of their stamps"
    return added[0]


def _stamp(recorded_at: str) -> str:
    """An API time as a feed's DTSTAMP (UTC, whole seconds)."""
    return _moment(recorded_at).strftime("%Y%m%dT%H%M%SZ")


def _day(value: str) -> str:
    return value.replace("-", "")


def _completing(transitions: dict[str, Any]) -> dict[str, Any]:
    """The step that completes the current stage, as the host offers it, with its evidence."""
    step: dict[str, Any] = next(
        t for t in transitions["transitions"] if t["completes_stage"] == transitions["state"]
    )
    return step


def _numbered(logged: dict[str, Any], answered: dict[str, Any]) -> bool:
    """The history's entry is the step's answer with its id: the answer is given before the log
    numbers the step."""
    return isinstance(logged["id"], int) and logged == {**answered, "id": logged["id"]}


def _evidence(step: dict[str, Any]) -> dict[str, Any]:
    # Today is a Monday: a government decision on it is stored once the team confirms the date.
    body: dict[str, Any] = {
        "event": step["event"],
        "occurred_on": TODAY.isoformat(),
        "confirm": True,
    }
    if "reference" in step["requires"]:
        body["reference"] = "VR 2026 2311 DOC.1234/1"
    if "note" in step["requires"]:
        body["note"] = "vastgelegd via een andere host"
    return body


# --- the test ---------------------------------------------------------------------------------


def _prefix(feed: Seen) -> str:
    """The start of the UIDs of one initiative's events: "initiative-<id>-"."""
    (prefix,) = {"-".join(uid.split("-")[:2]) + "-" for uid in _vevents(feed)}
    return prefix


def _event(state: dict[str, Seen], feed: str, prefix: str, stage: str) -> dict[str, str]:
    (event,) = [
        e for uid, e in _vevents(state[feed]).items() if uid.startswith(prefix + stage + "@")
    ]
    return event


def test_a_change_through_one_host_shows_on_every_worker_of_every_host_within_a_second(
    cluster: Cluster,
) -> None:
    a, b = cluster.writers["A"], cluster.writers["B"]
    start = cluster.read(a)
    cluster.agree(start, "before any change, every worker answers alike")
    assert start["detail"].etag == '"1"'
    assert start["new detail"].status == 404
    total, listed = _listed(start)
    assert total == len(listed) == 11
    title = listed[KLIP][2]
    klip = _prefix(start["initiative feed"])
    everything = set(VIEWS) - {"new detail"}  # what a change of KLIP changes

    # 1. A records the step that completes drafting.
    step = _completing(a.json(f"/api/initiatives/{KLIP}/transitions"))
    events = f"/api/initiatives/{KLIP}/events"
    first, done = cluster.change(start, "A", "POST", events, _evidence(step), '"1"')
    entry = done.json()["event"]
    assert (entry["event"], entry["actor"]) == (step["event"], "anna")
    assert _changed(start, first) == everything
    detail = first["detail"].data()
    assert (first["detail"].etag, detail["version"], detail["state"]) == (
        '"2"',
        2,
        step["to_state"],
    )
    assert _stage(detail, "drafting")["actual"] == TODAY.isoformat()
    assert first["detail with a token"].data() == detail
    assert _listed(first) == (11, {**listed, KLIP: (2, step["to_state"], title)})
    assert _numbered(_added(_history(start), _history(first), _stamped), entry)
    drafting = _event(first, "initiative feed", klip, "drafting")
    assert (drafting["DTSTART"], drafting["STATUS"], drafting["DTSTAMP"]) == (
        _day(TODAY.isoformat()), "CONFIRMED", _stamp(entry["recorded_at"]),
    )  # fmt: skip
    assert _of(_vevents(first["programme feed"]), klip) == _vevents(first["initiative feed"])
    count, lines = _report(first)
    assert count == 11
    assert _added(_report(start)[1], lines) == (
        _moment(entry["recorded_at"]), KLIP, "event", entry["label"], "anna",
    )  # fmt: skip

    # 2. A re-plans a stage.
    plan = f"/api/initiatives/{KLIP}/plan/advisory_opinions"
    second, done = cluster.change(first, "A", "PUT", plan, REPLAN, '"2"')
    replanned = done.json()
    assert _changed(first, second) == everything
    detail = second["detail"].data()
    assert (second["detail"].etag, detail["version"], detail["state"]) == (
        '"3"',
        3,
        step["to_state"],
    )
    milestone = _stage(detail, "advisory_opinions")
    assert milestone == replanned["stage"]
    assert milestone["plan"]["text"] == REPLAN["text"]
    assert second["detail with a token"].data() == detail
    assert _listed(second) == (11, {**listed, KLIP: (3, step["to_state"], title)})
    change = replanned["change"]
    assert (change["stage"], change["actor"], change["reason"]) == (
        "advisory_opinions", "anna", REPLAN["reason"],
    )  # fmt: skip
    assert _added(_history(first), _history(second), _stamped) == change
    opinions = _event(second, "initiative feed", klip, "advisory_opinions")
    assert (opinions["DTSTART"], opinions["DTSTAMP"]) == (
        _day(milestone["forecast"]["earliest"]), _stamp(change["recorded_at"]),
    )  # fmt: skip
    assert _of(_vevents(second["programme feed"]), klip) == _vevents(second["initiative feed"])
    count, lines = _report(second)
    assert count == 11
    assert _added(_report(first)[1], lines) == (
        _moment(change["recorded_at"]), KLIP, "plan_change", change["label"], "anna",
    )  # fmt: skip

    # 3. A edits the title and the short title.
    renamed = {"title": NEW_TITLE, "short_title": NEW_SHORT}
    third, done = cluster.change(second, "A", "PATCH", f"/api/initiatives/{KLIP}", renamed, '"3"')
    assert _changed(second, third) == everything
    detail = third["detail"].data()
    assert detail == done.json()
    assert (third["detail"].etag, detail["version"], detail["title"]) == ('"4"', 4, NEW_TITLE)
    assert third["detail with a token"].data() == detail
    assert _listed(third) == (11, {**listed, KLIP: (4, step["to_state"], NEW_TITLE)})
    edit = _added(_history(second), _history(third), _stamped)
    assert (edit["event"], edit["actor"], edit["note"]) == ("edit", "anna", "title, short_title")
    summaries = {
        e["SUMMARY"].rsplit(": ", 1)[1] for e in _vevents(third["initiative feed"]).values()
    }
    assert summaries == {NEW_SHORT}
    assert _of(_vevents(third["programme feed"]), klip) == _vevents(third["initiative feed"])
    count, lines = _report(third)
    assert count == 11
    assert _added(_report(second)[1], lines) == (
        _moment(edit["recorded_at"]), KLIP, "event", edit["label"], "anna",
    )  # fmt: skip

    # 4. A creates an initiative.
    fourth, done = cluster.change(third, "A", "POST", "/api/initiatives", NEW_DECREE)
    created = done.json()
    assert (done.status_code, done.headers["etag"], created["slug"]) == (201, '"1"', KLUIS)
    assert _changed(third, fourth) == {"new detail", "list", "programme feed", "report"}
    assert fourth["new detail"].etag == '"1"'
    assert fourth["new detail"].data() == created
    assert _listed(fourth) == (
        12, {**_listed(third)[1], KLUIS: (1, "drafting", NEW_DECREE["title"])},
    )  # fmt: skip
    programme, earlier = _vevents(fourth["programme feed"]), _vevents(third["programme feed"])
    (kluis,) = {"-".join(uid.split("-")[:2]) + "-" for uid in set(programme) - set(earlier)}
    new_events = _of(programme, kluis)
    summaries = {e["SUMMARY"].rsplit(": ", 1)[1] for e in new_events.values()}
    assert summaries == {"Decreet over de digitale kluis"}  # proposed from its title
    assert programme == {**earlier, **new_events}
    approval = _event(fourth, "programme feed", kluis, "first_approval")
    assert approval["DTSTART"] == _day(_stage(created, "first_approval")["forecast"]["earliest"])
    (creation,) = a.json(f"/api/initiatives/{KLUIS}/history")["entries"]
    assert approval["DTSTAMP"] == _stamp(creation["recorded_at"])
    count, lines = _report(fourth)
    assert count == 12
    assert _added(_report(third)[1], lines) == (
        _moment(creation["recorded_at"]), KLUIS, "event", creation["label"], "anna",
    )  # fmt: skip

    # 5. B records the step that completes the first approval: a change the other way round.
    step = _completing(b.json(f"/api/initiatives/{KLIP}/transitions"))
    fifth, done = cluster.change(fourth, "B", "POST", events, _evidence(step), '"4"')
    entry = done.json()["event"]
    assert (entry["event"], entry["actor"]) == (step["event"], "bert")
    assert _changed(fourth, fifth) == everything
    detail = fifth["detail"].data()
    assert (fifth["detail"].etag, detail["version"], detail["state"]) == (
        '"5"',
        5,
        step["to_state"],
    )
    assert _stage(detail, step["completes_stage"])["actual"] == TODAY.isoformat()
    assert fifth["detail with a token"].data() == detail
    assert _listed(fifth) == (
        12, {**_listed(fourth)[1], KLIP: (5, step["to_state"], NEW_TITLE)},
    )  # fmt: skip
    assert _numbered(_added(_history(fourth), _history(fifth), _stamped), entry)
    approved = _event(fifth, "initiative feed", klip, step["completes_stage"])
    assert (approved["DTSTART"], approved["STATUS"], approved["DTSTAMP"]) == (
        _day(TODAY.isoformat()), "CONFIRMED", _stamp(entry["recorded_at"]),
    )  # fmt: skip
    assert _of(_vevents(fifth["programme feed"]), klip) == _vevents(fifth["initiative feed"])
    count, lines = _report(fifth)
    assert count == 12
    assert _added(_report(fourth)[1], lines) == (
        _moment(entry["recorded_at"]), KLIP, "event", entry["label"], "bert",
    )  # fmt: skip

    # 6. C re-plans the initiative that A created.
    plan = f"/api/initiatives/{KLUIS}/plan/first_approval"
    sixth, done = cluster.change(fifth, "C", "PUT", plan, LATER, '"1"')
    replanned = done.json()
    change = replanned["change"]
    assert (change["actor"], replanned["version"]) == ("carla", 2)
    assert _changed(fifth, sixth) == {"new detail", "list", "programme feed", "report"}
    assert sixth["new detail"].etag == '"2"'
    assert _stage(sixth["new detail"].data(), "first_approval") == replanned["stage"]
    assert replanned["stage"]["plan"]["text"] == LATER["text"]
    assert _listed(sixth) == (
        12, {**_listed(fifth)[1], KLUIS: (2, "drafting", NEW_DECREE["title"])},
    )  # fmt: skip
    moved = _event(sixth, "programme feed", kluis, "first_approval")
    assert (moved["DTSTART"], moved["SEQUENCE"], moved["DTSTAMP"]) == (
        _day(replanned["stage"]["forecast"]["earliest"]), "1", _stamp(change["recorded_at"]),
    )  # fmt: skip
    count, lines = _report(sixth)
    assert count == 12
    assert _added(_report(fifth)[1], lines) == (
        _moment(change["recorded_at"]), KLUIS, "plan_change", change["label"], "carla",
    )  # fmt: skip

    for measured in cluster.measured:  # shown with -rP
        slowest = max(measured.times.items(), key=lambda item: item[1])
        others = max(t for (_, v), t in measured.times.items() if v != "report")
        report = max(
            t - measured.leads[name] for (name, v), t in measured.times.items() if v == "report"
        )
        print(
            f"{measured.what}: every view of every worker within {slowest[1]:.3f} s "
            f"({slowest[0]}); all but the report within {others:.3f} s, the report within "
            f"{report:.3f} s of the reader's clock passing the stamp (clocks up to "
            f"{max(measured.leads.values()):.3f} s behind the writer's); the last request that "
            f"showed it sent after {max(measured.sent.values()):.3f} s; old answers after the "
            f"acknowledgement: { {v: n for v, n in measured.olds.items() if n} }"
        )
