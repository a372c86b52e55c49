"""User-facing texts of findings, refusals and warnings, in Dutch (default) and English."""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.domain.model import Finding, FindingKind, Stage
from tracker.outputs.i18n import format_date
from workflows.definitions import Label, catalogue

FINDING_TEMPLATES: dict[FindingKind, Label] = {
    FindingKind.STAGE_ORDER: Label(
        nl="{stage} ({text}) is gepland vóór de vorige stap, {previous} ({previous_text}).",
        en="{stage} ({text}) is planned before the previous step, {previous} ({previous_text}).",
    ),
    FindingKind.PLAN_IN_PAST: Label(
        nl="{stage} is op {on} herpland in '{text}', een periode die toen al voorbij was.",
        en="{stage} was re-planned on {on} in '{text}', a period that had passed already.",
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
    FindingKind.UNKNOWN_ENTITY: Label(
        nl="'{name}' staat niet in het register van entiteiten en is bewaard zoals geschreven; "
        "bekende namen die erop lijken: {closest}. Voeg de naam toe aan het register of voeg "
        "de entiteit samen met een bekende (tracker entity merge).",
        en="'{name}' is not in the register of entities and is kept as written; known names "
        "that look like it: {closest}. Add the name to the register or merge the entity into a "
        "known one (tracker entity merge).",
    ),
}

_STAGE_PARAMS = ("stage", "previous")
_DATE_PARAMS = ("deadline", "entry_into_force", "on")


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


REFUSAL_TEMPLATES: dict[str, Label] = {
    "not_allowed_now": Label(
        nl="'{event_label}' kan niet in de stap '{state_label}'. Toegestaan: {allowed}.",
        en="'{event_label}' is not possible in the step '{state_label}'. Allowed: {allowed}.",
    ),
    "not_in_workflow": Label(
        nl="'{event_label}' hoort niet bij de procedure van dit soort initiatief ({kind_label}).",
        en="'{event_label}' is not part of the procedure of this kind of initiative "
        "({kind_label}).",
    ),
    "final_state": Label(
        nl="Het initiatief is afgesloten ({state_label}): er volgen geen stappen meer.",
        en="The initiative is closed ({state_label}): no further steps follow.",
    ),
    "unknown_event": Label(
        nl="Onbekende gebeurtenis '{event}'. Toegestaan: {allowed}.",
        en="Unknown event '{event}'. Allowed: {allowed}.",
    ),
    "unknown_state": Label(
        nl="Het initiatief staat in een onbekende stap '{state}'.",
        en="The initiative is in an unknown step '{state}'.",
    ),
    "future_date": Label(
        nl="De datum {occurred_on} ligt in de toekomst (vandaag is het {today}).",
        en="The date {occurred_on} lies in the future (today is {today}).",
    ),
    "before_previous_event": Label(
        nl="De datum {occurred_on} ligt vóór de vorige stap ({previous}).",
        en="The date {occurred_on} lies before the previous step ({previous}).",
    ),
    "not_a_working_day": Label(
        nl="{occurred_on} is geen werkdag; de Vlaamse Regering beslist op werkdagen (vrijdag).",
        en="{occurred_on} is not a working day; the Flemish Government decides on working days "
        "(Fridays).",
    ),
    "stage_done": Label(
        nl="De stap '{stage_label}' is al voltooid; een voltooide stap wordt niet herpland.",
        en="The step '{stage_label}' is already done; a completed step is not re-planned.",
    ),
    "stage_passed": Label(
        nl="Het initiatief is voorbij de stap '{stage_label}'.",
        en="The initiative is past the step '{stage_label}'.",
    ),
    "correction_breaks_log": Label(
        nl="Zo verbeterd klopt het verloop niet meer: '{event_label}' vertrekt uit "
        "'{from_state_label}', maar het initiatief is dan in '{state_label}'. Verbeter of "
        "annuleer eerst de latere stappen.",
        en="Corrected like this the log no longer holds: '{event_label}' leaves from "
        "'{from_state_label}', but the initiative is then in '{state_label}'. Correct or annul "
        "the later steps first.",
    ),
    "after_next_event": Label(
        nl="De datum {occurred_on} ligt na de volgende stap ('{next_event_label}', {next}).",
        en="The date {occurred_on} lies after the next step ('{next_event_label}', {next}).",
    ),
    "not_a_publication_day": Label(
        nl="{occurred_on} is geen werkdag; het Belgisch Staatsblad verschijnt niet op zaterdag, "
        "zondag of een wettelijke feestdag.",
        en="{occurred_on} is not a working day; the Belgian Official Gazette does not appear on "
        "Saturdays, Sundays or legal holidays.",
    ),
    "confirm_date": Label(
        nl="'{event_label}' is niet bewaard: de datum vraagt een bevestiging. {warnings_nl} "
        'Klopt de datum, stuur de stap dan opnieuw met "confirm": true.',
        en="'{event_label}' was not stored: the date needs confirming. {warnings_en} "
        'If the date is right, send the step again with "confirm": true.',
    ),
}

WARNING_TEMPLATES: dict[str, Label] = {
    "not_a_friday": Label(
        nl="{occurred_on} is geen vrijdag, terwijl de Vlaamse Regering op vrijdag vergadert: "
        "klopt de datum?",
        en="{occurred_on} is not a Friday, while the Flemish Government meets on Fridays: "
        "is the date right?",
    ),
    "not_a_wednesday": Label(
        nl="{occurred_on} is geen woensdag, terwijl het Vlaams Parlement op woensdag in plenaire "
        "vergadering stemt: klopt de datum?",
        en="{occurred_on} is not a Wednesday, while the Flemish Parliament votes in its "
        "Wednesday plenary sitting: is the date right?",
    ),
    "in_recess": Label(
        nl="{occurred_on} valt in een reces van het Vlaams Parlement ({recess_nl}, {start} tot "
        "en met {end}), zonder plenaire vergadering: klopt de datum?",
        en="{occurred_on} falls in a recess of the Flemish Parliament ({recess_en}, {start} to "
        "{end}), without a plenary sitting: is the date right?",
    ),
    "long_after_council_term": Label(
        nl="Het advies van de Raad van State op {occurred_on} komt {days} dagen na het einde van "
        "zijn termijn ({deadline}): klopt de datum?",
        en="The advice of the Council of State on {occurred_on} comes {days} days after its "
        "term ended ({deadline}): is the date right?",
    ),
    "plan_in_past": Label(
        nl="Het nieuwe venster van '{stage_label}' ({text}) ligt helemaal in het verleden "
        "(vandaag is het {today}).",
        en="The new window of '{stage_label}' ({text}) lies entirely in the past "
        "(today is {today}).",
    ),
    "plan_before_previous": Label(
        nl="Het nieuwe venster van '{stage_label}' ({text}) eindigt vóór de planning van de "
        "vorige stap, '{previous_nl}' ({previous_text}).",
        en="The new window of '{stage_label}' ({text}) ends before the plan of the previous "
        "step, '{previous_en}' ({previous_text}).",
    ),
}


def _render(template: Label, params: dict[str, Any], lang: str) -> str:
    cat = catalogue()
    values: dict[str, Any] = {
        k: format_date(v, lang) if isinstance(v, date) else v for k, v in params.items()
    }
    values["event_label"] = cat.event_label(params.get("event", ""), lang)
    if "state" in params:
        values["state_label"] = _state_label(params["state"], lang)
    if "stage" in params:
        values["stage_label"] = cat.stages[Stage(params["stage"])].label.get(lang)
    if "kind" in params:
        values["kind_label"] = cat.workflows[params["kind"]].label.get(lang)
    if "from_state" in params:
        values["from_state_label"] = _state_label(params["from_state"], lang)
    if "next_event" in params:
        values["next_event_label"] = cat.event_label(params["next_event"], lang)
    if "allowed" in params:
        values["allowed"] = (
            ", ".join(f"{cat.event_label(e, lang)} ({e})" for e in params["allowed"]) or "—"
        )
    return template.get(lang).format_map(_Missing(values))


def _state_label(state: str, lang: str) -> str:
    try:
        return catalogue().state_label(state, lang)
    except ValueError:
        return state


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def refusal_message(code: str, params: dict[str, Any], lang: str = "nl") -> str:
    template = REFUSAL_TEMPLATES.get(code)
    if template is None:
        return code
    return _render(template, params, lang)


INPUT_TEMPLATES: dict[str, Label] = {
    "title_taken": Label(
        nl="{field}: er bestaat al een initiatief met deze titel.",
        en="{field}: an initiative with this title exists already.",
    ),
    "short_title_taken": Label(
        nl="{field}: '{value}' is al de korte titel van een ander initiatief; kies er een die "
        "het van de andere onderscheidt.",
        en="{field}: '{value}' is already the short title of another initiative; choose one "
        "that tells it apart from the others.",
    ),
    "merge_reason_required": Label(
        nl="{field}: zeg waarom de initiatieven samengevoegd worden.",
        en="{field}: say why the initiatives are merged.",
    ),
    "merge_itself": Label(
        nl="{field}: een initiatief wordt niet in zichzelf samengevoegd.",
        en="{field}: an initiative is not merged into itself.",
    ),
    "merge_into_withdrawn": Label(
        nl="{field}: '{value}' is ingetrokken; voeg samen in een initiatief dat loopt.",
        en="{field}: '{value}' is withdrawn; merge into an initiative that goes on.",
    ),
    "merge_across_kinds": Label(
        nl="{field}: '{value}' is geen {kind_label}; alleen initiatieven van dezelfde soort "
        "worden samengevoegd.",
        en="{field}: '{value}' is no {kind_label}; only initiatives of one kind are merged.",
    ),
    "reason_required": Label(
        nl="{field}: zeg waarom de stap verbeterd of geannuleerd wordt.",
        en="{field}: say why the step is corrected or annulled.",
    ),
    "unknown_step": Label(
        nl="{field}: {event_id} is geen stap van dit initiatief (zie de id's in zijn historiek).",
        en="{field}: {event_id} is no step of this initiative (see the ids in its history).",
    ),
    "not_a_step": Label(
        nl="{field}: {event_id} is geen stap van de procedure maar '{event_label}'; alleen "
        "stappen worden verbeterd.",
        en="{field}: {event_id} is no step of the procedure but '{event_label}'; only steps "
        "are corrected.",
    ),
    "already_annulled": Label(
        nl="{field}: de stap {event_id} is al geannuleerd.",
        en="{field}: the step {event_id} was annulled already.",
    ),
    "nothing_changed": Label(
        nl="{field}: de verbetering verandert niets; geef een andere datum, referentie of "
        "notitie, of annuleer de stap.",
        en="{field}: the correction changes nothing; give another date, reference or note, or "
        "annul the step.",
    ),
    "short_title_length": Label(
        nl="{field}: een korte titel telt 3 tot {limit} tekens, spaties niet meegerekend aan "
        "begin en einde.",
        en="{field}: a short title has 3 to {limit} characters, besides spaces at either end.",
    ),
    "evidence_required": Label(
        nl="{field}: verplicht voor '{event_label}'.",
        en="{field}: required for '{event_label}'.",
    ),
    "date_out_of_range": Label(
        nl="{field}: {value} ligt buiten de datums die deze tracker aanvaardt "
        "({earliest} tot en met {latest}).",
        en="{field}: {value} lies outside the dates this tracker accepts ({earliest} to {latest}).",
    ),
}


def input_message(code: str, field: str, params: dict[str, Any], lang: str = "nl") -> str:
    return _render(INPUT_TEMPLATES[code], {**params, "field": field}, lang)


def warning_message(code: str, params: dict[str, Any], lang: str = "nl") -> str:
    return _render(WARNING_TEMPLATES[code], params, lang)
