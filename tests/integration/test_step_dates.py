"""The dates every step is checked on (issue 23, point 6), through the API and the step form,
on SQLite and PostgreSQL.

Days worked out by hand: in 2025 Easter is 20 April (Paasreces of the parliament 14-27 April),
Whit Monday 9 June; 21 July is the national holiday, 11 July a day off of the Flemish
administration only. A decree without advice asks the Council of State when its first approval
is given (Friday 17 January 2025): its 30-day term ends on 16 February 2025.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import ON_THE_SEED_DAY, token_for
from tests.problems import assert_problem
from tracker.store.uow import Database

pytestmark = ON_THE_SEED_DAY  # today is Monday 23 November 2026
ENTITY = "Agentschap Digitaal Vlaanderen"
PLAN = {
    "first_approval": {"text": "januari 2027"},
    "final_approval": {"text": "juni 2027"},
    "publication": {"text": "december 2027"},
}
_titles = count(1)


class Api:
    def __init__(self, client: TestClient, auth: dict[str, str]) -> None:  # type: ignore[type-arg]
        self.client, self.auth = client, auth

    def create(self) -> str:
        body = {
            "title": f"Voorontwerp van decreet nummer {next(_titles)} over datums",
            "kind": "decree", "entities": [ENTITY], "plan": PLAN, "advisory_bodies": [],
        }  # fmt: skip
        response = self.client.post("/api/initiatives", json=body, headers=self.auth)
        assert response.status_code == 201, response.text
        return str(response.json()["slug"])

    def detail(self, slug: str) -> dict[str, Any]:
        response = self.client.get(f"/api/initiatives/{slug}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def snapshot(self, slug: str) -> tuple[Any, ...]:
        history = self.client.get(f"/api/initiatives/{slug}/history").json()
        return self.detail(slug), history

    def post(self, slug: str, event: str, on: str, *, lang: str | None = None,
             key: str | None = None, **extra: Any) -> Any:  # fmt: skip
        version = self.detail(slug)["version"]
        headers = {**self.auth, "If-Match": f'"{version}"'}
        if key is not None:
            headers["Idempotency-Key"] = key
        body = {"event": event, "occurred_on": on, "reference": "VR 2025 DOC.1", **extra}
        params = {"lang": lang} if lang else {}
        return self.client.post(
            f"/api/initiatives/{slug}/events", json=body, headers=headers, params=params
        )

    def step(self, slug: str, event: str, on: str, **extra: Any) -> list[str]:
        """A stored step: the codes of its warnings."""
        response = self.post(slug, event, on, **extra)
        assert response.status_code == 201, response.text
        return [w["code"] for w in response.json()["warnings"]]

    def replan(self, slug: str, stage: str, text: str, lang: str | None = None) -> Any:
        version = self.detail(slug)["version"]
        response = self.client.put(
            f"/api/initiatives/{slug}/plan/{stage}",
            json={"text": text, "reason": "Nieuwe timing"},
            headers={**self.auth, "If-Match": f'"{version}"'},
            params={"lang": lang} if lang else {},
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    with TestClient(create_app(database)) as client:
        yield Api(client, token_for(database, "legal", "coordinator"))


def _to_parliament(api: Api, *, advice_on: str = "2025-03-14") -> str:
    slug = api.create()
    assert api.step(slug, "complete_drafting", "2025-01-08") == []
    assert api.step(slug, "approve_first", "2025-01-17") == []
    assert api.step(slug, "receive_council_of_state_advice", advice_on) == []
    assert api.step(slug, "approve_final", "2025-03-28") == []
    return slug


def _unconfirmed(api: Api, slug: str, event: str, on: str, lang: str | None = None) -> str:
    """A date with warnings sent without confirm: 409 confirm_date and nothing stored."""
    before = api.snapshot(slug)
    problem = assert_problem(api.post(slug, event, on, lang=lang), 409)
    assert problem["rule"] == "confirm_date"
    assert problem["type"].endswith("confirm-date")
    assert api.snapshot(slug) == before
    detail: str = problem["detail"]
    return detail


# -- parliament -----------------------------------------------------------------------------------
def test_a_plenary_vote_on_a_wednesday_in_session_is_stored_at_once(api):
    slug = _to_parliament(api)
    assert api.step(slug, "adopt", "2025-05-07") == []
    assert api.detail(slug)["state"] == "ratification"


def test_a_vote_on_another_day_or_in_a_recess_waits_for_confirmation(api):
    slug = _to_parliament(api)
    dutch = _unconfirmed(api, slug, "adopt", "2025-04-17")  # a Thursday in the Easter recess
    assert "17 april 2025 is geen woensdag" in dutch
    assert "Paasreces, 14 april 2025 tot en met 27 april 2025" in dutch
    assert '"confirm": true' in dutch
    english = _unconfirmed(api, slug, "adopt", "2025-04-17", lang="en")
    assert "17 April 2025 is not a Wednesday" in english
    assert "Easter recess, 14 April 2025 to 27 April 2025" in english
    assert '"confirm": true' in english
    # confirmed: stored, and the answer still says why it was asked
    response = api.post(slug, "adopt", "2025-04-17", confirm=True)
    assert response.status_code == 201, response.text
    body = response.json()
    assert [w["code"] for w in body["warnings"]] == ["not_a_wednesday", "in_recess"]
    assert "klopt de datum?" in body["warnings"][1]["message"]
    assert body["version"] == api.snapshot(slug)[0]["version"]
    actual = {s["stage"]: s["actual"] for s in api.detail(slug)["stages"]}
    assert actual["parliament"] == "2025-04-17"


def test_confirm_false_is_no_confirmation(api):
    slug = _to_parliament(api)
    _unconfirmed(api, slug, "adopt", "2025-05-08")
    problem = assert_problem(api.post(slug, "adopt", "2025-05-08", confirm=False), 409)
    assert problem["rule"] == "confirm_date"


def test_a_refused_date_is_not_stored_under_its_idempotency_key(api):
    slug = _to_parliament(api)
    first = api.post(slug, "adopt", "2025-05-08", key="k-thursday")
    assert_problem(first, 409)
    confirmed = api.post(slug, "adopt", "2025-05-08", key="k-thursday", confirm=True)
    assert confirmed.status_code == 201, confirmed.text
    assert "idempotent-replayed" not in confirmed.headers
    again = api.post(slug, "adopt", "2025-05-08", key="k-thursday", confirm=True)
    assert again.status_code == 201
    assert again.json() == confirmed.json()  # the stored answer, not a second step


# -- Belgisch Staatsblad --------------------------------------------------------------------------
def _to_publication(api: Api) -> str:
    slug = _to_parliament(api)
    assert api.step(slug, "adopt", "2025-05-07") == []
    assert api.step(slug, "ratify", "2025-05-09") == []
    return slug


@pytest.mark.parametrize(
    ("day", "shown"), [("2025-05-10", "10 mei 2025"), ("2025-07-21", "21 juli 2025")]
)
def test_the_staatsblad_does_not_appear_on_a_weekend_or_a_legal_holiday(api, day, shown):
    slug = _to_publication(api)
    before = api.snapshot(slug)
    for confirm in (False, True):  # no confirmation makes it right
        problem = assert_problem(api.post(slug, "publish", day, confirm=confirm), 409)
        assert problem["rule"] == "not_a_publication_day"
        assert problem["state"] == "publication"
        assert shown in problem["detail"]
        assert "Belgisch Staatsblad" in problem["detail"]
    english = assert_problem(api.post(slug, "publish", day, lang="en"), 409)["detail"]
    assert "Belgian Official Gazette" in english
    assert api.snapshot(slug) == before


def test_the_staatsblad_appears_on_a_flemish_day_off(api):
    slug = _to_publication(api)
    assert api.step(slug, "publish", "2025-07-11") == []
    assert api.detail(slug)["state"] == "published"


# -- Council of State -----------------------------------------------------------------------------
@pytest.mark.parametrize("on", ["2025-02-07", "2025-02-16", "2025-03-18"])
def test_the_council_of_state_may_answer_early_or_somewhat_late(api, on):
    slug = api.create()
    api.step(slug, "complete_drafting", "2025-01-08")
    api.step(slug, "approve_first", "2025-01-17")
    assert api.step(slug, "receive_council_of_state_advice", on) == []


def test_an_advice_long_after_the_council_term_waits_for_confirmation(api):
    slug = api.create()
    api.step(slug, "complete_drafting", "2025-01-08")
    api.step(slug, "approve_first", "2025-01-17")
    dutch = _unconfirmed(api, slug, "receive_council_of_state_advice", "2025-03-19")
    assert "31 dagen na het einde van zijn termijn (16 februari 2025)" in dutch
    # a longer term moves the end: 60 days run to 18 March, so 19 March is not late
    edited = api.client.patch(
        f"/api/initiatives/{slug}", json={"council_of_state_term": "days_60"},
        headers={**api.auth, "If-Match": f'"{api.detail(slug)["version"]}"'},
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    assert api.step(slug, "receive_council_of_state_advice", "2025-03-19") == []


def test_a_government_decision_not_on_a_friday_waits_for_confirmation(api):
    slug = api.create()
    api.step(slug, "complete_drafting", "2025-01-08")
    english = _unconfirmed(api, slug, "approve_first", "2025-01-15", lang="en")
    assert "15 January 2025 is not a Friday" in english
    assert api.step(slug, "approve_first", "2025-01-15", confirm=True) == ["not_a_friday"]


# -- re-planning ----------------------------------------------------------------------------------
def test_a_replan_in_the_past_or_before_the_previous_plan_is_stored_with_warnings(api):
    slug = api.create()
    body = api.replan(slug, "final_approval", "december 2026")  # before first approval's plan
    assert [w["code"] for w in body["warnings"]] == ["plan_before_previous"]
    assert "januari 2027" in body["warnings"][0]["message"]
    assert body["stage"]["plan"]["text"] == "december 2026"  # stored all the same
    [finding] = api.detail(slug)["findings"]
    assert (finding["kind"], finding["stage"]) == ("stage_order", "final_approval")
    assert "vóór de vorige stap" in finding["message"]

    body = api.replan(slug, "final_approval", "juli 2027")
    assert body["warnings"] == []
    assert api.detail(slug)["findings"] == []

    body = api.replan(slug, "first_approval", "oktober 2026", lang="en")
    assert [w["code"] for w in body["warnings"]] == ["plan_in_past"]
    assert (
        "lies entirely in the past (today is 23 November 2026)" in (body["warnings"][0]["message"])
    )
    [finding] = api.detail(slug)["findings"]
    assert (finding["kind"], finding["stage"]) == ("plan_in_past", "first_approval")
    assert "oktober 2026', een periode die toen al voorbij was" in finding["message"]
    # Re-planned again in the future, the finding goes.
    assert api.replan(slug, "first_approval", "februari 2027")["warnings"] == []
    assert api.detail(slug)["findings"] == []


def test_the_initiative_page_shows_a_replan_finding(api):
    slug = api.create()
    api.replan(slug, "final_approval", "december 2026")
    page = api.client.get(f"/initiatives/{slug}")
    assert 'id="findings"' in page.text
    assert "vóór de vorige stap" in page.text


# -- the step form --------------------------------------------------------------------------------
KLIP = "decreet-klip-gipod-verordening"


def _form(client: TestClient, **values: str) -> dict[str, str]:  # type: ignore[type-arg]
    html = client.get(f"/initiatives/{KLIP}").text
    key = re.search(r'name="form_key" value="([0-9a-f]+)"', html)
    idempotency = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    version = re.search(r'name="version" value="(\d+)"', html)
    assert key and idempotency and version  # noqa: PT018
    return {
        "reference": "VR 2026 DOC.7", "note": "", "version": version[1], "form_key": key[1],
        "idempotency_key": idempotency[1], **values,
    }  # fmt: skip


def test_the_step_form_asks_to_confirm_a_date_with_warnings(seeded: Database) -> None:
    with TestClient(create_app(seeded)) as client:
        client.follow_redirects = False
        token = token_for(seeded, "legal", "coordinator")["Authorization"].removeprefix("Bearer ")
        assert client.post("/signin", data={"token": token, "next": "/"}).status_code == 303
        done = client.post(
            f"/initiatives/{KLIP}/events",
            data=_form(client, event="complete_drafting", occurred_on="2026-11-16"),
        )
        assert done.status_code == 303, done.text
        wednesday = _form(client, event="approve_first", occurred_on="2026-11-18")
        asked = client.post(f"/initiatives/{KLIP}/events", data=wednesday)
        assert asked.status_code == 409
        assert "18 november 2026 is geen vrijdag" in asked.text
        assert "Nog niet geregistreerd: bevestig de datum of pas hem aan." in asked.text
        assert re.search(r'<button type="submit" name="confirm" value="true"[^>]*>', asked.text)
        assert 'value="2026-11-18"' in asked.text  # the form keeps what was typed
        assert client.get(f"/api/initiatives/{KLIP}").json()["version"] == 2
        english = _form(client, event="approve_first", occurred_on="2026-11-18")
        asked = client.post(f"/initiatives/{KLIP}/events?lang=en", data=english)
        assert asked.status_code == 409
        assert "18 November 2026 is not a Friday" in asked.text
        assert "The date is right: record" in asked.text

        confirmed = _form(client, event="approve_first", occurred_on="2026-11-18", confirm="true")
        stored = client.post(f"/initiatives/{KLIP}/events", data=confirmed)
        assert stored.status_code == 303, stored.text
        assert "warn=not_a_friday" in stored.headers["location"]
        detail = client.get(f"/api/initiatives/{KLIP}").json()
        assert detail["version"] == 3
        assert detail["state"] == "advisory_opinions"
