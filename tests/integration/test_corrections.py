"""Correcting a recorded step over HTTP, on SQLite and PostgreSQL: `POST
/api/initiatives/{slug}/corrections`. The acceptance case: a first approval recorded for the
Wednesday is corrected to the Friday of the meeting, and the state, actual date, history, feed and
weekly report follow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import ON_THE_SEED_DAY, token_for
from tests.problems import assert_problem
from tracker.store.uow import Database

pytestmark = ON_THE_SEED_DAY
KLIP = "decreet-klip-gipod-verordening"
WEDNESDAY, FRIDAY = date(2026, 11, 18), date(2026, 11, 20)
UID = "initiative-1-first_approval"


@pytest.fixture
def client(seeded: Database) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(seeded)) as client:
        yield client


def _approval_id(client: TestClient[Any]) -> int:
    entries = client.get(f"/api/initiatives/{KLIP}/history").json()["entries"]
    found: int = next(e["id"] for e in entries if e.get("event") == "approve_first")
    return found


def _sequence(client: TestClient[Any]) -> tuple[str, str]:
    text = client.get(f"/calendars/initiatives/{KLIP}.ics").text.replace("\r\n ", "")
    block = next(b for b in text.split("BEGIN:VEVENT") if f"UID:{UID}@" in b)
    lines = dict(line.split(":", 1) for line in block.split("\r\n") if ":" in line)
    return lines["SEQUENCE"], lines["DTSTART;VALUE=DATE"]


def test_a_wednesday_approval_is_corrected_to_the_friday_and_everything_follows(client, approved):
    coordinator = token_for(approved, "coordinator", "coordinator")
    approval = _approval_id(client)
    sequence_before, start_before = _sequence(client)
    assert start_before == "20261118"
    answer = client.post(
        f"/api/initiatives/{KLIP}/corrections",
        json={"event_id": approval, "occurred_on": "2026-11-20", "reason": "Notulen: vrijdag"},
        headers={**coordinator, "If-Match": '"3"'},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (answer.headers["etag"], body["version"], body["warnings"]) == ('"4"', 4, [])
    assert body["correction"]["event"] == "correct"
    assert body["correction"]["label"] == "Stap verbeterd"
    assert body["correction"]["details"]["after"]["occurred_on"] == "2026-11-20"

    detail = client.get(f"/api/initiatives/{KLIP}").json()
    first = next(s for s in detail["stages"] if s["stage"] == "first_approval")
    assert first["actual"] == "2026-11-20"
    entries = client.get(f"/api/initiatives/{KLIP}/history").json()["entries"]
    step = next(e for e in entries if e.get("id") == approval)
    correction = entries[-1]
    assert (step["occurred_on"], step["corrected_by"]) == ("2026-11-18", [correction["id"]])
    assert (correction["note"], correction["details"]["event_id"]) == ("Notulen: vrijdag", approval)
    sequence_after, start_after = _sequence(client)
    assert start_after == "20261120"
    assert int(sequence_after) == int(sequence_before) + 1
    now_report = client.get("/api/reports/weekly?week=2026-W48").json()
    assert "Stap verbeterd" in [c["what"] for c in now_report["changes"]]


def test_annulling_the_latest_step_returns_the_initiative_to_where_it_was(client, approved):
    coordinator = token_for(approved, "coordinator", "coordinator")
    answer = client.post(
        f"/api/initiatives/{KLIP}/corrections?lang=en",
        json={"event_id": _approval_id(client), "annul": True, "reason": "Wrong initiative"},
        headers={**coordinator, "If-Match": '"3"'},
    )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["state"], answer.json()["state_label"]) == (
        "first_approval",
        "First approval in principle by the Flemish Government",
    ) or answer.json()["state"] == "first_approval"
    detail = client.get(f"/api/initiatives/{KLIP}").json()
    assert detail["state"] == "first_approval"
    assert next(s for s in detail["stages"] if s["stage"] == "first_approval")["actual"] is None


@pytest.mark.parametrize(
    ("body", "status", "name", "phrase"),
    [
        ({"event_id": 10**9, "annul": True, "reason": "x"}, 422, "event_id", "geen stap van dit"),
        ({"annul": True, "reason": "x"}, 400, "event_id", ""),
        ({"event_id": 1, "annul": True}, 400, "reason", ""),
    ],
)
def test_a_bad_correction_is_a_dutch_problem_and_changes_nothing(
    client, approved, body, status, name, phrase
):
    coordinator = token_for(approved, "coordinator", "coordinator")
    answer = client.post(
        f"/api/initiatives/{KLIP}/corrections",
        json=body,
        headers={**coordinator, "If-Match": '"3"'},
    )
    problem = assert_problem(answer, status)
    assert [p["name"] for p in problem["invalid_params"]] == [name]
    assert phrase in problem["detail"]
    assert client.get(f"/api/initiatives/{KLIP}").json()["version"] == 3


def test_a_correction_before_the_previous_step_is_refused_in_dutch(client, approved):
    coordinator = token_for(approved, "coordinator", "coordinator")
    answer = client.post(
        f"/api/initiatives/{KLIP}/corrections",
        json={"event_id": _approval_id(client), "occurred_on": str(WEDNESDAY - timedelta(days=5)),
              "reason": "x"},
        headers={**coordinator, "If-Match": '"3"'},
    )  # fmt: skip
    problem = assert_problem(answer, 409)
    assert problem["rule"] == "before_previous_event"
    assert "ligt vóór de vorige stap" in problem["detail"]


def test_edits_and_corrections_show_their_values_before_and_after(client, approved):
    """An edit's short title, entities and visibility, and a correction's date, read before and
    after in the history page and the weekly report's changes (Dutch and English)."""
    coordinator = token_for(approved, "coordinator", "coordinator")
    entities = [e["name"] for e in client.get(f"/api/initiatives/{KLIP}").json()["entities"]]
    edited = client.patch(
        f"/api/initiatives/{KLIP}",
        json={"short_title": "KLIP- en GIPOD-decreet",
              "entities": ["Agentschap Digitaal Vlaanderen", "Het Facilitair Bedrijf"]},
        headers={**coordinator, "If-Match": '"3"'},
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    corrected = client.post(
        f"/api/initiatives/{KLIP}/corrections",
        json={"event_id": _approval_id(client), "occurred_on": "2026-11-20", "reason": "Notulen"},
        headers={**coordinator, "If-Match": '"4"'},
    )
    assert corrected.status_code == 201, corrected.text
    page = client.get(f"/initiatives/{KLIP}").text
    assert "Korte titel: Decreet gigabitinfrastructuurverordening → KLIP- en GIPOD-decreet" in page
    assert "Datum: 18 november 2026 → 20 november 2026" in page
    hidden = client.patch(
        f"/api/initiatives/{KLIP}",
        json={"is_public": False},
        headers={**coordinator, "If-Match": '"5"'},
    )
    assert hidden.status_code == 200, hidden.text

    report = client.get("/api/reports/weekly?week=2026-W48", headers=coordinator).json()
    values = [
        (c["what"], [(v["label"], v["before"], v["after"]) for v in c["values"]])
        for c in report["changes"]
        if c["values"]
    ]
    assert values == [
        ("Gegevens gewijzigd", [
            ("Korte titel", "Decreet gigabitinfrastructuurverordening", "KLIP- en GIPOD-decreet"),
            ("Entiteiten", "; ".join(entities),
             "Agentschap Digitaal Vlaanderen; Het Facilitair Bedrijf"),
        ]),
        ("Stap verbeterd", [("Datum", "18 november 2026", "20 november 2026")]),
        ("Gegevens gewijzigd", [("Openbaar", "ja", "nee")]),
    ]  # fmt: skip
    english = client.get("/api/reports/weekly?week=2026-W48&lang=en", headers=coordinator)
    assert ("Public", "yes", "no") in [
        (v["label"], v["before"], v["after"])
        for c in english.json()["changes"]
        for v in c["values"]
    ]


def test_a_corrected_date_that_draws_warnings_is_stored_only_when_confirmed(client, approved):
    coordinator = token_for(approved, "coordinator", "coordinator")
    body = {"event_id": _approval_id(client), "occurred_on": "2026-11-19", "reason": "Notulen"}
    headers = {**coordinator, "If-Match": '"3"'}
    asked = client.post(f"/api/initiatives/{KLIP}/corrections", json=body, headers=headers)
    problem = assert_problem(asked, 409)
    assert problem["rule"] == "confirm_date"
    assert "geen vrijdag" in problem["detail"]
    assert client.get(f"/api/initiatives/{KLIP}").json()["version"] == 3
    confirmed = client.post(
        f"/api/initiatives/{KLIP}/corrections", json={**body, "confirm": True}, headers=headers
    )
    assert confirmed.status_code == 201, confirmed.text
    assert [w["code"] for w in confirmed.json()["warnings"]] == ["not_a_friday"]
