"""Recording the steps of the procedure through the write API, on SQLite and PostgreSQL.

Every expected value here is written by hand from DESIGN.md §2 and §4 and issue 3: the states
each workflow goes through, the events allowed in each, the rule that refuses the others, the
date rules (no future, nothing before the previous step, government decisions on working days
and normally on Fridays) and the evidence each event needs.

Dates used for government decisions were checked by hand: Fridays in 2025 that are no Belgian
legal holiday and no day off of the Flemish administration (11 July, 2 and 15 November,
26-31 December).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import NOW, ON_THE_SEED_DAY, token_for
from tests.problems import assert_problem
from tracker.domain.model import Stage
from tracker.domain.procedure import replay
from tracker.store.uow import Database
from workflows.definitions import catalogue

# "Today" decides which dates lie in the future: every test here lives on the seed day.
pytestmark = ON_THE_SEED_DAY
TODAY = NOW.date()  # 23 November 2026, the seed day

KLIP = "decreet-klip-gipod-verordening"
ACTOR = "juridische-cel-digitaal-vlaanderen"
ENTITY = "Agentschap Digitaal Vlaanderen"

EVENTS = (
    "complete_drafting",
    "approve_first",
    "receive_advice",
    "approve_second",
    "receive_council_of_state_advice",
    "approve_final",
    "adopt",
    "ratify",
    "publish",
    "hold",
    "resume",
    "withdraw",
)
# What each event needs besides its date (stages.toml, as the issue and the brief describe it).
REQUIRES = {
    "complete_drafting": {"occurred_on"},
    "approve_first": {"occurred_on", "reference"},
    "receive_advice": {"occurred_on"},
    "approve_second": {"occurred_on", "reference"},
    "receive_council_of_state_advice": {"occurred_on", "reference"},
    "approve_final": {"occurred_on", "reference"},
    "adopt": {"occurred_on", "reference"},
    "ratify": {"occurred_on", "reference"},
    "publish": {"occurred_on", "reference"},
    "hold": {"occurred_on", "note"},
    "resume": {"occurred_on"},
    "withdraw": {"occurred_on", "note"},
}
GOVERNMENT_DECISIONS = {"approve_first", "approve_second", "approve_final", "ratify"}
PARLIAMENT_STEPS = {"adopt", "ratify"}


@dataclass(frozen=True)
class Stop:
    """An open stage of a walk: the event that completes it, when, and where it leads.

    `hold_on` and `resume_on` are the dates of a hold and a resume while in this stage: not
    before the previous step and not after `on`.
    """

    state: str
    event: str
    on: str
    next: str
    hold_on: str
    resume_on: str


DECREE_WALK = (
    Stop("drafting", "complete_drafting", "2025-01-08", "first_approval",
         "2025-01-06", "2025-01-07"),
    Stop("first_approval", "approve_first", "2025-01-17", "advisory_opinions",
         "2025-01-09", "2025-01-10"),
    Stop("advisory_opinions", "receive_advice", "2025-02-14", "second_approval",
         "2025-01-20", "2025-01-27"),
    Stop("second_approval", "approve_second", "2025-02-21", "council_of_state",
         "2025-02-17", "2025-02-18"),
    Stop("council_of_state", "receive_council_of_state_advice", "2025-03-24", "final_approval",
         "2025-02-24", "2025-03-03"),
    Stop("final_approval", "approve_final", "2025-03-28", "parliament",
         "2025-03-25", "2025-03-26"),
    Stop("parliament", "adopt", "2025-05-07", "ratification",
         "2025-04-01", "2025-04-02"),
    Stop("ratification", "ratify", "2025-05-09", "publication",
         "2025-05-08", "2025-05-08"),
    Stop("publication", "publish", "2025-06-02", "published",
         "2025-05-12", "2025-05-13"),
)  # fmt: skip
ORDER_WALK = (
    Stop("drafting", "complete_drafting", "2025-01-08", "first_approval",
         "2025-01-06", "2025-01-07"),
    Stop("first_approval", "approve_first", "2025-01-17", "advisory_opinions",
         "2025-01-09", "2025-01-10"),
    Stop("advisory_opinions", "receive_advice", "2025-02-14", "second_approval",
         "2025-01-20", "2025-01-27"),
    Stop("second_approval", "approve_second", "2025-02-21", "council_of_state",
         "2025-02-17", "2025-02-18"),
    Stop("council_of_state", "receive_council_of_state_advice", "2025-03-24", "final_approval",
         "2025-02-24", "2025-03-03"),
    Stop("final_approval", "approve_final", "2025-03-28", "publication",
         "2025-03-25", "2025-03-26"),
    Stop("publication", "publish", "2025-04-14", "published",
         "2025-04-01", "2025-04-02"),
)  # fmt: skip
WALKS = {"decree": DECREE_WALK, "order": ORDER_WALK}

# Plans that make every optional stage part of the procedure (with the VTC's advice asked).
FULL_PLAN = {
    "decree": {
        "first_approval": {"text": "januari 2025"},
        "second_approval": {"text": "februari 2025"},
        "final_approval": {"text": "maart 2025"},
        "parliament": {"text": "mei 2025"},
        "publication": {"text": "juni 2025"},
    },
    "order": {
        "first_approval": {"text": "januari 2025"},
        "second_approval": {"text": "februari 2025"},
        "final_approval": {"text": "maart 2025"},
        "publication": {"text": "april 2025"},
    },
}
# Plans without advice and without a second approval.
SHORT_PLAN = {
    "decree": {
        "first_approval": {"text": "januari 2025"},
        "final_approval": {"text": "maart 2025"},
        "publication": {"text": "juni 2025"},
    },
    "order": {
        "first_approval": {"text": "januari 2025"},
        "final_approval": {"text": "maart 2025"},
        "publication": {"text": "april 2025"},
    },
}
SHORT_STAGES = {
    "decree": [
        "drafting", "first_approval", "council_of_state", "final_approval", "parliament",
        "ratification", "publication",
    ],
    "order": ["drafting", "first_approval", "council_of_state", "final_approval", "publication"],
}  # fmt: skip

REFERENCE = "VR 2025 DOC.0042/1"
NOTE = "Toelichting van de juridische cel"
_titles = itertools.count(1)


def refusal_rule(kind: str, state: str, event: str) -> str:
    """The rule that refuses `event` in `state` (hand-written from the issue)."""
    if kind == "order" and event in PARLIAMENT_STEPS:
        return "not_in_workflow"
    if state in ("published", "withdrawn"):
        return "final_state"
    return "not_allowed_now"


def allowed_in(state: str, walk: tuple[Stop, ...]) -> dict[str, str]:
    """The events allowed in `state` and the state each leads to."""
    for stop in walk:
        if stop.state == state:
            return {stop.event: stop.next, "hold": "on_hold", "withdraw": "withdrawn"}
    return {}


def utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() == timedelta(0), text
    return moment


class Api:
    """A coordinator's client of the write API."""

    def __init__(self, client: TestClient, auth: dict[str, str]) -> None:  # type: ignore[type-arg]
        self.client = client
        self.auth = auth
        self.versions: dict[str, int] = {}

    def create(self, kind: str, plan: dict[str, Any] | None = None, *, advice: bool = True) -> str:
        body = {
            "title": f"Voorontwerp nummer {next(_titles)} van een testinitiatief",
            "kind": kind,
            "entities": [ENTITY],
            "plan": FULL_PLAN[kind] if plan is None else plan,
            "advisory_bodies": ["VTC"] if advice else [],
        }
        response = self.client.post("/api/initiatives", json=body, headers=self.auth)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["state"] == "drafting"
        assert response.headers["etag"] == f'"{created["version"]}"'
        self.versions[created["slug"]] = created["version"]
        return str(created["slug"])

    def detail(self, slug: str, **params: str) -> dict[str, Any]:
        response = self.client.get(f"/api/initiatives/{slug}", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert response.headers["etag"] == f'"{body["version"]}"'
        return body

    def history(self, slug: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/api/initiatives/{slug}/history")
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    def transitions(self, slug: str, **params: str) -> dict[str, Any]:
        response = self.client.get(f"/api/initiatives/{slug}/transitions", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def snapshot(self, slug: str) -> tuple[Any, ...]:
        """What a refused request must leave as it was."""
        body = self.detail(slug)
        return body["version"], body["state"], body["stages"], self.history(slug)

    def post(
        self,
        slug: str,
        event: str,
        on: str | date,
        *,
        reference: str | None = REFERENCE,
        note: str | None = NOTE,
        version: int | None = None,
        lang: str | None = None,
        confirm: bool | None = None,
    ) -> Any:
        payload: dict[str, Any] = {"event": event, "occurred_on": str(on)}
        if reference is not None:
            payload["reference"] = reference
        if note is not None:
            payload["note"] = note
        if confirm is not None:  # a date that draws warnings is stored only when confirmed
            payload["confirm"] = confirm
        headers = {
            **self.auth,
            "If-Match": f'"{self.versions[slug] if version is None else version}"',
        }
        params = {"lang": lang} if lang else {}
        return self.client.post(
            f"/api/initiatives/{slug}/events", json=payload, headers=headers, params=params
        )

    def step(self, slug: str, event: str, on: str | date, to: str, **kwargs: Any) -> dict[str, Any]:
        """Record an allowed step: 201, the new state, version + 1, a new ETag."""
        before = self.versions[slug]
        response = self.post(slug, event, on, **kwargs)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        assert body["state"] == to
        assert body["event"]["event"] == event
        assert body["event"]["occurred_on"] == str(on)
        assert body["version"] == before + 1
        assert response.headers["etag"] == f'"{before + 1}"'
        self.versions[slug] = body["version"]
        return body

    def refused(
        self,
        slug: str,
        event: str,
        on: str | date,
        rule: str,
        *,
        state: str,
        allowed: set[str] | dict[str, str],
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A 409 naming the rule, the current state and the allowed events."""
        body = assert_problem(self.post(slug, event, on, **kwargs), 409)
        assert (event, body["rule"]) == (event, rule), body
        assert body["state"] == state
        assert set(body["allowed_events"]) == set(allowed)
        return body


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    with TestClient(create_app(database)) as client:
        yield Api(client, token_for(database, ACTOR, "coordinator"))


def walk_to(api: Api, slug: str, walk: tuple[Stop, ...], state: str) -> None:
    """Advance along `walk` (without checks beyond each step's success) until `state`."""
    for stop in walk:
        if stop.state == state:
            return
        api.step(slug, stop.event, stop.on, stop.next)
    assert state == "published"


def actuals(detail: dict[str, Any]) -> dict[str, str | None]:
    return {s["stage"]: s["actual"] for s in detail["stages"]}


def current(detail: dict[str, Any]) -> list[str]:
    return [s["stage"] for s in detail["stages"] if s["current"]]


# -- 1 and 2: every state x every event, through HTTP, for both workflows ----------------------
def check_transitions(api: Api, slug: str, state: str, expected: dict[str, str]) -> None:
    body = api.transitions(slug)
    assert body["state"] == state
    assert body["version"] == api.versions[slug]
    options = {t["event"]: t for t in body["transitions"]}
    assert {e: t["to_state"] for e, t in options.items()} == expected
    for event, option in options.items():
        assert set(option["requires"]) == REQUIRES[event], event
        assert option["labels"]["nl"]
        assert option["labels"]["en"]
        assert option["labels"]["nl"] != option["labels"]["en"]
        assert option["label"] == option["labels"]["nl"]
        completes = event not in ("hold", "resume", "withdraw")
        assert option["completes_stage"] == (state if completes else None), event
        assert option["government_decision"] is (event in GOVERNMENT_DECISIONS), event


def sweep(
    api: Api, slug: str, kind: str, state: str, allowed: dict[str, str], on: str
) -> dict[str, Any]:
    """Every event not allowed in `state` is refused with its rule and changes nothing.

    Returns the initiative's detail as read afterwards.
    """
    before = api.snapshot(slug)
    assert before[:2] == (api.versions[slug], state)
    for event in EVENTS:
        if event not in allowed:
            rule = refusal_rule(kind, state, event)
            api.refused(slug, event, on, rule, state=state, allowed=allowed)
    after = api.snapshot(slug)
    assert after == before
    return {"version": after[0], "state": after[1], "stages": after[2]}


@pytest.mark.parametrize("kind", ["decree", "order"])
def test_every_event_in_every_state_of_the_workflow(api: Api, kind: str) -> None:
    walk = WALKS[kind]
    procedure = [stop.state for stop in walk]
    main = api.create(kind)
    # followers[i] follows the main initiative and is withdrawn in walk[i].state
    followers = [api.create(kind) for _ in walk]
    done: dict[str, str] = {}  # stage -> the date of the event that completed it

    for i, stop in enumerate(walk):
        allowed = allowed_in(stop.state, walk)
        assert set(allowed) == {stop.event, "hold", "withdraw"}
        check_transitions(api, main, stop.state, allowed)
        detail = sweep(api, main, kind, stop.state, allowed, stop.on)
        assert [s["stage"] for s in detail["stages"]] == procedure
        assert actuals(detail) == {s: done.get(s) for s in procedure}
        assert current(detail) == [stop.state]

        # on hold from this stage, and back to it
        held = api.step(main, "hold", stop.hold_on, "on_hold", reference=None)
        assert held["completed_stage"] is None
        assert held["event"]["from_state"] == stop.state
        check_transitions(api, main, "on_hold", {"resume": stop.state, "withdraw": "withdrawn"})
        if i == 0:  # the same refusals whatever the held stage
            sweep(api, main, kind, "on_hold", {"resume": "", "withdraw": ""}, stop.resume_on)
        resumed = api.step(main, "resume", stop.resume_on, stop.state, reference=None, note=None)
        assert resumed["completed_stage"] is None
        assert resumed["event"]["from_state"] == "on_hold"
        assert actuals(api.detail(main)) == {s: done.get(s) for s in procedure}

        # withdrawn from this stage: a final state
        follower = followers[i]
        withdrawn = api.step(follower, "withdraw", stop.hold_on, "withdrawn", reference=None)
        assert withdrawn["completed_stage"] is None
        if i == len(walk) - 1:  # the same refusals wherever it was withdrawn
            check_transitions(api, follower, "withdrawn", {})
            sweep(api, follower, kind, "withdrawn", {}, stop.on)
        detail = api.detail(follower)
        assert actuals(detail) == {s: done.get(s) for s in procedure}
        assert current(detail) == []

        # the stage completed: its actual date is the event's date
        result = api.step(main, stop.event, stop.on, stop.next)
        assert result["completed_stage"] == stop.state
        assert result["warnings"] == []
        assert result["event"]["from_state"] == stop.state
        done[stop.state] = stop.on
        for other in followers[i + 1 :]:
            api.step(other, stop.event, stop.on, stop.next)

    assert api.transitions(main)["transitions"] == []
    sweep(api, main, kind, "published", {}, "2025-10-17")
    detail = api.detail(main)
    assert detail["state"] == "published"
    assert actuals(detail) == {stop.state: stop.on for stop in walk}
    assert current(detail) == []


# -- 2: the actual dates of a realistic walk (the seeded KLIP decree) and its history ----------
KLIP_WALK = (
    # event, occurred_on, from, to, reference, note
    ("complete_drafting", "2024-12-20", "drafting", "first_approval", None, "IF en BA gunstig"),
    ("approve_first", "2025-01-17", "first_approval", "advisory_opinions",
     "VR 2025 1701 DOC.0042/1", None),
    ("receive_advice", "2025-02-19", "advisory_opinions", "second_approval", None,
     "Adviezen SERV en VTC ontvangen"),
    ("approve_second", "2025-03-07", "second_approval", "council_of_state",
     "VR 2025 0703 DOC.0210/1BIS", None),
    ("hold", "2025-03-10", "council_of_state", "on_hold", None, "Wachten op advies RvS"),
    ("resume", "2025-03-14", "on_hold", "council_of_state", None, None),
    ("receive_council_of_state_advice", "2025-04-07", "council_of_state", "final_approval",
     "RvS advies 77.123/3", None),
    ("approve_final", "2025-04-11", "final_approval", "parliament", "VR 2025 1104 DOC.0333/1",
     None),
    ("adopt", "2025-07-09", "parliament", "ratification", "Stuk 412 (2024-2025) nr. 5", None),
    ("ratify", "2025-07-18", "ratification", "publication", "Decreet van 18 juli 2025", None),
    ("publish", "2025-08-08", "publication", "published", "BS 8 augustus 2025", None),
)  # fmt: skip


def test_the_klip_decree_walks_to_publication_with_actual_dates_and_history(
    seeded: Database, api: Api
) -> None:
    start = datetime.now().astimezone()
    before = api.detail(KLIP)
    api.versions[KLIP] = before["version"]
    seeded_history = api.history(KLIP)
    assert [e["event"] for e in seeded_history] == ["create"]
    assert seeded_history[0]["to_state"] == "drafting"
    assert seeded_history[0]["from_state"] is None

    replanned_after = 3  # a re-plan of the publication after the second approval
    for n, (event, on, source, dest, reference, note) in enumerate(KLIP_WALK):
        body = api.step(KLIP, event, on, dest, reference=reference, note=note)
        assert body["event"]["from_state"] == source
        assert body["event"]["actor"] == ACTOR
        assert (body["event"]["reference"], body["event"]["note"]) == (reference, note)
        utc(body["event"]["recorded_at"])
        assert body["warnings"] == []
        detail = api.detail(KLIP)
        if dest in {s.value for s in Stage}:
            assert current(detail) == [dest]
        if n == replanned_after:
            response = api.client.put(
                f"/api/initiatives/{KLIP}/plan/publication",
                json={"text": "eind 2025", "reason": "Advies RvS later dan verwacht"},
                headers={**api.auth, "If-Match": f'"{api.versions[KLIP]}"'},
            )
            assert response.status_code == 200, response.text
            api.versions[KLIP] = response.json()["version"]

    detail = api.detail(KLIP)
    assert detail["state"] == "published"
    assert detail["version"] == before["version"] + len(KLIP_WALK) + 1
    assert actuals(detail) == {
        "drafting": "2024-12-20",
        "first_approval": "2025-01-17",
        "advisory_opinions": "2025-02-19",
        "second_approval": "2025-03-07",
        "council_of_state": "2025-04-07",
        "final_approval": "2025-04-11",
        "parliament": "2025-07-09",
        "ratification": "2025-07-18",
        "publication": "2025-08-08",
    }
    assert current(detail) == []

    # 6: the history lists the creation, then every event and the re-plan, oldest first
    entries = api.history(KLIP)
    end = datetime.now().astimezone()
    # The seed's creation is stamped at NOW itself, where our clock started: compare it apart
    # from the ordering of our own steps.
    assert [e for e in entries if e.get("event") == "create"] == seeded_history
    ours = [e for e in entries if e.get("event") != "create"]
    assert [e["type"] for e in ours] == ["event"] * 4 + ["plan_change"] + ["event"] * 7
    plan_change = ours.pop(4)
    assert plan_change["stage"] == "publication"
    assert plan_change["actor"] == ACTOR
    assert plan_change["reason"] == "Advies RvS later dan verwacht"
    assert plan_change["rebaseline"] is False
    assert plan_change["after"]["plan"]["text"] == "eind 2025"
    assert plan_change["before"]["plan"]["text"] == "najaar 2025"
    assert len(ours) == len(KLIP_WALK)
    for entry, (event, on, source, dest, reference, note) in zip(ours, KLIP_WALK, strict=True):
        assert entry["type"] == "event"
        assert entry["event"] == event
        assert entry["actor"] == ACTOR
        assert entry["occurred_on"] == on
        assert (entry["from_state"], entry["to_state"]) == (source, dest)
        assert (entry["reference"], entry["note"]) == (reference, note)
        assert entry["label"]
        assert start <= utc(entry["recorded_at"]) <= end
    recorded = [utc(e["recorded_at"]) for e in ours]
    assert recorded == sorted(recorded)


# -- 3: date rules ------------------------------------------------------------------------------
REFUSED_DECISION_DAYS = [
    ("tomorrow", "future_date"),
    ("2027-01-08", "future_date"),  # a working Friday after the seed day (TODAY)
    ("2025-02-28", "before_previous_event"),  # a working Friday, before drafting was done
    ("2025-03-08", "not_a_working_day"),  # Saturday
    ("2025-03-09", "not_a_working_day"),  # Sunday
    ("2025-04-21", "not_a_working_day"),  # Easter Monday
    ("2025-05-01", "not_a_working_day"),  # Labour Day, a Thursday
    ("2025-05-29", "not_a_working_day"),  # Ascension Day, a Thursday
    ("2025-07-11", "not_a_working_day"),  # Day of the Flemish Community, a Friday
    ("2025-07-21", "not_a_working_day"),  # National Day, a Monday
    ("2025-11-11", "not_a_working_day"),  # Armistice, a Tuesday
    ("2025-12-26", "not_a_working_day"),  # Boxing Day (Flemish day off), a Friday
    ("2025-12-29", "not_a_working_day"),  # between Christmas and New Year, a Monday
    ("2026-11-02", "not_a_working_day"),  # All Souls' Day (Flemish day off), a Monday
]


def test_a_government_decision_on_a_refused_date(api: Api) -> None:
    slug = api.create("decree")
    api.step(slug, "complete_drafting", "2025-03-03", "first_approval")
    before = api.snapshot(slug)
    allowed = {"approve_first", "hold", "withdraw"}
    for on, rule in REFUSED_DECISION_DAYS:
        day = (TODAY + timedelta(days=1)).isoformat() if on == "tomorrow" else on
        body = api.refused(
            slug, "approve_first", day, rule, state="first_approval", allowed=allowed
        )
        assert body["type"].endswith(rule.replace("_", "-")), (on, body)
    assert api.snapshot(slug) == before


def test_a_government_decision_on_another_working_day_is_accepted_with_a_warning(
    api: Api,
) -> None:
    slug = api.create("decree")
    api.step(slug, "complete_drafting", "2025-03-03", "first_approval")
    body = api.step(slug, "approve_first", "2025-03-12", "advisory_opinions", confirm=True)
    assert [w["code"] for w in body["warnings"]] == ["not_a_friday"]
    assert "vrijdag" in body["warnings"][0]["message"]
    assert "12 maart 2025" in body["warnings"][0]["message"]
    assert body["completed_stage"] == "first_approval"
    assert actuals(api.detail(slug))["first_approval"] == "2025-03-12"
    api.step(slug, "receive_advice", "2025-04-07", "second_approval")
    # Good Friday is no legal holiday in Belgium: a working Friday, no warning
    body = api.step(slug, "approve_second", "2025-04-18", "council_of_state")
    assert body["warnings"] == []
    api.step(slug, "receive_council_of_state_advice", "2025-05-19", "final_approval")
    # the other government decisions follow the same rules
    allowed = {"approve_final", "hold", "withdraw"}
    for day in ("2025-06-09", "2025-05-24"):  # Whit Monday, a Saturday
        api.refused(
            slug, "approve_final", day, "not_a_working_day", state="final_approval", allowed=allowed
        )
    body = api.step(slug, "approve_final", "2025-06-13", "parliament")
    assert body["warnings"] == []
    api.step(slug, "adopt", "2025-07-09", "ratification")
    allowed = {"ratify", "hold", "withdraw"}
    api.refused(
        slug, "ratify", "2025-07-11", "not_a_working_day", state="ratification", allowed=allowed
    )
    body = api.step(slug, "ratify", "2025-07-15", "publication", confirm=True)  # a Tuesday
    assert [w["code"] for w in body["warnings"]] == ["not_a_friday"]


def test_steps_that_are_no_government_decision_may_fall_on_a_weekend(api: Api) -> None:
    slug = api.create("decree")
    body = api.step(slug, "complete_drafting", "2025-03-01", "first_approval")  # a Saturday
    assert body["warnings"] == []
    api.step(slug, "approve_first", "2025-03-07", "advisory_opinions")
    body = api.step(slug, "receive_advice", "2025-04-12", "second_approval")  # a Saturday
    assert body["warnings"] == []
    detail = api.detail(slug)
    assert actuals(detail)["drafting"] == "2025-03-01"
    assert actuals(detail)["advisory_opinions"] == "2025-04-12"


def test_today_is_not_in_the_future_and_a_step_may_share_the_previous_date(api: Api) -> None:
    slug = api.create("order", advice=False, plan=SHORT_PLAN["order"])
    tomorrow = TODAY + timedelta(days=1)
    allowed = {"complete_drafting", "hold", "withdraw"}
    api.refused(slug, "complete_drafting", tomorrow, "future_date", state="drafting",
                allowed=allowed)  # fmt: skip
    api.refused(slug, "hold", tomorrow, "future_date", state="drafting", allowed=allowed)
    api.step(slug, "complete_drafting", "2025-01-17", "first_approval")
    # a hold on the same day as the previous step is fine; one before it is not
    api.refused(slug, "hold", "2025-01-16", "before_previous_event", state="first_approval",
                allowed={"approve_first", "hold", "withdraw"})  # fmt: skip
    api.step(slug, "hold", "2025-01-17", "on_hold")
    api.refused(slug, "resume", "2025-01-16", "before_previous_event", state="on_hold",
                allowed={"resume", "withdraw"})  # fmt: skip
    api.step(slug, "resume", "2025-01-17", "first_approval")
    api.step(slug, "approve_first", "2025-01-17", "council_of_state")
    api.step(slug, "receive_council_of_state_advice", TODAY, "final_approval", confirm=True)


# -- 4: evidence, on hold and resume, withdrawal from on hold ------------------------------------
def test_evidence_each_event_requires(api: Api) -> None:
    slug = api.create("decree")
    api.step(slug, "complete_drafting", "2025-01-08", "first_approval")
    before = api.snapshot(slug)
    for event, field, values in [
        ("approve_first", "reference", {"reference": None}),
        ("approve_first", "reference", {"reference": "   "}),
        ("hold", "note", {"note": None}),
        ("hold", "note", {"note": ""}),
        ("withdraw", "note", {"note": None}),
    ]:
        body = assert_problem(api.post(slug, event, "2025-01-17", **values), 422)
        assert field in [p["name"] for p in body["invalid_params"]], (event, body)
        assert field in body["detail"]
    assert api.snapshot(slug) == before
    # an approval needs its reference, not a note; a resume only its date
    api.step(slug, "approve_first", "2025-01-17", "advisory_opinions", note=None)
    api.step(slug, "hold", "2025-01-20", "on_hold", reference=None)
    api.step(slug, "resume", "2025-01-21", "advisory_opinions", reference=None, note=None)


def test_hold_then_resume_returns_to_the_held_stage_and_withdraw_from_on_hold(
    api: Api,
) -> None:
    slug = api.create("decree")
    api.step(slug, "complete_drafting", "2025-01-08", "first_approval")
    api.step(slug, "approve_first", "2025-01-17", "advisory_opinions")
    body = api.step(slug, "hold", "2025-01-24", "on_hold", reference=None, note="Wacht op VTC")
    assert body["event"]["note"] == "Wacht op VTC"
    detail = api.detail(slug)
    assert detail["state"] == "on_hold"
    assert detail["state_label"] == "Opgeschort"
    assert actuals(detail)["advisory_opinions"] is None
    check_transitions(
        api, slug, "on_hold", {"resume": "advisory_opinions", "withdraw": "withdrawn"}
    )
    for event in ("receive_advice", "hold", "approve_second"):
        api.refused(
            slug, event, "2025-01-31", "not_allowed_now", state="on_hold",
            allowed={"resume", "withdraw"},
        )  # fmt: skip
    body = api.step(slug, "resume", "2025-02-03", "advisory_opinions", reference=None, note=None)
    assert body["completed_stage"] is None
    assert current(api.detail(slug)) == ["advisory_opinions"]
    api.step(slug, "receive_advice", "2025-02-10", "second_approval")
    assert actuals(api.detail(slug))["advisory_opinions"] == "2025-02-10"

    # on hold again, then withdrawn while on hold
    api.step(slug, "hold", "2025-02-11", "on_hold")
    body = api.step(slug, "withdraw", "2025-03-03", "withdrawn", note="Niet langer nodig")
    assert body["event"]["from_state"] == "on_hold"
    assert body["completed_stage"] is None
    detail = api.detail(slug)
    assert detail["state"] == "withdrawn"
    assert actuals(detail)["second_approval"] is None
    assert current(detail) == []
    api.refused(slug, "resume", "2025-03-04", "final_state", state="withdrawn", allowed=set())
    assert api.transitions(slug)["transitions"] == []

    # 6: the history of an initiative created through the API: creation first, then each step
    today = TODAY.isoformat()
    assert [
        (e["type"], e["event"], e["actor"], e["occurred_on"], e["from_state"], e["to_state"],
         e["reference"], e["note"])
        for e in api.history(slug)
    ] == [
        ("event", "create", ACTOR, today, None, "drafting", None, None),
        ("event", "complete_drafting", ACTOR, "2025-01-08", "drafting", "first_approval",
         REFERENCE, NOTE),
        ("event", "approve_first", ACTOR, "2025-01-17", "first_approval", "advisory_opinions",
         REFERENCE, NOTE),
        ("event", "hold", ACTOR, "2025-01-24", "advisory_opinions", "on_hold", None,
         "Wacht op VTC"),
        ("event", "resume", ACTOR, "2025-02-03", "on_hold", "advisory_opinions", None, None),
        ("event", "receive_advice", ACTOR, "2025-02-10", "advisory_opinions", "second_approval",
         REFERENCE, NOTE),
        ("event", "hold", ACTOR, "2025-02-11", "second_approval", "on_hold", REFERENCE, NOTE),
        ("event", "withdraw", ACTOR, "2025-03-03", "on_hold", "withdrawn", REFERENCE,
         "Niet langer nodig"),
    ]  # fmt: skip


# -- 5: publication before ratification; an order is published after its final approval -------
def test_a_decree_is_not_published_before_ratification(api: Api) -> None:
    slug = api.create("decree", advice=False, plan=SHORT_PLAN["decree"])
    assert [s["stage"] for s in api.detail(slug)["stages"]] == SHORT_STAGES["decree"]
    api.step(slug, "complete_drafting", "2025-01-08", "first_approval")
    api.step(slug, "approve_first", "2025-01-17", "council_of_state")
    # 36 days after the Council's term: warned, so confirmed
    api.step(slug, "receive_council_of_state_advice", "2025-03-24", "final_approval", confirm=True)
    api.step(slug, "approve_final", "2025-03-28", "parliament")
    body = api.refused(slug, "publish", "2025-04-01", "not_allowed_now", state="parliament",
                       allowed={"adopt", "hold", "withdraw"})  # fmt: skip
    assert "Behandeling Vlaams Parlement" in body["detail"]
    api.step(slug, "adopt", "2025-05-07", "ratification")
    body = api.refused(slug, "publish", "2025-05-08", "not_allowed_now", state="ratification",
                       allowed={"ratify", "hold", "withdraw"})  # fmt: skip
    assert "Bekrachtiging en afkondiging VR" in body["detail"]
    api.step(slug, "ratify", "2025-05-09", "publication")
    api.step(slug, "publish", "2025-06-02", "published")


def test_an_order_is_published_right_after_final_approval(api: Api) -> None:
    slug = api.create("order", advice=False, plan=SHORT_PLAN["order"])
    assert [s["stage"] for s in api.detail(slug)["stages"]] == SHORT_STAGES["order"]
    api.step(slug, "complete_drafting", "2025-01-08", "first_approval")
    api.step(slug, "approve_first", "2025-01-17", "council_of_state")
    # 36 days after the Council's term: warned, so confirmed
    api.step(slug, "receive_council_of_state_advice", "2025-03-24", "final_approval", confirm=True)
    body = api.step(slug, "approve_final", "2025-03-28", "publication")
    assert body["completed_stage"] == "final_approval"
    for event in ("adopt", "ratify"):
        refused = api.refused(slug, event, "2025-04-01", "not_in_workflow", state="publication",
                              allowed={"publish", "hold", "withdraw"})  # fmt: skip
        assert "Besluit van de Vlaamse Regering" in refused["detail"]
    body = api.step(slug, "publish", "2025-04-14", "published")
    assert body["completed_stage"] == "publication"
    assert actuals(api.detail(slug))["publication"] == "2025-04-14"


# -- 7: the event log explains the stored state ------------------------------------------------
def test_replaying_the_event_log_gives_the_stored_state_and_actual_dates(
    seeded: Database, api: Api
) -> None:
    api.versions[KLIP] = api.detail(KLIP)["version"]
    api.step(KLIP, "complete_drafting", "2024-12-20", "first_approval")
    api.step(KLIP, "approve_first", "2025-01-17", "advisory_opinions")
    api.step(KLIP, "hold", "2025-01-20", "on_hold")
    api.refused(KLIP, "receive_advice", "2025-01-21", "not_allowed_now", state="on_hold",
                allowed={"resume", "withdraw"})  # fmt: skip
    api.step(KLIP, "resume", "2025-01-22", "advisory_opinions")
    api.step(KLIP, "receive_advice", "2025-02-19", "second_approval")

    published = api.create("decree", advice=False, plan=SHORT_PLAN["decree"])
    for event, on, to in [
        ("complete_drafting", "2025-01-08", "first_approval"),
        ("approve_first", "2025-01-15", "council_of_state"),  # a Wednesday: warned
        ("receive_council_of_state_advice", "2025-03-24", "final_approval"),  # late: warned
        ("approve_final", "2025-03-28", "parliament"),
        ("adopt", "2025-05-07", "ratification"),
        ("ratify", "2025-05-09", "publication"),
        ("publish", "2025-06-02", "published"),
    ]:
        api.step(published, event, on, to, confirm=True)  # the warned dates are meant

    withdrawn = api.create("order")
    api.step(withdrawn, "complete_drafting", "2025-01-08", "first_approval")
    api.refused(withdrawn, "approve_first", "2025-01-18", "not_a_working_day",
                state="first_approval", allowed={"approve_first", "hold", "withdraw"})  # fmt: skip
    api.step(withdrawn, "approve_first", "2025-01-17", "advisory_opinions")
    api.step(withdrawn, "hold", "2025-01-20", "on_hold")
    api.step(withdrawn, "withdraw", "2025-02-03", "withdrawn")

    on_hold = api.create("order", advice=False, plan=SHORT_PLAN["order"])
    api.step(on_hold, "complete_drafting", "2025-01-08", "first_approval")
    api.step(on_hold, "approve_first", "2025-01-17", "council_of_state")
    stale = assert_problem(
        api.post(on_hold, "hold", "2025-01-20", version=api.versions[on_hold] - 1), 412
    )
    assert stale["current_version"] == api.versions[on_hold]
    api.step(on_hold, "hold", "2025-01-20", "on_hold")

    expected = {
        KLIP: ("second_approval", None),
        published: ("published", None),
        withdrawn: ("withdrawn", "any"),
        on_hold: ("on_hold", Stage.COUNCIL_OF_STATE),
    }
    cat = catalogue()
    completed_by = {stage: cat.stages[stage].completed_by for stage in Stage}
    with seeded.uow() as uow:
        slugs = uow.initiatives.slugs()
        assert set(expected) <= slugs
        assert len(slugs) == 11 + 3
        for slug in sorted(slugs):
            initiative = uow.initiatives.get(slug)
            assert initiative is not None
            events = uow.initiatives.events(slug)
            assert events[0].name == "create"
            assert (events[0].from_state, events[0].to_state) == (None, "drafting")
            replayed = replay(events, completed_by)
            assert replayed.state == initiative.state, slug
            assert replayed.held_stage == initiative.held_stage, slug
            stored = {s: m.actual for s, m in initiative.milestones.items() if m.actual}
            assert replayed.actuals == stored, slug
            if slug in expected:
                state, held = expected[slug]
                assert initiative.state == state, slug
                if held != "any":
                    assert initiative.held_stage == held, slug
            workflow = cat.workflows[initiative.kind]
            transitions = {(t.event, t.source, t.dest) for t in workflow.transitions}
            for event in events:
                if event.name in ("create", "edit"):
                    continue
                step = (event.name, event.from_state, event.to_state)
                assert step in transitions, (slug, step)
        assert replay(uow.initiatives.events(published), completed_by).actuals == {
            Stage.DRAFTING: date(2025, 1, 8),
            Stage.FIRST_APPROVAL: date(2025, 1, 15),
            Stage.COUNCIL_OF_STATE: date(2025, 3, 24),
            Stage.FINAL_APPROVAL: date(2025, 3, 28),
            Stage.PARLIAMENT: date(2025, 5, 7),
            Stage.RATIFICATION: date(2025, 5, 9),
            Stage.PUBLICATION: date(2025, 6, 2),
        }
        assert replay(uow.initiatives.events(withdrawn), completed_by).actuals == {
            Stage.DRAFTING: date(2025, 1, 8),
            Stage.FIRST_APPROVAL: date(2025, 1, 17),
        }
        # the refused steps left no trace
        assert [e.name for e in uow.initiatives.events(withdrawn)] == [
            "create", "complete_drafting", "approve_first", "hold", "withdraw",
        ]  # fmt: skip
        assert [e.name for e in uow.initiatives.events(on_hold)] == [
            "create", "complete_drafting", "approve_first", "hold",
        ]  # fmt: skip


# -- 8: messages in Dutch by default, in English on request ------------------------------------
def test_refusals_and_warnings_speak_dutch_by_default_and_english_on_request(api: Api) -> None:
    slug = api.create("decree")
    allowed = {"complete_drafting", "hold", "withdraw"}
    dutch = api.refused(slug, "approve_first", "2025-01-17", "not_allowed_now", state="drafting",
                        allowed=allowed)["detail"]  # fmt: skip
    assert "Voorbereiding" in dutch
    assert "Eerste principiële goedkeuring door de Vlaamse Regering" in dutch
    english = api.refused(slug, "approve_first", "2025-01-17", "not_allowed_now",
                          state="drafting", allowed=allowed, lang="en")["detail"]  # fmt: skip
    assert "Drafting" in english
    assert "First approval in principle by the Flemish Government" in english
    assert "Voorbereiding" not in english
    via_header = assert_problem(
        api.client.post(
            f"/api/initiatives/{slug}/events",
            json={"event": "approve_first", "occurred_on": "2025-01-17", "reference": REFERENCE},
            headers={**api.auth, "If-Match": f'"{api.versions[slug]}"', "Accept-Language": "en"},
        ),
        409,
    )
    assert via_header["detail"] == english

    api.step(slug, "complete_drafting", "2025-01-08", "first_approval")
    allowed = {"approve_first", "hold", "withdraw"}
    dutch = api.refused(slug, "approve_first", "2025-04-21", "not_a_working_day",
                        state="first_approval", allowed=allowed)["detail"]  # fmt: skip
    assert "21 april 2025" in dutch
    english = api.refused(slug, "approve_first", "2025-04-21", "not_a_working_day",
                          state="first_approval", allowed=allowed, lang="en")["detail"]  # fmt: skip
    assert "21 April 2025" in english
    assert "working day" in english
    body = api.step(slug, "approve_first", "2025-01-15", "advisory_opinions", lang="en",
                    confirm=True)  # fmt: skip
    assert body["warnings"][0]["code"] == "not_a_friday"
    assert "Friday" in body["warnings"][0]["message"]
    assert "15 January 2025" in body["warnings"][0]["message"]
    assert body["state_label"] == "Advisory opinions (VTC, SERV, SARC, VVSG, ...)"
    assert body["event"]["label"] == "First approval in principle by the Flemish Government"

    api.step(slug, "withdraw", "2025-01-20", "withdrawn")
    dutch = api.refused(slug, "resume", "2025-01-21", "final_state", state="withdrawn",
                        allowed=set())["detail"]  # fmt: skip
    assert "Ingetrokken" in dutch or "ingetrokken" in dutch
    english = api.refused(slug, "resume", "2025-01-21", "final_state", state="withdrawn",
                          allowed=set(), lang="en")["detail"]  # fmt: skip
    assert "withdrawn" in english.lower()
