"""Building an initiative's plan: the stages of its procedure and the checks on their windows."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from tracker.domain.model import Kind, Milestone, Stage, Window
from tracker.domain.schedule import ProcedureRules
from workflows.definitions import Catalogue


@cache
def rules_for(cat: Catalogue, term: str = "days_30") -> ProcedureRules:
    """The rules under a Council of State term: built once per catalogue and term, not for every
    initiative of a report."""
    return ProcedureRules(
        minimum=cat.minimum,
        council_term=cat.council_terms[term].duration,
        government_decisions=cat.government_decisions(),
        calendar=cat.calendar(),
    )


def build_milestones(
    kind: Kind, baselines: Mapping[Stage, Window], *, asks_advice: bool, cat: Catalogue
) -> dict[Stage, Milestone]:
    """A milestone for every stage of the procedure; optional stages only when planned."""
    workflow = cat.workflows[kind]
    milestones = {}
    for stage in workflow.stages:
        planned = stage in baselines or (stage is Stage.ADVISORY_OPINIONS and asks_advice)
        if stage in workflow.optional and not planned:
            continue
        window = baselines.get(stage)
        milestones[stage] = Milestone(stage, baseline=window, forecast=window)
    return milestones


def asks_advice(advisory_bodies: list[str], cat: Catalogue) -> bool:
    """Whether any body other than the Council of State is consulted."""
    return any(
        code in cat.advisory_bodies and not cat.advisory_bodies[code].council_of_state
        for code in advisory_bodies
    )
