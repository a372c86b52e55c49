"""The decree and order workflows (DESIGN §2) and the engine that runs them (DESIGN §8).

Every expectation here is written out by hand from DESIGN §2: nothing is computed with
`derive_transitions` or asked from the engine, so a wrong derivation or a wrong engine fails.
A stage is *current* while the initiative waits for the event that completes it; that event
enters the next stage the initiative plans (optional stages only when planned).
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
import transitions

from tracker.domain.model import Initiative, Kind, Milestone, Stage, Terminal
from workflows.definitions import catalogue
from workflows.engine import TransitionRefused, engine_for

WORKFLOW_DIR = Path(__file__).resolve().parents[2] / "workflows"

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

STAGES = {
    Kind.DECREE: (
        "drafting",
        "first_approval",
        "advisory_opinions",
        "second_approval",
        "council_of_state",
        "final_approval",
        "parliament",
        "ratification",
        "publication",
    ),
    Kind.ORDER: (
        "drafting",
        "first_approval",
        "advisory_opinions",
        "second_approval",
        "council_of_state",
        "final_approval",
        "publication",
    ),
}
OPTIONAL = frozenset({"advisory_opinions", "second_approval"})
FINAL = ("published", "withdrawn")

# Which optional stages each kind of plan has.
FULL, NO_OPTIONAL, ADVICE_ONLY = "full", "no_optional", "advice_only"
PLANNED_OPTIONAL = {
    FULL: {"advisory_opinions", "second_approval"},
    NO_OPTIONAL: set(),
    ADVICE_ONLY: {"advisory_opinions"},
}

# For each workflow and plan, each stage the initiative goes through: the event that completes
# it and the state that event enters.
FORWARD: dict[tuple[Kind, str], dict[str, tuple[str, str]]] = {
    (Kind.DECREE, FULL): {
        "drafting": ("complete_drafting", "first_approval"),
        "first_approval": ("approve_first", "advisory_opinions"),
        "advisory_opinions": ("receive_advice", "second_approval"),
        "second_approval": ("approve_second", "council_of_state"),
        "council_of_state": ("receive_council_of_state_advice", "final_approval"),
        "final_approval": ("approve_final", "parliament"),
        "parliament": ("adopt", "ratification"),
        "ratification": ("ratify", "publication"),
        "publication": ("publish", "published"),
    },
    (Kind.DECREE, NO_OPTIONAL): {
        "drafting": ("complete_drafting", "first_approval"),
        "first_approval": ("approve_first", "council_of_state"),
        "council_of_state": ("receive_council_of_state_advice", "final_approval"),
        "final_approval": ("approve_final", "parliament"),
        "parliament": ("adopt", "ratification"),
        "ratification": ("ratify", "publication"),
        "publication": ("publish", "published"),
    },
    (Kind.DECREE, ADVICE_ONLY): {
        "drafting": ("complete_drafting", "first_approval"),
        "first_approval": ("approve_first", "advisory_opinions"),
        "advisory_opinions": ("receive_advice", "council_of_state"),
        "council_of_state": ("receive_council_of_state_advice", "final_approval"),
        "final_approval": ("approve_final", "parliament"),
        "parliament": ("adopt", "ratification"),
        "ratification": ("ratify", "publication"),
        "publication": ("publish", "published"),
    },
    (Kind.ORDER, FULL): {
        "drafting": ("complete_drafting", "first_approval"),
        "first_approval": ("approve_first", "advisory_opinions"),
        "advisory_opinions": ("receive_advice", "second_approval"),
        "second_approval": ("approve_second", "council_of_state"),
        "council_of_state": ("receive_council_of_state_advice", "final_approval"),
        "final_approval": ("approve_final", "publication"),
        "publication": ("publish", "published"),
    },
    (Kind.ORDER, NO_OPTIONAL): {
        "drafting": ("complete_drafting", "first_approval"),
        "first_approval": ("approve_first", "council_of_state"),
        "council_of_state": ("receive_council_of_state_advice", "final_approval"),
        "final_approval": ("approve_final", "publication"),
        "publication": ("publish", "published"),
    },
    (Kind.ORDER, ADVICE_ONLY): {
        "drafting": ("complete_drafting", "first_approval"),
        "first_approval": ("approve_first", "advisory_opinions"),
        "advisory_opinions": ("receive_advice", "council_of_state"),
        "council_of_state": ("receive_council_of_state_advice", "final_approval"),
        "final_approval": ("approve_final", "publication"),
        "publication": ("publish", "published"),
    },
}

# In the matrix, an on_hold initiative was held in this stage (planned by every plan).
HELD_IN = "council_of_state"


def make(
    kind: Kind,
    plan: str = FULL,
    state: str = "drafting",
    held_stage: str | None = None,
) -> Initiative:
    """An initiative planning every mandatory stage of its workflow and the optional ones of
    `plan`."""
    planned = [s for s in STAGES[kind] if s not in OPTIONAL or s in PLANNED_OPTIONAL[plan]]
    return Initiative(
        slug=f"{kind}-{plan}",
        title=f"Test {kind} ({plan})",
        kind=kind,
        milestones={Stage(s): Milestone(Stage(s)) for s in planned},
        state=state,
        held_stage=Stage(held_stage) if held_stage else None,
    )


def expected_moves(kind: Kind, plan: str, state: str) -> dict[str, str]:
    """The events allowed in `state`, in workflow order, each with the state it leads to."""
    forward = FORWARD[(kind, plan)]
    if state in forward:
        event, dest = forward[state]
        return {event: dest, "hold": "on_hold", "withdraw": "withdrawn"}
    if state == "on_hold":
        return {"resume": HELD_IN, "withdraw": "withdrawn"}
    return {}  # published, withdrawn


def expected_code(kind: Kind, state: str, event: str) -> str:
    if kind is Kind.ORDER and event in ("adopt", "ratify"):
        return "not_in_workflow"
    if state in FINAL:
        return "final_state"
    return "not_allowed_now"


def _states(kind: Kind, plan: str) -> tuple[str, ...]:
    return (*FORWARD[(kind, plan)], "published", "on_hold", "withdrawn")


def _matrix():
    for kind, plan in FORWARD:
        for state in _states(kind, plan):
            for event in EVENTS:
                yield pytest.param(kind, plan, state, event, id=f"{kind}-{plan}-{state}-{event}")


def _state_cases():
    for kind, plan in FORWARD:
        for state in _states(kind, plan):
            yield pytest.param(kind, plan, state, id=f"{kind}-{plan}-{state}")


def _open_stage_cases():
    for kind, stages in STAGES.items():
        for stage in stages:
            yield pytest.param(kind, stage, id=f"{kind}-{stage}")


# --- 1. every state x every event --------------------------------------------------------------


def test_the_matrix_covers_every_state_and_event_of_both_workflows():
    full_states = {kind: set(_states(kind, FULL)) for kind in Kind}
    assert full_states[Kind.DECREE] == {*STAGES[Kind.DECREE], "published", "on_hold", "withdrawn"}
    assert full_states[Kind.ORDER] == {*STAGES[Kind.ORDER], "published", "on_hold", "withdrawn"}
    assert tuple(catalogue().events) == EVENTS


@pytest.mark.parametrize(("kind", "plan", "state", "event"), list(_matrix()))
def test_event_in_state(kind: Kind, plan: str, state: str, event: str):
    held = HELD_IN if state == "on_hold" else None
    initiative = make(kind, plan, state, held)
    before = copy.deepcopy(initiative)
    moves = expected_moves(kind, plan, state)
    engine = engine_for(kind)

    if event in moves:
        assert engine.fire(initiative, event) == moves[event]
    else:
        with pytest.raises(TransitionRefused) as refused:
            engine.fire(initiative, event)
        error = refused.value
        assert error.code
        assert error.code == expected_code(kind, state, event)
        assert error.event == event
        assert error.state == state
        assert error.allowed == list(moves)
    assert initiative == before


@pytest.mark.parametrize(("kind", "plan", "state"), list(_state_cases()))
def test_allowed_events(kind: Kind, plan: str, state: str):
    held = HELD_IN if state == "on_hold" else None
    initiative = make(kind, plan, state, held)
    assert engine_for(kind).allowed_events(initiative) == list(expected_moves(kind, plan, state))


@pytest.mark.parametrize("event", ["adopt", "ratify"])
@pytest.mark.parametrize("state", [*STAGES[Kind.ORDER], "published", "on_hold", "withdrawn"])
def test_an_order_has_no_parliament_nor_ratification(state: str, event: str):
    initiative = make(Kind.ORDER, FULL, state, HELD_IN if state == "on_hold" else None)
    with pytest.raises(TransitionRefused) as refused:
        engine_for(Kind.ORDER).fire(initiative, event)
    assert refused.value.code == "not_in_workflow"
    assert refused.value.state == state


def test_an_order_is_published_right_after_final_approval():
    """After its final approval an order awaits publication only; a decree must first go through
    parliament and ratification, and cannot be published before it is ratified."""
    order = make(Kind.ORDER, state="final_approval")
    order.state = engine_for(Kind.ORDER).fire(order, "approve_final")
    assert order.state == "publication"
    assert engine_for(Kind.ORDER).fire(order, "publish") == "published"

    decree = make(Kind.DECREE, state="final_approval")
    decree.state = engine_for(Kind.DECREE).fire(decree, "approve_final")
    assert decree.state == "parliament"
    for expected_next, completing in (("ratification", "adopt"), ("publication", "ratify")):
        with pytest.raises(TransitionRefused) as refused:
            engine_for(Kind.DECREE).fire(decree, "publish")
        assert refused.value.code == "not_allowed_now"
        assert refused.value.allowed == [completing, "hold", "withdraw"]
        decree.state = engine_for(Kind.DECREE).fire(decree, completing)
        assert decree.state == expected_next
    assert engine_for(Kind.DECREE).fire(decree, "publish") == "published"


@pytest.mark.parametrize("kind", list(Kind))
def test_publish_is_refused_in_every_stage_before_publication(kind: Kind):
    for state in STAGES[kind][:-1]:
        with pytest.raises(TransitionRefused) as refused:
            engine_for(kind).fire(make(kind, state=state), "publish")
        assert refused.value.code == "not_allowed_now"


@pytest.mark.parametrize("kind", list(Kind))
def test_an_unknown_event_is_refused(kind: Kind):
    initiative = make(kind, state="first_approval")
    with pytest.raises(TransitionRefused) as refused:
        engine_for(kind).fire(initiative, "approve_third")
    assert refused.value.code == "unknown_event"
    assert refused.value.state == "first_approval"
    assert refused.value.allowed == ["approve_first", "hold", "withdraw"]


@pytest.mark.parametrize(
    ("kind", "state"),
    [(Kind.DECREE, "nonsense"), (Kind.ORDER, "nonsense"), (Kind.ORDER, "parliament")],
)
def test_a_state_outside_the_workflow_is_refused(kind: Kind, state: str):
    initiative = make(kind, state=state)
    with pytest.raises(TransitionRefused) as refused:
        engine_for(kind).fire(initiative, "complete_drafting")
    assert refused.value.code == "unknown_state"
    assert refused.value.state == state
    assert refused.value.allowed == []


# --- 2. on hold, resume, withdraw, final states ------------------------------------------------


@pytest.mark.parametrize(("kind", "stage"), list(_open_stage_cases()))
def test_hold_from_every_open_stage_and_resume_where_it_was(kind: Kind, stage: str):
    engine = engine_for(kind)
    initiative = make(kind, FULL, stage)
    assert engine.fire(initiative, "hold") == "on_hold"

    initiative.state, initiative.held_stage = "on_hold", Stage(stage)
    assert engine.allowed_events(initiative) == ["resume", "withdraw"]
    assert engine.fire(initiative, "resume") == stage
    assert engine.fire(initiative, "withdraw") == "withdrawn"
    with pytest.raises(TransitionRefused) as refused:
        engine.fire(initiative, "hold")
    assert refused.value.code == "not_allowed_now"
    assert refused.value.allowed == ["resume", "withdraw"]


@pytest.mark.parametrize("kind", list(Kind))
def test_resume_needs_the_held_stage(kind: Kind):
    initiative = make(kind, FULL, "on_hold", held_stage=None)
    with pytest.raises(TransitionRefused) as refused:
        engine_for(kind).fire(initiative, "resume")
    assert refused.value.code == "not_allowed_now"
    assert refused.value.state == "on_hold"
    assert refused.value.allowed == ["withdraw"]
    assert engine_for(kind).fire(initiative, "withdraw") == "withdrawn"


def test_an_order_cannot_resume_to_a_stage_it_does_not_have():
    initiative = make(Kind.ORDER, FULL, "on_hold", held_stage="parliament")
    with pytest.raises(TransitionRefused) as refused:
        engine_for(Kind.ORDER).fire(initiative, "resume")
    assert refused.value.code == "not_allowed_now"
    assert refused.value.allowed == ["withdraw"]


@pytest.mark.parametrize("state", FINAL)
@pytest.mark.parametrize("kind", list(Kind))
def test_published_and_withdrawn_are_final(kind: Kind, state: str):
    engine = engine_for(kind)
    initiative = make(kind, FULL, state, held_stage="drafting")
    assert engine.allowed_events(initiative) == []
    in_workflow = [e for e in EVENTS if not (kind is Kind.ORDER and e in ("adopt", "ratify"))]
    for event in in_workflow:
        with pytest.raises(TransitionRefused) as refused:
            engine.fire(initiative, event)
        assert refused.value.code == "final_state", event
        assert refused.value.state == state
        assert refused.value.allowed == []
    assert engine.is_final(state)
    assert not engine.is_final("on_hold")


# --- 3. happy paths ----------------------------------------------------------------------------


def _run(kind: Kind, initiative: Initiative, steps: list[tuple[str, str]]) -> None:
    engine = engine_for(kind)
    for event, expected in steps:
        previous = initiative.state
        new_state = engine.fire(initiative, event)
        assert new_state == expected, f"{event} from {previous}"
        assert initiative.state == previous  # the caller applies the result
        if event == "hold":
            initiative.held_stage = Stage(previous)
        elif event == "resume":
            initiative.held_stage = None
        initiative.state = new_state


def test_happy_path_of_a_decree():
    initiative = make(Kind.DECREE, FULL)
    _run(
        Kind.DECREE,
        initiative,
        [
            ("complete_drafting", "first_approval"),
            ("approve_first", "advisory_opinions"),
            ("receive_advice", "second_approval"),
            ("approve_second", "council_of_state"),
            ("receive_council_of_state_advice", "final_approval"),
            ("approve_final", "parliament"),
            ("adopt", "ratification"),
            ("ratify", "publication"),
            ("publish", "published"),
        ],
    )
    assert initiative.state == "published"
    assert engine_for(Kind.DECREE).allowed_events(initiative) == []


def test_happy_path_of_an_order():
    initiative = make(Kind.ORDER, FULL)
    _run(
        Kind.ORDER,
        initiative,
        [
            ("complete_drafting", "first_approval"),
            ("approve_first", "advisory_opinions"),
            ("receive_advice", "second_approval"),
            ("approve_second", "council_of_state"),
            ("receive_council_of_state_advice", "final_approval"),
            ("approve_final", "publication"),
            ("publish", "published"),
        ],
    )
    assert initiative.state == "published"


def test_happy_path_of_an_order_with_a_single_approval_in_principle():
    initiative = make(Kind.ORDER, NO_OPTIONAL)
    _run(
        Kind.ORDER,
        initiative,
        [
            ("complete_drafting", "first_approval"),
            ("approve_first", "council_of_state"),
            ("receive_council_of_state_advice", "final_approval"),
            ("approve_final", "publication"),
            ("publish", "published"),
        ],
    )


def test_a_decree_with_advice_is_held_resumed_and_published():
    initiative = make(Kind.DECREE, ADVICE_ONLY)
    _run(
        Kind.DECREE,
        initiative,
        [
            ("complete_drafting", "first_approval"),
            ("approve_first", "advisory_opinions"),
            ("hold", "on_hold"),
            ("resume", "advisory_opinions"),
            ("receive_advice", "council_of_state"),
            ("receive_council_of_state_advice", "final_approval"),
            ("approve_final", "parliament"),
            ("hold", "on_hold"),
            ("resume", "parliament"),
            ("adopt", "ratification"),
            ("ratify", "publication"),
            ("publish", "published"),
        ],
    )


def test_a_held_order_is_withdrawn():
    initiative = make(Kind.ORDER, FULL)
    _run(
        Kind.ORDER,
        initiative,
        [
            ("complete_drafting", "first_approval"),
            ("hold", "on_hold"),
            ("withdraw", "withdrawn"),
        ],
    )
    with pytest.raises(TransitionRefused) as refused:
        engine_for(Kind.ORDER).fire(initiative, "resume")
    assert refused.value.code == "final_state"


# --- 4. one machine per workflow, never bound to an initiative ----------------------------------


def test_the_engine_is_cached_per_workflow():
    assert engine_for(Kind.DECREE) is engine_for(Kind.DECREE)
    assert engine_for(Kind.ORDER) is engine_for(Kind.ORDER)
    assert engine_for(Kind.DECREE) is not engine_for(Kind.ORDER)
    assert engine_for(Kind.DECREE).machine is not engine_for(Kind.ORDER).machine
    assert isinstance(engine_for(Kind.DECREE).machine, transitions.Machine)


def test_firing_many_events_builds_no_machine(monkeypatch: pytest.MonkeyPatch):
    engines = {kind: engine_for(kind) for kind in Kind}
    machines = {kind: engine.machine for kind, engine in engines.items()}
    constructed: list[object] = []
    original_init = transitions.Machine.__init__

    def spy(self, *args, **kwargs):
        constructed.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(transitions.Machine, "__init__", spy)

    fired = 0
    for n in range(50):
        for kind, plan in ((Kind.DECREE, FULL), (Kind.ORDER, NO_OPTIONAL)):
            initiative = make(kind, plan, state="first_approval")
            initiative.slug = f"{kind}-{n}"
            engine_for(kind).fire(initiative, "approve_first")
            fired += 1
    assert fired == 100
    assert constructed == []
    assert {kind: engine_for(kind) for kind in Kind} == engines
    assert {kind: engine_for(kind).machine for kind in Kind} == machines

    transitions.Machine(model=None, states=["a"], initial="a")  # the spy does see constructions
    assert len(constructed) == 1


@pytest.mark.parametrize("kind", list(Kind))
def test_the_machine_has_no_auto_transitions(kind: Kind):
    machine = engine_for(kind).machine
    assert machine.auto_transitions is False
    assert not [name for name in machine.events if name.startswith("to_")]
    expected = [e for e in EVENTS if not (kind is Kind.ORDER and e in ("adopt", "ratify"))]
    assert list(machine.events) == expected
    assert set(machine.states) == {*STAGES[kind], "published", "on_hold", "withdrawn"}


@pytest.mark.parametrize("kind", list(Kind))
def test_the_machine_holds_no_model(kind: Kind):
    engine = engine_for(kind)
    for stage in STAGES[kind]:
        initiative = make(kind, FULL, stage)
        engine.fire(initiative, "hold")
        engine.allowed_events(initiative)
        with pytest.raises(TransitionRefused):
            engine.fire(initiative, "resume")
    models = list(engine.machine.models)
    assert models == []
    assert not any(isinstance(m, Initiative) for m in models)


def test_interleaved_initiatives_do_not_share_state():
    """The shared machine decides from each initiative's own plan and state."""
    engine = engine_for(Kind.DECREE)
    full = make(Kind.DECREE, FULL, "first_approval")
    bare = make(Kind.DECREE, NO_OPTIONAL, "first_approval")
    advice = make(Kind.DECREE, ADVICE_ONLY, "advisory_opinions")
    for _ in range(3):
        assert engine.fire(full, "approve_first") == "advisory_opinions"
        assert engine.fire(bare, "approve_first") == "council_of_state"
        assert engine.fire(advice, "receive_advice") == "council_of_state"
        assert engine.allowed_events(full) == ["approve_first", "hold", "withdraw"]


# --- 5. firing never mutates the initiative ----------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_firing_does_not_mutate_the_initiative(kind: Kind):
    engine = engine_for(kind)
    initiative = make(kind, FULL, "drafting")
    initiative.milestones[Stage.DRAFTING].actual = None
    before = copy.deepcopy(initiative)

    assert engine.fire(initiative, "complete_drafting") == "first_approval"
    assert initiative == before
    assert initiative.state == "drafting"
    assert engine.fire(initiative, "hold") == "on_hold"
    assert initiative.state == "drafting"
    assert initiative.held_stage is None
    assert initiative == before

    initiative.state = "first_approval"  # the caller applies the result
    assert engine.allowed_events(initiative) == ["approve_first", "hold", "withdraw"]


@pytest.mark.parametrize(
    ("state", "event", "held"),
    [
        ("drafting", "publish", None),
        ("drafting", "no_such_event", None),
        ("on_hold", "resume", None),
        ("on_hold", "complete_drafting", "drafting"),
        ("published", "withdraw", None),
        ("withdrawn", "resume", "drafting"),
    ],
)
def test_a_refused_event_leaves_the_initiative_unchanged(state: str, event: str, held: str | None):
    initiative = make(Kind.DECREE, FULL, state, held)
    before = copy.deepcopy(initiative)
    with pytest.raises(TransitionRefused):
        engine_for(Kind.DECREE).fire(initiative, event)
    assert initiative == before
    assert initiative.state == state


# --- 6. the data -------------------------------------------------------------------------------


def _toml(name: str) -> dict:
    with (WORKFLOW_DIR / name).open("rb") as f:
        return tomllib.load(f)


def _has_labels(raw: dict) -> bool:
    return all(isinstance(raw.get(lang), str) and raw[lang].strip() for lang in ("nl", "en"))


@pytest.mark.parametrize("kind", list(Kind))
def test_workflow_files_follow_the_procedure(kind: Kind):
    raw = _toml(f"{kind}.toml")
    assert raw["kind"] == kind.value
    assert _has_labels(raw)
    assert tuple(raw["stages"]) == STAGES[kind]
    assert set(raw["optional"]) == OPTIONAL
    assert raw["done"] == "published"

    definition = catalogue().workflows[kind]
    assert tuple(s.value for s in definition.stages) == STAGES[kind]
    assert {s.value for s in definition.optional} == OPTIONAL
    assert definition.states == (*STAGES[kind], "published", "on_hold", "withdrawn")


@pytest.mark.parametrize(("kind", "stage"), list(_open_stage_cases()))
def test_every_stage_has_labels_and_a_known_completing_event(kind: Kind, stage: str):
    raw = _toml("stages.toml")
    assert stage in raw["stages"]
    stage_raw = raw["stages"][stage]
    assert _has_labels(stage_raw)
    assert stage_raw["completed_by"] in raw["events"]

    stage_def = catalogue().stages[Stage(stage)]
    assert stage_def.label.nl.strip()
    assert stage_def.label.en.strip()
    assert stage_def.label.get("nl") != stage_def.label.get("en")
    assert stage_def.completed_by in catalogue().events


def test_completing_events_are_those_of_the_procedure():
    completing = {s: catalogue().stages[Stage(s)].completed_by for s in STAGES[Kind.DECREE]}
    assert completing == {s: event for s, (event, _) in FORWARD[(Kind.DECREE, FULL)].items()}


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_has_labels(event: str):
    raw = _toml("stages.toml")["events"]
    assert _has_labels(raw[event])
    label = catalogue().events[event].label
    assert label.nl.strip()
    assert label.en.strip()
    assert "occurred_on" in catalogue().events[event].requires


@pytest.mark.parametrize("state", [t.value for t in Terminal])
def test_terminal_states_have_labels(state: str):
    assert _has_labels(_toml("stages.toml")["states"][state])
    assert catalogue().state_label(state, "nl").strip()
    assert catalogue().state_label(state, "en").strip()
    assert catalogue().state_label(state, "nl") != catalogue().state_label(state, "en")
