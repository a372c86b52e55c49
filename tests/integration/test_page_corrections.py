"""Correcting or annulling a recorded step from the initiative page, on SQLite and PostgreSQL:
the history row's form, held to the API's rules, limits and refusals (issue 23); and the step
form held to the API's limits too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import ON_THE_SEED_DAY, token_for
from tracker.store.uow import Database

pytestmark = ON_THE_SEED_DAY

KLIP = "decreet-klip-gipod-verordening"
PAGE = f"/initiatives/{KLIP}"
MONDAY, WEDNESDAY = date(2026, 11, 16), date(2026, 11, 18)
APPROVAL = "Eerste principiële goedkeuring door de Vlaamse Regering"


@pytest.fixture
def client(approved: Database) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(approved)) as client:
        client.follow_redirects = False  # see each 303 itself
        yield client


def _sign_in(client: TestClient[Any], approved: Database) -> dict[str, str]:
    """Signed in as a coordinator; the token's header, for the API."""
    header = token_for(approved, "coordinator", "coordinator")
    token = header["Authorization"].removeprefix("Bearer ")
    response = client.post("/signin", data={"token": token, "next": PAGE})
    assert response.status_code == 303, response.text
    return header


def _approval_id(client: TestClient[Any]) -> int:
    entries = client.get(f"/api{PAGE}/history").json()["entries"]
    found: int = next(e["id"] for e in entries if e.get("event") == "approve_first")
    return found


def _form(client: TestClient[Any], **change: str) -> dict[str, str]:
    """The approval's correction form as the page fills it in, with `change`."""
    html = client.get(PAGE).text
    event_id = str(_approval_id(client))
    start = html.index(f'name="event_id" value="{event_id}"')
    form = html[html.rindex("<form", 0, start) : html.index("</form>", start)]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    fields["occurred_on"] = re.findall(r'name="occurred_on"[^>]* value="([^"]*)"', form)[0]
    fields["reference"] = re.findall(r'name="reference"[^>]* value="([^"]*)"', form)[0]
    fields["note"] = re.findall(r'name="note"[^>]*>([^<]*)</textarea>', form)[0]
    return fields | {"reason": "Notulen: vrijdag"} | change


def _state(client: TestClient[Any]) -> tuple[Any, ...]:
    detail = client.get(f"/api{PAGE}").json()
    return detail["version"], detail["state"], client.get(f"/api{PAGE}/history").json()


def _history(html: str) -> str:
    return html.split('id="history"', 1)[1].split("</table>", 1)[0]


def test_each_step_offers_its_correction_form_to_who_may_write_it(client, approved):
    anonymous = _history(client.get(PAGE).text)
    assert "Verbeteren" not in anonymous
    assert "<form" not in anonymous
    _sign_in(client, approved)
    history = _history(client.get(PAGE).text)
    assert history.count('<details class="correct') == 2  # the two steps; not the import
    assert history.count('action="/initiatives/decreet-klip-gipod-verordening/corrections') == 2
    assert "<summary>Verbeteren" in history
    assert 'value="2026-11-18"' in history  # prefilled with the step's values
    assert 'value="VR 2026 1811 DOC.1234"' in history
    assert 'name="annul" value="true"' in history
    # The API's limits (api.schemas.CorrectionCreate) on the form's fields.
    assert re.search(r'name="reason"[^>]* required minlength="1" maxlength="2000"', history)
    assert re.search(r'name="reference"[^>]* maxlength="2000"', history)
    assert re.search(r'name="note"[^>]* maxlength="5000"', history)
    english = _history(client.get(PAGE, params={"lang": "en"}).text)
    assert "<summary>Correct" in english
    assert "Annul the step" in english


def test_a_step_corrected_through_the_form(client, approved):
    _sign_in(client, approved)
    answer = client.post(f"{PAGE}/corrections", data=_form(client, occurred_on="2026-11-20"))
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{PAGE}?lang=nl&corrected=approve_first#history"
    page = client.get(answer.headers["location"]).text
    assert f"Stap verbeterd: {APPROVAL}." in page
    history = _history(page)
    assert "verbeterd op 23 november 2026" in history
    assert "<del>18 november 2026</del> 20 november 2026" in history
    assert "Datum: 18 november 2026 → 20 november 2026" in history
    assert "Notulen: vrijdag" in history
    assert _state(client)[0] == 4
    stages = client.get(f"/api{PAGE}").json()["stages"]
    assert next(s for s in stages if s["stage"] == "first_approval")["actual"] == "2026-11-20"
    english = client.get(f"{PAGE}?lang=en&corrected=approve_first").text
    assert "Step corrected: " in english
    assert "corrected on 23 November 2026" in english


def test_a_step_annulled_through_the_form(client, approved):
    _sign_in(client, approved)
    answer = client.post(f"{PAGE}/corrections", data=_form(client, annul="true"))
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{PAGE}?lang=nl&annulled=approve_first#history"
    page = client.get(answer.headers["location"]).text
    assert f"Stap geannuleerd: {APPROVAL}." in page
    history = _history(page)
    assert f'<td class="annulled"><del>{APPROVAL}</del> <span class="mark">geannuleerd</span>' in (
        history
    )
    assert "<del>18 november 2026</del>" in history
    assert history.count('<details class="correct') == 1  # an annulled step is corrected no more
    version, state, _ = _state(client)
    assert (version, state) == (4, "first_approval")


@pytest.mark.parametrize(
    ("change", "status", "shown"),
    [
        ({"reason": "  "}, 422, "reason: zeg waarom de stap verbeterd of geannuleerd wordt."),
        ({"occurred_on": "2026-11-13"}, 409, "ligt vóór de vorige stap"),
        ({}, 422, "de verbetering verandert niets"),
        ({"occurred_on": "gisteren"}, 422, "occurred_on: geef een datum als 2026-11-20"),
        ({"reason": "x" * 2001}, 400, "reason: is te lang: ten hoogste 2000 tekens"),
        ({"reference": "x" * 2001}, 400, "reference: is te lang: ten hoogste 2000 tekens"),
        ({"note": "x" * 5001}, 400, "note: is te lang: ten hoogste 5000 tekens"),
        ({"version": "2"}, 412, "Het initiatief is intussen gewijzigd."),
        ({"event_id": "abc"}, 400, "Het formulier is verlopen of ongeldig."),
    ],
)
def test_a_refused_correction_shows_the_reason_in_dutch_and_changes_nothing(
    client, approved, change, status, shown
):
    _sign_in(client, approved)
    form = _form(client, **change)
    if change == {}:
        form = _form(client, occurred_on="2026-11-18")  # the values it has
    before = _state(client)
    page = client.post(f"{PAGE}/corrections", data=form)
    assert page.status_code == status, page.text
    assert "Niet verbeterd:" in page.text
    assert shown in page.text
    if "event_id" not in change:  # the row's form is opened on the reason, what was sent kept
        assert '<details class="correct no-print" open>' in page.text
        assert page.text.count('role="alert"') == 1
    assert _state(client) == before


def test_a_refusal_the_api_words_is_worded_alike_on_the_page(client, approved):
    """The same body over a limit: the page says what the API says (tracker.outputs
    .problem_text), for the correction form and the step form."""
    coordinator = _sign_in(client, approved)
    api = client.post(
        f"/api{PAGE}/corrections",
        json={"event_id": _approval_id(client), "reference": "x" * 2001, "reason": "Notulen"},
        headers={**coordinator, "If-Match": '"3"'},
    )
    assert api.status_code == 400
    page = client.post(f"{PAGE}/corrections", data=_form(client, reference="x" * 2001))
    assert page.status_code == 400
    assert api.json()["detail"] in page.text
    html = client.get(PAGE).text
    assert re.search(r'<input type="text" id="reference" name="reference" maxlength="2000"', html)
    assert re.search(r'<textarea id="note" name="note" rows="2" maxlength="5000"', html)
    key = re.search(r'name="form_key" value="([0-9a-f]+)"', html)
    assert key is not None
    step = {"event": "approve_second", "occurred_on": "2026-11-20", "reference": "",
            "note": "x" * 5001, "version": "3", "form_key": key[1]}  # fmt: skip
    api_step = client.post(
        f"/api{PAGE}/events",
        json={k: step[k] for k in ("event", "occurred_on", "note")},
        headers={**coordinator, "If-Match": '"3"'},
    )
    assert api_step.status_code == 400
    refused = client.post(f"{PAGE}/events", data=step)
    assert refused.status_code == 400
    assert api_step.json()["detail"] in refused.text
    assert "note: is te lang: ten hoogste 5000 tekens" in refused.text
    assert client.get(f"/api{PAGE}").json()["version"] == 3


def test_a_date_that_draws_warnings_is_corrected_once_confirmed(client, approved):
    _sign_in(client, approved)
    form = _form(client, occurred_on="2026-11-19")  # a Thursday: no meeting of the government
    asked = client.post(f"{PAGE}/corrections", data=form)
    assert asked.status_code == 409
    assert "geen vrijdag" in asked.text
    assert "Nog niet verbeterd: bevestig de datum of pas hem aan." in asked.text
    assert 'name="confirm" value="true"' in asked.text
    assert "De datum klopt: verbeteren" in asked.text
    assert _state(client)[0] == 3
    confirmed = client.post(f"{PAGE}/corrections", data=form | {"confirm": "true"})
    assert confirmed.status_code == 303, confirmed.text
    assert "corrected=approve_first" in confirmed.headers["location"]
    assert _state(client)[0] == 4


def test_a_correction_sent_twice_is_written_once(client, approved):
    _sign_in(client, approved)
    form = _form(client, occurred_on="2026-11-20")
    assert form["idempotency_key"]
    first = client.post(f"{PAGE}/corrections", data=form)
    second = client.post(f"{PAGE}/corrections", data=form)
    assert (first.status_code, second.status_code) == (303, 303), second.text
    assert second.headers["location"] == first.headers["location"]
    version, _, history = _state(client)
    assert version == 4
    assert [e.get("event") for e in history["entries"]].count("correct") == 1
    changed = client.post(f"{PAGE}/corrections", data=form | {"reason": "anders"})
    assert changed.status_code == 409
    assert "Het initiatief is intussen gewijzigd." in changed.text
    assert _state(client)[0] == 4


def test_a_signed_out_or_cross_origin_correction_is_refused(client, approved):
    _sign_in(client, approved)
    form = _form(client, occurred_on="2026-11-20")
    before = _state(client)
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        foreign = client.post(f"{PAGE}/corrections", data=form, headers=headers)
        assert foreign.status_code == 403
        assert "Het formulier is verlopen of ongeldig." in foreign.text
    forged = client.post(f"{PAGE}/corrections", data=form | {"form_key": "0" * 64})
    assert forged.status_code == 403
    client.cookies.clear()
    signed_out = client.post(f"{PAGE}/corrections", data=form)
    assert signed_out.status_code == 403
    assert _state(client) == before


def test_a_reader_who_may_not_write_gets_no_form_and_is_refused(client, approved):
    header = token_for(approved, "other", "editor", ("departement-zorg",))
    token = header["Authorization"].removeprefix("Bearer ")
    assert client.post("/signin", data={"token": token, "next": PAGE}).status_code == 303
    html = client.get(PAGE).text
    assert '<details class="correct' not in html
    key = re.search(r'name="form_key" value="([0-9a-f]+)"', html)
    assert key is not None
    before = _state(client)
    refused = client.post(
        f"{PAGE}/corrections",
        data={"event_id": str(_approval_id(client)), "occurred_on": "2026-11-20",
              "reason": "x", "version": "3", "form_key": key[1]},
    )  # fmt: skip
    assert refused.status_code == 403
    assert _state(client) == before


def test_the_step_form_offers_only_the_steps_the_signed_in_team_may_record(client, approved):
    """Digitaal Vlaanderen is involved in KLIP, which the Vlaams Datanutsbedrijf leads: its form
    offers the advice received, not a hold or a withdrawal (workflows/permissions.toml)."""
    header = token_for(approved, "dv", "editor", ("agentschap-digitaal-vlaanderen",))
    token = header["Authorization"].removeprefix("Bearer ")
    assert client.post("/signin", data={"token": token, "next": PAGE}).status_code == 303
    page = client.get(PAGE).text
    offered = re.findall(r'<option value="([a-z_]+)" data-requires', page)
    assert offered == ["receive_advice"]
