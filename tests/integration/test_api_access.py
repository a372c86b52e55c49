"""Who may do what: a role x endpoint matrix over the API, the calendars and the pages, entity
scoping, the actor of every change, and API tokens from the command line; on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import inspect, text

from api.app import create_app
from tests.conftest import BACKENDS, POSTGRES_URL, postgres_schema, token_for
from tests.problems import assert_problem
from tracker.app.cli import main
from tracker.domain.clock import utc_now
from tracker.services.tokens import hash_token, revoke_token
from tracker.store.db import make_engine
from tracker.store.uow import Database

ADV = "Agentschap Digitaal Vlaanderen"
FACILITAIR = "Het Facilitair Bedrijf"
KLIP = "decreet-klip-gipod-verordening"
PLATFORM = "decreet-platform-digitale-aangifte"  # involves Uitvaartsector
ARCHIVES = "besluit-beheren-bewaren-bestuursdocumenten"  # involves Het Facilitair Bedrijf

Client = TestClient  # type: ignore[type-arg]


def _revoked(database: Database, name: str, role: str, entities: tuple[str, ...]) -> dict[str, str]:
    header = token_for(database, name, role, entities)
    with database.uow() as uow:
        revoke_token(uow, name, now=utc_now())
        uow.commit()
    return header


def _callers(database: Database) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        "viewer": token_for(database, "Lezer Digitaal Vlaanderen", "viewer", (ADV,)),
        "editor": token_for(database, "Team Digitaal Vlaanderen", "editor", (ADV,)),
        "other_editor": token_for(database, "Team Facilitair Bedrijf", "editor", (FACILITAIR,)),
        "coordinator": token_for(database, "Coördinatie Wetgeving", "coordinator"),
        "admin": token_for(database, "Beheerder", "admin"),
        "revoked": _revoked(database, "Oud team Digitaal Vlaanderen", "editor", (ADV,)),
        "malformed": {"Authorization": "Basic dGVhbTpnZWhlaW0="},
    }


# -- the role x endpoint matrix ---------------------------------------------------------------
ENDPOINTS = (
    "list", "detail", "transitions", "history", "workflows",
    "create", "patch", "event", "replan", "rebaseline",
    "entities", "report", "calendars", "feed", "health", "page", "form",
)  # fmt: skip
WRITES = {"patch", "event", "replan", "rebaseline", "form"}
NOT_PROBLEMS = {"feed", "page", "form"}  # a calendar or a page answers in its own format

# fmt: off
# An initiative of Agentschap Digitaal Vlaanderen (ADV) that is public. "viewer" and "editor"
# are of ADV, "other_editor" of Het Facilitair Bedrijf; create is for ADV.
PUBLIC = {
    #                 list detail trans hist  wflow create patch event plan rebase  ents  rep  cals feed hlth page form
    "anonymous":     (200, 200,   200,  200,  200,  401,   401,  401,  401, 401, 200,  200, 200, 200, 200, 200, 403),
    "viewer":        (200, 200,   200,  200,  200,  403,   403,  403,  403, 403, 200,  200, 200, 200, 200, 200, 403),
    "editor":        (200, 200,   200,  200,  200,  201,   200,  201,  200, 403, 200,  200, 200, 200, 200, 200, 303),
    "other_editor":  (200, 200,   200,  200,  200,  403,   403,  403,  403, 403, 200,  200, 200, 200, 200, 200, 403),
    "coordinator":   (200, 200,   200,  200,  200,  201,   200,  201,  200, 200, 200,  200, 200, 200, 200, 200, 303),
    "admin":         (200, 200,   200,  200,  200,  201,   200,  201,  200, 200, 200,  200, 200, 200, 200, 200, 303),
    "revoked":       (401, 401,   401,  401,  200,  401,   401,  401,  401, 401, 401,  401, 200, 200, 200, 200, 403),
    "malformed":     (401, 401,   401,  401,  200,  401,   401,  401,  401, 401, 401,  401, 200, 200, 200, 200, 403),
}
# The same initiative, not public: whoever may not read it gets 404, never a hint it exists.
# Its calendar is never public; private feeds (feed tokens) are tested with the feeds. Pages read
# a Bearer token too but never refuse one (an unknown token reads as the public); the form needs
# a signed-in session and its form key.
NON_PUBLIC = {
    #                 list detail trans hist  wflow create patch event plan rebase  ents  rep  cals feed hlth page form
    "anonymous":     (200, 404,   404,  404,  200,  401,   401,  401,  401, 401, 200,  200, 200, 404, 200, 404, 404),
    "viewer":        (200, 200,   200,  200,  200,  403,   403,  403,  403, 403, 200,  200, 200, 404, 200, 200, 403),
    "editor":        (200, 200,   200,  200,  200,  201,   200,  201,  200, 403, 200,  200, 200, 404, 200, 200, 303),
    "other_editor":  (200, 404,   404,  404,  200,  403,   404,  404,  404, 404, 200,  200, 200, 404, 200, 404, 404),
    "coordinator":   (200, 200,   200,  200,  200,  201,   200,  201,  200, 200, 200,  200, 200, 404, 200, 200, 303),
    "admin":         (200, 200,   200,  200,  200,  201,   200,  201,  200, 200, 200,  200, 200, 404, 200, 200, 303),
    "revoked":       (401, 401,   401,  401,  200,  401,   401,  401,  401, 401, 401,  401, 200, 404, 200, 404, 404),
    "malformed":     (401, 401,   401,  401,  200,  401,   401,  401,  401, 401, 401,  401, 200, 404, 200, 404, 404),
}
# fmt: on
CALLERS = tuple(PUBLIC)


def _new_initiative(client: Client, coordinator: dict[str, str], n: int, is_public: bool) -> str:
    response = client.post(
        "/api/initiatives",
        json={
            "title": f"Voorontwerp van decreet over proefdossier {n}",
            "kind": "decree",
            "entities": [ADV],
            "is_public": is_public,
            "plan": {"first_approval": {"text": "medio maart 2026"}},
        },
        headers=coordinator,
    )
    assert response.status_code == 201, response.text
    slug: str = response.json()["slug"]
    return slug


Request_ = Callable[[Client, dict[str, str], str, bool], Any]
V1 = {"If-Match": '"1"'}
CREATE_BODY = {"title": "Voorontwerp van decreet over niets", "kind": "decree", "entities": [ADV]}


def _form_step(client: Client, header: dict[str, str], slug: str) -> Any:
    """Sign in with the caller's token (if any), then post the page's record form."""
    scheme, _, token = header.get("Authorization", "").partition(" ")
    client.cookies.clear()
    if scheme == "Bearer":
        client.post("/signin", data={"token": token, "next": "/"})
    found = re.search(
        r'name="form_key" value="([0-9a-f]*)"', client.get(f"/initiatives/{slug}").text
    )
    response = client.post(
        f"/initiatives/{slug}/events",
        data={"event": "complete_drafting", "occurred_on": "2025-01-10", "version": "1",
              "form_key": found[1] if found else ""},
        follow_redirects=False,
    )  # fmt: skip
    client.cookies.clear()
    return response


REQUESTS: dict[str, Request_] = {
    "list": lambda c, h, s, p: c.get("/api/initiatives", headers=h),
    "detail": lambda c, h, s, p: c.get(f"/api/initiatives/{s}", headers=h),
    "transitions": lambda c, h, s, p: c.get(f"/api/initiatives/{s}/transitions", headers=h),
    "history": lambda c, h, s, p: c.get(f"/api/initiatives/{s}/history", headers=h),
    "workflows": lambda c, h, s, p: c.get("/api/workflows", headers=h),
    "create": lambda c, h, s, p: c.post(
        "/api/initiatives",
        json={
            "title": f"Ontwerp van besluit over nieuw werk naast {s}",
            "kind": "order",
            "entities": [ADV],
            "is_public": p,
        },
        headers=h,
    ),
    "patch": lambda c, h, s, p: c.patch(
        f"/api/initiatives/{s}", json={"summary": "Herwerkte samenvatting"}, headers={**h, **V1}
    ),
    "event": lambda c, h, s, p: c.post(
        f"/api/initiatives/{s}/events",
        json={"event": "complete_drafting", "occurred_on": "2025-01-10"},
        headers={**h, **V1},
    ),
    "replan": lambda c, h, s, p: c.put(
        f"/api/initiatives/{s}/plan/first_approval",
        json={"text": "eind april 2026", "reason": "Advies Inspectie van Financiën later"},
        headers={**h, **V1},
    ),
    "rebaseline": lambda c, h, s, p: c.put(
        f"/api/initiatives/{s}/plan/first_approval",
        json={"text": "eind april 2026", "reason": "Nieuwe planning", "rebaseline": True},
        headers={**h, **V1},
    ),
    "entities": lambda c, h, s, p: c.get("/api/entities", headers=h),
    "report": lambda c, h, s, p: c.get("/api/reports/weekly", headers=h),
    "calendars": lambda c, h, s, p: c.get("/api/calendars", headers=h),
    "feed": lambda c, h, s, p: c.get(f"/calendars/initiatives/{s}.ics", headers=h),
    "health": lambda c, h, s, p: c.get("/health", headers=h),
    "page": lambda c, h, s, p: c.get(f"/initiatives/{s}", headers=h),
    "form": lambda c, h, s, p: _form_step(c, h, s),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("is_public", [True, False], ids=["public", "non_public"])
def test_role_endpoint_matrix(database: Database, is_public: bool, caller: str):
    callers = _callers(database)
    coordinator = callers["coordinator"]
    expected = dict(zip(ENDPOINTS, (PUBLIC if is_public else NON_PUBLIC)[caller], strict=True))
    actual = {}
    with TestClient(create_app(database), raise_server_exceptions=False) as client:
        for n, endpoint in enumerate(ENDPOINTS):
            slug = _new_initiative(client, coordinator, n, is_public)  # fresh, at version 1
            response = REQUESTS[endpoint](client, callers[caller], slug, is_public)
            actual[endpoint] = status = response.status_code
            if status >= 400 and endpoint not in NOT_PROBLEMS:
                assert_problem(response, status)
            if status == 401:
                assert response.headers["www-authenticate"] == "Bearer", endpoint
            if status == 404 and endpoint not in NOT_PROBLEMS:
                assert response.json()["detail"] == f"Initiatief '{slug}' niet gevonden."
            # A refused write changes nothing; an accepted one adds one version and one entry.
            detail = client.get(f"/api/initiatives/{slug}", headers=coordinator).json()
            history = client.get(f"/api/initiatives/{slug}/history", headers=coordinator).json()
            written = endpoint in WRITES and status < 400
            assert detail["version"] == (2 if written else 1), endpoint
            assert len(history["entries"]) == (2 if written else 1), endpoint
            if endpoint == "create" and status == 201:
                assert response.headers["etag"] == '"1"'
    assert actual == expected


@pytest.mark.parametrize(
    "authorization",
    ["Basic dGVhbTpnZWhlaW0=", "Bearer", "Token wgp_abc", "Bearer wgp_no-such-token", "wgp_abc"],
)
def test_a_malformed_or_unknown_token_is_401_even_for_public_reads(
    database: Database, authorization: str
):
    with TestClient(create_app(database)) as client:
        for method, path in (("GET", "/api/initiatives"), ("POST", "/api/initiatives")):
            response = client.request(
                method, path, headers={"Authorization": authorization}, json=CREATE_BODY
            )
            problem = assert_problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"
            assert problem["type"] == "urn:wetgevingsplanner:problem:unauthenticated"
        assert client.get("/api/initiatives", headers={}).json()["total"] == 0


# -- entity scoping ---------------------------------------------------------------------------
SCOPING_CALLERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "anonymous": ("", ()),
    "viewer_adv": ("viewer", (ADV,)),
    "editor_adv": ("editor", (ADV,)),
    "viewer_datanuts": ("viewer", ("Vlaams Datanutsbedrijf",)),
    "viewer_uitvaart": ("viewer", ("uitvaartsector",)),  # by slug
    "editor_facilitair": ("editor", ("het-facilitair-bedrijf",)),
    "viewer_without_entity": ("viewer", ()),
    "coordinator": ("coordinator", ()),
    "admin": ("admin", ()),
}
# KLIP and PLATFORM are made non-public; ARCHIVES stays public. KLIP involves ADV and Vlaams
# Datanutsbedrijf (not Uitvaartsector, not Het Facilitair Bedrijf); PLATFORM involves ADV,
# Vlaams Datanutsbedrijf and Uitvaartsector.
# fmt: off
SCOPING = {
    #                          total  KLIP  PLATFORM ARCHIVES  entity=uitvaartsector
    "anonymous":              (9,     404,  404,     200,      0),
    "viewer_adv":             (11,    200,  200,     200,      1),
    "editor_adv":             (11,    200,  200,     200,      1),
    "viewer_datanuts":        (11,    200,  200,     200,      1),
    "viewer_uitvaart":        (10,    404,  200,     200,      1),
    "editor_facilitair":      (9,     404,  404,     200,      0),
    "viewer_without_entity":  (9,     404,  404,     200,      0),
    "coordinator":            (11,    200,  200,     200,      1),
    "admin":                  (11,    200,  200,     200,      1),
}
# fmt: on


def test_entity_scoping(seeded: Database):
    headers = {
        caller: token_for(seeded, caller, role, entities) if role else {}
        for caller, (role, entities) in SCOPING_CALLERS.items()
    }
    with TestClient(create_app(seeded)) as client:
        for slug in (KLIP, PLATFORM):
            made = client.patch(
                f"/api/initiatives/{slug}",
                json={"is_public": False},
                headers={**headers["coordinator"], "If-Match": '"1"'},
            )
            assert made.status_code == 200, made.text
        actual = {}
        for caller, header in headers.items():
            page = client.get("/api/initiatives", params={"limit": 50}, headers=header).json()
            listed = {item["slug"] for item in page["items"]}
            assert len(listed) == page["total"], caller
            statuses = []
            for slug in (KLIP, PLATFORM, ARCHIVES):
                codes = {
                    client.get(f"/api/initiatives/{slug}{suffix}", headers=header).status_code
                    for suffix in ("", "/transitions", "/history")
                }
                assert len(codes) == 1, (caller, slug, codes)
                statuses.append(codes.pop())
                # Listed exactly when readable.
                assert (slug in listed) == (statuses[-1] == 200), (caller, slug)
            by_entity = client.get(
                "/api/initiatives", params={"entity": "uitvaartsector"}, headers=header
            ).json()["total"]
            actual[caller] = (page["total"], *statuses, by_entity)
    assert actual == SCOPING


def test_a_hidden_initiative_looks_exactly_like_a_missing_one(seeded: Database):
    coordinator = token_for(seeded, "Coördinatie Wetgeving", "coordinator")
    other = token_for(seeded, "Team Facilitair Bedrijf", "editor", (FACILITAIR,))
    with TestClient(create_app(seeded)) as client:
        client.patch(
            f"/api/initiatives/{KLIP}",
            json={"is_public": False},
            headers={**coordinator, "If-Match": '"1"'},
        )
        for header in ({}, other):
            for path in ("", "/transitions", "/history"):
                hidden = assert_problem(
                    client.get(f"/api/initiatives/{KLIP}{path}", headers=header), 404
                )
                missing = assert_problem(
                    client.get(f"/api/initiatives/nope{path}", headers=header), 404
                )
                assert hidden == {
                    **missing,
                    "detail": f"Initiatief '{KLIP}' niet gevonden.",
                    "instance": f"/api/initiatives/{KLIP}{path}",
                }
        # Writing with a stale If-Match is still 404, not 412 (which would show a version).
        stale = client.post(
            f"/api/initiatives/{KLIP}/events",
            json={"event": "complete_drafting", "occurred_on": "2025-01-10"},
            headers={**other, "If-Match": '"7"'},
        )
        body = assert_problem(stale, 404)
        assert "current_version" not in body
        assert "etag" not in stale.headers
        # The entities list shows no trace either.
        entities = {e["slug"] for e in client.get("/api/entities", headers=other).json()}
        assert "stakeholders-gipod-en-klip" not in entities  # only KLIP involves them


def test_an_editor_keeps_one_of_its_entities(seeded: Database):
    editor = token_for(seeded, "Team Facilitair Bedrijf", "editor", (FACILITAIR,))
    with TestClient(create_app(seeded)) as client:
        response = client.patch(
            f"/api/initiatives/{ARCHIVES}",
            json={"entities": ["Agentschap Digitaal Vlaanderen"]},
            headers={**editor, "If-Match": '"1"'},
        )
        assert_problem(response, 403)
        detail = client.get(f"/api/initiatives/{ARCHIVES}").json()
        assert detail["version"] == 1
        assert "het-facilitair-bedrijf" in [e["slug"] for e in detail["entities"]]
        assert len(client.get(f"/api/initiatives/{ARCHIVES}/history").json()["entries"]) == 1


def test_editors_create_only_for_their_entities(database: Database):
    unregistered = "Vereniging van Begrafenisondernemers"
    editor = token_for(
        database, "Team Digitaal Vlaanderen", "editor", ("agentschap-digitaal-vlaanderen",)
    )
    body = {"title": "Voorontwerp van decreet over de uitvaart", "kind": "decree"}
    with TestClient(create_app(database)) as client:
        refused = client.post(
            "/api/initiatives", json={**body, "entities": [unregistered]}, headers=editor
        )
        assert_problem(refused, 403)
        assert client.get("/api/initiatives", headers=editor).json()["total"] == 0
        # Nor does an editor bring in an entity the tracker does not know (issue 28): a typing
        # error would make a new co-owner. A coordinator does. (Uitvaartsector is in the
        # register of entities, workflows/entities.toml, so the name is one that is not.)
        invented = client.post(
            "/api/initiatives", json={**body, "entities": [unregistered, ADV]}, headers=editor
        )
        problem = assert_problem(invented, 422)
        assert [p["name"] for p in problem["invalid_params"]] == ["entities"]
        coordinated = {**body, "title": "Voorontwerp van decreet over de begraafplaatsen"}
        brought_in = client.post(
            "/api/initiatives",
            json={**coordinated, "entities": [unregistered]},
            headers=token_for(database, "Coördinatie Wetgeving", "coordinator"),
        )
        assert brought_in.status_code == 201, brought_in.text
        both = client.post(
            "/api/initiatives", json={**body, "entities": [unregistered, ADV]}, headers=editor
        )
        assert both.status_code == 201, both.text


# -- actors -----------------------------------------------------------------------------------
def test_the_actor_of_every_change_is_the_token_name(database: Database):
    editor = token_for(database, "Team Digitaal Vlaanderen", "editor", (ADV,))
    coordinator = token_for(database, "Coördinatie Wetgeving", "coordinator")
    with TestClient(create_app(database)) as client:
        created = client.post(
            "/api/initiatives",
            json={
                "title": "Voorontwerp van decreet over de digitale kluis",
                "kind": "decree",
                "entities": [ADV],
                "plan": {"first_approval": {"text": "medio januari 2025"}},
            },
            headers=editor,
        )
        assert created.status_code == 201, created.text
        path = f"/api/initiatives/{created.json()['slug']}"

        def write(method: str, url: str, header: dict[str, str], version: int, body: Any) -> Any:
            response = client.request(
                method, url, json=body, headers={**header, "If-Match": f'"{version}"'}
            )
            assert response.status_code in (200, 201), response.text
            return response.json()

        step = write(
            "POST",
            f"{path}/events",
            editor,
            1,
            {"event": "complete_drafting", "occurred_on": "2025-01-10"},
        )
        assert step["event"]["actor"] == "Team Digitaal Vlaanderen"
        step = write(
            "POST",
            f"{path}/events",
            editor,
            2,
            {"event": "approve_first", "occurred_on": "2025-01-17", "reference": "VR 2025 1701"},
        )
        assert step["event"]["actor"] == "Team Digitaal Vlaanderen"
        plan = write(
            "PUT",
            f"{path}/plan/council_of_state",
            editor,
            3,
            {"text": "mei 2025", "reason": "Later"},
        )
        assert plan["change"]["actor"] == "Team Digitaal Vlaanderen"
        plan = write(
            "PUT",
            f"{path}/plan/final_approval",
            coordinator,
            4,
            {"text": "juli 2025", "reason": "Nieuw regeerakkoord", "rebaseline": True},
        )
        assert plan["change"]["actor"] == "Coördinatie Wetgeving"
        write("PATCH", path, coordinator, 5, {"summary": "Een grondslag voor de digitale kluis"})
        write(
            "POST",
            f"{path}/events",
            coordinator,
            6,
            {"event": "hold", "occurred_on": "2025-02-03", "note": "Wacht op begroting"},
        )
        entries = client.get(f"{path}/history").json()["entries"]
    assert [(e["type"], e.get("event") or e["stage"], e["actor"]) for e in entries] == [
        ("event", "create", "Team Digitaal Vlaanderen"),
        ("event", "complete_drafting", "Team Digitaal Vlaanderen"),
        ("event", "approve_first", "Team Digitaal Vlaanderen"),
        ("plan_change", "council_of_state", "Team Digitaal Vlaanderen"),
        ("plan_change", "final_approval", "Coördinatie Wetgeving"),
        ("event", "edit", "Coördinatie Wetgeving"),
        ("event", "hold", "Coördinatie Wetgeving"),
    ]


# -- API tokens from the command line ---------------------------------------------------------
@pytest.fixture(params=BACKENDS)
def cli_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch) -> Iterator[str]:
    """TRACKER_DATABASE_URL at a migrated, seeded database (a fresh schema on PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tokens.sqlite3'}"
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        assert main(["db", "upgrade"]) == 0
        assert main(["seed"]) == 0
        yield url
        return
    with postgres_schema() as schema:
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        assert main(["db", "upgrade"]) == 0
        assert main(["seed"]) == 0
        yield url


def _every_stored_value(database: Database) -> list[str]:
    values = []
    with database.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        assert {"api_token", "event_log", "initiative", "idempotency_key"} <= set(tables)
        for table in tables:
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                values += [
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row
                ]
    return values


def test_token_cli_create_use_revoke_list(cli_url: str, capsys):
    capsys.readouterr()
    name = "Team Digitaal Vlaanderen"
    assert main(["token", "create", "--name", name, "--role", "editor", "--entity", ADV]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert out == token + "\n"  # the token, once, alone on stdout
    assert re.fullmatch(r"wgp_[A-Za-z0-9_-]{43}", token)
    assert err == f"token '{name}' (editor) created; it is shown only now\n"
    assert main(["token", "create", "--name", "Coördinatie", "--role", "coordinator"]) == 0
    coordinator_token = capsys.readouterr().out.strip()

    database = Database(make_engine(cli_url))
    try:
        bearer = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(database)) as client:
            edited = client.patch(
                f"/api/initiatives/{KLIP}",
                json={"summary": "Herwerkt door het team"},
                headers={**bearer, "If-Match": '"1"'},
            )
            assert edited.status_code == 200, edited.text
            entries = client.get(f"/api/initiatives/{KLIP}/history").json()["entries"]
            assert (entries[-1]["event"], entries[-1]["actor"]) == ("edit", name)
            # The entity was given by name and is stored as its slug: an initiative without
            # Agentschap Digitaal Vlaanderen is not this editor's.
            other = client.post(
                "/api/initiatives",
                json={"title": "Voorontwerp van decreet elders", "kind": "decree",
                      "entities": ["Uitvaartsector"]},
                headers=bearer,
            )  # fmt: skip
            assert_problem(other, 403)

            # Stored only hashed: no column of any table holds the token text.
            stored = _every_stored_value(database)
            for secret in (token, coordinator_token):
                assert not [v for v in stored if secret in v or secret[4:] in v]
            assert hash_token(token) in stored
            assert hash_token(coordinator_token) in stored

            capsys.readouterr()
            assert main(["token", "list"]) == 0
            listing = capsys.readouterr().out
            assert listing.splitlines() == [
                "Coördinatie\tcoordinator\t-\tactive",
                f"{name}\teditor\tagentschap-digitaal-vlaanderen\tactive",
            ]

            assert main(["token", "revoke", name]) == 0
            assert capsys.readouterr().out == f"token '{name}' revoked\n"
            for method, path in (("GET", f"/api/initiatives/{KLIP}"), ("GET", "/api/initiatives")):
                revoked = client.request(method, path, headers=bearer)
                assert_problem(revoked, 401)
                assert revoked.headers["www-authenticate"] == "Bearer"
            refused = client.patch(
                f"/api/initiatives/{KLIP}",
                json={"summary": "Nog eens"},
                headers={**bearer, "If-Match": '"2"'},
            )
            assert_problem(refused, 401)
            assert client.get(f"/api/initiatives/{KLIP}").json()["version"] == 2

            assert main(["token", "list"]) == 0
            lines = capsys.readouterr().out.splitlines()
            assert lines[0] == "Coördinatie\tcoordinator\t-\tactive"
            assert re.fullmatch(
                rf"{name}\teditor\tagentschap-digitaal-vlaanderen\trevoked \d{{4}}-\d{{2}}-\d{{2}}",
                lines[1],
            )
            listed = listing + "\n".join(lines)
            for secret in (token, coordinator_token, hash_token(token)):
                assert secret not in listed
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["token", "create", "--name", "Team zonder entiteit", "--role", "editor"],
            "tracker: error: entity: an editor writes for at least one entity",
        ),
        (
            ["token", "create", "--name", "Bestaand", "--role", "viewer"],
            "tracker: error: name: a token named 'Bestaand' exists already",
        ),
        (
            ["token", "create", "--name", "  Bestaand ", "--role", "admin"],
            "tracker: error: name: a token named 'Bestaand' exists already",
        ),
        (
            ["token", "create", "--name", "   ", "--role", "admin"],
            "tracker: error: name: a token needs a name (it is the actor in the event log)",
        ),
        (["token", "revoke", "Niemand"], "tracker: error: token 'Niemand' not found"),
    ],
    ids=["editor_without_entity", "duplicate", "duplicate_padded", "blank_name", "revoke_unknown"],
)
def test_token_cli_refusals_are_one_line(cli_url: str, capsys, argv: list[str], message: str):
    assert main(["token", "create", "--name", "Bestaand", "--role", "viewer"]) == 0
    capsys.readouterr()
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == message + "\n"
    assert main(["token", "list"]) == 0
    assert capsys.readouterr().out == "Bestaand\tviewer\t-\tactive\n"
