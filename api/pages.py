"""Server-rendered pages (jinja2 templates in templates/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from tracker.clock import today
from tracker.domain.access import Principal
from tracker.domain.model import Initiative
from tracker.forecasting import assessment
from tracker.i18n import format_window
from tracker.services.initiatives import find_initiatives
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import UnitOfWork
from tracker.views import STATUS_LABELS, FindingView, finding_view
from workflows.definitions import catalogue

PAGE_TEXT = {
    "nl": {
        "programme": "Programma regelgevingsinitiatieven",
        "count": "{n} initiatieven",
        "caption": "Initiatieven met hun huidige stap en de volgende geplande stap",
        "initiative": "Initiatief",
        "kind": "Soort",
        "state": "Huidige stap",
        "next": "Volgende geplande stap",
        "expected": "verwacht",
        "status": "Status",
        "report": "Weekrapport",
        "subscribe": "Abonneren op de kalender",
        "findings": "Opmerkingen",
        "language": "Taal",
    },
    "en": {
        "programme": "Programme of regulatory initiatives",
        "count": "{n} initiatives",
        "caption": "Initiatives with their current step and the next planned step",
        "initiative": "Initiative",
        "kind": "Kind",
        "state": "Current step",
        "next": "Next planned step",
        "expected": "expected",
        "status": "Status",
        "report": "Weekly report",
        "subscribe": "Subscribe to the calendar",
        "findings": "Findings",
        "language": "Language",
    },
}
PROGRAMME_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class NextStep:
    label: str
    planned: str
    forecast: str | None


@dataclass(frozen=True, slots=True)
class ProgrammeRow:
    slug: str
    title: str
    kind_label: str
    state_label: str
    status_label: str
    entities: list[str]
    next: NextStep | None
    findings: list[FindingView]


def _next_step(initiative: Initiative, lang: str) -> NextStep | None:
    stages = [s.value for s in initiative.procedure]
    start = stages.index(initiative.state) if initiative.state in stages else len(stages)
    for stage in initiative.procedure[start:]:
        milestone = initiative.milestones[stage]
        planned, expected = milestone.planned, milestone.forecast
        if planned is not None:
            return NextStep(
                catalogue().stages[stage].label.get(lang),
                format_window(planned.earliest, planned.latest, planned.text, lang),
                None
                if expected is None
                else format_window(expected.earliest, expected.latest, expected.text, lang),
            )
    return None


def _row(initiative: Initiative, lang: str) -> ProgrammeRow:
    cat = catalogue()
    return ProgrammeRow(
        slug=initiative.slug,
        title=initiative.title,
        kind_label=cat.workflows[initiative.kind].label.get(lang),
        state_label=cat.state_label(initiative.state, lang),
        status_label=STATUS_LABELS[assessment(initiative, today()).status].get(lang),
        entities=initiative.entities,
        next=_next_step(initiative, lang),
        findings=[finding_view(f, lang) for f in initiative.findings],
    )


class PageController(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def programme(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        language: NamedDependency[str],
        principal: NamedDependency[Principal],
    ) -> Template:
        base = str(request.base_url).rstrip("/")
        initiatives, _ = find_initiatives(
            uow, InitiativeFilter(), principal, limit=PROGRAMME_LIMIT, offset=0
        )
        return Template(
            template_name="index.html",
            context={
                "https": base,
                "webcal": "webcal://" + base.split("://", 1)[1],
                "lang": language,
                "text": PAGE_TEXT[language],
                "initiatives": [_row(i, language) for i in initiatives],
            },
        )
