"""Issue 28: one editor's typo never takes the site down. Dates outside the accepted range are
refused wherever they enter (and nothing is stored), a bad row already stored degrades one
initiative only, bodies are checked before they are decoded, every answer has its headers,
spreadsheets and Markdown get text and never code, the sign-in checks its origin, co-owners
keep their initiative, creating tells nothing of what one may not read, HEAD works wherever
GET does, and the OpenAPI document is as strict as the API. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import markdown_it
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy import text

from api.app import create_app
from tests.conftest import NOW, ON_THE_SEED_DAY, token_for
from tests.consistency import dump
from tests.problems import assert_problem
from tracker.app.cli import main
from tracker.domain.access import Principal, Role
from tracker.domain.bounds import EARLIEST, LATEST
from tracker.services import steps
from tracker.store import migrate, repository
from tracker.store.db import make_engine
from tracker.store.uow import Database

# Steps and re-plans are judged against today: the seed day.
pytestmark = ON_THE_SEED_DAY

KLIP = "decreet-klip-gipod-verordening"  # Vlaams Datanutsbedrijf, Digitaal Vlaanderen, ...
ADV = "agentschap-digitaal-vlaanderen"
DATANUTS = "vlaams-datanutsbedrijf"
HTML = "text/html"
EXTREME_DAYS = [
    date.min, date(1, 12, 31), date(1900, 1, 1), EARLIEST - timedelta(days=1),
    LATEST + timedelta(days=1), date(9998, 12, 31), date(9999, 11, 30), date.max,
]  # fmt: skip
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.fixture
def client(seeded: Database) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(seeded), raise_server_exceptions=False) as client:
        client.follow_redirects = False
        yield client


@pytest.fixture
def coordinator(seeded: Database) -> dict[str, str]:
    return token_for(seeded, "Coördinatie", "coordinator")


@pytest.fixture
def editor(seeded: Database) -> dict[str, str]:
    return token_for(seeded, "Team Digitaal Vlaanderen", "editor", (ADV,))


def _version(client: TestClient[Any], slug: str, headers: dict[str, str]) -> str:
    response = client.get(f"/api/initiatives/{slug}", headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def _write(
    client: TestClient[Any], method: str, path: str, body: Any, headers: dict[str, str]
) -> Any:
    slug = path.split("/")[0]
    if_match = {"If-Match": _version(client, slug, headers)}
    return client.request(
        method, f"/api/initiatives/{path}", json=body, headers={**headers, **if_match}
    )


def _public_answers(client: TestClient[Any]) -> dict[str, int]:
    """Every public page, list, report and feed: the status of each."""
    slugs = [i["slug"] for i in client.get("/api/initiatives?limit=200").json()["items"]]
    entities = [e["slug"] for e in client.get("/api/entities").json()]
    reports = [f"/api/reports/weekly?format={f}" for f in ("json", "html", "md", "csv")]
    paths = ["/", "/?lang=en", "/reports/weekly", "/api/initiatives", *reports,
             "/calendars/programme.ics", "/api/calendars"]  # fmt: skip
    paths += [f"/initiatives/{slug}" for slug in slugs]
    paths += [f"/api/initiatives/{slug}" for slug in slugs]
    paths += [f"/calendars/initiatives/{slug}.ics" for slug in slugs]
    paths += [f"/entities/{entity}" for entity in entities]
    paths += [f"/calendars/entities/{entity}.ics" for entity in entities]
    return {path: client.get(path).status_code for path in paths}


def _all_public_answers_are_200(client: TestClient[Any]) -> None:
    answers = _public_answers(client)
    assert {path: status for path, status in answers.items() if status != 200} == {}


# -- 1, 2, 3: dates outside the range are refused where they enter --------------------------
@pytest.mark.parametrize(
    ("body", "field"),
    [({"text": "december 9999"}, "text"), ({"latest": "9999-12-31"}, "latest"),
     ({"latest": "9999-11-30"}, "latest"), ({"text": "najaar 9999"}, "text"),
     ({"earliest": "0001-01-01", "latest": "2026-12-31"}, "earliest"),
     ({"latest": "0001-06-30"}, "latest"), ({"text": "winter 2100"}, "text")],
)  # fmt: skip
def test_a_replan_outside_the_range_is_422_and_the_site_keeps_answering(
    client, seeded, editor, body, field
):
    before = dump(seeded)
    refused = _write(client, "PUT", f"{KLIP}/plan/publication", {"reason": "typo", **body}, editor)
    problem = assert_problem(refused, 422)
    assert problem["invalid_params"][0]["name"] == field
    assert "ligt buiten de datums die deze tracker aanvaardt" in problem["detail"]
    assert "1 januari 1990 tot en met 31 december 2100" in problem["detail"]
    assert dump(seeded) == before
    english = client.put(
        f"/api/initiatives/{KLIP}/plan/publication?lang=en",
        json={"reason": "typo", **body},
        headers={**editor, "If-Match": _version(client, KLIP, editor)},
    )
    assert "lies outside the dates this tracker accepts" in assert_problem(english, 422)["detail"]
    _all_public_answers_are_200(client)


@pytest.mark.parametrize("stage", ["first_approval", "council_of_state", "parliament"])
@pytest.mark.parametrize("when", ["9998-12-31", "9999-12-31"])
def test_replans_of_other_stages_into_9998_and_9999_are_422(client, seeded, editor, stage, when):
    before = dump(seeded)
    refused = _write(client, "PUT", f"{KLIP}/plan/{stage}", {"reason": "x", "latest": when}, editor)
    assert assert_problem(refused, 422)["invalid_params"][0]["name"] == "latest"
    assert dump(seeded) == before


def test_plan_windows_of_a_new_initiative_name_their_field(client, seeded, coordinator):
    before = dump(seeded)
    body = {
        "title": "Voorontwerp van decreet over de verre toekomst",
        "kind": "decree",
        "entities": ["Agentschap Digitaal Vlaanderen"],
        "plan": {"final_approval": {"text": "najaar 9999"}},
    }
    refused = client.post("/api/initiatives", json=body, headers=coordinator)
    assert assert_problem(refused, 422)["invalid_params"][0]["name"] == ("plan.final_approval.text")
    body["plan"] = {"publication": {"latest": "2101-01-01"}}
    refused = client.post("/api/initiatives", json=body, headers=coordinator)
    assert assert_problem(refused, 422)["invalid_params"][0]["name"] == "plan.publication.latest"
    assert dump(seeded) == before


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01", "0001-01-01"])
def test_legal_deadlines_and_entry_into_force_outside_the_range_are_422(
    client, seeded, coordinator, day
):
    before = dump(seeded)
    deadline = {"legal_deadlines": [{"date": day, "text": "omzetting"}]}
    refused = _write(client, "PATCH", KLIP, deadline, coordinator)
    assert assert_problem(refused, 422)["invalid_params"][0]["name"] == "legal_deadlines[0].date"
    refused = _write(client, "PATCH", KLIP, {"entry_into_force": day}, coordinator)
    assert assert_problem(refused, 422)["invalid_params"][0]["name"] == "entry_into_force"
    new = {"title": "Voorontwerp van decreet met een verre termijn", "kind": "decree",
           "entities": ["Agentschap Digitaal Vlaanderen"], **deadline}  # fmt: skip
    refused = client.post("/api/initiatives", json=new, headers=coordinator)
    assert assert_problem(refused, 422)["invalid_params"][0]["name"] == "legal_deadlines[0].date"
    assert dump(seeded) == before
    _all_public_answers_are_200(client)


def test_the_edges_of_the_range_are_accepted_and_every_page_still_answers(
    client, seeded, coordinator
):
    done = _write(client, "PATCH", KLIP, {"legal_deadlines": [
        {"date": LATEST.isoformat(), "text": "laatste dag"},
        {"date": EARLIEST.isoformat(), "text": "eerste dag"}]}, coordinator)  # fmt: skip
    assert done.status_code == 200, done.text
    plan = {"reason": "ver", "latest": LATEST.isoformat()}
    assert _write(client, "PUT", f"{KLIP}/plan/publication", plan, coordinator).status_code == 200
    _all_public_answers_are_200(client)


@pytest.mark.parametrize("event", ["complete_drafting", "hold"])
@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "1989-12-31"])
def test_steps_dated_in_antiquity_are_refused(client, seeded, coordinator, event, day):
    created = client.post(
        "/api/initiatives",
        json={"title": "Voorontwerp van decreet van vandaag", "kind": "decree",
              "entities": ["Agentschap Digitaal Vlaanderen"]},
        headers=coordinator,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    before = dump(seeded)
    step = {"event": event, "occurred_on": day, "note": "opgeschort", "reference": "VR 2026"}
    refused = _write(client, "POST", f"{slug}/events", step, coordinator)
    problem = assert_problem(refused, 422)
    assert problem["invalid_params"][0]["name"] == "occurred_on"
    assert problem["detail"].startswith(f"occurred_on: {day} ligt buiten")
    assert dump(seeded) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [("week=9999-W52", "week"), ("week=0001-W01", "week"), ("as_of=9999-12-31", "as_of"),
     ("as_of=0001-01-01T00:00:00%2B14:00", "as_of"), ("as_of=9999-12-31T23:59:59-12:00", "as_of"),
     ("as_of=1989-12-31", "as_of")],
)  # fmt: skip
def test_report_weeks_and_moments_outside_the_range_are_400_without_a_token(client, query, field):
    problem = assert_problem(client.get(f"/api/reports/weekly?{query}"), 400)
    assert problem["invalid_params"][0]["name"] == field
    assert "ligt buiten de datums" in problem["detail"]
    english = client.get(f"/api/reports/weekly?{query}&lang=en")
    assert "lies outside the dates" in assert_problem(english, 400)["detail"]


def test_the_report_page_refuses_a_week_outside_the_range(client):
    page = client.get("/reports/weekly?week=9999-W52")
    assert page.status_code == 400
    assert "ligt buiten de datums" in page.text


def _signed_in_form_key(client: TestClient[Any], seeded: Database) -> str:
    """Signs an editor of the KLIP decree in; the form key of its page."""
    token = token_for(seeded, "legal", "editor", (DATANUTS,))["Authorization"].split()[1]
    assert client.post("/signin", data={"token": token, "next": "/"}).status_code == 303
    html = client.get(f"/initiatives/{KLIP}").text
    return html.split('name="form_key" value="', 1)[1].split('"', 1)[0]


def test_the_form_refuses_a_step_in_antiquity(client, seeded):
    key = _signed_in_form_key(client, seeded)
    before = dump(seeded)
    page = client.post(
        f"/initiatives/{KLIP}/events",
        data={"event": "complete_drafting", "occurred_on": "1900-01-01", "reference": "",
              "note": "", "version": "1", "form_key": key},
    )  # fmt: skip
    assert page.status_code == 422
    assert "occurred_on: 1900-01-01 ligt buiten de datums" in page.text
    assert dump(seeded) == before


def test_the_command_line_refuses_weeks_and_moments_outside_the_range(
    tmp_path, monkeypatch, capsys
):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    database = Database(make_engine(url))
    migrate.upgrade(database.engine)
    database.dispose()
    for argv in (["--week", "9999-W52"], ["--as-of", "0001-01-01T00:00:00+14:00"]):
        assert main(["report", "weekly", *argv]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "lies outside the dates this tracker accepts (1990-01-01 to 2100-12-31)" in err
    with pytest.raises(SystemExit) as refused:  # argparse's own refusal: usage and one line
        main(["forecast", "refresh", "--today", "9999-12-31"])
    assert refused.value.code == 2
    assert "9999-12-31 lies outside the dates" in capsys.readouterr().err


# -- the read paths: a bad row stored before the check degrades one initiative ---------------
class _Kept(logging.Handler):
    """The records of one logger (Litestar's logging set-up replaces the root's handlers, and
    with them pytest's caplog)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_bad_stored_row_degrades_one_initiative_and_is_logged_once(seeded, monkeypatch):
    monkeypatch.setattr(repository, "_REPORTED", set())
    repository._shared_window.cache_clear()  # windows read before are kept as read
    kept = _Kept()
    logging.getLogger("tracker.store").addHandler(kept)
    with seeded.engine.begin() as connection:
        (klip_id,) = connection.execute(
            text("SELECT id FROM initiative WHERE slug = :slug"), {"slug": KLIP}
        ).one()
        connection.execute(
            text("UPDATE milestone SET forecast_latest = :day, plan_latest = :day, "
                 "baseline_latest = :day WHERE initiative_id = :id AND stage = 'publication'"),
            {"day": date(9999, 12, 31), "id": klip_id},
        )  # fmt: skip
        connection.execute(
            text("UPDATE legal_deadline SET due_on = :day WHERE initiative_id = :id"),
            {"day": date(9999, 12, 31), "id": klip_id},
        )
        connection.execute(
            text("UPDATE initiative SET entry_into_force = :day WHERE id = :id"),
            {"day": date(9999, 12, 31), "id": klip_id},
        )
    try:
        with TestClient(create_app(seeded), raise_server_exceptions=False) as client:
            _all_public_answers_are_200(client)
            _all_public_answers_are_200(client)
            detail = client.get(f"/api/initiatives/{KLIP}").json()
    finally:
        logging.getLogger("tracker.store").removeHandler(kept)
    publication = next(s for s in detail["stages"] if s["stage"] == "publication")
    assert publication["forecast"]["latest"] is None  # shown as unread text, not as 9999
    assert detail["entry_into_force"] is None or detail["entry_into_force"] < "2101"
    warnings = kept.messages
    assert any(w.startswith("stored window ") for w in warnings), warnings
    assert any(w.startswith("stored deadline 9999-12-31") for w in warnings), warnings
    assert any(w.startswith(f"stored entry into force of {KLIP}") for w in warnings), warnings
    assert len(warnings) == len(set(warnings))  # each once, however often it is read
    assert all("lies outside 1990-01-01..2100-12-31" in w for w in warnings)


@ON_THE_SEED_DAY
@pytest.mark.parametrize("day", [date(1, 1, 1), date(1900, 1, 1)])
def test_a_step_stored_in_antiquity_before_the_check_breaks_no_page(seeded, monkeypatch, day):
    """A step dated in the year 1 was stored before dates were checked where they enter: the
    pages, reports and feeds that replay the log still answer."""
    with monkeypatch.context() as before_the_check:
        before_the_check.setattr(steps, "within", lambda _day: True)
        with seeded.uow() as uow:
            steps.record_event(
                uow, KLIP, event="complete_drafting", occurred_on=day, reference=None,
                note="typo", principal=Principal("legal", Role.COORDINATOR), expected_version=1,
                now=NOW,
            )  # fmt: skip
            uow.commit()
    with TestClient(create_app(seeded), raise_server_exceptions=False) as client:
        _all_public_answers_are_200(client)
        history = client.get(f"/api/initiatives/{KLIP}/history").json()["entries"]
        assert history[-1]["occurred_on"] == day.isoformat()  # the log is shown as it is
        for fmt in ("json", "html", "csv", "md"):
            report = client.get("/api/reports/weekly", params={"week": "2026-W48", "format": fmt})
            assert report.status_code == 200, (fmt, report.text)


# -- property: extreme and boundary dates at every entry point --------------------------------
DAYS = st.one_of(st.sampled_from([*EXTREME_DAYS, EARLIEST, LATEST]), st.dates())
YEARS = st.one_of(st.sampled_from([1, 1989, 1990, 2100, 2101, 9998, 9999]), st.integers(1, 9999))
PHRASES = st.sampled_from([
    "december {y}", "najaar {y}", "winter {y}", "eind {y}", "Q4 {y}", "uiterlijk juni {y}", "{y}",
    "15 maart {y}", "tussen mei en juli {y}",
])  # fmt: skip
STAGES = st.sampled_from(["drafting", "first_approval", "council_of_state", "final_approval",
                          "parliament", "ratification", "publication"])  # fmt: skip
WEEKS = st.builds(lambda y, w: f"{y:04d}-W{w:02d}", YEARS, st.integers(1, 53))
EXAMPLES = settings(
    max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


def _requests(coordinator: dict[str, str]) -> st.SearchStrategy[tuple[str, str, Any]]:
    replan_text = st.builds(
        lambda stage, phrase, y: ("PUT", f"{KLIP}/plan/{stage}",
                                  {"reason": "p", "text": phrase.format(y=y)}),
        STAGES, PHRASES, YEARS,
    )  # fmt: skip
    replan_days = st.builds(
        lambda stage, day: ("PUT", f"{KLIP}/plan/{stage}", {"reason": "p", "latest": str(day)}),
        STAGES, DAYS,
    )  # fmt: skip
    step = st.builds(
        lambda event, day: ("POST", f"{KLIP}/events",
                            {"event": event, "occurred_on": str(day), "note": "n"}),
        st.sampled_from(["complete_drafting", "hold", "resume"]), DAYS,
    )  # fmt: skip
    deadline = st.builds(
        lambda day: ("PATCH", KLIP, {"legal_deadlines": [{"date": str(day), "text": "t"}]}), DAYS
    )
    in_force = st.builds(lambda day: ("PATCH", KLIP, {"entry_into_force": str(day)}), DAYS)
    create = st.builds(
        lambda day, n: ("POST", "", {
            "title": f"Voorontwerp van decreet nummer {n}", "kind": "decree",
            "entities": ["Agentschap Digitaal Vlaanderen"],
            "legal_deadlines": [{"date": str(day), "text": "t"}],
            "plan": {"publication": {"latest": str(day)}}}),
        DAYS, st.integers(0, 10**9),
    )  # fmt: skip
    return st.one_of(replan_text, replan_days, step, deadline, in_force, create)


def test_extreme_dates_at_every_entry_point_never_give_5xx_nor_store_a_refusal(
    client, seeded, coordinator
):
    @EXAMPLES
    @given(request=_requests(coordinator))
    def sent(request: tuple[str, str, Any]) -> None:
        method, path, body = request
        before = dump(seeded)
        headers = dict(coordinator)
        if method != "POST" or path:
            headers["If-Match"] = _version(client, KLIP, coordinator)
        url = f"/api/initiatives/{path}" if path else "/api/initiatives"
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert dump(seeded) == before
        else:
            assert response.status_code in (200, 201)

    sent()
    _all_public_answers_are_200(client)


def test_extreme_weeks_and_moments_in_reports_and_pages_never_give_5xx(client):
    @EXAMPLES
    @given(week=WEEKS, day=DAYS, offset=st.integers(-12, 14))
    def asked(week: str, day: date, offset: int) -> None:
        moment = f"{day.isoformat()}T00:00:00{offset:+03d}:00".replace("+", "%2B")
        for path in (f"/api/reports/weekly?week={week}", f"/api/reports/weekly?as_of={day}",
                     f"/api/reports/weekly?as_of={moment}", f"/reports/weekly?week={week}",
                     f"/initiatives/{KLIP}?recorded=hold&warn=not_a_friday&on={day}"):  # fmt: skip
            answer = client.get(path)
            assert answer.status_code < 500, (path, answer.text)

    asked()


def test_extreme_dates_in_the_form_never_give_5xx_nor_store_a_refusal(client, seeded):
    token = token_for(seeded, "legal", "editor", (DATANUTS,))["Authorization"].split()[1]
    assert client.post("/signin", data={"token": token, "next": "/"}).status_code == 303

    @EXAMPLES
    @given(day=DAYS, event=st.sampled_from(["complete_drafting", "hold"]))
    def posted(day: date, event: str) -> None:
        html = client.get(f"/initiatives/{KLIP}").text
        key = html.split('name="form_key" value="', 1)[1].split('"', 1)[0]
        version = _version(client, KLIP, {}).strip('"')
        before = dump(seeded)
        page = client.post(
            f"/initiatives/{KLIP}/events",
            data={"event": event, "occurred_on": day.isoformat(), "reference": "", "note": "n",
                  "version": version, "form_key": key},
        )  # fmt: skip
        assert page.status_code < 500, page.text
        if page.status_code != 303:
            assert dump(seeded) == before

    posted()
    _all_public_answers_are_200(client)


# -- 4: JSON bodies are checked before they are decoded ---------------------------------------
NESTED = b"[" * 1000 + b"]" * 1000


@pytest.mark.parametrize("body", [NESTED, b'{"title": ' + NESTED + b"}"])
def test_a_deeply_nested_body_is_401_without_a_token_and_400_with_one(client, coordinator, body):
    json = {"Content-Type": "application/json"}
    problem = assert_problem(client.post("/api/initiatives", content=body, headers=json), 401)
    assert problem["detail"] == (
        "Wijzigen vraagt een API-token: stuur 'Authorization: Bearer <token>'."
    )
    for method, path in (("POST", "/api/initiatives"), ("PATCH", f"/api/initiatives/{KLIP}"),
                         ("POST", f"/api/initiatives/{KLIP}/events"),
                         ("PUT", f"/api/initiatives/{KLIP}/plan/publication")):  # fmt: skip
        answer = client.request(method, path, content=body, headers={**json, **coordinator})
        problem = assert_problem(answer, 400)
        assert problem["invalid_params"] == [
            {
                "name": "body",
                "reason": "is te diep genest: ten hoogste 32 niveaus",
                "location": "body",
            }
        ]


def test_a_body_over_the_limit_is_413_before_it_is_read_as_json(client, coordinator):
    big = b"[" + b"1," * 200_000 + b"1]"
    answer = client.post(
        "/api/initiatives", content=big, headers={"Content-Type": "application/json", **coordinator}
    )
    assert answer.status_code == 413


# -- 5, 6: odd paths and the headers of every answer ------------------------------------------
@pytest.mark.parametrize("path", ["/static/%00", "/static/a%00b.css", "/static/%00/x"])
def test_a_nul_in_a_static_path_is_404(client, path):
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"Accept": HTML}).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "accept", "status"),
    [("GET", "/nope", "application/json", 404), ("GET", "/nope", HTML, 404),
     ("GET", "/api/nope", "application/json", 404), ("DELETE", "/api/initiatives", "*/*", 405),
     ("PUT", "/", HTML, 405), ("GET", "/static/%00", HTML, 404), ("GET", "/", HTML, 200),
     ("GET", "/api/initiatives", "application/json", 200)],
)  # fmt: skip
def test_every_answer_has_the_security_headers(client, method, path, accept, status):
    answer = client.request(method, path, headers={"Accept": accept})
    assert answer.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, name
    assert "camera=()" in answer.headers["permissions-policy"]
    if answer.headers["content-type"].startswith(HTML):
        assert "default-src 'self'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("broken", ["api.pages.programme", "api.limits._counted"])
def test_an_error_of_the_server_has_the_security_headers(client, monkeypatch, broken):
    """In a page's code, and before any handler (a middleware): 500 with every header."""

    def fails(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(broken, fails)
    answer = client.get("/", headers={"Accept": HTML})
    assert answer.status_code == 500
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, name


def test_signed_in_pages_are_private_and_never_stored(client, seeded):
    assert "no-store" not in client.get("/").headers.get("cache-control", "")
    token = token_for(seeded, "legal", "editor", (DATANUTS,))["Authorization"].split()[1]
    assert client.post("/signin", data={"token": token, "next": "/"}).status_code == 303
    for path in ("/", f"/initiatives/{KLIP}", "/reports/weekly", "/nope"):
        answer = client.get(path, headers={"Accept": HTML})
        assert answer.headers["cache-control"] == "private, no-store", path


# -- 7: spreadsheets and Markdown get text ----------------------------------------------------
@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("http://evil.example";"klik")', "+cmd|' /C calc'!A0", "-2+3+cmd|x",
     "@SUM(1+1)*cmd|x"],
)  # fmt: skip
def test_a_formula_in_a_title_reaches_the_csv_as_text(client, coordinator, title):
    short = "<script>alert(1)</script>[k](javascript:alert(1))<img src=x>"  # 60 at most
    changed = _write(client, "PATCH", KLIP, {"title": title, "short_title": short}, coordinator)
    assert changed.status_code == 200, changed.text
    report = client.get("/api/reports/weekly?format=csv")
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.text)))
    titles = {row[1] for row in rows[1:] if row[0] == KLIP}
    assert titles == {"'" + title}
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or cell.lstrip("-").isdigit(), cell


def test_the_markdown_report_escapes_html_and_refuses_javascript_links(client, coordinator):
    title = "<script>alert(1)</script> [klik](javascript:alert(1)) <img src=x onerror=alert(1)>"
    short = "<script>alert(1)</script>[k](javascript:alert(1))<img src=x>"  # 60 at most
    changed = _write(client, "PATCH", KLIP, {"title": title, "short_title": short}, coordinator)
    assert changed.status_code == 200, changed.text
    report = client.get("/api/reports/weekly?format=md")
    assert report.status_code == 200
    assert "<script>" not in report.text
    assert "<img" not in report.text
    html = markdown_it.MarkdownIt("commonmark").render(report.text)
    assert "<script" not in html
    assert "<img" not in html
    assert "<a " not in html  # no link at all, javascript: or other
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- 8: the sign-in and the forms check where they come from ----------------------------------
OWN = "http://testserver.local"


@pytest.mark.parametrize(
    ("headers", "signed_in"),
    [({"Origin": "https://evil.example"}, False), ({"Origin": "null"}, False),
     ({"Referer": "https://evil.example/login.html"}, False),
     ({"Sec-Fetch-Site": "cross-site", "Origin": OWN}, False),
     ({"Sec-Fetch-Site": "same-site", "Origin": OWN}, False),
     ({"Origin": OWN, "Referer": f"{OWN}/signin"}, True),
     # What Chromium sends from the sign-in page itself under "Referrer-Policy: no-referrer".
     ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, True)],
)  # fmt: skip
def test_sign_in_is_taken_from_this_site_only(client, seeded, headers, signed_in):
    token = token_for(seeded, "legal", "editor", (DATANUTS,))["Authorization"].split()[1]
    answer = client.post("/signin", data={"token": token, "next": "/"}, headers=headers)
    if signed_in:
        assert answer.status_code == 303
        assert answer.headers["set-cookie"].startswith("wgp_token=")
    else:
        assert answer.status_code == 403
        assert "set-cookie" not in answer.headers
        assert "Het formulier is verlopen of ongeldig" in answer.text


def test_the_step_form_from_another_site_is_refused_even_with_its_key(client, seeded):
    key = _signed_in_form_key(client, seeded)
    before = dump(seeded)
    day = (date(2026, 11, 20)).isoformat()
    form = {"event": "complete_drafting", "occurred_on": day, "reference": "", "note": "",
            "version": "1", "form_key": key}  # fmt: skip
    answer = client.post(
        f"/initiatives/{KLIP}/events", data=form, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403
    assert dump(seeded) == before


# -- 9: co-owners of a private initiative -----------------------------------------------------
@pytest.fixture
def private_klip(client, coordinator) -> None:
    assert _write(client, "PATCH", KLIP, {"is_public": False}, coordinator).status_code == 200


def test_an_editor_of_one_owner_cannot_remove_another_nor_publish(
    client, seeded, editor, coordinator, private_klip
):
    datanuts = token_for(seeded, "Team Datanuts", "editor", (DATANUTS,))
    entities = [e["name"] for e in client.get(f"/api/initiatives/{KLIP}", headers=editor).json()[
        "entities"] if e["slug"] != DATANUTS]  # fmt: skip
    before = dump(seeded)
    assert_problem(_write(client, "PATCH", KLIP, {"entities": entities}, editor), 403)
    assert_problem(_write(client, "PATCH", KLIP, {"is_public": True}, editor), 403)
    invented = {"entities": [*entities, "Vlaams Datanutsbedrijf", "Verzonnen Dienst"]}
    problem = assert_problem(_write(client, "PATCH", KLIP, invented, editor), 422)
    assert problem["invalid_params"][0]["name"] == "entities"
    assert dump(seeded) == before
    assert client.get(f"/api/initiatives/{KLIP}", headers=datanuts).status_code == 200
    # A coordinator may do all three.
    assert _write(client, "PATCH", KLIP, invented, coordinator).status_code == 200
    assert _write(client, "PATCH", KLIP, {"entities": entities}, coordinator).status_code == 200
    assert _write(client, "PATCH", KLIP, {"is_public": True}, coordinator).status_code == 200


def test_an_editor_of_every_owner_may_remove_one_and_publish(client, seeded, coordinator):
    sole = {"title": "Voorontwerp van decreet van twee diensten", "kind": "decree",
            "entities": ["Agentschap Digitaal Vlaanderen", "Vlaams Datanutsbedrijf"],
            "is_public": False}  # fmt: skip
    created = client.post("/api/initiatives", json=sole, headers=coordinator)
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    both = token_for(seeded, "Team beide", "editor", (ADV, DATANUTS))
    removed = {"entities": ["Agentschap Digitaal Vlaanderen"]}
    assert _write(client, "PATCH", slug, removed, both).status_code == 200
    assert _write(client, "PATCH", slug, {"is_public": True}, both).status_code == 200


# -- 10: creating tells nothing of what the caller may not read -------------------------------
SECRET = "Voorontwerp van decreet over het geheime register"


def test_a_private_title_and_slug_of_another_entity_are_no_oracle(client, seeded, editor):
    datanuts = token_for(seeded, "Team Datanuts", "editor", (DATANUTS,))
    private = {"title": SECRET, "kind": "decree", "entities": ["Vlaams Datanutsbedrijf"],
               "is_public": False}  # fmt: skip
    hidden = client.post("/api/initiatives", json=private, headers=datanuts)
    assert hidden.status_code == 201, hidden.text
    hidden_slug = hidden.json()["slug"]
    assert hidden_slug.startswith("decreet-geheime-register-")  # a random part: no plain slug
    mine = {"title": SECRET, "kind": "decree", "entities": ["Agentschap Digitaal Vlaanderen"]}
    same = client.post("/api/initiatives", json=mine, headers=editor)
    assert same.status_code == 201, same.text  # not "exists already"
    assert same.json()["slug"] == "decreet-geheime-register"  # not "-2"
    near = client.post("/api/initiatives", json={**mine, "title": SECRET + "s"}, headers=editor)
    assert near.json()["slug"] == "decreet-geheime-registers"
    # What the caller reads still counts: its own title again is refused.
    again = assert_problem(client.post("/api/initiatives", json=mine, headers=editor), 422)
    assert again["invalid_params"][0]["name"] == "title"
    # And the owner of the private one is told of the public one, which it reads.
    renamed = _write(client, "PATCH", hidden_slug, {"title": SECRET + "s"}, datanuts)
    assert_problem(renamed, 422)


# -- 11: HEAD wherever GET works --------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    ["/", "/signin", "/reports/weekly", f"/initiatives/{KLIP}", "/api/initiatives",
     f"/api/initiatives/{KLIP}", f"/api/initiatives/{KLIP}/history", "/api/reports/weekly",
     "/api/reports/weekly?format=csv", "/calendars/programme.ics", "/api/entities", "/health",
     "/schema/openapi.json", "/static/site.css", "/nope"],
)  # fmt: skip
def test_head_answers_as_get_without_content(client, path):
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers.get("x-content-type-options") == "nosniff"


@pytest.mark.parametrize("path", ["/", "/api/initiatives", "/calendars/programme.ics"])
def test_the_servers_scope_of_a_head_still_says_head(client, path):
    """granian writes its access line from the scope it handed the app, once the app has
    answered: the app answers a HEAD as a GET on a copy, so that the line says HEAD."""
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "HEAD",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(client.app(scope, receive, send))
    assert scope["method"] == "HEAD"
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b""


def test_options_of_the_sign_in_names_get_and_post(client):
    answer = client.options("/signin")
    assert answer.status_code == 204
    assert {m.strip() for m in answer.headers["allow"].split(",")} >= {"GET", "POST"}


# -- 12: the OpenAPI document is as strict as the API -----------------------------------------
def test_the_document_names_the_terms_the_stages_and_what_a_replan_needs(client):
    doc = client.get("/schema/openapi.json").json()
    schemas = doc["components"]["schemas"]
    create = next(v for k, v in schemas.items() if k.endswith("InitiativeCreate"))
    patch = next(v for k, v in schemas.items() if k.endswith("InitiativePatch"))
    replan = next(v for k, v in schemas.items() if k.endswith("PlanUpdate"))
    terms = ["days_30", "days_60", "urgent"]
    assert create["properties"]["council_of_state_term"]["enum"] == terms
    assert patch["properties"]["council_of_state_term"]["enum"] == [*terms, None]
    assert replan["anyOf"] == [{"required": ["text"]}, {"required": ["latest"]}]
    operation = doc["paths"]["/api/initiatives/{slug}/plan/{stage}"]["put"]
    stage = next(p for p in operation["parameters"] if p["name"] == "stage")
    assert "publication" in stage["schema"]["enum"]
    assert "signature" not in stage["schema"]["enum"]


def test_an_unknown_stage_is_404_before_if_match_is_looked_at(client, coordinator):
    body = {"reason": "x", "latest": "2026-12-31"}
    without = client.put(f"/api/initiatives/{KLIP}/plan/signature", json=body, headers=coordinator)
    assert assert_problem(without, 404)["type"].endswith("stage-not-found")
    stale = {**coordinator, "If-Match": '"999"'}
    answer = client.put(f"/api/initiatives/{KLIP}/plan/signature", json=body, headers=stale)
    assert_problem(answer, 404)
