"""Who may record what (issue 23, point 5), through the API on SQLite and PostgreSQL: every
role x relation to the initiative (its lead entity, another involved entity, none) x a
government decision, an advice received and another step; what /transitions offers; the 403
that names the lead entity; corrections; and the lead entity shown and changed by a PATCH.

Expected values are written by hand from the issue: the lead entity's editors record every
step, another involved entity's editors only an advice received, coordinators and admins
everything, viewers nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import ON_THE_SEED_DAY, token_for
from tests.problems import assert_problem
from tracker.store.uow import Database

pytestmark = ON_THE_SEED_DAY  # 23 November 2026: the dates below lie before it

LEAD, OTHER, STRANGE = (
    "Agentschap Digitaal Vlaanderen",
    "Departement Omgeving",
    "Departement Onderwijs en Vorming",
)
SLUGS = {
    "lead": "agentschap-digitaal-vlaanderen",
    "involved": "departement-omgeving",
    "none": "departement-onderwijs-en-vorming",
}
# Each event, the state it is recorded from and its payload; the steps that lead there.
EVENTS: dict[str, tuple[str, dict[str, str]]] = {
    "approve_first": (
        "first_approval",
        {"occurred_on": "2026-11-20", "reference": "VR 2026 2011 DOC.1"},
    ),
    "receive_advice": ("advisory_opinions", {"occurred_on": "2026-11-23"}),
    "hold": ("drafting", {"occurred_on": "2026-11-16", "note": "wacht op Europese regelgeving"}),
}
WALK = {
    "drafting": [],
    "first_approval": [("complete_drafting", {"occurred_on": "2026-11-13"})],
    "advisory_opinions": [
        ("complete_drafting", {"occurred_on": "2026-11-13"}),
        ("approve_first", {"occurred_on": "2026-11-20", "reference": "VR 2026 2011 DOC.1"}),
    ],
}
ALL = set(EVENTS)
MAY_RECORD = {
    ("viewer", "lead"): set(), ("viewer", "involved"): set(), ("viewer", "none"): set(),
    ("editor", "lead"): ALL, ("editor", "involved"): {"receive_advice"}, ("editor", "none"): set(),
    ("coordinator", "lead"): ALL, ("coordinator", "involved"): ALL, ("coordinator", "none"): ALL,
    ("admin", "lead"): ALL, ("admin", "involved"): ALL, ("admin", "none"): ALL,
}  # fmt: skip
PAIRS = list(MAY_RECORD)
_titles = itertools.count(1)


class Api:
    def __init__(self, client: TestClient[Any], database: Database) -> None:
        self.client = client
        self.coordinator = token_for(database, "coordinator", "coordinator")
        self.database = database

    def create(self) -> tuple[str, int]:
        body = {
            "title": f"Ontwerp van decreet nummer {next(_titles)} over rechten",
            "kind": "decree",
            "entities": [LEAD, OTHER],
            "advisory_bodies": ["VTC"],
        }
        answer = self.client.post("/api/initiatives", json=body, headers=self.coordinator)
        assert answer.status_code == 201, answer.text
        return answer.json()["slug"], answer.json()["version"]

    def post(
        self, slug: str, event: str, payload: dict[str, str], version: int, auth: dict[str, str]
    ) -> Any:
        return self.client.post(
            f"/api/initiatives/{slug}/events",
            json={"event": event, **payload},
            headers={**auth, "If-Match": f'"{version}"'},
        )

    def in_state(self, state: str) -> tuple[str, int]:
        slug, version = self.create()
        for event, payload in WALK[state]:
            answer = self.post(slug, event, payload, version, self.coordinator)
            assert answer.status_code == 201, answer.text
            version = answer.json()["version"]
        return slug, version

    def history(self, slug: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.client.get(
            f"/api/initiatives/{slug}/history", headers=self.coordinator
        ).json()["entries"]
        return entries


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    with TestClient(create_app(database)) as client:
        yield Api(client, database)


def _token(api: Api, role: str, relation: str) -> dict[str, str]:
    return token_for(api.database, f"{role}-{relation}", role, (SLUGS[relation],))


@pytest.mark.parametrize(("role", "relation"), PAIRS, ids=[f"{r}-{rel}" for r, rel in PAIRS])
def test_who_records_what_through_the_api(api, role, relation):
    auth = _token(api, role, relation)
    for event, (state, payload) in EVENTS.items():
        slug, version = api.in_state(state)
        procedure = api.client.get(f"/api/initiatives/{slug}/transitions").json()
        offered = api.client.get(f"/api/initiatives/{slug}/transitions", headers=auth).json()
        procedure_events = {t["event"] for t in procedure["transitions"]}
        assert event in procedure_events  # the anonymous public is told what can come next
        expected = (
            procedure_events
            if MAY_RECORD[role, relation] == ALL
            else procedure_events & MAY_RECORD[role, relation]
        )
        assert {t["event"] for t in offered["transitions"]} == expected, (event, state)
        before = api.history(slug)
        answer = api.post(slug, event, payload, version, auth)
        if event in MAY_RECORD[role, relation]:
            assert answer.status_code == 201, (event, answer.text)
            assert api.history(slug)[-1]["actor"] == f"{role}-{relation}"
            continue
        body = assert_problem(answer, 403)
        assert api.history(slug) == before, event
        if (role, relation) == ("editor", "involved"):
            assert LEAD in body["detail"]
            assert "Adviezen ontvangen" in body["detail"]
            assert "registreert alleen de leidende entiteit" in body["detail"]


def test_the_refusal_says_in_dutch_or_english_who_leads_and_what_may_be_recorded(api):
    auth = _token(api, "editor", "involved")
    slug, version = api.in_state("first_approval")
    payload = EVENTS["approve_first"][1]
    dutch = assert_problem(api.post(slug, "approve_first", payload, version, auth), 403)
    assert dutch["rule"] == "event_not_for_entity"
    assert dutch["detail"] == (
        "'Eerste principiële goedkeuring door de Vlaamse Regering' registreert alleen de "
        f"leidende entiteit van '{slug}', {LEAD}, of een coördinator. Het token "
        "'editor-involved' (editor) schrijft voor departement-omgeving en mag hier "
        "registreren: Adviezen ontvangen."
    )
    english = api.client.post(
        f"/api/initiatives/{slug}/events?lang=en",
        json={"event": "approve_first", **payload},
        headers={**auth, "If-Match": f'"{version}"'},
    )
    assert assert_problem(english, 403)["detail"] == (
        "'First approval in principle by the Flemish Government' is recorded only by the lead "
        f"entity of '{slug}', {LEAD}, or a coordinator. The token 'editor-involved' (editor) "
        "writes for departement-omgeving and may record here: Advisory opinions received."
    )


def test_an_involved_editor_corrects_an_advice_not_a_decision(api):
    auth = _token(api, "editor", "involved")
    slug, version = api.in_state("advisory_opinions")
    answer = api.post(slug, "receive_advice", EVENTS["receive_advice"][1], version, auth)
    assert answer.status_code == 201, answer.text
    version = answer.json()["version"]
    ids = {e["event"]: e["id"] for e in api.history(slug) if e.get("id")}

    def correct(event: str, fix: dict[str, str]) -> Any:
        return api.client.post(
            f"/api/initiatives/{slug}/corrections",
            json={"event_id": ids[event], "reason": "Verkeerd overgenomen", **fix},
            headers={**auth, "If-Match": f'"{version}"'},
        )

    refused = assert_problem(correct("approve_first", {"reference": "VR 2026 2011 DOC.2"}), 403)
    assert LEAD in refused["detail"]
    done = correct("receive_advice", {"occurred_on": "2026-11-20"})
    assert done.status_code == 201, done.text


def test_the_lead_entity_is_shown_and_handed_over_by_a_patch(api):
    slug, version = api.create()
    detail = api.client.get(f"/api/initiatives/{slug}").json()
    assert detail["lead_entity"] == {"slug": SLUGS["lead"], "name": LEAD}

    involved = _token(api, "editor", "involved")
    refused = api.client.patch(
        f"/api/initiatives/{slug}",
        json={"lead_entity": OTHER},
        headers={**involved, "If-Match": f'"{version}"'},
    )
    assert (
        "Alleen een coördinator, of een editor van de leidende entiteit"
        in (assert_problem(refused, 403)["detail"])
    )

    lead = _token(api, "editor", "lead")
    moved = api.client.patch(
        f"/api/initiatives/{slug}",
        json={"lead_entity": SLUGS["involved"]},
        headers={**lead, "If-Match": f'"{version}"'},
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["lead_entity"] == {"slug": SLUGS["involved"], "name": OTHER}
    assert [e["name"] for e in body["entities"]] == [OTHER, LEAD]
    edit = api.history(slug)[-1]
    assert (edit["event"], edit["note"]) == ("edit", "entities, lead_entity")

    added = api.client.patch(
        f"/api/initiatives/{slug}",
        json={"lead_entity": STRANGE},
        headers={**api.coordinator, "If-Match": f'"{body["version"]}"'},
    )
    assert added.status_code == 200, added.text
    assert [e["name"] for e in added.json()["entities"]] == [STRANGE, OTHER, LEAD]
