"""The use cases' rules, on storage in memory (tests/unit/fakes.py): every change is
`with uow: use_case(uow, ...); uow.commit()`, and a refused one stores nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tracker.domain.access import Principal, Role
from tracker.domain.errors import Forbidden, InvalidInput, NotFound, Refused, StaleVersion
from tracker.domain.model import Kind, Stage
from tracker.domain.windows import read_window
from tracker.services.initiatives import (
    InitiativeEdit,
    NewInitiative,
    create_initiative,
    edit_initiative,
)
from tracker.services.planning import replan
from tracker.services.steps import record_event
from tracker.services.tokens import authenticate, create_token, revoke_token

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Brussels, a Monday
TODAY = date(2026, 11, 23)
COORDINATOR = Principal("coordinator", Role.COORDINATOR)
EDITOR = Principal("dv", Role.EDITOR, frozenset({"agentschap-digitaal-vlaanderen"}))
STRANGER = Principal("omgeving", Role.EDITOR, frozenset({"departement-omgeving"}))


def _new(title: str = "Decreet over de digitale kluis") -> NewInitiative:
    return NewInitiative(
        title=title,
        kind=Kind.DECREE,
        entities=["Digitaal Vlaanderen"],
        plan={
            Stage.FIRST_APPROVAL: read_window("december 2026"),
            Stage.FINAL_APPROVAL: read_window("najaar 2027"),
        },
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """A unit of work over storage that holds one initiative, created by the editor."""
    uow = FakeUnitOfWork()
    with uow:
        create_initiative(uow, _new(), EDITOR, now=NOW)
        uow.commit()
    return uow


def _slug(uow: FakeUnitOfWork) -> str:
    return next(iter(uow.data.initiatives))  # the first one


def _step(uow: FakeUnitOfWork, event: str, version: int, **given: object) -> None:
    arguments: dict[str, object] = {
        "event": event, "occurred_on": TODAY, "reference": None, "note": None,
        "principal": EDITOR, "expected_version": version, "now": NOW,
    }  # fmt: skip
    arguments.update(given)
    with uow:
        record_event(uow, _slug(uow), **arguments)  # type: ignore[arg-type]
        uow.commit()


def test_creating_stores_the_initiative_with_its_creation_in_the_log(uow):
    [initiative] = uow.data.initiatives.values()
    assert (initiative.state, initiative.version, uow.commits) == ("drafting", 1, 1)
    assert initiative.milestones[Stage.FIRST_APPROVAL].baseline == read_window("december 2026")
    [created] = uow.data.events[initiative.slug]
    assert (created.name, created.actor, created.to_state) == ("create", EDITOR.name, "drafting")


def test_a_second_initiative_with_the_same_title_is_refused(uow):
    with uow, pytest.raises(InvalidInput, match="exists already"):
        create_initiative(uow, _new(), COORDINATOR, now=NOW)
    assert len(uow.data.initiatives) == 1


def test_an_editor_creates_initiatives_of_its_own_entities_only(uow):
    with uow, pytest.raises(Forbidden):
        create_initiative(uow, _new("Besluit over iets anders"), STRANGER, now=NOW)
    assert len(uow.data.initiatives) == 1


def test_a_step_moves_the_state_raises_the_version_and_is_logged(uow):
    _step(uow, "complete_drafting", 1, note="IF en BA ontvangen")
    initiative = uow.data.initiatives[_slug(uow)]
    assert (initiative.state, initiative.version) == ("first_approval", 2)
    assert initiative.milestones[Stage.DRAFTING].actual == TODAY
    step = uow.data.events[_slug(uow)][-1]
    assert (step.name, step.from_state, step.to_state) == (
        "complete_drafting", "drafting", "first_approval",
    )  # fmt: skip
    assert (step.actor, step.note) == (EDITOR.name, "IF en BA ontvangen")


@pytest.mark.parametrize(
    ("event", "version", "given", "refusal"),
    [
        ("approve_first", 1, {}, Refused),  # not from drafting
        ("complete_drafting", 2, {}, StaleVersion),  # the caller read a version that never was
        ("complete_drafting", 1, {"occurred_on": date(2026, 11, 24)}, Refused),  # tomorrow
        ("complete_drafting", 1, {"principal": STRANGER}, Forbidden),
        ("complete_drafting", 1, {"principal": Principal("public")}, Exception),
    ],
)
def test_a_refused_step_stores_nothing(uow, event, version, given, refusal):
    before = (dict(uow.data.initiatives), {s: list(e) for s, e in uow.data.events.items()})
    stored = uow.data.initiatives[_slug(uow)]
    with pytest.raises(refusal):
        _step(uow, event, version, **given)
    assert (dict(uow.data.initiatives), dict(uow.data.events)) == before
    assert uow.data.initiatives[_slug(uow)] == stored


def test_a_step_left_without_commit_stores_nothing(uow):
    with uow:
        record_event(
            uow, _slug(uow), event="complete_drafting", occurred_on=TODAY, reference=None,
            note=None, principal=EDITOR, expected_version=1, now=NOW,
        )  # fmt: skip
    assert uow.data.initiatives[_slug(uow)].version == 1
    assert [e.name for e in uow.data.events[_slug(uow)]] == ["create"]


def test_re_planning_moves_the_plan_and_keeps_the_baseline(uow):
    with uow:
        result = replan(
            uow, _slug(uow), "first_approval", read_window("maart 2027"), reason="advies IF",
            rebaseline=False, principal=EDITOR, expected_version=1, now=NOW,
        )  # fmt: skip
        uow.commit()
    milestone = uow.data.initiatives[_slug(uow)].milestones[Stage.FIRST_APPROVAL]
    assert milestone.plan == read_window("maart 2027")
    assert milestone.baseline == read_window("december 2026")
    assert result.initiative.version == 2
    [change] = uow.data.plan_changes[_slug(uow)]
    assert (change.reason, change.plan_before, change.baseline_before, change.rebaseline) == (
        "advies IF", None, read_window("december 2026"), False,
    )  # fmt: skip


def test_only_a_coordinator_re_baselines(uow):
    with uow, pytest.raises(Forbidden):
        replan(
            uow, _slug(uow), "first_approval", read_window("maart 2027"), reason="r",
            rebaseline=True, principal=EDITOR, expected_version=1, now=NOW,
        )  # fmt: skip
    assert uow.data.plan_changes == {}


def test_an_edit_logs_what_changed_before_and_after(uow):
    with uow:
        edit_initiative(
            uow, _slug(uow), InitiativeEdit(title="Decreet over de digitale kluis (2027)"),
            EDITOR, expected_version=1, now=NOW,
        )  # fmt: skip
        uow.commit()
    edit = uow.data.events[_slug(uow)][-1]
    assert edit.name == "edit"
    assert edit.details == {
        "before": {"title": "Decreet over de digitale kluis"},
        "after": {"title": "Decreet over de digitale kluis (2027)"},
    }


def test_an_editor_keeps_one_of_its_own_entities_on_the_initiative(uow):
    with uow:  # an entity the tracker knows
        other = _new("Besluit over de omgevingsvergunning")
        other.entities = ["Departement Omgeving"]
        create_initiative(uow, other, COORDINATOR, now=NOW)
        uow.commit()
    with uow, pytest.raises(Forbidden):
        edit_initiative(
            uow, _slug(uow), InitiativeEdit(entities=["Departement Omgeving"]), EDITOR,
            expected_version=1, now=NOW,
        )  # fmt: skip
    assert uow.data.initiatives[_slug(uow)].entities == ["Agentschap Digitaal Vlaanderen"]


def test_an_initiative_the_caller_may_not_read_is_not_found(uow):
    with uow:
        edit_initiative(
            uow, _slug(uow), InitiativeEdit(is_public=False), EDITOR, expected_version=1, now=NOW
        )
        uow.commit()
    with uow, pytest.raises(NotFound):
        record_event(
            uow, _slug(uow), event="complete_drafting", occurred_on=TODAY, reference=None,
            note=None, principal=STRANGER, expected_version=2, now=NOW,
        )  # fmt: skip


def test_a_token_authenticates_until_it_is_revoked():
    uow = FakeUnitOfWork()
    with uow:
        secret = create_token(uow, name="anna", role=Role.EDITOR, entities=["AIV"], now=NOW)
        uow.commit()
    with uow:
        # AIV, Informatie Vlaanderen, is Agentschap Digitaal Vlaanderen now (the register)
        assert authenticate(uow, secret) == Principal(
            "anna", Role.EDITOR, frozenset({"agentschap-digitaal-vlaanderen"})
        )
        revoke_token(uow, "anna", now=NOW)
        uow.commit()
    with uow:
        assert authenticate(uow, secret) is None
        with pytest.raises(NotFound):
            revoke_token(uow, "anna", now=NOW)


def test_an_edit_of_the_council_term_checks_the_plan_under_the_new_term():
    uow = FakeUnitOfWork()
    new = _new("Ontwerp van besluit met een dringend advies")
    new.kind, new.council_of_state_term = Kind.ORDER, "urgent"
    new.plan = {
        Stage.FIRST_APPROVAL: read_window("begin maart 2026"),
        Stage.FINAL_APPROVAL: read_window("eind maart 2026"),
    }
    with uow:
        created = create_initiative(uow, new, COORDINATOR, now=NOW)
        uow.commit()
    assert created.findings == []
    with uow:
        edited = edit_initiative(
            uow, created.slug, InitiativeEdit(council_of_state_term="days_60"), COORDINATOR,
            expected_version=1, now=NOW,
        )  # fmt: skip
        uow.commit()
    assert [(f.kind.value, f.severity.value) for f in edited.findings] == [
        ("tight_schedule", "error")
    ]
    assert uow.data.initiatives[created.slug].findings == edited.findings


# --- short titles ------------------------------------------------------------------------------


def _create(uow: FakeUnitOfWork, new: NewInitiative, principal: Principal = COORDINATOR) -> str:
    with uow:
        created = create_initiative(uow, new, principal, now=NOW)
        uow.commit()
    return created.short_title


def test_a_new_initiative_gets_a_short_title_unlike_the_others(uow):
    assert uow.data.initiatives[_slug(uow)].short_title == "Decreet over de digitale kluis"
    other = _new("Voorontwerp van decreet over de digitale kluis")  # proposes the same
    assert _create(uow, other) == "Decreet over de digitale kluis (2)"
    chosen = _new("Voorontwerp van decreet houdende de digitale kluis voor ondernemingen")
    chosen.short_title = "  Kluis   voor ondernemingen "
    assert _create(uow, chosen) == "Kluis voor ondernemingen"


@pytest.mark.parametrize(
    ("short_title", "code"),
    [("DECREET OVER DE DIGITALE KLUIS", "short_title_taken"), ("  ab ", "short_title_length"),
     ("x" * 61, "short_title_length")],
)  # fmt: skip
def test_a_short_title_that_is_taken_or_of_the_wrong_length_is_refused(uow, short_title, code):
    new = _new("Voorontwerp van decreet over iets anders")
    new.short_title = short_title
    with uow, pytest.raises(InvalidInput) as refused:
        create_initiative(uow, new, COORDINATOR, now=NOW)
    assert (refused.value.field, refused.value.code) == ("short_title", code)
    assert len(uow.data.initiatives) == 1
    other = _create(uow, _new("Voorontwerp van decreet over iets anders"))
    slug = next(s for s, i in uow.data.initiatives.items() if i.short_title == other)
    with uow, pytest.raises(InvalidInput) as refused:
        edit_initiative(
            uow, slug, InitiativeEdit(short_title=short_title),
            COORDINATOR, expected_version=1, now=NOW,
        )  # fmt: skip
    assert refused.value.code == code
    assert uow.data.initiatives[slug].short_title == other


def test_an_edit_of_the_short_title_is_logged_with_before_and_after(uow):
    with uow:
        edit_initiative(
            uow, _slug(uow), InitiativeEdit(short_title="Digitale kluis"), EDITOR,
            expected_version=1, now=NOW,
        )  # fmt: skip
        uow.commit()
    edit = uow.data.events[_slug(uow)][-1]
    assert (edit.note, edit.details) == (
        "short_title",
        {"before": {"short_title": "Decreet over de digitale kluis"},
         "after": {"short_title": "Digitale kluis"}},
    )  # fmt: skip
    with uow:  # its own short title, in another case: no collision with itself
        edit_initiative(
            uow, _slug(uow), InitiativeEdit(short_title="Digitale Kluis"), EDITOR,
            expected_version=2, now=NOW,
        )  # fmt: skip
        uow.commit()
    assert uow.data.initiatives[_slug(uow)].short_title == "Digitale Kluis"


def test_a_short_title_held_by_an_initiative_the_caller_may_not_read_does_not_count(uow):
    """Refusing it would tell that the hidden initiative exists (as for titles)."""
    with uow:
        edit_initiative(
            uow, _slug(uow), InitiativeEdit(is_public=False), EDITOR, expected_version=1, now=NOW
        )
        uow.commit()
    theirs = NewInitiative(
        title="Voorontwerp van decreet over de digitale kluis", kind=Kind.DECREE,
        entities=["Departement Omgeving"], short_title="Decreet over de digitale kluis",
    )  # fmt: skip
    assert _create(uow, theirs, STRANGER) == "Decreet over de digitale kluis"
