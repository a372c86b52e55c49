"""Request and response bodies of the HTTP API (initiative views: tracker.outputs.read_models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import Meta

from tracker.domain.model import Kind
from tracker.outputs.read_models import InitiativeSummaryView, MilestoneView, WindowView
from workflows.definitions import catalogue

NO_NUL = "^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters
Text = Annotated[str, Meta(max_length=20_000, pattern=NO_NUL)]
Name = Annotated[str, Meta(min_length=1, max_length=300, pattern=NO_NUL)]
# Litestar documents a list's own constraints but not those of its items; its msgspec plugin
# takes `extra_json_schema["extra"]` as schema to add, so the item constraints are repeated there.
NAMES = Meta(
    min_length=1,
    max_length=50,
    extra_json_schema={
        "extra": {"items": {"type": "string", "minLength": 1, "maxLength": 300, "pattern": NO_NUL}}
    },
)


# The terms the use cases accept (workflows/durations.toml), documented as an enum; refused
# otherwise with 422 naming the field (tracker.services.initiatives._check_term).
TERMS = sorted(catalogue().council_terms)
Term = Annotated[str, Meta(extra_json_schema={"extra": {"enum": TERMS}})]
TermOrNone = Annotated[str | None, Meta(extra_json_schema={"extra": {"enum": [*TERMS, None]}})]


class InitiativePage(msgspec.Struct):
    items: list[InitiativeSummaryView]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class EntitySummary(msgspec.Struct):
    slug: str
    name: str
    initiatives: int


class Health(msgspec.Struct):
    status: str
    database: str
    schema_revision: str | None


class Labels(msgspec.Struct):
    nl: str
    en: str


# -- requests ---------------------------------------------------------------------------------
class PlannedWindow(msgspec.Struct, forbid_unknown_fields=True):
    """Dutch planning text ("medio maart 2026", "najaar 2026") or explicit dates, not both."""

    text: Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)] | None = None
    earliest: date | None = None
    latest: date | None = None


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    """A window per stage to plan (tracker.domain.model.Stage); stages left out are not planned."""

    drafting: PlannedWindow | None = None
    first_approval: PlannedWindow | None = None
    advisory_opinions: PlannedWindow | None = None
    second_approval: PlannedWindow | None = None
    council_of_state: PlannedWindow | None = None
    final_approval: PlannedWindow | None = None
    parliament: PlannedWindow | None = None
    ratification: PlannedWindow | None = None
    publication: PlannedWindow | None = None


class DeadlineIn(msgspec.Struct, forbid_unknown_fields=True):
    date: date
    text: Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]


ShortTitle = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=60,
        pattern=NO_NUL,
        description="What a calendar, a list or a report calls it; unlike any other's",
    ),
]


class InitiativeCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, Meta(min_length=3, max_length=2000, pattern=NO_NUL)]
    kind: Kind
    entities: Annotated[list[Name], NAMES]
    short_title: ShortTitle | None = None  # proposed from the title when left out
    summary: Text = ""
    is_public: bool = True
    council_of_state_term: Term = "days_30"
    advisory_bodies: Annotated[list[str], Meta(max_length=20)] = []
    legal_deadlines: Annotated[list[DeadlineIn], Meta(max_length=20)] = []
    plan: PlanIn = msgspec.field(default_factory=PlanIn)


class InitiativePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; a field left out (or null) stays as it is."""

    title: Annotated[str, Meta(min_length=3, max_length=2000, pattern=NO_NUL)] | None = None
    short_title: ShortTitle | None = None
    summary: Text | None = None
    entities: Annotated[list[Name], NAMES] | None = None
    is_public: bool | None = None
    council_of_state_term: TermOrNone = None
    legal_deadlines: Annotated[list[DeadlineIn], Meta(max_length=20)] | None = None
    entry_into_force: date | None = None  # when the act says so; else publication + 10 days
    # One of its entities (name, alias or slug), or a new one that is added: moved to the front.
    lead_entity: Name | None = None


class EventCreate(msgspec.Struct, forbid_unknown_fields=True):
    event: Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_NUL)]
    occurred_on: date
    reference: Annotated[str, Meta(max_length=2000, pattern=NO_NUL)] | None = None
    note: Annotated[str, Meta(max_length=5000, pattern=NO_NUL)] | None = None
    # A date that draws warnings is stored only when confirmed (409 confirm_date otherwise).
    confirm: bool = False


class CorrectionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A recorded step (its `id` in the history) corrected or annulled, and why."""

    event_id: Annotated[int, Meta(ge=1, le=2**63 - 1)]
    reason: Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]
    occurred_on: date | None = None
    reference: Annotated[str, Meta(max_length=2000, pattern=NO_NUL)] | None = None
    note: Annotated[str, Meta(max_length=5000, pattern=NO_NUL)] | None = None
    annul: bool = False
    confirm: bool = False  # as for a step: a date that draws warnings is stored when confirmed


class PlanUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The new window as Dutch text or dates (at least `latest`), and the reason."""

    # Documented (api.openapi.StrictStructSchemaPlugin): a body needs `text` or `latest`.
    requires_one_of: ClassVar[tuple[str, ...]] = ("text", "latest")

    reason: Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]
    text: Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)] | None = None
    earliest: date | None = None
    latest: date | None = None
    rebaseline: bool = False


# -- responses --------------------------------------------------------------------------------
class TransitionView(msgspec.Struct):
    event: str
    label: str
    labels: Labels
    requires: list[str]
    to_state: str
    to_state_label: str
    completes_stage: str | None
    government_decision: bool


class TransitionsView(msgspec.Struct):
    slug: str
    state: str
    state_label: str
    version: int
    transitions: list[TransitionView]


class WarningView(msgspec.Struct):
    code: str
    message: str


class EventResult(msgspec.Struct):
    event: EventEntry
    state: str
    state_label: str
    completed_stage: str | None
    version: int
    warnings: list[WarningView]


class PlanValues(msgspec.Struct):
    plan: WindowView | None  # the window planned: re-planned, else the baseline
    baseline: WindowView | None


class EventEntry(msgspec.Struct, tag="event", tag_field="type"):
    id: int | None  # what a correction names (None only in an answer given before commit)
    recorded_at: datetime
    actor: str
    event: str
    label: str
    occurred_on: date
    from_state: str | None
    to_state: str
    reference: str | None
    note: str | None
    # An edit's values before and after; a correction's step (event_id), whether it annuls it,
    # and the step's values before and after.
    details: dict[str, Any] | None = None
    corrected_by: list[int] = []  # the corrections of this step, oldest first


class MergeCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Merge this initiative (created twice) into `into`, the one that stays; and why."""

    into: Annotated[str, Meta(min_length=1, max_length=120, pattern=NO_NUL)]
    reason: Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]


class MergeResult(msgspec.Struct):
    merged: str  # the slug that now redirects
    into: str
    version: int  # of the one that stays


class CorrectionResult(msgspec.Struct):
    correction: EventEntry
    state: str
    state_label: str
    version: int
    warnings: list[WarningView]


class PlanChangeEntry(msgspec.Struct, tag="plan_change", tag_field="type"):
    recorded_at: datetime
    actor: str
    stage: str
    label: str
    reason: str
    rebaseline: bool
    before: PlanValues
    after: PlanValues


class HistoryView(msgspec.Struct):
    slug: str
    entries: list[EventEntry | PlanChangeEntry]


class PlanResult(msgspec.Struct):
    stage: MilestoneView
    version: int
    change: PlanChangeEntry
    warnings: list[WarningView] = []  # a window in the past or before the previous step's plan


class WorkflowStage(msgspec.Struct):
    stage: str
    labels: Labels
    completed_by: str
    optional: bool
    government_decision: bool


class WorkflowEvent(msgspec.Struct):
    event: str
    labels: Labels
    requires: list[str]


class WorkflowTransition(msgspec.Struct):
    event: str
    source: str
    dest: str
    guard: str | None


class WorkflowView(msgspec.Struct):
    kind: str
    labels: Labels
    initial: str
    states: list[str]
    stages: list[WorkflowStage]
    events: list[WorkflowEvent]
    transitions: list[WorkflowTransition]
    mermaid: str
