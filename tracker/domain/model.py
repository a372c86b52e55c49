"""Initiatives, stages, planning windows, milestones and events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol


class Kind(StrEnum):
    DECREE = "decree"
    ORDER = "order"


class Stage(StrEnum):
    """Procedural stages, in procedure order."""

    DRAFTING = "drafting"
    FIRST_APPROVAL = "first_approval"
    ADVISORY_OPINIONS = "advisory_opinions"
    SECOND_APPROVAL = "second_approval"
    COUNCIL_OF_STATE = "council_of_state"
    FINAL_APPROVAL = "final_approval"
    PARLIAMENT = "parliament"
    RATIFICATION = "ratification"
    PUBLICATION = "publication"


# Each stage's place in the procedure: a dict lookup, where list(Stage).index walks the enum
# on every call (sorting stages that way was a tenth of the weekly report).
STAGE_ORDER: dict[Stage, int] = {stage: i for i, stage in enumerate(Stage)}


class Terminal(StrEnum):
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    ON_HOLD = "on_hold"


@dataclass(frozen=True, slots=True)
class Span:
    """One alternative of a planning window; `earliest` is None for an open start ("uiterlijk")."""

    earliest: date | None
    latest: date


@dataclass(frozen=True, slots=True)
class Window:
    """A planned period `[earliest, latest]` (inclusive) and the text it was read from.

    An unreadable text keeps `latest` None: it is kept verbatim and never turned into a date.
    """

    text: str
    earliest: date | None = None
    latest: date | None = None
    alternatives: tuple[Span, ...] = ()

    @property
    def parsed(self) -> bool:
        return self.latest is not None

    @property
    def target(self) -> date | None:
        """The day to aim for: the middle of the window, rounded down (the end if open-start)."""
        if self.latest is None:
            return None
        if self.earliest is None:
            return self.latest
        return date.fromordinal((self.earliest.toordinal() + self.latest.toordinal()) // 2)

    @classmethod
    def exact(cls, day: date, text: str | None = None) -> Window:
        return cls(text or day.isoformat(), day, day, (Span(day, day),))


@dataclass(slots=True)
class Milestone:
    """A stage of one initiative.

    `baseline`: the window first planned (moves only by re-baselining); `plan`: the window the
    team plans now (the baseline until re-planned); `forecast`: today's expectation, computed
    from the plan, the actual dates and the minimal durations; `actual`: when it happened.
    """

    stage: Stage
    baseline: Window | None = None
    forecast: Window | None = None
    actual: date | None = None
    plan: Window | None = None

    @property
    def planned(self) -> Window | None:
        """The window the team works towards: the re-planned one, else the baseline."""
        window = self.plan or self.baseline
        return window if window is not None and window.parsed else None


@dataclass(frozen=True, slots=True)
class LegalDeadline:
    text: str
    due_on: date | None


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FindingKind(StrEnum):
    STAGE_ORDER = "stage_order"
    TIGHT_SCHEDULE = "tight_schedule"
    UNPARSED_DATE = "unparsed_date"
    TRUNCATED = "truncated"
    MISSING_ENTITIES = "missing_entities"
    MISSING_PLANNING = "missing_planning"
    UNRESOLVED_DEADLINE = "unresolved_deadline"
    DEADLINE_RISK = "deadline_risk"
    UNKNOWN_ENTITY = "unknown_entity"
    PLAN_IN_PAST = "plan_in_past"  # re-planned in a window that had passed already


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a coordinator should look at; `params` fill the message templates."""

    kind: FindingKind
    severity: Severity
    stage: Stage | None = None
    params: dict[str, Any] = field(default_factory=dict)


# Events the system records besides the workflow's steps: creation, metadata edits,
# corrections of steps and merges (tracker.domain.procedure and .corrections name them).
SYSTEM_EVENTS = frozenset({"create", "edit", "correct", "merge"})
HOLD, RESUME = "hold", "resume"  # the steps that put an initiative on hold and take it back

# Findings that follow from the planned windows; checked again whenever those change.
PLAN_FINDINGS = frozenset(
    {FindingKind.STAGE_ORDER, FindingKind.TIGHT_SCHEDULE, FindingKind.DEADLINE_RISK}
)


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the append-only event log."""

    name: str
    occurred_on: date
    recorded_at: datetime
    actor: str
    from_state: str | None
    to_state: str
    reference: str | None = None
    note: str | None = None
    details: dict[str, Any] | None = None  # an edit's or a correction's before and after values
    id: int | None = None  # known once stored; a correction names the step it corrects by it

    @property
    def is_step(self) -> bool:
        return self.name not in SYSTEM_EVENTS


@dataclass(frozen=True, slots=True)
class PlanChange:
    """A stage re-planned (its forecast moved) or re-baselined (its baseline moved too)."""

    stage: Stage
    recorded_at: datetime
    actor: str
    reason: str
    rebaseline: bool
    plan_before: Window | None
    plan_after: Window | None
    baseline_before: Window | None
    baseline_after: Window | None
    added: bool = False  # the stage joined the procedure with this change (an optional stage)


class Rules(Protocol):
    """What an initiative needs of the procedure's rules to keep its forecasts and findings
    (tracker.domain.forecast.ForecastRules, for its Council of State term)."""

    def expected(self, initiative: Initiative, today: date) -> dict[Stage, Window]:
        """Each open stage's forecast window, as expected `today`."""
        ...

    def plan_findings(self, initiative: Initiative) -> list[Finding]:
        """The findings of a check of the planned windows."""
        ...


# The rules that hold for an initiative as it is (they depend on its Council of State term).
RulesOf = Callable[["Initiative"], Rules]


@dataclass(slots=True)
class Initiative:
    slug: str
    title: str
    kind: Kind
    short_title: str = ""  # tells it apart in a row, a list or a calendar (domain.short_titles)
    summary: str = ""
    entities: list[str] = field(default_factory=list)
    advisory_bodies: list[str] = field(default_factory=list)
    legal_deadlines: list[LegalDeadline] = field(default_factory=list)
    milestones: dict[Stage, Milestone] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    state: str = Stage.DRAFTING.value
    held_stage: Stage | None = None
    policy_area: str | None = None
    source: str | None = None
    is_public: bool = True
    council_of_state_term: str = "days_30"
    entry_into_force: date | None = None  # when the act says so; else publication + 10 days
    merged_into: str | None = None  # the slug of the initiative it was merged into
    id: int | None = None
    version: int = 1

    @property
    def lead_entity(self) -> str | None:
        """The entity that leads it and records the government's decisions: the first of its
        entities (the annex's first, unless changed)."""
        return self.entities[0] if self.entities else None

    @property
    def procedure(self) -> tuple[Stage, ...]:
        """The stages this initiative goes through, in order."""
        return tuple(sorted(self.milestones, key=STAGE_ORDER.__getitem__))

    def plans(self, stage: Stage) -> bool:
        return stage in self.milestones

    # -- changes: each keeps the forecasts and plan findings consistent with what it changed ----
    def record_step(
        self,
        event: str,
        dest: str,
        occurred_on: date,
        completes: Stage | None,
        *,
        rules_of: RulesOf,
        today: date,
    ) -> None:
        """Move to `dest` by `event` (the workflow engine allowed it); the stage it `completes`
        gets its actual date, and the forecasts follow."""
        if event == HOLD:
            self.held_stage = Stage(self.state)
        elif event == RESUME:
            self.held_stage = None
        if completes is not None:
            self.milestones[completes].actual = occurred_on
        self.state = dest
        self.refresh_forecast(rules_of(self), today)

    def replan(
        self, stage: Stage, window: Window, *, rebaseline: bool, rules_of: RulesOf, today: date
    ) -> None:
        """Plan `stage` in `window` (a stage not planned yet joins the procedure); with
        `rebaseline` its baseline moves too, and the plan findings are checked again."""
        milestone = self.milestones.setdefault(stage, Milestone(stage))
        milestone.plan = window
        rules = rules_of(self)
        if rebaseline:
            milestone.baseline = window
            self.refresh_plan_findings(rules)
        self.refresh_forecast(rules, today)

    def edit(self, values: dict[str, Any], *, rules_of: RulesOf, today: date) -> list[str]:
        """Set the metadata `values` (names of EDITABLE); the names that changed. A change of
        what the schedule depends on checks the plan again and moves the forecasts, under the
        rules of what it is now (its Council of State term may have changed)."""
        changed = [name for name, value in values.items() if value != getattr(self, name)]
        for name in changed:
            setattr(self, name, values[name])
        if {"legal_deadlines", "council_of_state_term", "entry_into_force"} & set(changed):
            rules = rules_of(self)
            self.refresh_plan_findings(rules)
            self.refresh_forecast(rules, today)
        return changed

    def follow_log(
        self,
        state: str,
        held_stage: Stage | None,
        actuals: dict[Stage, date],
        *,
        rules_of: RulesOf,
        today: date,
    ) -> None:
        """Take the state, held stage and actual dates of its corrected log; the forecasts
        follow."""
        self.state = state
        self.held_stage = held_stage
        for stage, milestone in self.milestones.items():
            milestone.actual = actuals.get(stage)
        self.refresh_forecast(rules_of(self), today)

    def refresh_forecast(self, rules: Rules, today: date) -> bool:
        """Every milestone's forecast as expected `today` (None once done); whether any moved."""
        expected = rules.expected(self, today)
        changed = False
        for stage, milestone in self.milestones.items():
            window = expected.get(stage)
            if milestone.forecast != window:
                milestone.forecast = window
                changed = True
        return changed

    def refresh_plan_findings(self, rules: Rules) -> None:
        """Replace the findings that follow from the planned windows by a fresh check."""
        kept = [f for f in self.findings if f.kind not in PLAN_FINDINGS]
        self.findings = kept + rules.plan_findings(self)


# Metadata an edit may change, in the order an edit names what it changed (its note, shown in
# history and reports); metadata_values says how each is written in an edit's details (JSON).
EDITABLE = (
    "title", "short_title", "summary", "entities", "is_public", "council_of_state_term",
    "entry_into_force", "legal_deadlines",
)  # fmt: skip


def metadata_values(initiative: Initiative, fields: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(initiative, name)
        if name == "legal_deadlines":
            value = [
                {"date": d.due_on.isoformat() if d.due_on else None, "text": d.text} for d in value
            ]
        elif name == "entities":
            value = list(value)
        elif name == "entry_into_force":
            value = value.isoformat() if value else None
        values[name] = value
    return values


def restore_metadata(initiative: Initiative, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "legal_deadlines":
            value = [
                LegalDeadline(d["text"], date.fromisoformat(d["date"]) if d["date"] else None)
                for d in value
            ]
        elif name == "entry_into_force":
            value = date.fromisoformat(value) if value else None
        setattr(initiative, name, value)
