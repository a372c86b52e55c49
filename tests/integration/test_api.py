"""The read API over a seeded database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import record_step, token_for
from tests.problems import assert_problem
from tracker.store import migrate
from tracker.store.uow import Database

KLIP = "decreet-klip-gipod-verordening"


@pytest.fixture
def client(seeded: Database) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(seeded)) as client:
        yield client


def test_health(client):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["schema_revision"] == migrate.head_revision() == "0010"


def test_list_is_paginated(client):
    first = client.get("/api/initiatives", params={"limit": 5}).json()
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (11, 5, 0, 5)
    last = client.get("/api/initiatives", params={"limit": 5, "offset": 10}).json()
    assert len(last["items"]) == 1
    assert last["next_offset"] is None
    assert first["items"][0]["slug"] == KLIP
    assert first["items"][0]["state_label"] == "Voorbereiding"


def test_a_list_is_revalidated_with_its_etag_until_something_changes(client, seeded):
    """A client that sends the list's ETag back is answered 304 without a body; another
    language, another page or a change in the database is a new ETag and a full answer."""
    first = client.get("/api/initiatives", params={"limit": 5})
    etag = first.headers["etag"]
    assert (first.status_code, etag[0]) == (200, '"')
    again = client.get("/api/initiatives", params={"limit": 5}, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    weak = client.get("/api/initiatives?limit=5", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    english = client.get("/api/initiatives?limit=5&lang=en", headers={"If-None-Match": etag})
    assert (english.status_code, english.headers["etag"] == etag) == (200, False)
    other_page = client.get("/api/initiatives?limit=5&offset=5", headers={"If-None-Match": etag})
    assert other_page.status_code == 200
    assert first.headers["vary"] == "Accept-Language"

    version = client.get(f"/api/initiatives/{KLIP}").json()["version"]
    record_step(seeded, KLIP, "hold", version, actor="test")
    changed = client.get("/api/initiatives", params={"limit": 5}, headers={"If-None-Match": etag})
    assert (changed.status_code, changed.headers["etag"] == etag) == (200, False)
    assert changed.json()["items"][0]["state"] == "on_hold"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "order"}, 4),
        ({"kind": "decree"}, 7),
        ({"stage": "drafting"}, 11),
        ({"stage": "published"}, 0),
        ({"entity": "vvsg"}, 6),
        ({"entity": "no-such-entity"}, 0),
        ({"q": "mandatensysteem"}, 1),
        ({"q": "Gigabit", "kind": "decree"}, 1),
        ({"q": "gigabit", "kind": "order"}, 0),
    ],
)
def test_list_filters(client, params, expected):
    assert client.get("/api/initiatives", params=params).json()["total"] == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "resolution"}, "kind"),
        ({"stage": "nowhere"}, "stage"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"lang": "fr"}, "lang"),
    ],
)
def test_bad_query_parameters_are_named(client, params, field):
    body = assert_problem(client.get("/api/initiatives", params=params), 400)
    assert field in [p["name"] for p in body["invalid_params"]]
    assert field in body["detail"]


def test_detail(client):
    body = client.get(f"/api/initiatives/{KLIP}").json()
    assert body["kind"] == "decree"
    assert body["kind_label"] == "Decreet"
    assert [s["stage"] for s in body["stages"]] == [
        "drafting", "first_approval", "advisory_opinions", "second_approval", "council_of_state",
        "final_approval", "parliament", "ratification", "publication",
    ]  # fmt: skip
    first = body["stages"][1]
    assert first["label"] == "Eerste principiële goedkeuring VR"
    assert first["baseline"]["text"] == "medio januari 2025"
    assert (first["baseline"]["earliest"], first["baseline"]["latest"]) == (
        "2025-01-11",
        "2025-01-20",
    )
    assert first["plan"] is None  # not re-planned
    # Seeded on 2026-11-23 with drafting not done: IF and BA (24 working days) from 24 November,
    # past the Christmas days off, lead to the government Friday of 8 January 2027.
    assert (first["forecast"]["earliest"], first["forecast"]["latest"]) == ("2027-01-08",) * 2
    assert first["slippage_days"] == (date(2027, 1, 8) - date(2025, 1, 20)).days
    assert first["overdue"] is True
    assert body["status"] == "slipped"
    assert first["actual"] is None
    assert body["stages"][0]["current"] is True
    assert body["legal_deadlines"][0]["date"] == "2025-11-12"
    assert {"slug": "vlaams-datanutsbedrijf", "name": "Vlaams Datanutsbedrijf"} in body["entities"]
    assert body["advisory_bodies"] == ["SERV", "VTC", "RvS"]
    assert [f["kind"] for f in body["findings"]] == ["deadline_risk"]
    assert "12 november 2025" in body["findings"][0]["message"]


def test_detail_in_english(client):
    body = client.get(f"/api/initiatives/{KLIP}", params={"lang": "en"}).json()
    assert body["stages"][1]["label"] == "First approval in principle by the Flemish Government"
    assert body["state_label"] == "Drafting"
    assert "12 November 2025" in body["findings"][0]["message"]
    via_header = client.get(f"/api/initiatives/{KLIP}", headers={"Accept-Language": "en-GB,en"})
    assert via_header.json()["state_label"] == "Drafting"


def test_findings_of_the_cut_off_initiative(client):
    body = client.get("/api/initiatives/besluit-erkenning-authentieke-gegevensbronnen").json()
    kinds = {(f["kind"], f["severity"]) for f in body["findings"]}
    assert {
        ("stage_order", "error"),
        ("truncated", "warning"),
        ("missing_entities", "warning"),
    } <= kinds
    assert body["entities"] == []


def test_unknown_slug_and_route_are_problems(client):
    body = assert_problem(client.get("/api/initiatives/no-such-thing"), 404)
    assert "no-such-thing" in body["detail"]
    assert_problem(client.get("/api/nothing-here"), 404)
    assert_problem(client.post("/api/initiatives/no-such-thing"), 405)


def test_entities(client):
    entities = {e["slug"]: e for e in client.get("/api/entities").json()}
    assert entities["agentschap-digitaal-vlaanderen"]["initiatives"] == 10
    assert entities["stuurorgaan-vlaams-informatie-en-ict-beleid"]["name"] == (
        "Stuurorgaan Vlaams Informatie- en ICT-beleid"
    )


def test_openapi_documents_the_read_api(client):
    schema = client.get("/schema/openapi.json").json()
    assert {"/health", "/api/initiatives", "/api/initiatives/{slug}", "/api/entities"} <= set(
        schema["paths"]
    )
    parameters = {p["name"] for p in schema["paths"]["/api/initiatives"]["get"]["parameters"]}
    assert {"kind", "stage", "entity", "q", "limit", "offset", "lang"} <= parameters


def test_an_unexpected_error_is_a_problem_without_details(seeded: Database, monkeypatch):
    from tracker.store.repository import InitiativeRepository

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr(InitiativeRepository, "get", broken)
    with TestClient(create_app(seeded), raise_server_exceptions=False) as client:
        body = assert_problem(client.get(f"/api/initiatives/{KLIP}"), 500)
    assert "secret" not in body["detail"]


def test_programme_page_lists_every_initiative_in_dutch_and_english(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="nl">' in html
    assert html.count('<tr data-slug="') == 11
    assert "Eerste principiële goedkeuring VR: 11 januari 2025 – 20 januari 2025" in html
    assert "is gepland vóór de vorige stap" in html
    english = client.get("/", params={"lang": "en"}).text
    assert '<html lang="en">' in english
    assert "First approval in principle by the Flemish Government: 11 January 2025" in english


def test_non_public_initiatives_leave_no_trace_for_the_public(seeded: Database):
    coordinator = token_for(seeded, "coordinator", "coordinator")
    with TestClient(create_app(seeded)) as client:
        created = client.post(
            "/api/initiatives",
            json={
                "title": "Voorontwerp van decreet over een vertrouwelijk dossier",
                "kind": "decree",
                "entities": ["Geheime Dienst Vlaanderen"],
                "is_public": False,
            },
            headers=coordinator,
        )
        assert created.status_code == 201, created.text
        public_entities = {e["slug"] for e in client.get("/api/entities").json()}
        assert "geheime-dienst-vlaanderen" not in public_entities
        assert "vertrouwelijk" not in client.get("/").text
        assert client.get("/api/initiatives").json()["total"] == 11
        seen = {
            e["slug"]: e["initiatives"]
            for e in client.get("/api/entities", headers=coordinator).json()
        }
        assert seen["geheime-dienst-vlaanderen"] == 1
        assert "vertrouwelijk" in client.get("/", headers=coordinator).text


def test_an_entry_into_force_set_by_the_act_replaces_publication_plus_ten_days(seeded: Database):
    coordinator = token_for(seeded, "coordinator", "coordinator")
    with TestClient(create_app(seeded)) as client:
        before = client.get(f"/api/initiatives/{KLIP}")
        # Seeded on 2026-11-23, the publication is expected in 2027: in force after the deadline.
        assert before.json()["entry_into_force"] > "2025-11-12"
        edited = client.patch(
            f"/api/initiatives/{KLIP}",
            json={"entry_into_force": "2025-11-12"},
            headers={**coordinator, "If-Match": before.headers["etag"]},
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["entry_into_force"] == "2025-11-12"
        history = client.get(f"/api/initiatives/{KLIP}/history").json()["entries"]
        assert (history[-1]["event"], history[-1]["note"]) == ("edit", "entry_into_force")


def test_short_titles_name_initiatives_in_lists_calendars_and_pages(client, seeded):
    """The list, the detail, a calendar's SUMMARY and the pages name an initiative by its short
    title; the full title stays on the detail and in the description. An editor changes it; one
    that another initiative has is refused with the reason, in Dutch or in English."""
    listed = {i["slug"]: i["short_title"] for i in client.get("/api/initiatives").json()["items"]}
    assert listed[KLIP] == "Decreet gigabitinfrastructuurverordening"
    assert len(set(listed.values())) == len(listed) == 11
    detail = client.get(f"/api/initiatives/{KLIP}").json()
    assert detail["title"].startswith("Voorontwerp van decreet tot wijziging van het KLIP-decreet")
    programme = client.get("/?lang=nl").text
    assert f'title="{detail["title"]}">Decreet gigabitinfrastructuurverordening</a>' in programme

    coordinator = token_for(seeded, "coordinator", "coordinator")
    taken = client.patch(
        f"/api/initiatives/{KLIP}",
        json={"short_title": "dao-decreet"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    problem = assert_problem(taken, 422)
    assert problem["invalid_params"][0]["name"] == "short_title"
    assert "is al de korte titel van een ander initiatief" in problem["detail"]
    english = client.patch(
        f"/api/initiatives/{KLIP}?lang=en",
        json={"short_title": "dao-decreet"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert "is already the short title of another initiative" in english.json()["detail"]

    renamed = client.patch(
        f"/api/initiatives/{KLIP}",
        json={"short_title": "KLIP- en GIPOD-decreet"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["short_title"] == "KLIP- en GIPOD-decreet"
    feed = client.get(f"/calendars/initiatives/{KLIP}.ics").text
    assert "SUMMARY:Eerste principiële goedkeuring VR: KLIP- en GIPOD-decreet\r\n" in feed
    page = client.get(f"/initiatives/{KLIP}").text
    assert "<title>KLIP- en GIPOD-decreet" in page
    assert f"<h1>{detail['title']}</h1>" in page
