"""User-facing texts of findings, in Dutch (default) and English."""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.domain.model import Finding, FindingKind, Stage
from tracker.i18n import format_date
from workflows.definitions import Label, catalogue

FINDING_TEMPLATES: dict[FindingKind, Label] = {
    FindingKind.STAGE_ORDER: Label(
        nl="{stage} ({text}) is gepland vóór de vorige stap, {previous} ({previous_text}).",
        en="{stage} ({text}) is planned before the previous step, {previous} ({previous_text}).",
    ),
    FindingKind.TIGHT_SCHEDULE: Label(
        nl="{stage} ({text}) volgt {planned_days} dagen na {previous} ({previous_text}); "
        "de minimale doorlooptijd is {needed_days} dagen.",
        en="{stage} ({text}) follows {previous} ({previous_text}) by {planned_days} days; "
        "the minimal duration is {needed_days} days.",
    ),
    FindingKind.UNPARSED_DATE: Label(
        nl="Regel {line}: de planning van {stage} ('{text}') is geen herkenbare datum; "
        "de tekst is bewaard zonder datum.",
        en="Line {line}: the planning of {stage} ('{text}') is not a recognisable date; "
        "the text is kept without a date.",
    ),
    FindingKind.TRUNCATED: Label(
        nl="Het initiatief is afgebroken aan het einde van de bijlage (na regel {line}).",
        en="The initiative is cut off at the end of the annex (after line {line}).",
    ),
    FindingKind.MISSING_ENTITIES: Label(
        nl="Er zijn geen betrokken entiteiten vermeld.",
        en="No entities involved are listed.",
    ),
    FindingKind.MISSING_PLANNING: Label(
        nl="Er is geen indicatieve planning vermeld.",
        en="No indicative planning is given.",
    ),
    FindingKind.UNRESOLVED_DEADLINE: Label(
        nl="Een wettelijke termijn kon niet tot een datum worden herleid: '{text}'.",
        en="A legal deadline could not be resolved to a date: '{text}'.",
    ),
    FindingKind.DEADLINE_RISK: Label(
        nl="De publicatie ({text}) kan tot inwerkingtreding na de wettelijke termijn van "
        "{deadline} leiden (uiterlijk {entry_into_force}).",
        en="The publication ({text}) may bring entry into force after the legal deadline of "
        "{deadline} (as late as {entry_into_force}).",
    ),
}

_STAGE_PARAMS = ("stage", "previous")
_DATE_PARAMS = ("deadline", "entry_into_force")


def finding_message(finding: Finding, lang: str = "nl") -> str:
    params: dict[str, Any] = dict(finding.params)
    stages = catalogue().stages
    for key in _STAGE_PARAMS:
        if key in params:
            params[key] = stages[Stage(params[key])].label.get(lang)
    for key in _DATE_PARAMS:
        if key in params:
            params[key] = format_date(date.fromisoformat(params[key]), lang)
    return FINDING_TEMPLATES[finding.kind].get(lang).format(**params)
