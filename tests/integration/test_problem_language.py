"""Every problem+json answer speaks Dutch, or English on request, and never a library's words:
titles, details and the reasons of invalid_params (issue 23, point 4).

The words do not depend on the database: one SQLite file serves every test here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.exceptions import ClientException, HTTPException
from litestar.testing import TestClient

from api.app import MAX_BODY_BYTES, create_app
from api.problems import EXCEPTION_HANDLERS
from tests.conftest import token_for
from tests.problems import assert_problem
from tracker.outputs.problem_text import TITLES, reason
from tracker.store import migrate
from tracker.store.db import make_engine
from tracker.store.uow import Database

ADV = "Agentschap Digitaal Vlaanderen"
OMG = "Departement Omgeving"
CREATE = {"title": "Voorontwerp van decreet over de kluis", "kind": "decree", "entities": [ADV]}
EVENT = {"event": "complete_drafting", "occurred_on": "2025-01-10"}
ENGLISH = ({"lang": "en"}, {}), ({}, {"Accept-Language": "en-GB,en;q=0.8"})
# What msgspec and Litestar say; none of it may reach a caller, in either language.
LIBRARY_WORDS = (
    "Expected `", "Object missing", "Object contains", "RFC3339", "Invalid enum", "enum value",
    "JSON is malformed", "Input data was truncated", "matching regex", "Validation failed",
    "Missing required", "'data'", "of length", "`", "got `", "nests deeper",
)  # fmt: skip
# Litestar's own detail of an HTTP error is its status phrase.
PHRASES = (
    "Bad Request", "Not Found", "Method Not Allowed", "Request Entity Too Large",
    "Unprocessable Entity", "Precondition Required", "Unauthorized", "Forbidden",
)  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(make_engine(f"sqlite:///{tmp_path / 'words.sqlite3'}"))
    migrate.upgrade(database.engine)
    yield database
    database.dispose()


class Caller:
    def __init__(self, db: Database, client: TestClient[Any]) -> None:
        self.client = client
        self.editor = token_for(db, "Team Digitaal Vlaanderen", "editor", (ADV,))
        self.viewer = token_for(db, "Lezer", "viewer", (ADV,))
        self.other = token_for(db, "Team Omgeving", "editor", (OMG,))
        self.coordinator = token_for(db, "Coördinatie", "coordinator")
        created = client.post("/api/initiatives", json=CREATE, headers=self.editor)
        assert created.status_code == 201, created.text
        self.slug: str = created.json()["slug"]
        # Another entity's initiative, public: an editor of ADV reads it but may not change it.
        theirs = {**CREATE, "title": "Ontwerp van besluit over de bodem", "entities": [OMG]}
        made = client.post("/api/initiatives", json=theirs, headers=self.other)
        assert made.status_code == 201, made.text
        self.theirs: str = made.json()["slug"]


@pytest.fixture
def api(db: Database) -> Iterator[Caller]:
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        yield Caller(db, client)


def _write(api: Caller, path: str = "") -> dict[str, str]:
    return {**api.editor, "If-Match": '"1"'} if path else api.editor


# (method, path under /api/initiatives, body or raw bytes, extra headers, status)
def _sweep(api: Caller) -> list[tuple[str, str, Any, dict[str, str], int]]:
    events = f"/{api.slug}/events"
    plan = f"/{api.slug}/plan/drafting"
    json = {"Content-Type": "application/json"}
    return [
        ("POST", "", {"kind": "decree"}, {}, 400),
        ("POST", "", {**CREATE, "foo": 1}, {}, 400),
        ("POST", "", {**CREATE, "title": 5}, {}, 400),
        ("POST", "", {**CREATE, "title": None}, {}, 400),
        ("POST", "", {**CREATE, "kind": "wet"}, {}, 400),
        ("POST", "", {**CREATE, "title": "x"}, {}, 400),
        ("POST", "", {**CREATE, "title": "x" * 2001}, {}, 400),
        ("POST", "", {**CREATE, "title": "kluis\x00"}, {}, 400),
        ("POST", "", {**CREATE, "entities": []}, {}, 400),
        ("POST", "", {**CREATE, "entities": "ADV"}, {}, 400),
        ("POST", "", {**CREATE, "advisory_bodies": ["a"] * 21}, {}, 400),
        ("POST", "", {**CREATE, "is_public": "yes"}, {}, 400),
        ("POST", "", {**CREATE, "legal_deadlines": [{"date": "2025-13-01", "text": "x"}]}, {}, 400),
        ("POST", "", {**CREATE, "legal_deadlines": [{"date": 5, "text": "x"}]}, {}, 400),
        ("POST", "", {**CREATE, "plan": {"signature": {}}}, {}, 400),
        ("POST", "", {**CREATE, "plan": {"drafting": {"when": "soon"}}}, {}, 400),
        ("POST", "", [1, 2], {}, 400),
        ("POST", "", b"{bad", json, 400),
        ("POST", "", b'{"title": "kluis', json, 400),
        ("POST", "", b"", json, 400),
        ("POST", "", b"<a/>", {"Content-Type": "application/xml"}, 400),
        ("POST", "", b"[" * 100 + b"]" * 100, json, 400),
        ("POST", "", b"[" + b"1," * 200_000 + b"1]", json, 413),
        ("POST", "", CREATE, {"Idempotency-Key": "k" * 201}, 400),
        ("POST", events, {**EVENT, "occurred_on": "10-01-2025"}, {}, 400),
        ("POST", events, {**EVENT, "occurred_on": "2025-01-10T00:00"}, {}, 400),
        ("POST", events, EVENT, {"If-Match": "1"}, 400),
        ("POST", events, EVENT, {"If-Match": '"7"'}, 412),
        ("POST", events, EVENT, {"If-Match": ""}, 400),
        ("PUT", plan, {"reason": "x", "latest": "soon"}, {}, 400),
        ("PUT", plan, {"reason": "x", "text": "mei 2026", "rebaseline": True}, {}, 403),
        ("PATCH", f"/{api.slug}", {"council_of_state_term": 30}, {}, 400),
        ("GET", "?limit=abc", None, {}, 400),
        ("GET", "?limit=100000", None, {}, 400),
        ("GET", "?offset=abc", None, {}, 400),
        ("GET", "?offset=-1", None, {}, 400),
        ("GET", "?q=a%00b", None, {}, 400),
        ("GET", "?kind=wet", None, {}, 400),
        ("GET", "?stage=wet", None, {}, 400),
        ("GET", "/nope", None, {}, 404),
        ("DELETE", "", None, {}, 405),
    ]


def _send(
    api: Caller,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
) -> Any:
    sent = {"content": body} if isinstance(body, bytes) else {} if body is None else {"json": body}
    base = _write(api, path) if method != "GET" else {}
    # httpx drops a query written in the path when it is given params: one query, written here
    query = "&".join(f"{k}={v}" for k, v in (params or {}).items())
    url = f"/api/initiatives{path}"
    url = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
    return api.client.request(method, url, headers={**base, **headers}, **sent)


def _words(problem: dict[str, Any]) -> list[str]:
    return [
        problem["title"],
        problem["detail"],
        *(p["reason"] for p in problem.get("invalid_params", [])),
    ]


def test_no_library_words_reach_a_caller_in_either_language(api: Caller):
    for method, path, body, headers, status in _sweep(api):
        for lang, params, extra in (("nl", {}, {}), ("en", {"lang": "en"}, {})):
            response = _send(api, method, path, body, {**headers, **extra}, params=params)
            problem = assert_problem(response, status)
            case = (method, path, str(body)[:60], lang)
            assert problem["title"] == TITLES[status].get(lang), case
            for words in _words(problem):
                assert not [w for w in LIBRARY_WORDS if w in words], (case, words)
            assert not [p for p in PHRASES if p in problem["detail"]], case
            if status == 400 and path != "/nope":
                assert problem["invalid_params"], case
                assert all(p["reason"] for p in problem["invalid_params"]), case


def test_dutch_by_default_english_on_request(api: Caller):
    def problem(path: str, body: Any, status: int, **kw: Any) -> dict[str, Any]:
        return assert_problem(_send(api, "POST", path, body, {}, **kw), status)

    deadline = {**CREATE, "legal_deadlines": [{"date": "17-01-2025", "text": "x"}]}
    dutch = problem("", deadline, 400)
    assert dutch["title"] == "Ongeldige aanvraag"
    assert dutch["invalid_params"] == [
        {
            "name": "legal_deadlines[0].date",
            "reason": "moet een datum zijn in de vorm JJJJ-MM-DD, zoals 2025-01-17",
            "location": "body",
        }
    ]
    assert dutch["detail"] == (
        "legal_deadlines[0].date: moet een datum zijn in de vorm JJJJ-MM-DD, zoals 2025-01-17"
    )
    for params, headers in ENGLISH:
        english = assert_problem(_send(api, "POST", "", deadline, headers, params=params), 400)
        assert english["title"] == "Bad Request"
        assert english["invalid_params"][0]["reason"] == (
            "must be a date as YYYY-MM-DD, such as 2025-01-17"
        )
        assert {k: v for k, v in english.items() if k not in ("detail", "title",
                                                              "invalid_params")} == {
            k: v for k, v in dutch.items() if k not in ("detail", "title", "invalid_params")
        }  # fmt: skip

    def reasons(body: Any, lang: str = "nl") -> dict[str, str]:
        answer = problem("", body, 400, params={"lang": lang})
        return {p["name"]: p["reason"] for p in answer["invalid_params"]}

    assert reasons({"kind": "decree", "entities": [ADV]}) == {"title": "verplicht veld ontbreekt"}
    assert reasons({"kind": "decree", "entities": [ADV]}, "en") == {
        "title": "required field is missing"
    }
    assert reasons({**CREATE, "foo": 1}) == {"foo": "onbekend veld"}
    assert reasons({**CREATE, "foo": 1}, "en") == {"foo": "unknown field"}
    assert reasons({**CREATE, "title": 5}) == {"title": "moet tekst zijn, niet een geheel getal"}
    assert reasons({**CREATE, "title": 5}, "en") == {"title": "must be text, not a whole number"}
    assert reasons({**CREATE, "title": "x" * 2001}) == {
        "title": "is te lang: ten hoogste 2000 tekens"
    }
    assert reasons({**CREATE, "title": "x" * 2001}, "en") == {
        "title": "is too long: at most 2000 characters"
    }
    assert reasons({**CREATE, "kind": "wet"}) == {
        "kind": "'wet' is geen toegestane waarde; kies uit: decree, order"
    }
    assert reasons({**CREATE, "kind": "wet"}, "en") == {
        "kind": "'wet' is not one of the allowed values: decree, order"
    }
    assert reasons({**CREATE, "advisory_bodies": ["a"] * 21}, "en") == {
        "advisory_bodies": "holds too many items: at most 20"
    }
    listed = assert_problem(api.client.get("/api/initiatives", params={"limit": 100_000}), 400)
    assert listed["invalid_params"] == [
        {"name": "limit", "reason": "valt buiten het bereik: ten hoogste 200", "location": "query"}
    ]
    english = api.client.get("/api/initiatives", params={"limit": 0, "lang": "en"})
    assert assert_problem(english, 400)["invalid_params"][0]["reason"] == (
        "is out of range: at least 1"
    )
    kinds = assert_problem(api.client.get("/api/initiatives", params={"kind": "wet"}), 400)
    assert kinds["invalid_params"][0]["reason"] == (
        "'wet' is geen toegestane waarde; kies uit: decree, order"
    )


def _both(api: Caller, method: str, path: str, body: Any, headers: dict[str, str], status: int):
    nl = assert_problem(_send(api, method, path, body, headers), status)
    en = assert_problem(_send(api, method, path, body, headers, params={"lang": "en"}), status)
    return nl, en


def test_each_status_has_its_dutch_title_and_says_what_to_do(api: Caller):
    anonymous = api.client.post("/api/initiatives", json=CREATE)
    nl = assert_problem(anonymous, 401)
    assert (nl["title"], nl["detail"]) == (
        "Niet aangemeld",
        "Wijzigen vraagt een API-token: stuur 'Authorization: Bearer <token>'.",
    )
    en = assert_problem(
        api.client.post("/api/initiatives", json=CREATE, headers={"Accept-Language": "en"}), 401
    )
    assert (en["title"], en["type"]) == ("Unauthorized", nl["type"])
    revoked = {"Authorization": "Bearer nope"}
    assert assert_problem(api.client.post("/api/initiatives", json=CREATE, headers=revoked),
                          401)["detail"] == "Dit API-token is onbekend of ingetrokken."  # fmt: skip

    nl, en = _both(api, "GET", "/nope", None, {}, 404)
    assert (nl["title"], nl["detail"]) == ("Niet gevonden", "Initiatief 'nope' niet gevonden.")
    assert (en["title"], en["detail"]) == ("Not Found", "Initiative 'nope' not found.")
    assert nl["type"] == en["type"] == "urn:wetgevingsplanner:problem:initiative-not-found"

    nl, en = _both(api, "POST", f"/{api.slug}/events", EVENT, {"If-Match": '"7"'}, 412)
    assert nl["title"] == "Verouderde versie"
    assert nl["detail"].startswith("Versie 7 is verouderd: het initiatief is aan versie 1.")
    assert en["detail"].startswith("Version 7 is stale: the initiative is at version 1.")
    assert nl["current_version"] == en["current_version"] == 1

    no_if_match = api.client.post(f"/api/initiatives/{api.slug}/events", json=EVENT,
                                  headers=api.editor)  # fmt: skip
    nl = assert_problem(no_if_match, 428)
    assert nl["title"] == "Voorwaarde vereist"
    assert "If-Match" in nl["detail"]
    assert "ETag" in nl["detail"]
    assert "verplicht" in nl["detail"]

    big = b"[" + b"1," * 200_000 + b"1]"
    nl, en = _both(api, "POST", "", big, {"Content-Type": "application/json"}, 413)
    kb = MAX_BODY_BYTES // 1024
    assert (nl["title"], nl["detail"]) == (
        "Aanvraag te groot",
        f"De aanvraag is groter dan de limiet van {MAX_BODY_BYTES} bytes ({kb} KB).",
    )
    assert en["detail"] == (
        f"The request is larger than the limit of {MAX_BODY_BYTES} bytes ({kb} KB)."
    )

    nl, en = _both(api, "DELETE", "", None, {}, 405)
    assert nl["title"] == "Methode niet toegestaan"
    assert "DELETE" in nl["detail"]
    assert "POST" in nl["detail"]


def test_a_reused_idempotency_key_says_it_was_used_for_another_request(api: Caller):
    key = {"Idempotency-Key": "een-keer"}
    first = _send(api, "POST", "", {**CREATE, "title": "Decreet over de sleutel"}, key)
    assert first.status_code == 201, first.text
    nl, en = _both(api, "POST", "", {**CREATE, "title": "Decreet over een ander slot"}, key, 422)
    assert nl["title"] == "Onbruikbare inhoud"
    assert nl["detail"] == (
        "Deze Idempotency-Key werd al gebruikt voor een andere aanvraag; "
        "kies een nieuwe sleutel voor deze."
    )
    assert en["detail"] == (
        "This Idempotency-Key was used for another request; use a new key for this one."
    )


def test_a_403_says_why_with_the_entities_of_the_token_and_the_initiative(api: Caller):
    event = {**api.editor, "If-Match": '"1"'}
    theirs = f"/api/initiatives/{api.theirs}/events"
    nl = assert_problem(api.client.post(theirs, json=EVENT, headers=event), 403)
    assert nl["title"] == "Geen toegang"
    assert nl["type"] == "urn:wetgevingsplanner:problem:forbidden"
    assert nl["detail"] == (
        "Het token 'Team Digitaal Vlaanderen' (editor) schrijft voor "
        f"agentschap-digitaal-vlaanderen; '{api.theirs}' hoort bij {OMG}."
    )
    en = assert_problem(api.client.post(theirs, json=EVENT, headers=event,
                                        params={"lang": "en"}), 403)  # fmt: skip
    assert en["detail"] == (
        "The token 'Team Digitaal Vlaanderen' (editor) writes for "
        f"agentschap-digitaal-vlaanderen; '{api.theirs}' belongs to {OMG}."
    )
    read_only = {**api.viewer, "If-Match": '"1"'}
    viewer = api.client.post(f"/api/initiatives/{api.slug}/events", json=EVENT, headers=read_only)
    assert assert_problem(viewer, 403)["detail"] == (
        "Het token 'Lezer' heeft de rol viewer: het mag lezen, niet wijzigen."
    )
    elsewhere = api.client.post(
        "/api/initiatives", json={**CREATE, "entities": [OMG]}, headers=api.editor
    )
    assert OMG in assert_problem(elsewhere, 403)["detail"]
    rebase = {"reason": "later", "text": "mei 2026", "rebaseline": True}
    nl, en = _both(api, "PUT", f"/{api.slug}/plan/drafting", rebase, {}, 403)
    assert "coördinator" in nl["detail"]
    assert "editor" in nl["detail"]
    assert en["detail"] == (
        "Only coordinators re-baseline; the token 'Team Digitaal Vlaanderen' has the role editor."
    )


def test_the_rate_limit_is_said_in_dutch(db: Database, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRACKER_WRITE_RATE", "1/minute")
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        client.post("/api/initiatives", json=CREATE)
        nl = assert_problem(client.post("/api/initiatives", json=CREATE), 429)
        en = assert_problem(client.post("/api/initiatives?lang=en", json=CREATE), 429)
    assert nl["title"] == "Te veel aanvragen"
    assert nl["detail"].startswith("Te veel aanvragen; probeer opnieuw over ")
    assert (en["title"], en["detail"][:28]) == ("Too Many Requests", "Too many requests; retry in ")


@get("/415")
async def _unsupported() -> None:
    raise HTTPException(status_code=415, detail="Unsupported Media Type")


@get("/400")
async def _undecodable() -> None:
    raise ClientException("something msgspec says about bytes")


def test_415_asks_for_json_and_an_unknown_400_is_no_library_text():
    app = Litestar([_unsupported, _undecodable], exception_handlers=EXCEPTION_HANDLERS)
    with TestClient(app) as client:
        nl = assert_problem(client.get("/415"), 415)
        en = assert_problem(client.get("/415", params={"lang": "en"}), 415)
        bad = assert_problem(client.get("/400"), 400)
    assert nl["title"] == "Niet-ondersteund formaat"
    assert "JSON" in nl["detail"]
    assert "application/json" in nl["detail"]
    assert "application/json" in en["detail"]
    assert bad["invalid_params"] == [
        {"name": "body", "reason": "heeft een waarde die hier niet kan", "location": "body"}
    ]


@pytest.mark.parametrize(
    "message",
    [
        "Expected `frobnicate`, got `wibble`",
        "Some future msgspec wording we have never seen",
        "Expected `str` matching regex '^[a-z]{3}$'",
        "",
    ],
)
def test_an_unrecognised_message_gets_a_plain_reason(message: str):
    for lang in ("nl", "en"):
        said = reason(message, lang)
        assert said
        assert not [w for w in LIBRARY_WORDS if w in said], said
        assert "frobnicate" not in said
        assert "regex" not in said
