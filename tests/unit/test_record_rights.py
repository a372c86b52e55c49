"""Who may record what (issue 23, point 5), on storage in memory: the lead entity's editors
record every step, another involved entity's editors only an advice received, coordinators and
admins everything, viewers nothing; the same right governs what is offered and corrections.
The lead entity is the first of the initiative's entities and is changed by an edit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tracker.domain.access import Principal, Relation, Role
from tracker.domain.corrections import Correction
from tracker.domain.errors import Forbidden, InvalidInput
from tracker.domain.model import Kind
from tracker.outputs.problem_text import forbidden
from tracker.outputs.read_models import EntityView, initiative_view
from tracker.services.corrections import correct_step
from tracker.services.initiatives import (
    InitiativeEdit,
    NewInitiative,
    create_initiative,
    edit_initiative,
)
from tracker.services.steps import options, record_event
from workflows.definitions import catalogue, load_record_rights

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # a Monday
LEAD, OTHER, STRANGE = (
    "agentschap-digitaal-vlaanderen",
    "departement-omgeving",
    "departement-onderwijs-en-vorming",
)
ENTITIES_BY_RELATION = {"lead": {LEAD}, "involved": {OTHER}, "none": {STRANGE}}
COORDINATOR = Principal("coordinator", Role.COORDINATOR)

# The state each representative event is recorded from, the steps (by a coordinator) that
# lead there, and the event's date and evidence. Dates from 13 to 23 November 2026 (Fridays
# for the government's decisions).
STEPS_TO = {
    "drafting": [],
    "first_approval": [("complete_drafting", date(2026, 11, 13), None, None)],
    "advisory_opinions": [
        ("complete_drafting", date(2026, 11, 13), None, None),
        ("approve_first", date(2026, 11, 20), "VR 2026 2011", None),
    ],
}
EVENTS = {  # event: (from state, date, reference, note)
    "complete_drafting": ("drafting", date(2026, 11, 16), None, None),
    "approve_first": ("first_approval", date(2026, 11, 20), "VR 2026 2011 DOC.1", None),
    "receive_advice": ("advisory_opinions", date(2026, 11, 23), None, None),
    "hold": ("drafting", date(2026, 11, 16), None, "wacht op Europese regelgeving"),
    "withdraw": ("first_approval", date(2026, 11, 16), None, "niet langer prioritair"),
}
EVERYTHING = set(EVENTS)
# What each role records, by its relation to the initiative (workflows/permissions.toml).
MAY_RECORD = {
    ("viewer", "lead"): set(), ("viewer", "involved"): set(), ("viewer", "none"): set(),
    ("editor", "lead"): EVERYTHING, ("editor", "involved"): {"receive_advice"},
    ("editor", "none"): set(),
    ("coordinator", "lead"): EVERYTHING, ("coordinator", "involved"): EVERYTHING,
    ("coordinator", "none"): EVERYTHING,
    ("admin", "lead"): EVERYTHING, ("admin", "involved"): EVERYTHING,
    ("admin", "none"): EVERYTHING,
}  # fmt: skip
# Why a refused one is refused: a viewer reads only; an editor of no entity of the initiative
# may not change it at all; an involved editor may not record the government's decisions.
REFUSAL = {"viewer": "viewer_reads_only", "editor": None}
CASES = [
    (role, relation, event)
    for role in ("viewer", "editor", "coordinator", "admin")
    for relation in ("lead", "involved", "none")
    for event in EVENTS
]


def _permitted(role: str, relation: str, event: str) -> bool:
    """MAY_RECORD, for any event of the procedure (every one when it lists all of EVENTS)."""
    listed = MAY_RECORD[role, relation]
    return listed == EVERYTHING or event in listed


def _principal(role: str, relation: str) -> Principal:
    return Principal(f"{role}-{relation}", Role(role), frozenset(ENTITIES_BY_RELATION[relation]))


def _initiative(state: str) -> tuple[FakeUnitOfWork, str, int]:
    """A public decree of Digitaal Vlaanderen (the lead) and Omgeving, in `state`."""
    uow = FakeUnitOfWork()
    with uow:
        created = create_initiative(
            uow,
            NewInitiative(
                title="Decreet over de digitale kluis",
                kind=Kind.DECREE,
                entities=["Digitaal Vlaanderen", "Departement Omgeving"],
                advisory_bodies=["VTC"],
            ),
            COORDINATOR,
            now=NOW,
        )
        uow.commit()
    version = created.version
    for event, day, reference, note in STEPS_TO[state]:
        version = _record(uow, created.slug, event, day, reference, note, COORDINATOR, version)
    return uow, created.slug, version


def _record(
    uow: FakeUnitOfWork,
    slug: str,
    event: str,
    day: date,
    reference: str | None,
    note: str | None,
    principal: Principal,
    version: int,
) -> int:
    with uow:
        done = record_event(
            uow, slug, event=event, occurred_on=day, reference=reference, note=note,
            principal=principal, expected_version=version, now=NOW,
        )  # fmt: skip
        uow.commit()
    return done.initiative.version


@pytest.mark.parametrize(("role", "relation", "event"), CASES)
def test_who_records_what(role, relation, event):
    state, day, reference, note = EVENTS[event]
    uow, slug, version = _initiative(state)
    principal = _principal(role, relation)
    allowed = event in MAY_RECORD[role, relation]
    # What is offered is what it may record of what the procedure allows now.
    offered = {o.event.id for o in options(uow.data.initiatives[slug], principal)}
    procedure = {o.event.id for o in options(uow.data.initiatives[slug])}
    assert offered == {e for e in procedure if _permitted(role, relation, e)}
    assert (event in offered) is allowed
    log_before = list(uow.data.events[slug])
    if allowed:
        assert _record(uow, slug, event, day, reference, note, principal, version) == version + 1
        assert uow.data.events[slug][-1].name == event
        assert uow.data.events[slug][-1].actor == principal.name
        return
    with pytest.raises(Forbidden) as refused:
        _record(uow, slug, event, day, reference, note, principal, version)
    expected_rule = REFUSAL[role] or (
        "event_not_for_entity" if relation == "involved" else "not_its_initiative"
    )
    assert refused.value.rule == expected_rule
    assert uow.data.events[slug] == log_before
    assert uow.data.initiatives[slug].version == version
    assert uow.data.initiatives[slug].state == state


def test_the_refusal_names_the_lead_and_what_the_caller_may_record():
    uow, slug, version = _initiative("first_approval")
    with pytest.raises(Forbidden) as refused:
        _record(
            uow, slug, "approve_first", date(2026, 11, 20), "VR 2026 2011 DOC.1", None,
            _principal("editor", "involved"), version,
        )  # fmt: skip
    params = refused.value.params
    assert params["lead"] == "Agentschap Digitaal Vlaanderen"
    assert params["event"] == "approve_first"
    assert params["may_record"] == ["receive_advice"]
    assert params["token_entities"] == [OTHER]
    assert forbidden(refused.value.rule, params, "nl", "-") == (
        "'Eerste principiële goedkeuring door de Vlaamse Regering' registreert alleen de "
        f"leidende entiteit van '{slug}', Agentschap Digitaal Vlaanderen, of een coördinator. "
        "Het token 'editor-involved' (editor) schrijft voor departement-omgeving en mag hier "
        "registreren: Adviezen ontvangen."
    )
    assert forbidden(refused.value.rule, params, "en", "-") == (
        "'First approval in principle by the Flemish Government' is recorded only by the lead "
        f"entity of '{slug}', Agentschap Digitaal Vlaanderen, or a coordinator. The token "
        "'editor-involved' (editor) writes for departement-omgeving and may record here: "
        "Advisory opinions received."
    )


def _correct(uow, slug, event_id, principal, version, **asked):
    with uow:
        done = correct_step(
            uow, slug, Correction(event_id=event_id, reason="Verkeerde datum", **asked),
            principal, expected_version=version, now=NOW,
        )  # fmt: skip
        uow.commit()
    return done


@pytest.mark.parametrize(("role", "relation"), [(r, rel) for r, rel, e in CASES[:: len(EVENTS)]])
def test_correcting_a_step_needs_the_right_to_record_it(role, relation):
    uow, slug, version = _initiative("advisory_opinions")
    version = _record(
        uow, slug, "receive_advice", date(2026, 11, 23), None, None, COORDINATOR, version
    )
    principal = _principal(role, relation)
    for event in ("approve_first", "receive_advice"):
        step = next(e for e in uow.data.events[slug] if e.name == event)
        fix = {"reference": "VR 2026 2011 DOC.2"} if event == "approve_first" else {"note": "SERV"}
        if _permitted(role, relation, event):
            version = _correct(uow, slug, step.id, principal, version, **fix).initiative.version
            assert uow.data.events[slug][-1].name == "correct"
            continue
        with pytest.raises(Forbidden) as refused:
            _correct(uow, slug, step.id, principal, version, **fix)
        assert refused.value.rule == REFUSAL[role] or (
            "event_not_for_entity" if relation == "involved" else "not_its_initiative"
        )


# -- the lead entity: shown, and changed by an edit -------------------------------------------
def _edit(uow, slug, principal, version, **asked):
    with uow:
        done = edit_initiative(
            uow, slug, InitiativeEdit(**asked), principal, expected_version=version, now=NOW
        )
        uow.commit()
    return done


def test_the_detail_view_names_the_lead_entity():
    uow, slug, _ = _initiative("drafting")
    view = initiative_view(uow.data.initiatives[slug], NOW.date())
    assert view.lead_entity == EntityView(LEAD, "Agentschap Digitaal Vlaanderen")


@pytest.mark.parametrize(
    "principal",
    [COORDINATOR, Principal("admin", Role.ADMIN), _principal("editor", "lead")],
    ids=["coordinator", "admin", "lead editor"],
)
def test_the_lead_is_handed_over_by_a_coordinator_or_the_leads_editor(principal):
    uow, slug, version = _initiative("drafting")
    done = _edit(uow, slug, principal, version, lead_entity="departement omgeving")
    assert done.entities == ["Departement Omgeving", "Agentschap Digitaal Vlaanderen"]
    assert initiative_view(done, NOW.date()).lead_entity == EntityView(
        OTHER, "Departement Omgeving"
    )
    logged = uow.data.events[slug][-1]
    assert (logged.name, logged.note) == ("edit", "entities, lead_entity")
    assert logged.details == {
        "before": {"entities": ["Agentschap Digitaal Vlaanderen", "Departement Omgeving"]},
        "after": {"entities": ["Departement Omgeving", "Agentschap Digitaal Vlaanderen"]},
    }
    # The new lead records the government's decisions, the old one only advice now.
    version = _record(
        uow, slug, "complete_drafting", date(2026, 11, 13), None, None,
        _principal("editor", "involved"), done.version,
    )  # fmt: skip
    with pytest.raises(Forbidden) as refused:
        _record(
            uow, slug, "approve_first", date(2026, 11, 20), "VR 2026 2011 DOC.1", None,
            _principal("editor", "lead"), version,
        )  # fmt: skip
    assert refused.value.rule == "event_not_for_entity"
    assert refused.value.params["lead"] == "Departement Omgeving"


def test_a_new_lead_entity_is_added_in_front():
    uow, slug, version = _initiative("drafting")
    done = _edit(uow, slug, COORDINATOR, version, lead_entity="Agentschap Wegen en Verkeer")
    assert done.entities == [
        "Agentschap Wegen en Verkeer", "Agentschap Digitaal Vlaanderen", "Departement Omgeving",
    ]  # fmt: skip


def test_the_lead_given_with_new_entities_goes_first_among_them():
    uow, slug, version = _initiative("drafting")
    done = _edit(
        uow, slug, COORDINATOR, version,
        entities=["Digitaal Vlaanderen", "Departement Omgeving", "Agentschap Wegen en Verkeer"],
        lead_entity="agentschap-wegen-en-verkeer",
    )  # fmt: skip
    assert done.entities == [
        "Agentschap Wegen en Verkeer", "Agentschap Digitaal Vlaanderen", "Departement Omgeving",
    ]  # fmt: skip


def test_naming_the_current_lead_changes_nothing():
    uow, slug, version = _initiative("drafting")
    done = _edit(uow, slug, _principal("editor", "involved"), version, lead_entity=LEAD)
    assert done.version == version
    assert [e.name for e in uow.data.events[slug]] == ["create"]


@pytest.mark.parametrize(
    "asked",
    [
        {"lead_entity": "Departement Omgeving"},
        {"entities": ["Departement Omgeving", "Digitaal Vlaanderen"]},
    ],
    ids=["lead_entity", "entities reordered"],
)
def test_an_involved_editor_does_not_take_the_lead(asked):
    uow, slug, version = _initiative("drafting")
    with pytest.raises(Forbidden) as refused:
        _edit(uow, slug, _principal("editor", "involved"), version, **asked)
    assert refused.value.rule == "lead_entity_edit"
    assert refused.value.params["lead"] == "Agentschap Digitaal Vlaanderen"
    assert forbidden("lead_entity_edit", refused.value.params, "nl", "-") == (
        "Alleen een coördinator, of een editor van de leidende entiteit Agentschap Digitaal "
        f"Vlaanderen, verandert de leidende entiteit van '{slug}'; het token 'editor-involved' "
        "(editor) schrijft voor departement-omgeving."
    )
    assert uow.data.initiatives[slug].entities == [
        "Agentschap Digitaal Vlaanderen", "Departement Omgeving",
    ]  # fmt: skip
    assert uow.data.initiatives[slug].version == version


def test_an_involved_editor_adds_an_entity_behind_the_lead():
    uow, slug, version = _initiative("drafting")
    done = _edit(
        uow, slug, _principal("editor", "involved"), version,
        entities=["Digitaal Vlaanderen", "Departement Omgeving", "Agentschap Wegen en Verkeer"],
    )  # fmt: skip
    assert done.entities[0] == "Agentschap Digitaal Vlaanderen"
    assert uow.data.events[slug][-1].note == "entities"


def test_an_editor_names_no_unknown_lead_entity():
    uow, slug, version = _initiative("drafting")
    with pytest.raises(InvalidInput) as refused:
        _edit(uow, slug, _principal("editor", "lead"), version, lead_entity="Dienst Zonder Naam")
    assert refused.value.field == "lead_entity"


# -- the table ---------------------------------------------------------------------------------
def test_the_table_covers_every_role_and_relation():
    rights = catalogue().record_rights
    assert set(rights) == {(role, relation) for role in Role for relation in Relation}
    for role in Role:
        for relation in Relation:
            principal = Principal("x", role, frozenset(ENTITIES_BY_RELATION[relation.value]))
            entities = [LEAD, OTHER]
            assert principal.relation(entities) == relation
            for event in EVENTS:
                assert principal.may_record(event, entities, rights) == (
                    event in MAY_RECORD[role.value, relation.value]
                )
    assert not Principal("anonymous").may_record("receive_advice", [LEAD], rights)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"editor": {"lead": ["*"], "involved": []}}, "no 'none'"),
        ({"editor": {"lead": ["approve_frist"], "involved": [], "none": []}}, "approve_frist"),
        ({"editors": {}}, "unknown roles"),
    ],
)
def test_a_mistake_in_the_table_is_an_error(raw, message):
    full = {r.value: {rel.value: [] for rel in Relation} for r in Role}
    with pytest.raises(ValueError, match=message):
        load_record_rights({**full, **raw}, catalogue().events)
