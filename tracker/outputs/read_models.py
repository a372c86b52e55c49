"""Read models (msgspec Structs) of initiatives, shared by the CLI's JSON and the HTTP API."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from tracker.domain.model import Finding, Initiative, Milestone, Window
from tracker.domain.slugs import slugify
from tracker.domain.status import StageAssessment, Status
from tracker.outputs.messages import finding_message
from tracker.readers.annex import Annex, Draft
from tracker.rules.procedure_rules import assessment
from workflows.definitions import Label, catalogue

STATUS_LABELS = {
    Status.ON_TRACK: Label("Op schema", "On track"),
    Status.AT_RISK: Label("Risico op vertraging", "At risk"),
    Status.SLIPPED: Label("Vertraagd", "Slipped"),
    Status.DONE: Label("Gepubliceerd", "Done"),
    Status.WITHDRAWN: Label("Ingetrokken", "Withdrawn"),
    Status.ON_HOLD: Label("Opgeschort", "On hold"),
}
# Most urgent first: the order of counts, legends and filters everywhere.
STATUS_ORDER = (
    Status.SLIPPED, Status.AT_RISK, Status.ON_TRACK, Status.ON_HOLD, Status.DONE, Status.WITHDRAWN,
)  # fmt: skip


class SpanView(msgspec.Struct):
    earliest: date | None
    latest: date


class WindowView(msgspec.Struct):
    text: str
    earliest: date | None
    latest: date | None
    parsed: bool
    target: date | None
    alternatives: list[SpanView]


class FindingView(msgspec.Struct):
    kind: str
    severity: str
    stage: str | None
    message: str
    params: dict[str, Any]


class DeadlineView(msgspec.Struct):
    date: date | None
    text: str


class EntityView(msgspec.Struct):
    slug: str
    name: str


class MilestoneView(msgspec.Struct):
    stage: str
    label: str
    baseline: WindowView | None
    plan: WindowView | None  # re-planned window; null while the baseline stands
    forecast: WindowView | None
    actual: date | None
    current: bool
    slippage_days: int | None  # (actual, or forecast latest) - baseline latest
    overdue: bool


class StagePlanView(msgspec.Struct):
    """One planning line of an annex, as read."""

    stage: str
    label: str
    line: int
    text: str
    earliest: date | None
    latest: date | None
    parsed: bool
    alternatives: list[SpanView]
    purpose: str | None


class InitiativeSummaryView(msgspec.Struct):
    slug: str
    title: str
    short_title: str
    kind: str
    state: str
    state_label: str
    status: str
    status_label: str
    slippage_days: int | None
    entities: list[EntityView]
    version: int


class InitiativeView(msgspec.Struct):
    slug: str
    title: str
    short_title: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    status: str
    status_label: str
    slippage_days: int | None  # the largest slip of a stage, in days
    entry_into_force: date | None  # expected (latest), or as the act sets it
    summary: str
    policy_area: str | None
    source: str | None
    is_public: bool
    council_of_state_term: str
    entities: list[EntityView]
    lead_entity: EntityView | None  # the first of its entities: it records the decisions
    advisory_bodies: list[str]
    legal_deadlines: list[DeadlineView]
    stages: list[MilestoneView]
    findings: list[FindingView]
    version: int


class DraftView(msgspec.Struct):
    slug: str
    title: str
    short_title: str
    kind: str
    line: int
    summary: str
    entities: list[str]
    advisory_bodies: list[str]
    legal_deadlines: list[DeadlineView]
    stages: list[StagePlanView]
    procedure: list[str]
    findings: list[FindingView]


class AnnexFindingView(msgspec.Struct):
    initiative: str
    kind: str
    severity: str
    stage: str | None
    message: str


class AnnexView(msgspec.Struct):
    source: str | None
    policy_area: str | None
    counts: dict[str, int]
    initiatives: list[DraftView]
    findings: list[AnnexFindingView]


def window_view(window: Window | None) -> WindowView | None:
    if window is None:
        return None
    return WindowView(
        text=window.text,
        earliest=window.earliest,
        latest=window.latest,
        parsed=window.parsed,
        target=window.target,
        alternatives=[SpanView(s.earliest, s.latest) for s in window.alternatives],
    )


def finding_view(finding: Finding, lang: str) -> FindingView:
    return FindingView(
        kind=finding.kind.value,
        severity=finding.severity.value,
        stage=finding.stage.value if finding.stage else None,
        message=finding_message(finding, lang),
        params=finding.params,
    )


def _entities(names: list[str]) -> list[EntityView]:
    return [EntityView(slugify(n), n) for n in names]


def _milestone(m: Milestone, current: str, lang: str, judged: StageAssessment) -> MilestoneView:
    return MilestoneView(
        stage=m.stage.value,
        label=catalogue().stages[m.stage].label.get(lang),
        baseline=window_view(m.baseline),
        plan=window_view(m.plan),
        forecast=window_view(m.forecast),
        actual=m.actual,
        current=m.stage.value == current,
        slippage_days=judged.slippage_days,
        overdue=judged.overdue,
    )


def initiative_summary(
    initiative: Initiative, today: date, lang: str = "nl"
) -> InitiativeSummaryView:
    judged = assessment(initiative, today)
    return InitiativeSummaryView(
        slug=initiative.slug,
        title=initiative.title,
        short_title=initiative.short_title,
        kind=initiative.kind.value,
        state=initiative.state,
        state_label=catalogue().state_label(initiative.state, lang),
        status=judged.status.value,
        status_label=STATUS_LABELS[judged.status].get(lang),
        slippage_days=judged.slippage_days,
        entities=_entities(initiative.entities),
        version=initiative.version,
    )


def initiative_view(initiative: Initiative, today: date, lang: str = "nl") -> InitiativeView:
    """The initiative with its slippage and status on `today` (from its stored forecasts)."""
    cat = catalogue()
    judged = assessment(initiative, today)
    return InitiativeView(
        slug=initiative.slug,
        title=initiative.title,
        short_title=initiative.short_title,
        kind=initiative.kind.value,
        kind_label=cat.workflows[initiative.kind].label.get(lang),
        state=initiative.state,
        state_label=cat.state_label(initiative.state, lang),
        status=judged.status.value,
        status_label=STATUS_LABELS[judged.status].get(lang),
        slippage_days=judged.slippage_days,
        entry_into_force=judged.entry_into_force,
        summary=initiative.summary,
        policy_area=initiative.policy_area,
        source=initiative.source,
        is_public=initiative.is_public,
        council_of_state_term=initiative.council_of_state_term,
        entities=_entities(initiative.entities),
        lead_entity=next(iter(_entities([initiative.lead_entity])), None)
        if initiative.lead_entity
        else None,
        advisory_bodies=initiative.advisory_bodies,
        legal_deadlines=[DeadlineView(d.due_on, d.text) for d in initiative.legal_deadlines],
        stages=[
            _milestone(initiative.milestones[s], initiative.state, lang, judged.stages[s])
            for s in initiative.procedure
        ],
        findings=[finding_view(f, lang) for f in initiative.findings],
        version=initiative.version,
    )


def draft_view(draft: Draft, lang: str = "nl") -> DraftView:
    initiative = draft.initiative
    stages = catalogue().stages
    return DraftView(
        slug=initiative.slug,
        title=initiative.title,
        short_title=initiative.short_title,
        kind=initiative.kind.value,
        line=draft.line,
        summary=initiative.summary,
        entities=initiative.entities,
        advisory_bodies=initiative.advisory_bodies,
        legal_deadlines=[DeadlineView(d.due_on, d.text) for d in initiative.legal_deadlines],
        stages=[
            StagePlanView(
                stage=sl.stage.value,
                label=stages[sl.stage].label.get(lang),
                line=sl.line,
                text=sl.when,
                earliest=sl.window.earliest,
                latest=sl.window.latest,
                parsed=sl.window.parsed,
                alternatives=[SpanView(s.earliest, s.latest) for s in sl.window.alternatives],
                purpose=sl.purpose,
            )
            for sl in draft.stage_lines
        ],
        procedure=[s.value for s in initiative.procedure],
        findings=[finding_view(f, lang) for f in initiative.findings],
    )


def annex_view(annex: Annex, lang: str = "nl") -> AnnexView:
    drafts = [draft_view(d, lang) for d in annex.drafts]
    counts = {"initiatives": len(drafts)}
    for d in drafts:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    return AnnexView(
        source=annex.source,
        policy_area=annex.policy_area,
        counts=counts,
        initiatives=drafts,
        findings=[
            AnnexFindingView(d.slug, f.kind, f.severity, f.stage, f.message)
            for d in drafts
            for f in d.findings
        ],
    )
