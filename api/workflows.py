"""The workflow definitions over HTTP, with a Mermaid diagram."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.problems import INVALID, READ_PROBLEMS
from api.schemas import Labels, WorkflowEvent, WorkflowStage, WorkflowTransition, WorkflowView
from tracker.domain.errors import NotFound
from tracker.domain.model import Kind
from workflows.definitions import Label, WorkflowDef, catalogue
from workflows.diagram import mermaid


def _labels(label: Label) -> Labels:
    return Labels(label.nl, label.en)


def workflow_view(workflow: WorkflowDef, lang: str) -> WorkflowView:
    cat = catalogue()
    return WorkflowView(
        kind=workflow.kind.value,
        labels=_labels(workflow.label),
        initial=workflow.stages[0].value,
        states=list(workflow.states),
        stages=[
            WorkflowStage(
                stage=s.value,
                labels=_labels(cat.stages[s].label),
                completed_by=cat.stages[s].completed_by,
                optional=s in workflow.optional,
                government_decision=cat.stages[s].government_decision,
            )
            for s in workflow.stages
        ],
        events=[
            WorkflowEvent(e, _labels(cat.events[e].label), list(cat.events[e].requires))
            for e in workflow.events
        ],
        transitions=[
            WorkflowTransition(t.event, t.source, t.dest, t.guard.describe() if t.guard else None)
            for t in workflow.transitions
        ],
        mermaid=mermaid(workflow, cat, lang),
    )


class WorkflowController(Controller):
    path = "/api/workflows"
    tags = ("workflows",)

    @get("/", summary="The decree and order workflows", responses=INVALID)
    async def list_workflows(self, language: NamedDependency[str]) -> list[WorkflowView]:
        return [workflow_view(w, language) for w in catalogue().workflows.values()]

    @get(
        "/{kind:str}",
        summary="One workflow: stages, events, transitions, Mermaid diagram",
        responses={**INVALID, 404: READ_PROBLEMS[404]},
    )
    async def get_workflow(
        self, language: NamedDependency[str], kind: FromPath[str]
    ) -> WorkflowView:
        if kind not in {k.value for k in Kind}:
            raise NotFound("workflow", kind)
        return workflow_view(catalogue().workflows[Kind(kind)], language)
