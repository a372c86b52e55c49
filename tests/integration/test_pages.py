"""The web pages over a seeded database, on SQLite and PostgreSQL: what they show, the friendly
error pages, signing in, and the record form with the API's rules and refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.session import COOKIE
from tests.conftest import NOW, ON_THE_SEED_DAY, token_for
from tracker.domain.clock import today
from tracker.store.uow import Database

# What the pages say of the seed (slipped, at risk, this week) is what they say on the seed day.
pytestmark = ON_THE_SEED_DAY

KLIP = "decreet-klip-gipod-verordening"
HTML = "text/html"


@pytest.fixture
def client(seeded: Database) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(seeded)) as client:
        client.follow_redirects = False  # see each 303 itself
        yield client


def _token(header: dict[str, str]) -> str:
    return header["Authorization"].removeprefix("Bearer ")


def _sign_in(client: TestClient, token: str) -> None:  # type: ignore[type-arg]
    response = client.post("/signin", data={"token": token, "next": f"/initiatives/{KLIP}"})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/initiatives/{KLIP}"


def _form_key(html: str) -> str:
    found = re.search(r'name="form_key" value="([0-9a-f]+)"', html)
    assert found, "no form key on the page"
    return found[1]


def _history_rows(html: str) -> int:
    section = html.split('id="history"', 1)[1]
    return section.count("<tr><td>")


def test_programme_timeline_has_a_row_for_every_initiative(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith(HTML)
    html = page.text
    assert 'data-rows="11"' in html
    assert html.count('<g class="row st-') == 11
    assert html.count('<line class="today"') == 1
    assert html.count('class="deadline"') == 2 + 1  # two seed deadlines and the legend
    for status in ("Vertraagd", "Risico op vertraging", "Op schema"):
        assert status in html
    assert "webcal://testserver.local/calendars/programme.ics?lang=nl" in html


def test_pages_are_dutch_whatever_the_browser_asks_and_english_on_request(client):
    dutch = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert '<html lang="nl">' in dutch
    assert "Programma regelgevingsinitiatieven" in dutch
    assert 'href="/?lang=en"' in dutch
    english = client.get("/", params={"lang": "en"}).text
    assert '<html lang="en">' in english
    assert "Programme of regulatory initiatives" in english
    assert "1 January 2025" in english


def test_filters_by_entity_kind_and_status(client):
    zorg = client.get("/", params={"entity": "departement-zorg"}).text
    assert zorg.count('<tr data-slug="') == 1
    orders = client.get("/", params={"kind": "order"}).text
    assert orders.count('<tr data-slug="') == 4
    at_risk = client.get("/", params={"status": "at_risk"}).text
    assert at_risk.count('<tr data-slug="') == 1
    nothing = client.get("/", params={"status": "done"}).text
    assert "Geen initiatieven voor deze selectie." in nothing


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/initiatives/bestaat-niet", 404),
        ("/entities/bestaat-niet", 404),
        ("/?entity=bestaat-niet", 404),
        ("/reports/weekly?entity=bestaat-niet", 404),
        ("/?status=vertraagd", 400),
        ("/?kind=wet", 400),
        ("/reports/weekly?week=2026-W77", 400),
        ("/reports/weekly?week=2026-W40", 400),  # before anything was recorded
    ],
)
def test_bad_addresses_get_a_friendly_page_with_a_way_back(client, path, status):
    page = client.get(path)
    assert page.status_code == status
    assert page.headers["content-type"].startswith(HTML)
    assert 'href="/?lang=nl">← Terug naar het programma' in page.text


def test_a_dead_link_gets_the_friendly_page_in_a_browser_and_a_problem_elsewhere(client):
    browser = client.get("/bestaat/niet", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.status_code == 404
    assert "← Terug naar het programma" in browser.text
    api = client.get("/api/bestaat-niet", headers={"Accept": "text/html"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    script = client.get("/bestaat/niet")
    assert script.headers["content-type"].startswith("application/problem+json")


def test_initiative_page_shows_stages_findings_history_and_feeds(client):
    html = client.get(f"/initiatives/{KLIP}").text
    assert html.count('<tr data-stage="') == 9
    assert "+718 dagen" in html  # first approval: 8 January 2027 against 20 January 2025
    assert "te laat" in html
    assert "12 november 2025" in html  # the legal deadline
    assert "30 dagen" in html  # the Council of State term, in words
    assert f"webcal://testserver.local/calendars/initiatives/{KLIP}.ics?lang=nl" in html
    assert "Meld u aan met een API-token om een stap te registreren." in html
    assert '<form class="record"' not in html
    assert _history_rows(html) == 1  # the import


def test_entity_page_lists_its_initiatives_with_its_feed(client):
    html = client.get("/entities/departement-zorg").text
    assert "Initiatieven van Departement Zorg" in html
    assert html.count('<tr data-slug="') == 1
    assert "/calendars/entities/departement-zorg.ics?lang=nl" in html
    assert "/reports/weekly?lang=nl&amp;entity=departement-zorg" in html


def test_weekly_report_page_with_week_picker(client):
    html = client.get("/reports/weekly", params={"week": "2026-W48", "lang": "en"}).text
    assert "Week 48 of 2026 (23 November 2026 – 29 November 2026)" in html
    assert 'value="2026-W48"' in html
    assert "week=2026-W47" in html
    assert "week=2026-W49" in html
    assert "format=csv" in html
    assert 'id="slipped"' in html


def test_sign_in_keeps_the_token_in_a_strict_http_only_cookie(client, seeded):
    page = client.post("/signin", data={"token": "wgp_unknown", "next": "/"})
    assert page.status_code == 401
    assert "Onbekend of ingetrokken token." in page.text
    editor = _token(token_for(seeded, "legal-team", "editor", ("agentschap-digitaal-vlaanderen",)))
    response = client.post("/signin", data={"token": editor, "next": "//evil.example/"})
    assert response.status_code == 303
    assert response.headers["location"] == "/"  # never elsewhere
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Aangemeld als legal-team (editor)" in client.get("/").text


def test_form_records_a_step_that_shows_in_the_history(client, seeded):
    _sign_in(client, _token(token_for(seeded, "legal", "editor", ("vlaams-datanutsbedrijf",))))
    html = client.get(f"/initiatives/{KLIP}").text
    assert '<form class="record"' in html
    day = today() - timedelta(days=1)
    response = client.post(
        f"/initiatives/{KLIP}/events",
        data={"event": "complete_drafting", "occurred_on": day.isoformat(), "reference": "",
              "note": "", "version": "1", "form_key": _form_key(html)},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(f"/initiatives/{KLIP}?lang=nl&recorded=")
    after = client.get(response.headers["location"]).text
    assert "Geregistreerd: " in after
    assert _history_rows(after) == 2
    detail = client.get(f"/api/initiatives/{KLIP}").json()
    assert detail["version"] == 2
    assert next(s for s in detail["stages"] if s["stage"] == "drafting")["actual"] == str(day)


def test_a_form_sent_twice_records_its_step_once_and_leads_to_the_same_page(client, seeded):
    _sign_in(client, _token(token_for(seeded, "legal", "editor", ("vlaams-datanutsbedrijf",))))
    html = client.get(f"/initiatives/{KLIP}").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert key is not None
    again = client.get(f"/initiatives/{KLIP}").text
    assert f'value="{key[1]}"' not in again  # every rendering of the form has a key of its own
    form = {"event": "complete_drafting", "occurred_on": str(NOW.date() - timedelta(days=1)),
            "reference": "", "note": "", "version": "1", "form_key": _form_key(html),
            "idempotency_key": key[1]}  # fmt: skip
    first = client.post(f"/initiatives/{KLIP}/events", data=form)
    second = client.post(f"/initiatives/{KLIP}/events", data=form)
    assert (first.status_code, second.status_code) == (303, 303), second.text
    assert second.headers["location"] == first.headers["location"]
    steps = [e for e in client.get(f"/api/initiatives/{KLIP}/history").json()["entries"]
             if e.get("event") == "complete_drafting"]  # fmt: skip
    assert len(steps) == 1
    assert client.get(f"/api/initiatives/{KLIP}").json()["version"] == 2
    # The same form, changed and sent again (back in the browser): refused, nothing recorded.
    changed = client.post(f"/initiatives/{KLIP}/events", data=form | {"note": "anders"})
    assert changed.status_code == 409
    assert "Het initiatief is intussen gewijzigd." in changed.text
    assert client.get(f"/api/initiatives/{KLIP}").json()["version"] == 2


@pytest.mark.parametrize(
    ("change", "status", "shown"),
    [
        ({"occurred_on": "2099-01-01"}, 409, "in de toekomst"),
        ({"occurred_on": "gisteren"}, 422, "occurred_on"),
        ({"event": "publish"}, 409, "Niet geregistreerd"),
        ({"version": "0"}, 412, "Het initiatief is intussen gewijzigd."),
        ({"form_key": "0" * 64}, 403, "Het formulier is verlopen of ongeldig."),
    ],
)
def test_refused_form_step_shows_the_reason_and_changes_nothing(
    client, seeded, change, status, shown
):
    _sign_in(client, _token(token_for(seeded, "legal", "editor", ("vlaams-datanutsbedrijf",))))
    html = client.get(f"/initiatives/{KLIP}").text
    before = client.get(f"/api/initiatives/{KLIP}/history").json()
    form = {"event": "complete_drafting", "occurred_on": str(today() - timedelta(days=1)),
            "reference": "", "note": "", "version": "1", "form_key": _form_key(html)}  # fmt: skip
    page = client.post(f"/initiatives/{KLIP}/events", data=form | change)
    assert page.status_code == status
    assert 'role="alert"' in page.text
    assert shown in page.text
    assert client.get(f"/api/initiatives/{KLIP}/history").json() == before
    assert client.get(f"/api/initiatives/{KLIP}").json()["version"] == 1


def test_a_missing_decision_reference_is_named_next_to_its_field(client, seeded):
    _sign_in(client, _token(token_for(seeded, "coordinator", "coordinator")))
    key = _form_key(client.get(f"/initiatives/{KLIP}").text)
    yesterday = str(today() - timedelta(days=7))
    done = client.post(
        f"/initiatives/{KLIP}/events",
        data={"event": "complete_drafting", "occurred_on": yesterday, "version": "1",
              "form_key": key},
    )  # fmt: skip
    assert done.status_code == 303
    page = client.post(
        f"/initiatives/{KLIP}/events",
        data={"event": "approve_first", "occurred_on": yesterday, "version": "2",
              "form_key": key},
    )  # fmt: skip
    assert page.status_code == 422
    assert 'id="reference"' in page.text
    assert re.search(r'id="reference"[^>]*aria-invalid="true"', page.text)


def test_anonymous_and_foreign_editors_cannot_post_the_form(client, seeded):
    anonymous = client.post(
        f"/initiatives/{KLIP}/events",
        data={"event": "complete_drafting", "occurred_on": "2026-11-20", "version": "1"},
    )
    assert anonymous.status_code == 403
    _sign_in(client, _token(token_for(seeded, "other", "editor", ("departement-zorg",))))
    html = client.get(f"/initiatives/{KLIP}").text
    assert "mag dit initiatief lezen maar niet wijzigen" in html
    foreign = client.post(
        f"/initiatives/{KLIP}/events",
        data={"event": "complete_drafting", "occurred_on": "2026-11-20", "version": "1",
              "form_key": _form_key(html)},
    )  # fmt: skip
    assert foreign.status_code == 403
    assert client.get(f"/api/initiatives/{KLIP}").json()["version"] == 1


def test_sign_out_needs_the_form_key(client, seeded):
    _sign_in(client, _token(token_for(seeded, "legal", "editor", ("vlaams-datanutsbedrijf",))))
    html = client.get("/").text
    ignored = client.post("/signout", data={"form_key": "x"})
    assert ignored.status_code == 303
    assert "set-cookie" not in ignored.headers
    done = client.post("/signout", data={"form_key": _form_key(html)})
    assert done.status_code == 303
    assert "Max-Age=0" in done.headers["set-cookie"] or "max-age=0" in done.headers["set-cookie"]


def test_static_assets_are_served(client):
    css = client.get("/static/site.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
    assert client.get("/static/app.js").status_code == 200


def test_history_shows_a_replan_with_its_windows_as_the_report_does(client, seeded):
    coordinator = token_for(seeded, "coordinator", "coordinator")
    replanned = client.put(
        f"/api/initiatives/{KLIP}/plan/first_approval",
        json={"text": "eind januari 2027", "reason": "Advies Inspectie van Financiën later"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert replanned.status_code == 200, replanned.text
    html = client.get(f"/initiatives/{KLIP}").text
    assert _history_rows(html) == 2
    history = html.split('id="history"', 1)[1]
    assert "Herplanning Eerste principiële goedkeuring VR" in history
    assert "11 januari 2025 – 20 januari 2025 → 21 januari 2027 – 31 januari 2027" in history
    assert "Advies Inspectie van Financiën later" in history
