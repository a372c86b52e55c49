"""The OpenAPI document says what the API does: the findings of the generated tests, pinned.

The document does not depend on the data, so these run once, over an empty in-memory database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tracker.domain.model import Stage
from tracker.store.db import make_engine
from tracker.store.uow import Database

PROBLEM = "application/problem+json"
WRITES = [
    ("post", "/api/initiatives"),
    ("patch", "/api/initiatives/{slug}"),
    ("post", "/api/initiatives/{slug}/events"),
    ("put", "/api/initiatives/{slug}/plan/{stage}"),
]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Any]]:
    database = Database(make_engine("sqlite://"))
    with TestClient(create_app(database)) as client:
        yield client
    database.dispose()


@pytest.fixture(scope="module")
def document(client: TestClient[Any]) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/schema/openapi.json").json()
    return body


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "head", "post", "put", "patch", "delete"}:
                yield method, path, operation


def test_every_400_is_documented_as_problem_json(document):
    # Litestar documents its own {status_code, detail, extra} body; the API answers problem+json.
    for method, path, operation in _operations(document):
        refused = operation["responses"].get("400")
        if refused is not None:
            content = refused["content"]
            assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}, (
                method,
                path,
            )
            assert "application/json" not in content, (method, path)


def test_a_token_is_declared_required_for_changes_and_optional_for_reads(document):
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for method, path in WRITES:
        assert document["paths"][path][method]["security"] == [{"bearer": []}]
    read = document["paths"]["/api/initiatives/{slug}"]["get"]
    assert {} in read["security"]
    assert "401" in read["responses"]  # an unknown token is refused on reads too
    assert "401" in document["paths"]["/api/entities"]["get"]["responses"]


def test_changes_require_a_strong_etag_as_if_match(document):
    for method, path in WRITES[1:]:
        (if_match,) = [
            p for p in document["paths"][path][method]["parameters"] if p["name"] == "If-Match"
        ]
        assert if_match["required"] is True
        assert if_match["schema"]["type"] == "string"  # not "null", sent as the text null
        assert {"412", "428"} <= set(document["paths"][path][method]["responses"])


def test_request_bodies_forbid_unknown_fields_as_the_api_does(document):
    schemas = document["components"]["schemas"]
    for name in ["InitiativeCreate", "InitiativePatch", "EventCreate", "PlanUpdate", "PlanIn"]:
        assert schemas[name]["additionalProperties"] is False, name
    assert set(schemas["PlanIn"]["properties"]) == {s.value for s in Stage}


def test_entity_names_keep_their_constraints_inside_the_list(document):
    items = document["components"]["schemas"]["InitiativeCreate"]["properties"]["entities"]["items"]
    assert (items["minLength"], items["maxLength"]) == (1, 300)
    assert "pattern" in items


def test_create_links_to_the_operations_that_follow_with_its_etag(document):
    created = document["paths"]["/api/initiatives"]["post"]["responses"]["201"]
    assert {"Location", "ETag"} <= set(created["headers"])
    links = created["links"]
    assert links["RecordEvent"] == {
        "operationId": "recordEvent",
        "parameters": {
            "path.slug": "$response.body#/slug",
            "header.If-Match": "$response.header.ETag",
        },
        "description": "Record the next step, at this version",
    }
    operation_ids = {operation.get("operationId") for _, _, operation in _operations(document)}
    for response in [
        created,
        document["paths"]["/api/initiatives/{slug}"]["get"]["responses"]["200"],
    ]:
        for link in response["links"].values():
            assert link["operationId"] in operation_ids


def test_feeds_document_their_plain_text_errors_and_304(document):
    feed = document["paths"]["/calendars/programme.ics"]["get"]
    responses = feed["responses"]
    assert set(responses["200"]["content"]) == {"text/calendar"}
    assert "304" in responses
    assert set(responses["404"]["content"]) == {"text/plain"}
    assert set(responses["400"]["content"]) == {"text/plain", PROBLEM}
    status = next(p for p in feed["parameters"] if p["name"] == "status")
    assert "slipped" in status["schema"]["enum"]


def test_the_weekly_report_documents_each_format(document):
    ok = document["paths"]["/api/reports/weekly"]["get"]["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/WeeklyReport"}
    assert {"text/html", "text/markdown", "text/csv"} <= set(ok)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/initiatives", "GET, OPTIONS, POST"), ("/api/initiatives/x", "GET, OPTIONS, PATCH")],
)
def test_options_names_every_method_of_a_shared_path(client, path, allowed):
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allowed
