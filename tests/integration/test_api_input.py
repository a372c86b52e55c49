"""Bad input, creating and editing initiatives, re-planning, and the workflow definitions over
HTTP; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import token_for
from tests.problems import PROBLEM, assert_problem
from tracker.store.db import make_engine
from tracker.store.uow import Database

ADV = "Agentschap Digitaal Vlaanderen"
KLUIS = "decreet-digitale-kluis"  # the initiative of the `api` fixture, planned as below
ORDER = "besluit-digitale-kluis"  # the other initiative of the `api` fixture, an order
KLUIS_TITLE = "Voorontwerp van decreet over de digitale kluis"
OTHER_TITLE = "Ontwerp van besluit over de digitale kluis"
OVERSIZE = "x" * (256 * 1024 + 1)

MEDIO_MAART = {"text": "medio maart 2026", "earliest": "2026-03-11", "latest": "2026-03-20"}
EIND_APRIL = {"text": "eind april 2026", "earliest": "2026-04-21", "latest": "2026-04-30"}
MAART = {"text": "maart 2026", "earliest": "2026-03-01", "latest": "2026-03-31"}
JUNI = {"text": "juni 2026", "earliest": "2026-06-01", "latest": "2026-06-30"}


class Api:
    """A client over a database holding two initiatives of Agentschap Digitaal Vlaanderen."""

    def __init__(self, database: Database, client: TestClient) -> None:  # type: ignore[type-arg]
        self.client = client
        self.editor = token_for(database, "Team Digitaal Vlaanderen", "editor", (ADV,))
        self.coordinator = token_for(database, "Coördinatie Wetgeving", "coordinator")

    def create(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        response = self.client.post("/api/initiatives", json=body, headers=headers or self.editor)
        assert response.status_code == 201, response.text
        return response.json()

    def detail(self, slug: str) -> Any:
        return self.client.get(f"/api/initiatives/{slug}", headers=self.coordinator).json()

    def history(self, slug: str) -> list[Any]:
        response = self.client.get(f"/api/initiatives/{slug}/history", headers=self.coordinator)
        entries: list[Any] = response.json()["entries"]
        return entries

    def transitions(self, slug: str) -> list[tuple[str, str]]:
        response = self.client.get(f"/api/initiatives/{slug}/transitions")
        return [(t["event"], t["to_state"]) for t in response.json()["transitions"]]

    def write(
        self,
        method: str,
        path: str,
        body: Any,
        version: int,
        headers: dict[str, str] | None = None,
    ) -> Any:
        return self.client.request(
            method,
            f"/api/initiatives/{path}",
            json=body,
            headers={**(headers or self.editor), "If-Match": f'"{version}"'},
        )

    def step(self, slug: str, version: int, event: str, occurred_on: str, **extra: str) -> Any:
        body = {"event": event, "occurred_on": occurred_on, **extra}
        response = self.write("POST", f"{slug}/events", body, version)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    with TestClient(create_app(database), raise_server_exceptions=False) as client:
        api = Api(database, client)
        api.create(
            {
                "title": KLUIS_TITLE,
                "kind": "decree",
                "entities": [ADV],
                "plan": {"first_approval": {"text": "medio maart 2026"}},
            }
        )
        api.create({"title": OTHER_TITLE, "kind": "order", "entities": [ADV]})
        yield api


def _names(problem: dict[str, Any]) -> list[str]:
    return [p["name"] for p in problem.get("invalid_params", [])]


# -- bad input --------------------------------------------------------------------------------
EVENT = {"event": "complete_drafting", "occurred_on": "2025-01-10"}
REPLAN = {"text": "eind april 2026", "reason": "Advies Inspectie van Financiën later"}
CREATE = {"title": "Voorontwerp van decreet over iets nieuws", "kind": "decree", "entities": [ADV]}
MALFORMED = b'{"event": "complete_drafting",'


Case = tuple[str, str, Any, int, str | None, str | None, dict[str, str]]


def _case(
    method: str,
    path: str,
    body: Any,
    status: int,
    name: str | None = None,
    rule: str | None = None,
    headers: dict[str, str] | None = None,
) -> Case:
    """A request, its status, the field its problem names and the rule of a 409."""
    return method, path, body, status, name, rule, headers or {}


BAD_INPUT = {
    # POST /events
    "event_malformed_json": _case("POST", f"{KLUIS}/events", MALFORMED, 400, "body"),
    "event_unknown_field": _case("POST", f"{KLUIS}/events", {**EVENT, "decision": "x"}, 400,
                                 "decision"),
    "event_wrong_type_date": _case("POST", f"{KLUIS}/events", {**EVENT, "occurred_on": 20250110},
                                   400, "occurred_on"),
    "event_wrong_type_event": _case("POST", f"{KLUIS}/events", {**EVENT, "event": 42}, 400,
                                    "event"),
    "event_impossible_date": _case("POST", f"{KLUIS}/events",
                                   {**EVENT, "occurred_on": "2025-02-30"}, 400, "occurred_on"),
    "event_missing_occurred_on": _case("POST", f"{KLUIS}/events", {"event": "complete_drafting"},
                                       400, "occurred_on"),
    "event_array_body": _case("POST", f"{KLUIS}/events", [EVENT], 400, "body"),
    "event_oversize": _case("POST", f"{KLUIS}/events", {**EVENT, "note": OVERSIZE}, 413),
    "event_unknown_slug": _case("POST", "no-such-initiative/events", EVENT, 404),
    "event_unknown_event": _case("POST", f"{KLUIS}/events", {**EVENT, "event": "celebrate"}, 409,
                                 rule="unknown_event"),
    "event_not_allowed_now": _case("POST", f"{KLUIS}/events", {**EVENT, "event": "approve_final"},
                                   409, rule="not_allowed_now"),
    "event_missing_note": _case("POST", f"{KLUIS}/events", {**EVENT, "event": "hold"}, 422,
                                "note"),
    "event_bad_if_match": _case("POST", f"{KLUIS}/events", EVENT, 400, "If-Match",
                                headers={"If-Match": "version one"}),
    # PUT /plan/{stage}
    "plan_malformed_json": _case("PUT", f"{KLUIS}/plan/first_approval", b"{", 400, "body"),
    "plan_unknown_field": _case("PUT", f"{KLUIS}/plan/first_approval",
                                {**REPLAN, "forecast": "x"}, 400, "forecast"),
    "plan_wrong_type": _case("PUT", f"{KLUIS}/plan/first_approval",
                             {**REPLAN, "rebaseline": "yes"}, 400, "rebaseline"),
    "plan_missing_reason": _case("PUT", f"{KLUIS}/plan/first_approval", {"text": "mei 2026"}, 400,
                                 "reason"),
    "plan_empty_reason": _case("PUT", f"{KLUIS}/plan/first_approval", {**REPLAN, "reason": ""},
                               400, "reason"),
    "plan_blank_reason": _case("PUT", f"{KLUIS}/plan/first_approval", {**REPLAN, "reason": "  "},
                               422, "reason"),
    "plan_oversize": _case("PUT", f"{KLUIS}/plan/first_approval", {**REPLAN, "reason": OVERSIZE},
                           413),
    "plan_unknown_slug": _case("PUT", "no-such-initiative/plan/first_approval", REPLAN, 404),
    "plan_unknown_stage": _case("PUT", f"{KLUIS}/plan/signature", REPLAN, 404),
    "plan_stage_of_the_other_workflow": _case("PUT", f"{ORDER}/plan/parliament",
                                              REPLAN, 404),
    "plan_unreadable_text": _case("PUT", f"{KLUIS}/plan/first_approval",
                                  {**REPLAN, "text": "ooit na de zomer"}, 422, "text"),
    "plan_text_and_dates": _case("PUT", f"{KLUIS}/plan/first_approval",
                                 {**REPLAN, "latest": "2026-04-30"}, 422, "text"),
    "plan_earliest_after_latest": _case("PUT", f"{KLUIS}/plan/first_approval",
                                        {"reason": "x", "earliest": "2026-05-01",
                                         "latest": "2026-04-30"}, 422, "earliest"),
    "plan_no_window": _case("PUT", f"{KLUIS}/plan/first_approval", {"reason": "x"}, 422, "latest"),
    # PATCH
    "patch_malformed_json": _case("PATCH", KLUIS, b"[", 400, "body"),
    "patch_unknown_field": _case("PATCH", KLUIS, {"slug": "ander"}, 400, "slug"),
    "patch_wrong_type": _case("PATCH", KLUIS, {"is_public": "nee"}, 400, "is_public"),
    "patch_no_entities": _case("PATCH", KLUIS, {"entities": []}, 400, "entities"),
    "patch_short_title": _case("PATCH", KLUIS, {"title": "KB"}, 400, "title"),
    "patch_oversize": _case("PATCH", KLUIS, {"summary": OVERSIZE}, 413),
    "patch_unknown_term": _case("PATCH", KLUIS, {"council_of_state_term": "days_90"}, 422,
                                "council_of_state_term"),
    "patch_duplicate_title": _case("PATCH", KLUIS, {"title": OTHER_TITLE}, 422, "title"),
    "patch_unknown_slug": _case("PATCH", "no-such-initiative", {"summary": "x"}, 404),
    # POST /api/initiatives
    "create_malformed_json": _case("POST", "", b'{"title": ', 400, "body"),
    "create_unknown_field": _case("POST", "", {**CREATE, "state": "published"}, 400, "state"),
    "create_wrong_type": _case("POST", "", {**CREATE, "entities": ADV}, 400, "entities"),
    "create_missing_title": _case("POST", "", {"kind": "decree", "entities": [ADV]}, 400,
                                  "title"),
    "create_missing_kind": _case("POST", "", {"title": "Iets nieuws", "entities": [ADV]}, 400,
                                 "kind"),
    "create_unknown_kind": _case("POST", "", {**CREATE, "kind": "resolution"}, 400, "kind"),
    "create_oversize": _case("POST", "", {**CREATE, "summary": OVERSIZE}, 413),
    "create_unknown_plan_stage": _case("POST", "", {**CREATE, "plan": {"signature": {
        "text": "mei 2026"}}}, 400, "plan.signature"),
    "create_stage_of_the_other_workflow": _case("POST", "", {**CREATE, "kind": "order", "plan": {
        "parliament": {"text": "mei 2026"}}}, 422, "plan.parliament"),
    "create_unreadable_text": _case("POST", "", {**CREATE, "plan": {"first_approval": {
        "text": "zo snel mogelijk"}}}, 422, "plan.first_approval.text"),
    "create_text_and_dates": _case("POST", "", {**CREATE, "plan": {"first_approval": {
        "text": "mei 2026", "earliest": "2026-05-01"}}}, 422, "plan.first_approval.text"),
    "create_earliest_after_latest": _case("POST", "", {**CREATE, "plan": {"first_approval": {
        "earliest": "2026-06-01", "latest": "2026-05-31"}}}, 422,
        "plan.first_approval.earliest"),
    "create_unknown_term": _case("POST", "", {**CREATE, "council_of_state_term": "days_90"}, 422,
                                 "council_of_state_term"),
    "create_unknown_advisory_body": _case("POST", "", {**CREATE, "advisory_bodies": ["XYZ"]}, 422,
                                          "advisory_bodies"),
    "create_duplicate_title": _case("POST", "", {**CREATE, "title": KLUIS_TITLE}, 422, "title"),
    "create_duplicate_title_padded": _case("POST", "", {**CREATE, "title": f"  {OTHER_TITLE} "},
                                           422, "title"),
}  # fmt: skip
NOT_FOUND = {
    "event_unknown_slug": "Initiatief 'no-such-initiative' niet gevonden.",
    "plan_unknown_slug": "Initiatief 'no-such-initiative' niet gevonden.",
    "patch_unknown_slug": "Initiatief 'no-such-initiative' niet gevonden.",
    "plan_unknown_stage": "Stap 'signature' niet gevonden.",
    "plan_stage_of_the_other_workflow": "Stap 'parliament' niet gevonden.",
}


def _outcome(api: Api, case: Case) -> dict[str, Any]:
    """What one bad request did: its status, what the problem names, and whether it wrote."""
    method, path, body, _, name, _, headers = case
    before = [(api.detail(slug), api.history(slug)) for slug in (KLUIS, ORDER)]
    total = api.client.get("/api/initiatives", headers=api.coordinator).json()["total"]
    sent = {"content": body} if isinstance(body, bytes) else {"json": body}
    response = api.client.request(
        method,
        f"/api/initiatives/{path}".rstrip("/"),
        headers={**api.editor, "If-Match": '"1"', "Content-Type": "application/json", **headers},
        **sent,
    )
    is_problem = response.headers["content-type"].startswith(PROBLEM)
    problem = response.json() if is_problem else {}
    names = _names(problem)
    return {
        "status": response.status_code,
        "problem": bool(is_problem and problem["status"] == response.status_code
                        and problem["title"] and problem["detail"]),
        "names": name if name in names and name in problem["detail"] else names,
        "rule": problem.get("rule") and (problem["rule"], problem["state"],
                                         problem["allowed_events"]),
        "detail": problem["detail"] if response.status_code == 404 else None,
        "unchanged": [(api.detail(slug), api.history(slug)) for slug in (KLUIS, ORDER)] == before
        and api.client.get("/api/initiatives", headers=api.coordinator).json()["total"] == total,
    }  # fmt: skip


def test_bad_input_is_a_problem_and_writes_nothing(api: Api):
    """Every case on the same database: none may write, so none disturbs the next."""
    actual = {label: _outcome(api, case) for label, case in BAD_INPUT.items()}
    expected = {
        label: {
            "status": status,
            "problem": True,
            "names": [] if name is None else name,
            "rule": rule and (rule, "drafting", ["complete_drafting", "hold", "withdraw"]),
            "detail": NOT_FOUND.get(label),
            "unchanged": True,
        }
        for label, (_, _, _, status, name, rule, _) in BAD_INPUT.items()
    }
    assert actual == expected


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "", {**CREATE, "title": "     "}, "title"),
        ("POST", "", {**CREATE, "entities": ["   "]}, "entities"),
        ("PATCH", KLUIS, {"title": "     "}, "title"),
        ("PATCH", KLUIS, {"entities": [ADV, "  "]}, "entities"),
    ],
    ids=["create_blank_title", "create_blank_entity", "patch_blank_title", "patch_blank_entity"],
)
def test_blank_names_are_refused(api: Api, method: str, path: str, body: Any, field: str):
    """A title or entity of only spaces is empty once trimmed: refused, nothing stored."""
    before = api.detail(KLUIS), api.history(KLUIS)
    response = api.write(method, path, body, 1, api.coordinator)  # who may write anything
    assert response.status_code in (400, 422), response.text
    assert field in _names(assert_problem(response, response.status_code))
    assert (api.detail(KLUIS), api.history(KLUIS)) == before
    assert api.client.get("/api/initiatives", headers=api.coordinator).json()["total"] == 2


LONG_NAME = "Vlaamse " + "e" * 290  # a valid name (<= 300 characters); its slug is 298 long


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "", {**CREATE, "entities": [ADV, ADV.upper()]}),
        ("POST", "", {**CREATE, "entities": [ADV, "agentschap-digitaal-vlaanderen"]}),
        ("PATCH", KLUIS, {"entities": [ADV, ADV.lower()]}),
        ("POST", "", {**CREATE, "entities": [LONG_NAME]}),
        ("PATCH", KLUIS, {"entities": [ADV, LONG_NAME]}),
        ("POST", "", {**CREATE, "title": "Voorontwerp " + "a" * 1900}),
        ("POST", "", {**CREATE, "title": "Voorontwerp van decreet over \x00 niets"}),
        ("POST", f"{KLUIS}/events", {**EVENT, "note": "Goedgekeurd\x00"}),
    ],
    ids=[
        "create_same_entity_twice",
        "create_same_entity_by_name_and_slug",
        "patch_same_entity_twice",
        "create_entity_with_a_long_name",
        "patch_entity_with_a_long_name",
        "create_title_with_a_long_first_word",
        "create_title_with_nul",
        "event_note_with_nul",
    ],
)
def test_odd_but_well_formed_input_is_never_a_server_error(
    api: Api, method: str, path: str, body: Any
):
    """Either accepted (and then readable back) or refused as a problem; never a 500."""
    before = api.detail(KLUIS), api.history(KLUIS)
    response = api.write(method, path, body, 1, api.coordinator)
    assert response.status_code in (200, 201, 400, 422), response.text
    if response.status_code >= 400:
        assert_problem(response, response.status_code)
        assert (api.detail(KLUIS), api.history(KLUIS)) == before
        assert api.client.get("/api/initiatives", headers=api.coordinator).json()["total"] == 2
        return
    if "entities" in body:  # one entity per slug
        slugs = [e["slug"] for e in response.json()["entities"]]
        assert len(slugs) == len(set(slugs))
    if method != "PATCH" and path == "":
        slug = response.json()["slug"]
        stored = api.detail(slug)
        assert stored == response.json()


def test_a_nested_unknown_field_is_named(api: Api):
    body = {**CREATE, "plan": {"first_approval": {"text": "mei 2026", "when": "soon"}}}
    problem = assert_problem(
        api.client.post("/api/initiatives", json=body, headers=api.editor), 400
    )
    assert len(problem["invalid_params"]) == 1
    assert problem["invalid_params"] == [
        {"name": "plan.first_approval.when", "reason": "onbekend veld", "location": "body"}
    ]


def test_a_nested_unknown_field_is_named_with_its_path(api: Api):
    body = {**CREATE, "plan": {"first_approval": {"text": "mei 2026"}, "signature": {}}}
    problem = assert_problem(
        api.client.post("/api/initiatives", json=body, headers=api.editor), 400
    )
    assert [p["name"] for p in problem["invalid_params"]] == ["plan.signature"]


def test_an_offset_beyond_any_database_integer_is_refused_not_a_server_error(api: Api):
    response = api.client.get("/api/initiatives", params={"offset": 2**70})
    assert [p["name"] for p in assert_problem(response, 400)["invalid_params"]] == ["offset"]


@pytest.mark.parametrize("if_match", [None, "0", '"1"'])
def test_a_change_without_a_token_is_401_whatever_its_if_match(api: Api, if_match: str | None):
    before = api.detail(KLUIS), api.history(KLUIS)
    headers = {} if if_match is None else {"If-Match": if_match}
    response = api.client.post(f"/api/initiatives/{KLUIS}/events", json=EVENT, headers=headers)
    assert_problem(response, 401)
    assert (api.detail(KLUIS), api.history(KLUIS)) == before


# -- create -----------------------------------------------------------------------------------
def test_create(api: Api):
    # An editor names entities the tracker knows (issue 28): a coordinator brought this one in.
    api.create({**CREATE, "entities": ["Vlaams Datanutsbedrijf"]}, api.coordinator)
    response = api.client.post(
        "/api/initiatives",
        json={
            "title": "  Voorontwerp van decreet houdende de digitale kluis voor burgers  ",
            "kind": "decree",
            "entities": [ADV, " Vlaams Datanutsbedrijf "],
            "summary": "Een decretale grondslag voor de digitale kluis.",
            "legal_deadlines": [{"date": "2027-06-30", "text": "omzetting richtlijn"}],
            "plan": {
                "first_approval": {"text": "medio maart 2026"},
                "final_approval": {"earliest": "2026-09-01", "latest": "2026-09-30"},
                "publication": {"latest": "2026-12-31"},
            },
        },
        headers=api.editor,
    )
    assert response.status_code == 201, response.text
    slug = "decreet-digitale-kluis-burgers"
    assert response.headers["location"] == f"/api/initiatives/{slug}"
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert (body["slug"], body["version"], body["state"]) == (slug, 1, "drafting")
    assert body["title"] == "Voorontwerp van decreet houdende de digitale kluis voor burgers"
    assert body["entities"] == [
        {"slug": "agentschap-digitaal-vlaanderen", "name": ADV},
        {"slug": "vlaams-datanutsbedrijf", "name": "Vlaams Datanutsbedrijf"},
    ]
    assert body["legal_deadlines"] == [{"date": "2027-06-30", "text": "omzetting richtlijn"}]
    stages = {s["stage"]: s for s in body["stages"]}
    assert list(stages) == [
        "drafting", "first_approval", "council_of_state", "final_approval", "parliament",
        "ratification", "publication",
    ]  # fmt: skip
    first = stages["first_approval"]
    assert {k: first["baseline"][k] for k in ("text", "earliest", "latest")} == MEDIO_MAART
    assert first["plan"] is None  # the forecast starts from the baseline
    assert first["baseline"]["parsed"] is True
    final = stages["final_approval"]["baseline"]
    assert (final["text"], final["earliest"], final["latest"]) == (
        "2026-09-01 – 2026-09-30",
        "2026-09-01",
        "2026-09-30",
    )
    publication = stages["publication"]["baseline"]
    assert (publication["text"], publication["earliest"], publication["latest"]) == (
        "uiterlijk 2026-12-31",
        None,
        "2026-12-31",
    )
    assert stages["drafting"]["baseline"] is None
    assert stages["drafting"]["current"] is True
    assert body["findings"] == []

    read = api.client.get(response.headers["location"])
    assert read.headers["etag"] == '"1"'
    assert read.json() == body
    assert api.history(slug) == [
        {
            "type": "event",
            "id": api.history(slug)[0]["id"],
            "recorded_at": api.history(slug)[0]["recorded_at"],
            "actor": "Team Digitaal Vlaanderen",
            "event": "create",
            "label": "Aangemaakt",
            "occurred_on": api.history(slug)[0]["occurred_on"],
            "from_state": None,
            "to_state": "drafting",
            "reference": None,
            "note": None,
            "details": None,
            "corrected_by": [],
        }
    ]
    assert isinstance(api.history(slug)[0]["id"], int)
    # A title with the same first significant words gets a slug of its own.
    twin = api.create(
        {"title": "Voorontwerp van decreet tot de digitale kluis", "kind": "decree",
         "entities": [ADV]}
    )  # fmt: skip
    assert twin["slug"] == "decreet-digitale-kluis-2"


def test_the_create_response_is_what_is_stored(api: Api):
    """An entity given by its slug is the known entity, in the response as in a later read."""
    response = api.client.post(
        "/api/initiatives",
        json={**CREATE, "entities": ["agentschap-digitaal-vlaanderen"]},
        headers=api.editor,
    )
    assert response.status_code == 201, response.text
    assert api.detail(response.json()["slug"])["entities"] == [
        {"slug": "agentschap-digitaal-vlaanderen", "name": ADV}
    ]
    assert response.json() == api.detail(response.json()["slug"])


def test_entities_are_kept_once_in_the_order_given(api: Api):
    brought_in = {"title": "Ontwerp van besluit over de nutsdata", "kind": "order"}
    api.create({**brought_in, "entities": ["Vlaams Datanutsbedrijf"]}, api.coordinator)
    body = api.create(
        {**CREATE, "entities": [ADV, "Vlaams Datanutsbedrijf", "AGENTSCHAP DIGITAAL VLAANDEREN"]}
    )
    expected = [
        {"slug": "agentschap-digitaal-vlaanderen", "name": ADV},
        {"slug": "vlaams-datanutsbedrijf", "name": "Vlaams Datanutsbedrijf"},
    ]
    assert body["entities"] == expected
    assert api.detail(body["slug"])["entities"] == expected


@pytest.mark.parametrize(
    ("bodies", "stages"),
    [
        ([], ["drafting", "first_approval", "council_of_state", "final_approval", "publication"]),
        (
            ["VTC"],
            ["drafting", "first_approval", "advisory_opinions", "council_of_state",
             "final_approval", "publication"],
        ),
        (["RvS"], ["drafting", "first_approval", "council_of_state", "final_approval",
                   "publication"]),
    ],
    ids=["no_advice", "vtc", "council_of_state_only"],
)  # fmt: skip
def test_an_order_asks_advice_only_when_it_names_an_advisory_body(
    api: Api, bodies: list[str], stages: list[str]
):
    body = api.create(
        {"title": "Ontwerp van besluit over de adviezen", "kind": "order", "entities": [ADV],
         "advisory_bodies": bodies}
    )  # fmt: skip
    assert [s["stage"] for s in body["stages"]] == stages
    assert body["advisory_bodies"] == bodies


def test_create_computes_plan_findings(api: Api):
    body = api.create(
        {
            "title": "Ontwerp van besluit over een krappe planning",
            "kind": "order",
            "entities": [ADV],
            "plan": {
                "first_approval": {"text": "maart 2026"},
                "second_approval": {"text": "maart 2026"},
                "final_approval": {"text": "maart 2026"},
            },
        }
    )
    # second after first in the same month: only the next government Friday is needed, but the
    # middle of March (Monday 16) falls before Friday 20: a warning. Final approval needs the
    # Council of State's 30 days first: impossible within March, an error.
    assert [(f["kind"], f["severity"], f["stage"]) for f in body["findings"]] == [
        ("tight_schedule", "warning", "second_approval"),
        ("tight_schedule", "error", "final_approval"),
    ]
    assert body["findings"][0]["params"]["needed_days"] == 4
    assert body["findings"][1]["params"]["needed_days"] == 30 + 2  # to Friday 17 April
    assert "second_approval" in [s["stage"] for s in body["stages"]]


# -- edit -------------------------------------------------------------------------------------
def test_patch_edits_metadata_and_records_the_change(api: Api):
    change = {
        "title": "Voorontwerp van decreet over de digitale kluis voor iedereen",
        "summary": "Herwerkte samenvatting",
        "entities": [ADV, "Vlaams Datanutsbedrijf"],
        "is_public": False,
    }
    # An editor names entities the tracker knows (issue 28): a coordinator brought this one in.
    coordinated = {**CREATE, "entities": ["Vlaams Datanutsbedrijf"]}
    api.create(coordinated, api.coordinator)
    response = api.write("PATCH", KLUIS, change, 1)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert body["version"] == 2
    assert body["slug"] == KLUIS  # the slug stays
    assert (body["title"], body["summary"]) == (change["title"], change["summary"])
    assert [e["slug"] for e in body["entities"]] == [
        "agentschap-digitaal-vlaanderen",
        "vlaams-datanutsbedrijf",
    ]
    assert api.detail(KLUIS) == body
    last = api.history(KLUIS)[-1]
    assert (last["event"], last["actor"], last["note"]) == (
        "edit",
        "Team Digitaal Vlaanderen",
        "title, summary, entities, is_public",
    )
    assert (last["from_state"], last["to_state"]) == ("drafting", "drafting")
    assert api.client.get(f"/api/initiatives/{KLUIS}").status_code == 404  # no longer public

    # The same values again: nothing changes, no version, no event.
    again = api.write("PATCH", KLUIS, change, 2)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == '"2"'
    assert again.json() == body
    assert len(api.history(KLUIS)) == 2
    empty = api.write("PATCH", KLUIS, {}, 2)
    assert (empty.status_code, empty.headers["etag"]) == (200, '"2"')
    assert len(api.history(KLUIS)) == 2


def test_naming_the_same_entities_differently_changes_nothing(api: Api):
    for entities in ([ADV.upper()], ["agentschap-digitaal-vlaanderen"], [ADV, f" {ADV} "]):
        response = api.write("PATCH", KLUIS, {"entities": entities}, 1)
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"1"', entities
        assert response.json()["entities"] == [
            {"slug": "agentschap-digitaal-vlaanderen", "name": ADV}
        ]
        assert len(api.history(KLUIS)) == 1


def test_patch_of_the_council_term_recomputes_the_findings(api: Api):
    body = api.create(
        {
            "title": "Ontwerp van besluit met een dringend advies",
            "kind": "order",
            "entities": [ADV],
            "council_of_state_term": "urgent",
            "plan": {"first_approval": {"text": "begin maart 2026"},
                     "final_approval": {"text": "eind maart 2026"}},
        }
    )  # fmt: skip
    assert body["findings"] == []
    slug = body["slug"]
    response = api.write("PATCH", slug, {"council_of_state_term": "days_60"}, 1)
    assert response.status_code == 200, response.text
    assert [(f["kind"], f["severity"]) for f in response.json()["findings"]] == [
        ("tight_schedule", "error")
    ]
    assert api.history(slug)[-1]["note"] == "council_of_state_term"


# -- re-plan ----------------------------------------------------------------------------------
def _window(view: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if view is None else {k: view[k] for k in ("text", "earliest", "latest")}


def test_replan_moves_the_forecast_not_the_baseline(api: Api):
    response = api.write(
        "PUT",
        f"{KLUIS}/plan/first_approval",
        {"text": "eind april 2026", "reason": "  Advies Inspectie van Financiën later  "},
        1,
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert body["version"] == 2
    assert _window(body["stage"]["baseline"]) == MEDIO_MAART
    assert _window(body["stage"]["plan"]) == EIND_APRIL
    change = body["change"]
    assert (change["type"], change["stage"], change["actor"], change["reason"]) == (
        "plan_change",
        "first_approval",
        "Team Digitaal Vlaanderen",
        "Advies Inspectie van Financiën later",
    )
    assert change["rebaseline"] is False
    assert {k: _window(v) for k, v in change["before"].items()} == {
        "plan": MEDIO_MAART,
        "baseline": MEDIO_MAART,
    }
    assert {k: _window(v) for k, v in change["after"].items()} == {
        "plan": EIND_APRIL,
        "baseline": MEDIO_MAART,
    }
    history = api.history(KLUIS)
    assert [e["type"] for e in history] == ["event", "plan_change"]
    assert history[-1] == change
    stage = next(s for s in api.detail(KLUIS)["stages"] if s["stage"] == "first_approval")
    assert stage == body["stage"]

    dated = api.write(
        "PUT",
        f"{KLUIS}/plan/council_of_state",
        {"earliest": "2026-05-04", "latest": "2026-05-08", "reason": "Aanvraag RvS gepland"},
        2,
    )
    assert dated.status_code == 200, dated.text
    assert _window(dated.json()["stage"]["plan"]) == {
        "text": "2026-05-04 – 2026-05-08",
        "earliest": "2026-05-04",
        "latest": "2026-05-08",
    }
    assert dated.json()["stage"]["baseline"] is None
    assert dated.json()["change"]["before"] == {"plan": None, "baseline": None}


# Before the windows of March and June 2026: a re-plan in a window that has passed is a finding.
@pytest.mark.time_machine(datetime(2026, 1, 15, 9, tzinfo=UTC), tick=True)
def test_rebaseline_moves_both_and_recomputes_the_findings(api: Api):
    body = api.create(
        {
            "title": "Ontwerp van besluit over een te krappe planning",
            "kind": "order",
            "entities": [ADV],
            "plan": {"first_approval": {"text": "maart 2026"},
                     "final_approval": {"text": "maart 2026"}},
        }
    )  # fmt: skip
    slug = body["slug"]
    tight = [("tight_schedule", "error", "final_approval")]
    assert [(f["kind"], f["severity"], f["stage"]) for f in body["findings"]] == tight

    # A re-plan moves the forecast only: the plan findings (on the baseline) stay.
    replanned = api.write(
        "PUT", f"{slug}/plan/final_approval", {"text": "juni 2026", "reason": "Realistisch"}, 1
    )
    assert replanned.status_code == 200, replanned.text
    detail = api.detail(slug)
    assert [(f["kind"], f["severity"], f["stage"]) for f in detail["findings"]] == tight

    # An editor may not re-baseline; a coordinator may.
    refused = api.write(
        "PUT",
        f"{slug}/plan/final_approval",
        {"text": "juni 2026", "reason": "Nieuwe basis", "rebaseline": True},
        2,
    )
    assert assert_problem(refused, 403)
    rebased = api.write(
        "PUT",
        f"{slug}/plan/final_approval",
        {"text": "juni 2026", "reason": "Nieuwe basis", "rebaseline": True},
        2,
        api.coordinator,
    )
    assert rebased.status_code == 200, rebased.text
    assert rebased.headers["etag"] == '"3"'
    stage = rebased.json()["stage"]
    assert (_window(stage["baseline"]), _window(stage["plan"])) == (JUNI, JUNI)
    change = rebased.json()["change"]
    assert change["rebaseline"] is True
    assert change["actor"] == "Coördinatie Wetgeving"
    assert {k: _window(v) for k, v in change["before"].items()} == {
        "plan": JUNI,
        "baseline": MAART,
    }
    assert {k: _window(v) for k, v in change["after"].items()} == {
        "plan": JUNI,
        "baseline": JUNI,
    }
    assert api.detail(slug)["findings"] == []
    history = api.history(slug)
    assert [(e["type"], e.get("rebaseline")) for e in history] == [
        ("event", None),
        ("plan_change", False),
        ("plan_change", True),
    ]


def test_a_done_or_passed_stage_is_not_replanned(api: Api):
    slug = ORDER  # an order without advice or second approval
    api.step(slug, 1, "complete_drafting", "2025-01-10")
    done = api.write("PUT", f"{slug}/plan/drafting", REPLAN, 2)
    problem = assert_problem(done, 409)
    assert (problem["rule"], problem["state"], problem["allowed_events"]) == (
        "stage_done",
        "first_approval",
        ["approve_first", "hold", "withdraw"],
    )
    api.step(slug, 2, "approve_first", "2025-01-17", reference="VR 2025 1701 DOC.0042")
    problem = assert_problem(api.write("PUT", f"{slug}/plan/first_approval", REPLAN, 3), 409)
    assert (problem["rule"], problem["state"]) == ("stage_done", "council_of_state")
    # The order skipped its optional second approval: too late to add it now.
    problem = assert_problem(api.write("PUT", f"{slug}/plan/second_approval", REPLAN, 3), 409)
    assert (problem["rule"], problem["state"]) == ("stage_passed", "council_of_state")
    assert problem["allowed_events"] == ["receive_council_of_state_advice", "hold", "withdraw"]
    assert api.detail(slug)["version"] == 3
    assert [e["type"] for e in api.history(slug)] == ["event", "event", "event"]


def test_planning_the_optional_second_approval_adds_it_to_the_procedure(api: Api):
    slug = ORDER
    api.step(slug, 1, "complete_drafting", "2025-01-10")
    assert api.transitions(slug) == [
        ("approve_first", "council_of_state"),
        ("hold", "on_hold"),
        ("withdraw", "withdrawn"),
    ]
    response = api.write(
        "PUT", f"{slug}/plan/second_approval", {"text": "juni 2026", "reason": "VTC vraagt het"}, 2
    )
    assert response.status_code == 200, response.text
    change = response.json()["change"]
    assert change["before"] == {"plan": None, "baseline": None}
    assert (_window(change["after"]["plan"]), change["after"]["baseline"]) == (JUNI, None)
    assert [s["stage"] for s in api.detail(slug)["stages"]] == [
        "drafting", "first_approval", "second_approval", "council_of_state", "final_approval",
        "publication",
    ]  # fmt: skip
    assert api.transitions(slug) == [
        ("approve_first", "second_approval"),
        ("hold", "on_hold"),
        ("withdraw", "withdrawn"),
    ]
    step = api.step(slug, 3, "approve_first", "2025-01-17", reference="VR 2025 1701 DOC.0042")
    assert (step["state"], step["completed_stage"]) == ("second_approval", "first_approval")
    assert api.transitions(slug) == [
        ("approve_second", "council_of_state"),
        ("hold", "on_hold"),
        ("withdraw", "withdrawn"),
    ]
    step = api.step(slug, 4, "approve_second", "2025-03-14", reference="VR 2025 1403 DOC.0310")
    assert (step["state"], step["completed_stage"]) == ("council_of_state", "second_approval")
    stages = {s["stage"]: s for s in api.detail(slug)["stages"]}
    assert stages["second_approval"]["actual"] == "2025-03-14"
    assert stages["council_of_state"]["current"] is True


# -- workflows --------------------------------------------------------------------------------
def _procedure(steps: list[tuple[str, str, str, str | None]]) -> list[dict[str, Any]]:
    return [{"event": e, "source": s, "dest": d, "guard": g} for e, s, d, g in steps]


def _hold_resume_withdraw(stages: list[str]) -> list[dict[str, Any]]:
    return (
        _procedure([("hold", s, "on_hold", None) for s in stages])
        + _procedure([("resume", "on_hold", s, f"held_in({s})") for s in stages])
        + _procedure([("withdraw", s, "withdrawn", None) for s in [*stages, "on_hold"]])
    )


ORDER_STAGES = [
    "drafting", "first_approval", "advisory_opinions", "second_approval", "council_of_state",
    "final_approval", "publication",
]  # fmt: skip
DECREE_STAGES = [*ORDER_STAGES[:-1], "parliament", "ratification", "publication"]
OPTIONAL_STEPS = [
    ("complete_drafting", "drafting", "first_approval", None),
    ("approve_first", "first_approval", "advisory_opinions", "plans(advisory_opinions)"),
    ("approve_first", "first_approval", "second_approval", "plans(second_approval)"),
    ("approve_first", "first_approval", "council_of_state", None),
    ("receive_advice", "advisory_opinions", "second_approval", "plans(second_approval)"),
    ("receive_advice", "advisory_opinions", "council_of_state", None),
    ("approve_second", "second_approval", "council_of_state", None),
    ("receive_council_of_state_advice", "council_of_state", "final_approval", None),
]
ORDER_TRANSITIONS = _procedure(
    [*OPTIONAL_STEPS, ("approve_final", "final_approval", "publication", None),
     ("publish", "publication", "published", None)]
) + _hold_resume_withdraw(ORDER_STAGES)  # fmt: skip
DECREE_TRANSITIONS = _procedure(
    [*OPTIONAL_STEPS, ("approve_final", "final_approval", "parliament", None),
     ("adopt", "parliament", "ratification", None),
     ("ratify", "ratification", "publication", None),
     ("publish", "publication", "published", None)]
) + _hold_resume_withdraw(DECREE_STAGES)  # fmt: skip


@pytest.fixture
def bare_client(tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """The workflows need no database content."""
    database = Database(make_engine(f"sqlite:///{tmp_path / 'workflows.sqlite3'}"))
    with TestClient(create_app(database)) as client:
        yield client
    database.dispose()


def test_workflows(bare_client):
    workflows = bare_client.get("/api/workflows")
    assert workflows.status_code == 200, workflows.text
    listed = {w["kind"]: w for w in workflows.json()}
    assert list(listed) == ["decree", "order"]
    for kind, stages, transitions in (
        ("decree", DECREE_STAGES, DECREE_TRANSITIONS),
        ("order", ORDER_STAGES, ORDER_TRANSITIONS),
    ):
        one = bare_client.get(f"/api/workflows/{kind}")
        assert one.status_code == 200, one.text
        view = one.json()
        assert view == listed[kind]
        assert view["initial"] == "drafting"
        assert view["states"] == [*stages, "published", "on_hold", "withdrawn"]
        assert [s["stage"] for s in view["stages"]] == stages
        assert [s["stage"] for s in view["stages"] if s["optional"]] == [
            "advisory_opinions",
            "second_approval",
        ]
        assert view["transitions"] == transitions
        mermaid = view["mermaid"]
        assert mermaid.startswith("stateDiagram-v2\n")
        assert "    [*] --> drafting\n" in mermaid
        assert "    published --> [*]\n" in mermaid
        for t in transitions:
            guard = f" [{t['guard']}]" if t["guard"] else ""
            assert f"    {t['source']} --> {t['dest']}: {t['event']}{guard}\n" in mermaid
    decree = listed["decree"]
    assert decree["labels"] == {"nl": "Decreet", "en": "Decree"}
    assert listed["order"]["labels"] == {
        "nl": "Besluit van de Vlaamse Regering",
        "en": "Order of the Flemish Government",
    }
    first = decree["stages"][1]
    assert first == {
        "stage": "first_approval",
        "labels": {
            "nl": "Eerste principiële goedkeuring VR",
            "en": "First approval in principle by the Flemish Government",
        },
        "completed_by": "approve_first",
        "optional": False,
        "government_decision": True,
    }
    assert [s["stage"] for s in decree["stages"] if s["government_decision"]] == [
        "first_approval", "second_approval", "final_approval", "ratification",
    ]  # fmt: skip
    events = {e["event"]: e for e in decree["events"]}
    assert list(events) == [
        "complete_drafting", "approve_first", "receive_advice", "approve_second",
        "receive_council_of_state_advice", "approve_final", "adopt", "ratify", "publish", "hold",
        "resume", "withdraw",
    ]  # fmt: skip
    assert events["approve_first"]["requires"] == ["occurred_on", "reference"]
    assert events["hold"] == {
        "event": "hold",
        "labels": {"nl": "Opgeschort", "en": "Put on hold"},
        "requires": ["occurred_on", "note"],
    }
    assert "adopt" not in {e["event"] for e in listed["order"]["events"]}
    assert '    state "Voorbereiding" as drafting\n' in decree["mermaid"]
    english = bare_client.get("/api/workflows/decree", params={"lang": "en"}).json()
    assert '    state "Drafting" as drafting\n' in english["mermaid"]


def test_an_unknown_workflow_is_a_problem(bare_client):
    problem = assert_problem(bare_client.get("/api/workflows/resolution"), 404)
    assert problem["detail"] == "Procedure 'resolution' niet gevonden."
    assert problem["type"] == "urn:wetgevingsplanner:problem:workflow-not-found"
