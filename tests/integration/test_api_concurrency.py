"""If-Match, Idempotency-Key and concurrent writers, on SQLite and PostgreSQL.

The precondition and retry rules are checked in process (TestClient); the concurrency cases run
against a real `tracker serve --workers 2` process, so that requests really overlap across
processes and database connections.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import BACKENDS, NOW, ROOT, clock_env, record_step, token_for
from tests.problems import assert_problem
from tests.server import TRACKER, seeded_database_url, serve
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import Database
from tracker.store.writer_gate import WriterGate

KLIP = "decreet-klip-gipod-verordening"
DETAIL = f"/api/initiatives/{KLIP}"
EVENTS = f"{DETAIL}/events"
COMPLETE = {"event": "complete_drafting", "occurred_on": "2025-01-06"}
APPROVE = {"event": "approve_first", "occurred_on": "2025-01-17", "reference": "VR 2025 1701"}
NEW_DECREE = {
    "title": "Voorontwerp van decreet over de digitale kluis",
    "kind": "decree",
    "entities": ["Agentschap Digitaal Vlaanderen"],
    "plan": {"first_approval": {"text": "juni 2027"}},
}

# The three mutating requests that need If-Match: (method, path, a valid body at version 1).
WRITES = {
    "event": ("POST", EVENTS, COMPLETE),
    "patch": ("PATCH", DETAIL, {"summary": "Nieuwe samenvatting"}),
    "plan": ("PUT", f"{DETAIL}/plan/first_approval", {"reason": "IF later", "text": "juni 2025"}),
}


# --- in process ------------------------------------------------------------------------------


@pytest.fixture
def client(seeded: Database) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(seeded)) as client:
        yield client


@pytest.fixture
def anna(seeded: Database) -> dict[str, str]:
    return token_for(seeded, "anna", "coordinator")


@pytest.fixture
def bert(seeded: Database) -> dict[str, str]:
    return token_for(seeded, "bert", "coordinator")


def _snapshot(client: TestClient[Any], slug: str = KLIP) -> tuple[str, str, list[tuple[str, str]]]:
    """ETag, state and history (type and event or stage) of an initiative."""
    detail = client.get(f"/api/initiatives/{slug}")
    assert detail.status_code == 200, detail.text
    entries = client.get(f"/api/initiatives/{slug}/history").json()["entries"]
    history = sorted((e["type"], e.get("event") or e["stage"]) for e in entries)
    return detail.headers["etag"], detail.json()["state"], history


SEEDED = ('"1"', "drafting", [("event", "create")])


def _total(client: TestClient[Any], headers: dict[str, str]) -> int:
    total: int = client.get("/api/initiatives", headers=headers).json()["total"]
    return total


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_change_without_if_match_is_428_and_writes_nothing(client, anna, write):
    method, path, body = WRITES[write]
    response = client.request(method, path, json=body, headers=anna)
    problem = assert_problem(response, 428)
    assert "If-Match" in problem["detail"]
    assert _snapshot(client) == SEEDED


def test_a_428_is_not_stored_under_its_idempotency_key(client, anna):
    response = client.post(EVENTS, json=COMPLETE, headers={**anna, "Idempotency-Key": "k-428"})
    assert_problem(response, 428)
    retry = client.post(
        EVENTS, json=COMPLETE, headers={**anna, "Idempotency-Key": "k-428", "If-Match": '"1"'}
    )
    assert retry.status_code == 201, retry.text
    assert "idempotent-replayed" not in retry.headers


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_stale_if_match_is_412_with_the_current_version(client, anna, write):
    first = client.patch(
        DETAIL, json={"summary": "Eerste wijziging"}, headers={**anna, "If-Match": '"1"'}
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"2"'
    before = _snapshot(client)
    assert before[0] == '"2"'
    method, path, body = WRITES[write]
    for stale in ('"1"', '"3"', '"0"'):
        response = client.request(method, path, json=body, headers={**anna, "If-Match": stale})
        problem = assert_problem(response, 412)
        assert problem["current_version"] == 2
        assert problem["type"] == "urn:wetgevingsplanner:problem:stale-version"
        assert response.headers["etag"] == '"2"'
    assert _snapshot(client) == before


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_kept_waiting_by_other_writers_is_503_and_writes_nothing(
    seeded, client, anna, write, monkeypatch
):
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writers wait on row locks, not on a writers' turn")
    monkeypatch.setattr(WriterGate, "WAIT", 0.2)
    before = _snapshot(client)
    method, path, body = WRITES[write]
    with seeded.uow() as holder:  # another writer holding its turn for longer than WAIT
        holder.take_turn()
        response = client.request(method, path, json=body, headers={**anna, "If-Match": '"1"'})
    problem = assert_problem(response, 503)
    assert problem["type"] == "urn:wetgevingsplanner:problem:database-busy"
    assert response.headers["retry-after"] == "5"
    assert _snapshot(client) == before
    retried = client.request(method, path, json=body, headers={**anna, "If-Match": '"1"'})
    assert retried.status_code in (200, 201), retried.text


# Not one strong ETag: refused with 400 by the If-Match parser, even when the version inside is
# the current one (W/"1": a weak ETag never matches for a change, RFC 9110 §13.1.1).
MALFORMED = ["1", 'W/"1"', "*", '"1", "2"', '"een"', '"-1"', '"1', "'1'", '"1.0"']


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_malformed_or_weak_if_match_is_400_and_writes_nothing(client, anna, write):
    method, path, body = WRITES[write]
    for value in MALFORMED:
        response = client.request(method, path, json=body, headers={**anna, "If-Match": value})
        problem = assert_problem(response, 400)
        assert [p["name"] for p in problem["invalid_params"]] == ["If-Match"], value
    assert _snapshot(client) == SEEDED


def test_an_if_match_with_spaces_around_the_etag_is_accepted(client, anna):
    response = client.post(EVENTS, json=COMPLETE, headers={**anna, "If-Match": '  "1" '})
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"2"'


def test_every_change_returns_the_next_etag(client, anna):
    read = client.get(DETAIL)
    assert read.headers["etag"] == '"1"'
    assert read.json()["version"] == 1
    assert client.get(f"{DETAIL}/transitions").headers["etag"] == '"1"'

    event = client.post(EVENTS, json=COMPLETE, headers={**anna, "If-Match": '"1"'})
    assert event.status_code == 201, event.text
    assert event.headers["etag"] == '"2"'
    assert event.json()["version"] == 2
    assert client.get(DETAIL).headers["etag"] == '"2"'

    edit = client.patch(DETAIL, json={"summary": "Herwerkt"}, headers={**anna, "If-Match": '"2"'})
    assert edit.status_code == 200, edit.text
    assert edit.headers["etag"] == '"3"'
    assert edit.json()["version"] == 3

    plan = client.put(
        f"{DETAIL}/plan/advisory_opinions",
        json={"reason": "Advies VTC nodig", "text": "maart 2025"},
        headers={**anna, "If-Match": '"3"'},
    )
    assert plan.status_code == 200, plan.text
    assert plan.headers["etag"] == '"4"'
    assert plan.json()["version"] == 4

    approval = client.post(EVENTS, json=APPROVE, headers={**anna, "If-Match": '"4"'})
    assert approval.status_code == 201, approval.text
    assert approval.headers["etag"] == '"5"'
    assert approval.json()["version"] == 5

    assert client.get(DETAIL).headers["etag"] == '"5"'
    assert client.get(f"{DETAIL}/transitions").headers["etag"] == '"5"'
    assert _snapshot(client) == (
        '"5"',
        "advisory_opinions",
        [
            ("event", "approve_first"),
            ("event", "complete_drafting"),
            ("event", "create"),
            ("event", "edit"),
            ("plan_change", "advisory_opinions"),
        ],
    )


def test_an_event_retried_with_the_same_key_is_replayed_and_writes_nothing(client, anna):
    headers = {**anna, "If-Match": '"1"', "Idempotency-Key": "stap-1"}
    first = client.post(EVENTS, json=COMPLETE, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert first.headers["etag"] == '"2"'
    after = _snapshot(client)
    assert after == ('"2"', "first_approval", [("event", "complete_drafting"), ("event", "create")])

    # The retry carries the If-Match of the first attempt, now stale: it is still a replay.
    for _ in range(2):
        retry = client.post(EVENTS, json=COMPLETE, headers=headers)
        assert retry.status_code == 201, retry.text
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.headers["etag"] == '"2"'
        assert retry.json() == first.json()
    assert _snapshot(client) == after


def test_the_same_key_with_another_request_is_422_and_writes_nothing(client, anna):
    headers = {**anna, "If-Match": '"1"', "Idempotency-Key": "stap-1"}
    assert client.post(EVENTS, json=COMPLETE, headers=headers).status_code == 201
    after = _snapshot(client)
    other_slug = "decreet-crab-omvorming-centraal"
    others = [
        (EVENTS, {**COMPLETE, "note": "met een opmerking"}),
        (EVENTS, {**COMPLETE, "occurred_on": "2025-01-07"}),
        (EVENTS, APPROVE),
        (f"/api/initiatives/{other_slug}/events", COMPLETE),  # same body, another initiative
    ]
    for path, body in others:
        problem = assert_problem(client.post(path, json=body, headers=headers), 422)
        assert "Idempotency-Key" in problem["detail"], body
    assert _snapshot(client) == after
    assert _snapshot(client, other_slug) == SEEDED
    # A create with a key already used for an event is another request too.
    total = _total(client, anna)
    assert_problem(client.post("/api/initiatives", json=NEW_DECREE, headers=headers), 422)
    assert _total(client, anna) == total


def test_the_same_key_of_two_tokens_is_independent(client, anna, bert):
    first = client.post(
        EVENTS, json=COMPLETE, headers={**anna, "If-Match": '"1"', "Idempotency-Key": "gedeeld"}
    )
    assert first.status_code == 201, first.text
    # Bert's request with Anna's key and body is evaluated, not replayed: version 1 is stale now.
    same = client.post(
        EVENTS, json=COMPLETE, headers={**bert, "If-Match": '"1"', "Idempotency-Key": "gedeeld"}
    )
    assert_problem(same, 412)
    assert "idempotent-replayed" not in same.headers
    # And another body under the same key is no reuse for Bert: it is recorded, as Bert.
    bert_headers = {**bert, "If-Match": '"2"', "Idempotency-Key": "gedeeld"}
    second = client.post(EVENTS, json=APPROVE, headers=bert_headers)
    assert second.status_code == 201, second.text
    assert "idempotent-replayed" not in second.headers
    assert second.json()["event"]["actor"] == "bert"
    assert second.headers["etag"] == '"3"'
    # Each token's retry replays its own first response.
    replay_anna = client.post(
        EVENTS, json=COMPLETE, headers={**anna, "If-Match": '"1"', "Idempotency-Key": "gedeeld"}
    )
    assert replay_anna.headers["idempotent-replayed"] == "true"
    assert replay_anna.json() == first.json()
    replay_bert = client.post(EVENTS, json=APPROVE, headers=bert_headers)
    assert replay_bert.headers["idempotent-replayed"] == "true"
    assert replay_bert.json() == second.json()
    assert _snapshot(client) == (
        '"3"',
        "advisory_opinions",
        [("event", "approve_first"), ("event", "complete_drafting"), ("event", "create")],
    )


def test_a_refused_request_is_not_stored_under_its_key(client, anna):
    key = {"Idempotency-Key": "nog-niet"}
    # 409: approve_first is not allowed in drafting; asked twice, refused twice.
    for _ in range(2):
        refused = client.post(EVENTS, json=APPROVE, headers={**anna, **key, "If-Match": '"1"'})
        problem = assert_problem(refused, 409)
        assert problem["state"] == "drafting"
        assert problem["allowed_events"] == ["complete_drafting", "hold", "withdraw"]
        assert "idempotent-replayed" not in refused.headers
    assert _snapshot(client) == SEEDED
    # The key is free: another (valid) request may use it.
    done = client.post(EVENTS, json=COMPLETE, headers={**anna, **key, "If-Match": '"1"'})
    assert done.status_code == 201, done.text
    assert "idempotent-replayed" not in done.headers

    # 412 and 422 (invalid content) are not stored either: the retry is evaluated again.
    other = {"Idempotency-Key": "tweede"}
    assert_problem(
        client.post(EVENTS, json=APPROVE, headers={**anna, **other, "If-Match": '"1"'}), 412
    )
    without_reference = {k: v for k, v in APPROVE.items() if k != "reference"}
    invalid = client.post(
        EVENTS, json=without_reference, headers={**anna, **other, "If-Match": '"2"'}
    )
    assert_problem(invalid, 422)
    assert _snapshot(client)[:2] == ('"2"', "first_approval")
    approved = client.post(EVENTS, json=APPROVE, headers={**anna, **other, "If-Match": '"2"'})
    assert approved.status_code == 201, approved.text
    assert "idempotent-replayed" not in approved.headers
    assert approved.headers["etag"] == '"3"'


def test_a_create_retried_with_the_same_key_is_replayed_and_writes_nothing(client, anna, bert):
    assert _total(client, anna) == 11
    headers = {**anna, "Idempotency-Key": "nieuw-1"}
    first = client.post("/api/initiatives", json=NEW_DECREE, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert first.headers["etag"] == '"1"'
    location = first.headers["location"]
    assert location == f"/api/initiatives/{first.json()['slug']}"
    assert _total(client, anna) == 12

    retry = client.post("/api/initiatives", json=NEW_DECREE, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers["etag"] == '"1"'
    assert retry.headers["location"] == location
    assert retry.json() == first.json()
    assert _total(client, anna) == 12
    assert [e["event"] for e in client.get(f"{location}/history").json()["entries"]] == ["create"]

    other = {**NEW_DECREE, "title": "Voorontwerp van decreet over de tweede kluis"}
    problem = assert_problem(client.post("/api/initiatives", json=other, headers=headers), 422)
    assert "Idempotency-Key" in problem["detail"]
    assert _total(client, anna) == 12

    # Bert's key of the same name is his own: his create is evaluated and recorded.
    own = client.post(
        "/api/initiatives", json=other, headers={**bert, "Idempotency-Key": "nieuw-1"}
    )
    assert own.status_code == 201, own.text
    assert "idempotent-replayed" not in own.headers
    assert _total(client, anna) == 13


# --- against a real server --------------------------------------------------------------------

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    backend: str
    auth: dict[str, str]
    log: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=TIMEOUT, headers=self.auth)


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Server]:
    """`tracker serve --workers 2` over a fresh migrated and seeded database."""
    folder = tmp_path_factory.mktemp("server")
    with ExitStack() as stack:
        url = seeded_database_url(stack, request.param, folder)
        env = {**os.environ, **clock_env(), "TRACKER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        created = subprocess.run(
            [TRACKER, "token", "create", "--name", "last", "--role", "coordinator"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        token = created.stdout.strip()
        served = serve(stack, url, folder, workers=2)
        assert served.health["database"] == request.param
        yield Server(served.base, request.param, {"Authorization": f"Bearer {token}"}, served.log)


def _together(
    server: Server, requests: list[tuple[str, dict[str, Any], dict[str, str]]]
) -> list[httpx.Response]:
    """POST every (path, body, headers) at once: one thread and connection each, a barrier."""
    barrier = threading.Barrier(len(requests), timeout=30)

    def one(path: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        with server.client() as http:
            assert http.get("/health").status_code == 200  # connected before the start
            barrier.wait()
            return http.post(path, json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(one, *r) for r in requests]
        try:
            return [f.result(timeout=90) for f in futures]
        except httpx.TransportError as exc:  # the server's side of it, for whoever reads this
            log = server.log.read_text(errors="replace")[-6000:]
            raise AssertionError(f"{exc!r}; the server's log ends:\n{log}") from exc


def _events(server: Server, slug: str) -> list[str]:
    with server.client() as http:
        entries = http.get(f"/api/initiatives/{slug}/history").json()["entries"]
    return sorted(e["event"] for e in entries if e["type"] == "event" and e["event"] != "create")


def _etag(server: Server, slug: str) -> str:
    with server.client() as http:
        etag: str = http.get(f"/api/initiatives/{slug}").headers["etag"]
    return etag


def _one_success(responses: list[httpx.Response]) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert all(s in (409, 412) for s in statuses if s != 201), statuses
    for response in responses:
        if response.status_code == 412:
            assert response.json()["current_version"] == 2
            assert response.headers["etag"] == '"2"'
        elif response.status_code == 201:
            assert response.headers["etag"] == '"2"'
            assert response.json()["event"]["event"] == "complete_drafting"


def test_twenty_concurrent_requests_for_one_transition_give_one_success(server):
    slug = KLIP
    headers = {"If-Match": '"1"'}
    responses = _together(server, [(f"/api/initiatives/{slug}/events", COMPLETE, headers)] * 20)
    _one_success(responses)
    assert _events(server, slug) == ["complete_drafting"]
    assert _etag(server, slug) == '"2"'


def test_twenty_concurrent_requests_with_their_own_keys_give_one_success(server):
    slug = "decreet-elektronische-bestuurlijke-gegevensverkeer"
    path = f"/api/initiatives/{slug}/events"
    responses = _together(
        server,
        [
            (path, COMPLETE, {"If-Match": '"1"', "Idempotency-Key": f"poging-{i}"})
            for i in range(20)
        ],
    )
    _one_success(responses)
    assert all("idempotent-replayed" not in r.headers for r in responses)
    assert _events(server, slug) == ["complete_drafting"]
    assert _etag(server, slug) == '"2"'


def test_ten_concurrent_retries_with_one_key_are_one_change_and_nine_replays(server):
    slug = "decreet-crab-omvorming-centraal"
    path = f"/api/initiatives/{slug}/events"
    headers = {"If-Match": '"1"', "Idempotency-Key": "een-en-dezelfde"}
    responses = _together(server, [(path, COMPLETE, headers)] * 10)
    # The key is locked (PostgreSQL advisory lock; SQLite writers are serial): every retry
    # waits for the first and replays it.
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    replayed = sorted(r.headers.get("idempotent-replayed", "-") for r in responses)
    assert replayed == ["-"] + ["true"] * 9
    assert len({r.content for r in responses}) == 1
    assert {r.headers["etag"] for r in responses} == {'"2"'}
    assert _events(server, slug) == ["complete_drafting"]
    assert _etag(server, slug) == '"2"'


def test_ten_concurrent_creates_with_one_key_create_one_initiative(server):
    title = f"Voorontwerp van decreet over gelijktijdig aanmaken ({server.backend})"
    body = {**NEW_DECREE, "title": title}
    responses = _together(server, [("/api/initiatives", body, {"Idempotency-Key": "aanmaak"})] * 10)
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    replayed = sorted(r.headers.get("idempotent-replayed", "-") for r in responses)
    assert replayed == ["-"] + ["true"] * 9
    assert len({r.content for r in responses}) == 1
    with server.client() as http:
        found = http.get("/api/initiatives", params={"q": "gelijktijdig aanmaken"}).json()
    assert found["total"] == 1
    assert found["items"][0]["slug"] == responses[0].json()["slug"]


KLUIS = "decreet-digitale-kluis-deel"  # the slug of every "... digitale kluis, deel <n>"
REGISTERS = ["bodem", "water", "lucht", "erfgoed", "wegen", "bossen", "havens", "dijken", "parken",
             "akkers"]  # fmt: skip
CREATES: dict[str, tuple[list[dict[str, Any]], list[int], set[str]]] = {
    # Ten initiatives of an entity that no initiative named before: it is created once.
    "new-entity": (
        [
            {
                **NEW_DECREE,
                "title": f"Voorontwerp van decreet over {word} registers",
                "entities": ["Agentschap Nieuwe Registers"],
            }
            for word in REGISTERS
        ],
        [201] * 10,
        {f"decreet-{word}-registers" for word in REGISTERS},
    ),
    # Ten titles that differ only in a number, so they share a slug base: -2, -3, ... -10.
    "shared-slug": (
        [
            {**NEW_DECREE, "title": f"Voorontwerp van decreet over de digitale kluis, deel {i}"}
            for i in range(1, 11)
        ],
        [201] * 10,
        {KLUIS} | {f"{KLUIS}-{n}" for n in range(2, 11)},
    ),
    # Ten times the same title: one is created, nine are refused because the title exists.
    "same-title": (
        [{**NEW_DECREE, "title": "Voorontwerp van decreet over de gedeelde titel"}] * 10,
        [201] + [422] * 9,
        {"decreet-gedeelde-titel"},
    ),
}


@pytest.mark.parametrize("case", list(CREATES))
def test_ten_concurrent_creates_never_give_a_5xx(server, case):
    bodies, statuses, slugs = CREATES[case]
    requests = [
        ("/api/initiatives", body, {"Idempotency-Key": f"{case}-{i}"})
        for i, body in enumerate(bodies)
    ]
    responses = _together(server, requests)
    failed = [r.text for r in responses if r.status_code >= 500]
    assert failed == []
    assert sorted(r.status_code for r in responses) == statuses
    assert {r.json()["slug"] for r in responses if r.status_code == 201} == slugs
    for response in responses:
        if response.status_code == 422:
            assert response.json()["invalid_params"][0]["name"] == "title"
    with server.client() as http:
        for slug in slugs:
            assert http.get(f"/api/initiatives/{slug}").status_code == 200, slug


SEQUENTIAL = [
    "decreet-platform-digitale-aangifte",
    "decreet-vlaams-mandatensysteem",
    "decreet-vlaams-centrum-digitale",
    "besluit-beheren-bewaren-bestuursdocumenten",
]
HOLD = {"event": "hold", "occurred_on": "2025-01-06", "note": "wacht op het IF-advies"}
RESUME = {"event": "resume", "occurred_on": "2025-01-06"}


def test_four_writers_on_four_initiatives_never_fail(server):
    logged_before = server.log.stat().st_size
    barrier = threading.Barrier(len(SEQUENTIAL), timeout=30)

    def writer(slug: str) -> list[tuple[int, str]]:
        outcomes = []
        with server.client() as http:
            etag = http.get(f"/api/initiatives/{slug}").headers["etag"]
            barrier.wait()
            for i in range(10):
                response = http.post(
                    f"/api/initiatives/{slug}/events",
                    json=RESUME if i % 2 else HOLD,
                    headers={"If-Match": etag},
                )
                outcomes.append((response.status_code, response.text))
                if response.status_code != 201:
                    break
                etag = response.headers["etag"]
        return outcomes

    with ThreadPoolExecutor(max_workers=len(SEQUENTIAL)) as pool:
        futures = [pool.submit(writer, slug) for slug in SEQUENTIAL]
        results = [f.result(timeout=120) for f in futures]
    failures = [o for outcomes in results for o in outcomes if o[0] != 201]
    assert failures == []
    assert [len(outcomes) for outcomes in results] == [10] * 4
    for slug in SEQUENTIAL:
        assert _etag(server, slug) == '"11"'
        assert _events(server, slug) == ["hold"] * 5 + ["resume"] * 5
    log = server.log.read_bytes()[logged_before:].decode(errors="replace")
    assert "database is locked" not in log
    assert "Traceback" not in log


# --- the daily forecast refresh beside a step ------------------------------------------------


def test_a_step_during_the_forecast_refresh_keeps_its_forecast(seeded, monkeypatch):
    """A step on an initiative that the refresh has yet to reach waits for the refresh to
    commit, and the forecasts stored afterwards are those of the step: the refresh never writes
    what it worked out before the step. (It read every initiative first: a step committed
    meanwhile had its forecasts overwritten, and on PostgreSQL the two could deadlock.)"""
    from tracker.domain.clock import brussels_day
    from tracker.rules.procedure_rules import forecast_rules
    from tracker.services import forecasts
    from tracker.services.forecasts import refresh_all

    later = NOW + timedelta(days=60)  # every open forecast moves
    with seeded.uow() as uow:
        ids = sorted((i.id, i.slug) for i in uow.initiatives.all(InitiativeFilter()))
    last = ids[-1][1]  # reached last by the refresh, in the order of ids
    stepped = threading.Event()
    steps: list[BaseException | int] = []

    def step() -> None:
        try:
            steps.append(record_step(seeded, last, "complete_drafting", 1, actor="test"))
        except BaseException as error:  # reported by the assertion below
            steps.append(error)
        stepped.set()

    synced = forecasts.sync_feed
    started: list[threading.Thread] = []

    def sync_and_step_elsewhere(*args: Any, **kwargs: Any) -> None:
        if not started:  # the first initiative: the refresh has read them all by now
            started.append(threading.Thread(target=step))
            started[0].start()
            assert not stepped.wait(1.0), "the step did not wait for the refresh"
        synced(*args, **kwargs)

    monkeypatch.setattr(forecasts, "sync_feed", sync_and_step_elsewhere)
    with seeded.uow() as uow:
        moved = refresh_all(uow, later).moved
        uow.commit()
    monkeypatch.undo()
    started[0].join(30)
    assert steps == [2]
    assert last in moved
    # The forecasts stored for `last` are the step's, worked out on its day from its log.
    with seeded.uow() as uow:
        stored = uow.initiatives.get(last)
        assert stored is not None
        assert stored.state == "first_approval"
        assert not stored.refresh_forecast(forecast_rules(stored), brussels_day(NOW))
