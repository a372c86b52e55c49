"""Merging an initiative created twice into the other, over HTTP, on SQLite and PostgreSQL: the
one that stays keeps its log and calendar events, the merged one's addresses redirect, both
histories record it, and a merge that makes no sense is refused with a Dutch reason."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import ON_THE_SEED_DAY, token_for
from tests.problems import assert_problem
from tracker.store.uow import Database

pytestmark = ON_THE_SEED_DAY
DAO = "decreet-platform-digitale-aangifte"
ORDER = "besluit-functionarissen-gegevensbescherming"
TWICE = {
    "title": "Voorontwerp van decreet houdende de oprichting van het platform digitale aangifte "
    "van overlijden (DAO-decreet), herwerkt",
    "kind": "decree",
    "entities": ["Agentschap Digitaal Vlaanderen"],
    "plan": {"first_approval": {"text": "juni 2027"}},
}


@pytest.fixture
def client(seeded: Database) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(seeded)) as client:
        yield client


@pytest.fixture
def coordinator(seeded: Database) -> dict[str, str]:
    return token_for(seeded, "coordinator", "coordinator")


@pytest.fixture
def twice(client: TestClient[Any], coordinator: dict[str, str]) -> str:
    created = client.post("/api/initiatives", json=TWICE, headers=coordinator)
    assert created.status_code == 201, created.text
    slug: str = created.json()["slug"]
    return slug


def _merge(client: TestClient[Any], slug: str, into: str, headers: dict[str, str], **more: Any):
    body = {"into": into, "reason": "Dubbel na een nieuwe import", **more}
    return client.post(
        f"/api/initiatives/{slug}/merge", json=body, headers={**headers, "If-Match": '"1"'}
    )


def test_a_duplicate_merged_into_the_other_redirects_and_leaves_the_lists(
    client, coordinator, twice
):
    assert client.get("/api/initiatives").json()["total"] == 12
    feed_before = client.get(f"/calendars/initiatives/{DAO}.ics").text
    merged = _merge(client, twice, DAO, coordinator)
    assert merged.status_code == 200, merged.text
    assert merged.json() == {"merged": twice, "into": DAO, "version": 2}
    assert merged.headers["etag"] == '"2"'

    moved = client.get(f"/api/initiatives/{twice}?lang=en", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (
        301,
        f"/api/initiatives/{DAO}?lang=en",
    )
    history = client.get(f"/api/initiatives/{twice}/history", follow_redirects=False)
    assert history.headers["location"] == f"/api/initiatives/{DAO}/history"
    page = client.get(f"/initiatives/{twice}", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (301, f"/initiatives/{DAO}")
    feed = client.get(f"/calendars/initiatives/{twice}.ics", follow_redirects=False)
    assert (feed.status_code, feed.headers["location"]) == (
        301,
        f"/calendars/initiatives/{DAO}.ics",
    )
    step = client.post(
        f"/api/initiatives/{twice}/events",
        json={"event": "complete_drafting", "occurred_on": "2026-11-20"},
        headers={**coordinator, "If-Match": '"2"'},
        follow_redirects=False,
    )
    assert (step.status_code, step.headers["location"]) == (308, f"/api/initiatives/{DAO}/events")

    listed = client.get("/api/initiatives?limit=200").json()
    assert listed["total"] == 11
    assert twice not in {i["slug"] for i in listed["items"]}
    report = client.get("/api/reports/weekly").json()
    assert twice not in {s["slug"] for s in report["stages"]}
    programme = client.get("/calendars/programme.ics").text
    assert f"/initiatives/{twice}" not in programme
    # The one that stays keeps its events and their UIDs; a new version, their content the same.
    after = client.get(f"/calendars/initiatives/{DAO}.ics").text
    uids = {line for line in after.split("\r\n") if line.startswith("UID:")}
    assert uids == {line for line in feed_before.split("\r\n") if line.startswith("UID:")}

    stays = client.get(f"/api/initiatives/{DAO}/history").json()["entries"][-1]
    assert (stays["event"], stays["label"], stays["note"]) == (
        "merge",
        "Samengevoegd",
        "Dubbel na een nieuwe import",
    )
    assert stays["details"]["merged"] == twice


def test_a_merge_that_makes_no_sense_is_refused_and_changes_nothing(
    client, seeded, coordinator, twice
):
    cases = [
        (twice, twice, coordinator, 422, "in zichzelf"),
        (twice, ORDER, coordinator, 422, "alleen initiatieven van dezelfde soort"),
        (twice, "geen-initiatief", coordinator, 404, ""),
    ]
    editor = token_for(seeded, "dv", "editor", ("agentschap-digitaal-vlaanderen",))
    cases.append((twice, DAO, editor, 403, ""))
    for slug, into, headers, status, phrase in cases:
        problem = assert_problem(_merge(client, slug, into, headers), status)
        assert phrase in problem["detail"], problem
    withdrawn = client.post(
        f"/api/initiatives/{DAO}/events",
        json={"event": "withdraw", "occurred_on": "2026-11-20", "note": "niet meer nodig"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert withdrawn.status_code == 201, withdrawn.text
    problem = assert_problem(_merge(client, twice, DAO, coordinator), 422)
    assert "is ingetrokken" in problem["detail"]
    assert client.get(f"/api/initiatives/{twice}").json()["version"] == 1
