"""The words of the API's errors (problem+json), in Dutch (default) and English.

The libraries that check a request before the use cases run (Litestar, msgspec) speak their own
English ("Invalid RFC3339 encoded date", "Expected `str`, got `int`"). A caller is told instead,
in the language asked for, which field is wrong and why, in words a reader of the API knows;
a library message not recognised here gets a plain general reason, never the library's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from workflows.definitions import Label, catalogue

TITLES: dict[int, Label] = {
    400: Label(nl="Ongeldige aanvraag", en="Bad Request"),
    401: Label(nl="Niet aangemeld", en="Unauthorized"),
    403: Label(nl="Geen toegang", en="Forbidden"),
    404: Label(nl="Niet gevonden", en="Not Found"),
    405: Label(nl="Methode niet toegestaan", en="Method Not Allowed"),
    409: Label(nl="Niet toegestaan", en="Conflict"),
    412: Label(nl="Verouderde versie", en="Precondition Failed"),
    413: Label(nl="Aanvraag te groot", en="Content Too Large"),
    415: Label(nl="Niet-ondersteund formaat", en="Unsupported Media Type"),
    422: Label(nl="Onbruikbare inhoud", en="Unprocessable Content"),
    428: Label(nl="Voorwaarde vereist", en="Precondition Required"),
    429: Label(nl="Te veel aanvragen", en="Too Many Requests"),
    500: Label(nl="Interne fout", en="Internal Server Error"),
    503: Label(nl="Tijdelijk niet beschikbaar", en="Service Unavailable"),
}


def title(status: int, lang: str) -> str:
    known = TITLES.get(status)
    if known is not None:
        return known.get(lang)
    if lang == "en":
        try:
            return HTTPStatus(status).phrase
        except ValueError:
            return "Error"
    return "Serverfout" if status >= 500 else "Aanvraag geweigerd"


# -- whole-problem texts (`detail`), by code -------------------------------------------------
DETAILS: dict[str, Label] = {
    "writing_needs_token": Label(
        nl="Wijzigen vraagt een API-token: stuur 'Authorization: Bearer <token>'.",
        en="Changing anything needs an API token: send 'Authorization: Bearer <token>'.",
    ),
    "unknown_token": Label(
        nl="Dit API-token is onbekend of ingetrokken.",
        en="This API token is unknown or has been revoked.",
    ),
    "bearer_form": Label(
        nl="Stuur het token als 'Authorization: Bearer <token>'.",
        en="Send the token as 'Authorization: Bearer <token>'.",
    ),
    "not_authenticated": Label(nl="U bent niet aangemeld.", en="You are not signed in."),
    "not_found": Label(nl="{what} '{key}' niet gevonden.", en="{what} '{key}' not found."),
    "no_route": Label(
        nl="Op dit adres is niets te vinden.", en="There is nothing at this address."
    ),
    "method_not_allowed": Label(
        nl="De methode {method} is hier niet toegestaan; wel: {allowed}.",
        en="The method {method} is not allowed here; allowed: {allowed}.",
    ),
    "stale_version": Label(
        nl="Versie {expected} is verouderd: het initiatief is aan versie {current}. "
        "Lees het opnieuw (met zijn ETag) en probeer dan opnieuw.",
        en="Version {expected} is stale: the initiative is at version {current}. "
        "Read it again (its ETag) and retry.",
    ),
    "too_large": Label(
        nl="De aanvraag is groter dan de limiet van {limit_bytes} bytes ({limit_kb} KB).",
        en="The request is larger than the limit of {limit_bytes} bytes ({limit_kb} KB).",
    ),
    "unsupported_media_type": Label(
        nl="Dit formaat wordt niet ondersteund: stuur JSON (Content-Type: application/json).",
        en="This format is not supported: send JSON (Content-Type: application/json).",
    ),
    "if_match_required": Label(
        nl="If-Match is verplicht: stuur de ETag van de versie die u las, bijvoorbeeld "
        'If-Match: "3".',
        en='If-Match is required: send the ETag of the version you read, e.g. If-Match: "3".',
    ),
    "idempotency_key_reused": Label(
        nl="Deze Idempotency-Key werd al gebruikt voor een andere aanvraag; "
        "kies een nieuwe sleutel voor deze.",
        en="This Idempotency-Key was used for another request; use a new key for this one.",
    ),
    "rate_limited": Label(
        nl="Te veel aanvragen; probeer opnieuw over {seconds} s.",
        en="Too many requests; retry in {seconds} s.",
    ),
    "database_busy": Label(
        nl="De databank was {waited} s bezig met andere wijzigingen; er is niets opgeslagen. "
        "Probeer opnieuw.",
        en="The database was busy with other changes for {waited} s; nothing was written. Retry.",
    ),
    "internal_error": Label(
        nl="Er liep iets onverwachts mis; de fout is gelogd.",
        en="An unexpected error occurred; it has been logged.",
    ),
    "invalid_request": Label(nl="De aanvraag is ongeldig.", en="The request is invalid."),
    "refused": Label(nl="De aanvraag is geweigerd.", en="The request was refused."),
    "forbidden": Label(
        nl="Dit token mag deze wijziging niet doen.", en="This token may not make this change."
    ),
}

NOT_FOUND_WHAT: dict[str, Label] = {
    "initiative": Label(nl="Initiatief", en="Initiative"),
    "stage": Label(nl="Stap", en="Stage"),
    "workflow": Label(nl="Procedure", en="Workflow"),
    "entity": Label(nl="Entiteit", en="Entity"),
    "token": Label(nl="Token", en="Token"),
    "feed token": Label(nl="Feedtoken", en="Feed token"),
    "feed": Label(nl="Feed", en="Feed"),
}

# 403: why, from the facts the use case gives (tracker.domain.errors.Forbidden).
FORBIDDEN: dict[str, Label] = {
    "viewer_reads_only": Label(
        nl="Het token '{name}' heeft de rol {role}: het mag lezen, niet wijzigen.",
        en="The token '{name}' has the role {role}: it may read, not change.",
    ),
    "not_its_initiative": Label(
        nl="Het token '{name}' ({role}) schrijft voor {token_entities}; '{slug}' hoort bij "
        "{entities}.",
        en="The token '{name}' ({role}) writes for {token_entities}; '{slug}' belongs to "
        "{entities}.",
    ),
    "create_outside_entities": Label(
        nl="Het token '{name}' ({role}) schrijft voor {token_entities} en maakt alleen "
        "initiatieven van die entiteiten; gevraagd: {entities}.",
        en="The token '{name}' ({role}) writes for {token_entities} and only creates "
        "initiatives of those entities; asked: {entities}.",
    ),
    "keep_own_entity": Label(
        nl="Een editor houdt minstens één van zijn eigen entiteiten ({token_entities}) op het "
        "initiatief; na deze wijziging: {entities}.",
        en="An editor keeps at least one of its own entities ({token_entities}) on the "
        "initiative; after this change: {entities}.",
    ),
    "remove_owner": Label(
        nl="Alleen een coördinator, of een editor van die entiteit, verwijdert een eigenaar: "
        "het token schrijft voor {token_entities}, verwijderd zou worden: {entities}.",
        en="Only a coordinator, or an editor of that entity, removes an owner: the token "
        "writes for {token_entities}, to be removed: {entities}.",
    ),
    "publish_needs_every_owner": Label(
        nl="Alleen een coördinator, of een editor van elke eigenaar, maakt het openbaar: "
        "het token schrijft voor {token_entities}, de eigenaars zijn {entities}.",
        en="Only a coordinator, or an editor of every owner, makes it public: the token "
        "writes for {token_entities}, the owners are {entities}.",
    ),
    "event_not_for_entity": Label(
        nl="'{event}' registreert alleen de leidende entiteit van '{slug}', {lead}, of een "
        "coördinator. Het token '{name}' ({role}) schrijft voor {token_entities} en mag hier "
        "registreren: {may_record}.",
        en="'{event}' is recorded only by the lead entity of '{slug}', {lead}, or a "
        "coordinator. The token '{name}' ({role}) writes for {token_entities} and may record "
        "here: {may_record}.",
    ),
    "lead_entity_edit": Label(
        nl="Alleen een coördinator, of een editor van de leidende entiteit {lead}, verandert de "
        "leidende entiteit van '{slug}'; het token '{name}' ({role}) schrijft voor "
        "{token_entities}.",
        en="Only a coordinator, or an editor of the lead entity {lead}, changes the lead entity "
        "of '{slug}'; the token '{name}' ({role}) writes for {token_entities}.",
    ),
    "rebaseline_coordinators": Label(
        nl="Alleen een coördinator herziet de basisplanning (re-baseline); het token '{name}' "
        "heeft de rol {role}.",
        en="Only coordinators re-baseline; the token '{name}' has the role {role}.",
    ),
}

NONE = Label(nl="geen", en="none")


def detail(code: str, lang: str, **params: Any) -> str:
    return DETAILS[code].get(lang).format(**params)


def not_found(what: str, key: str, lang: str) -> str:
    label = NOT_FOUND_WHAT.get(what)
    named = label.get(lang) if label else what
    return detail("not_found", lang, what=named, key=key)


def _listed(values: Iterable[Any], lang: str) -> str:
    items = [str(v) for v in values]
    return ", ".join(items) if items else NONE.get(lang)


def forbidden(rule: str | None, params: dict[str, Any], lang: str, fallback: str) -> str:
    """Why a 403; `fallback` (the use case's own words) for a rule without a text here."""
    template = FORBIDDEN.get(rule or "")
    if template is None:
        return fallback
    cat = catalogue()
    for key in ("event", "may_record"):  # event ids, told by their labels
        if isinstance(params.get(key), str):
            params = {**params, key: cat.event_label(params[key], lang)}
        elif isinstance(params.get(key), list):
            params = {**params, key: [cat.event_label(e, lang) for e in params[key]]}
    shown = {
        key: _listed(value, lang) if isinstance(value, list | tuple | set | frozenset) else value
        for key, value in params.items()
    }
    try:
        return template.get(lang).format(**shown)
    except (KeyError, IndexError):
        return fallback


# -- reasons of one field (`invalid_params[].reason`) ----------------------------------------
DATE = Label(
    nl="moet een datum zijn in de vorm JJJJ-MM-DD, zoals 2025-01-17",
    en="must be a date as YYYY-MM-DD, such as 2025-01-17",
)
DATETIME = Label(
    nl="moet een tijdstip zijn in de vorm JJJJ-MM-DDTUU:MM:SS met tijdzone, "
    "zoals 2025-01-17T09:30:00+01:00",
    en="must be a moment as YYYY-MM-DDTHH:MM:SS with a time zone, "
    "such as 2025-01-17T09:30:00+01:00",
)
TIME = Label(
    nl="moet een uur zijn in de vorm UU:MM:SS, zoals 09:30:00",
    en="must be a time as HH:MM:SS, such as 09:30:00",
)
KINDS: dict[str, Label] = {
    "str": Label(nl="tekst", en="text"),
    "int": Label(nl="een geheel getal", en="a whole number"),
    "float": Label(nl="een getal", en="a number"),
    "number": Label(nl="een getal", en="a number"),
    "decimal": Label(nl="een getal", en="a number"),
    "bool": Label(nl="true of false", en="true or false"),
    "null": Label(nl="null", en="null"),
    "array": Label(nl="een lijst", en="a list"),
    "object": Label(nl="een object", en="an object"),
    "date": Label(nl="een datum (JJJJ-MM-DD)", en="a date (YYYY-MM-DD)"),
    "datetime": Label(nl="een tijdstip", en="a moment"),
    "time": Label(nl="een uur", en="a time of day"),
    "uuid": Label(nl="een UUID", en="a UUID"),
    "bytes": Label(nl="tekst", en="text"),
}
REASONS: dict[str, Label] = {
    "missing": Label(nl="verplicht veld ontbreekt", en="required field is missing"),
    "unknown_field": Label(nl="onbekend veld", en="unknown field"),
    "body_required": Label(nl="een JSON-body is verplicht", en="a JSON body is required"),
    "wrong_type": Label(nl="moet {expected} zijn, niet {got}", en="must be {expected}, not {got}"),
    "wrong_type_only": Label(nl="moet {expected} zijn", en="must be {expected}"),
    "wrong_kind": Label(
        nl="heeft niet het juiste soort waarde", en="does not have the right kind of value"
    ),
    "not_one_of": Label(
        nl="'{value}' is geen toegestane waarde; kies uit: {allowed}",
        en="'{value}' is not one of the allowed values: {allowed}",
    ),
    "not_allowed_value": Label(
        nl="'{value}' is geen toegestane waarde", en="'{value}' is not an allowed value"
    ),
    "one_of": Label(nl="moet een van deze zijn: {allowed}", en="must be one of: {allowed}"),
    "text_at_most": Label(
        nl="is te lang: ten hoogste {bound} tekens", en="is too long: at most {bound} characters"
    ),
    "text_at_least": Label(
        nl="is te kort: minstens {bound} tekens", en="is too short: at least {bound} characters"
    ),
    "items_at_most": Label(
        nl="bevat te veel elementen: ten hoogste {bound}",
        en="holds too many items: at most {bound}",
    ),
    "items_at_least": Label(
        nl="bevat te weinig elementen: minstens {bound}",
        en="holds too few items: at least {bound}",
    ),
    "at_most": Label(
        nl="valt buiten het bereik: ten hoogste {bound}", en="is out of range: at most {bound}"
    ),
    "at_least": Label(
        nl="valt buiten het bereik: minstens {bound}", en="is out of range: at least {bound}"
    ),
    "below": Label(
        nl="valt buiten het bereik: kleiner dan {bound}", en="is out of range: below {bound}"
    ),
    "above": Label(
        nl="valt buiten het bereik: groter dan {bound}", en="is out of range: above {bound}"
    ),
    "multiple_of": Label(
        nl="moet een veelvoud zijn van {bound}", en="must be a multiple of {bound}"
    ),
    "no_nul": Label(
        nl="mag geen NUL-teken (\\u0000) bevatten", en="must not contain a NUL character (\\u0000)"
    ),
    "pattern": Label(nl="heeft niet de verwachte vorm", en="does not have the expected form"),
    "malformed_json": Label(
        nl="is geen geldige JSON (fout bij byte {byte})",
        en="is not valid JSON (error at byte {byte})",
    ),
    "malformed_json_plain": Label(nl="is geen geldige JSON", en="is not valid JSON"),
    "truncated_json": Label(
        nl="is onvolledige JSON: de tekst houdt te vroeg op",
        en="is incomplete JSON: the text ends too early",
    ),
    "too_deep": Label(
        nl="is te diep genest: ten hoogste {bound} niveaus",
        en="nests too deeply: at most {bound} levels",
    ),
    "etag": Label(
        nl='moet één sterke ETag zijn, zoals "3" (met aanhalingstekens)',
        en='must be one strong ETag, such as "3" (with the quotes)',
    ),
    "unknown_stage": Label(
        nl="onbekende stap '{value}'; kies uit: {allowed}",
        en="unknown stage '{value}'; one of: {allowed}",
    ),
    "invalid": Label(
        nl="heeft een waarde die hier niet kan", en="has a value that cannot be used here"
    ),
    # The use cases' own reasons (tracker.services, tracker.domain), as they word them.
    "not_iso_week": Label(
        nl="'{value}' is geen ISO-week zoals 2026-W48",
        en="'{value}' is not an ISO week such as 2026-W48",
    ),
    "in_the_future": Label(nl="ligt in de toekomst", en="lies in the future"),
    "week_not_started": Label(nl="{value} is nog niet begonnen", en="{value} has not started yet"),
    "before_any_data": Label(
        nl="ligt vóór de eerste opgeslagen gegevens", en="lies before any data was recorded"
    ),
    "unknown_entity": Label(nl="onbekende entiteit {value}", en="unknown entity {value}"),
    "unknown_entity_added": Label(
        nl="onbekende entiteit {value}: alleen een coördinator voegt een entiteit toe die de "
        "tracker niet kent",
        en="unknown entity {value}: only a coordinator adds an entity the tracker does not know",
    ),
    "title_taken": Label(
        nl="er bestaat al een initiatief met deze titel",
        en="an initiative with this title exists already",
    ),
    "title_short": Label(
        nl="een titel heeft minstens 3 tekens naast spaties",
        en="a title has at least 3 characters besides spaces",
    ),
    "not_a_stage_of": Label(
        nl="geen stap van de procedure {value}", en="not a stage of the {value} workflow"
    ),
    "text_or_dates": Label(
        nl="geef de Nederlandse tekst of de datums, niet beide",
        en="give either the Dutch text or the dates, not both",
    ),
    "unreadable_planning": Label(
        nl="'{value}' is geen planningsdatum die deze tracker kan lezen",
        en="'{value}' is not a planning date this tracker can read",
    ),
    "text_or_latest": Label(
        nl="geef de Nederlandse tekst of minstens de laatste datum",
        en="give the Dutch text or at least the latest date",
    ),
    "say_why": Label(nl="zeg waarom de planning wijzigt", en="say why the plan changes"),
    "not_an_entity_name": Label(
        nl="'{value}' is geen naam van een entiteit", en="'{value}' is not an entity name"
    ),
    "unknown_bodies": Label(
        nl="onbekend: {value}; bekend: {allowed}", en="unknown {value}; known: {allowed}"
    ),
}

_BOUND_REASONS = {
    ("str", "<="): "text_at_most",
    ("str", ">="): "text_at_least",
    ("array", "<="): "items_at_most",
    ("array", ">="): "items_at_least",
    ("object", "<="): "items_at_most",
    ("object", ">="): "items_at_least",
}
_COMPARISONS = {"<=": "at_most", ">=": "at_least", "<": "below", ">": "above"}
_ALTERNATIVES = re.compile(r"^\^\(([\w|-]+)\)\$$")
NO_NUL_PATTERN = "^[^\\x00]*$"


def _kind(names: str, lang: str) -> str:
    """msgspec's `str | null` as 'tekst of null'."""
    kinds = [KINDS[n.strip()] for n in names.split("|")]
    joiner = " or " if lang == "en" else " of "
    return joiner.join(kind.get(lang) for kind in kinds)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, dict[str, Any]]]]


def _rules() -> list[Rule]:
    def fixed(code: str) -> Callable[[re.Match[str]], tuple[str, dict[str, Any]]]:
        return lambda m: (code, {})

    def valued(code: str) -> Callable[[re.Match[str]], tuple[str, dict[str, Any]]]:
        return lambda m: (code, {"value": m[1]})

    def bounded(m: re.Match[str]) -> tuple[str, dict[str, Any]]:
        kind, op, bound = m[1], m[2], m[3]
        code = _BOUND_REASONS.get((kind, op)) or _COMPARISONS.get(op, "invalid")
        return code, {"bound": bound}

    def pattern(m: re.Match[str]) -> tuple[str, dict[str, Any]]:
        regex = m[1]
        if regex in (NO_NUL_PATTERN, "^[^\x00]*$"):
            return "no_nul", {}
        alternatives = _ALTERNATIVES.match(regex)
        if alternatives:
            return "one_of", {"allowed": alternatives[1].split("|")}
        return "pattern", {}

    def malformed(m: re.Match[str]) -> tuple[str, dict[str, Any]]:
        byte = re.search(r"\(byte (\d+)\)", m.string)
        return ("malformed_json", {"byte": byte[1]}) if byte else ("malformed_json_plain", {})

    return [
        (re.compile(r"^Object missing required field `[^`]*`"), fixed("missing")),
        (re.compile(r"^Missing required \w+ parameter"), fixed("missing")),
        (re.compile(r"^Object contains unknown field `[^`]*`"), fixed("unknown_field")),
        (re.compile(r"^'data'$"), fixed("body_required")),
        (re.compile(r"^Invalid RFC3339 encoded date$"), lambda m: ("date", {})),
        (re.compile(r"^Invalid RFC3339 encoded datetime$"), lambda m: ("datetime", {})),
        (re.compile(r"^Invalid RFC3339 encoded time$"), lambda m: ("time", {})),
        (re.compile(r"^Expected `date`"), lambda m: ("date", {})),
        (re.compile(r"^Expected `datetime`"), lambda m: ("datetime", {})),
        (re.compile(r"^Expected `time`"), lambda m: ("time", {})),
        (re.compile(r"^Invalid enum value (.*)$"), lambda m: ("not_one_of", {"value": m[1]})),
        (re.compile(r"^Expected `(\w+)` of length (<=|>=) (\d+)"), bounded),
        (re.compile(r"^Expected `(\w+)` (<=|>=|<|>) (-?[\d.e+]+)$"), bounded),
        (
            re.compile(r"^Expected `\w+` that is a multiple of (\S+)$"),
            lambda m: ("multiple_of", {"bound": m[1]}),
        ),
        (re.compile(r"^Expected `str` matching regex '(.*)'$", re.DOTALL), pattern),
        (
            re.compile(r"^Expected `([\w |]+)`, got `([\w |]+)`$"),
            lambda m: ("wrong_type", {"expected": m[1], "got": m[2]}),
        ),
        (re.compile(r"^Expected `([\w |]+)`$"), lambda m: ("wrong_type_only", {"expected": m[1]})),
        (re.compile(r"^JSON is malformed"), malformed),
        (re.compile(r"^Input data was truncated"), fixed("truncated_json")),
        (re.compile(r"^nests deeper than (\d+) levels$"), lambda m: ("too_deep", {"bound": m[1]})),
        (re.compile(r"^expected an ETag like"), fixed("etag")),
        (
            re.compile(r"^unknown stage '(.*)'; one of (.*)$"),
            lambda m: ("unknown_stage", {"value": m[1], "allowed": m[2].split(", ")}),
        ),
        (re.compile(r"^'(.*)' is not an ISO week such as"), valued("not_iso_week")),
        (re.compile(r"^lies in the future$"), fixed("in_the_future")),
        (re.compile(r"^(.*) has not started yet$"), valued("week_not_started")),
        (re.compile(r"^lies before any data was recorded$"), fixed("before_any_data")),
        (re.compile(r"^unknown entity (.*): only a coordinator"), valued("unknown_entity_added")),
        (re.compile(r"^unknown entity (.*)$"), valued("unknown_entity")),
        (re.compile(r"^an initiative with this title exists already$"), fixed("title_taken")),
        (re.compile(r"^a title has at least 3 characters"), fixed("title_short")),
        (re.compile(r"^not a stage of the (\w+) workflow$"), valued("not_a_stage_of")),
        (re.compile(r"^give either the Dutch text or the dates"), fixed("text_or_dates")),
        (re.compile(r"^'(.*)' is not a planning date"), valued("unreadable_planning")),
        (re.compile(r"^give the Dutch text or at least the latest"), fixed("text_or_latest")),
        (re.compile(r"^say why the plan changes$"), fixed("say_why")),
        (re.compile(r"^'(.*)' is not an entity name$"), valued("not_an_entity_name")),
        (
            re.compile(r"^one of (.*)$"),
            lambda m: ("one_of", {"allowed": m[1].split(", ")}),
        ),
        (
            re.compile(r"^unknown (.*); known: (.*)$"),
            lambda m: ("unknown_bodies", {"value": m[1], "allowed": m[2].split(", ")}),
        ),
    ]


RULES = _rules()


def reason(message: str, lang: str, allowed: list[str] | None = None) -> str:
    """A field's reason in the reader's language, from a library's message or a use case's
    English words; `allowed`: the values the field takes, where the caller knows them. A message
    not recognised gets a general reason: a library's words are never passed on."""
    return known_reason(message, lang, allowed) or REASONS["invalid"].get(lang)


def known_reason(message: str, lang: str, allowed: list[str] | None = None) -> str | None:
    text = message.split(" - at `", 1)[0].strip()
    for regex, read in RULES:
        m = regex.match(text)
        if m is None:
            continue
        code, params = read(m)
        if code in ("date", "datetime", "time"):
            return {"date": DATE, "datetime": DATETIME, "time": TIME}[code].get(lang)
        if code == "not_one_of" and not allowed:
            code = "not_allowed_value"
        if code in ("wrong_type", "wrong_type_only"):
            named = [n.strip() for value in params.values() for n in value.split("|")]
            if not all(n in KINDS for n in named):  # a type msgspec may name one day
                return REASONS["wrong_kind"].get(lang)
            params = {key: _kind(value, lang) for key, value in params.items()}
        if code.startswith("not_") and "value" in params:  # msgspec quotes the value already
            params["value"] = str(params["value"]).strip("'")
        params.setdefault("allowed", allowed or [])
        params["allowed"] = _listed(params["allowed"], lang)
        return REASONS[code].get(lang).format(**params)
    return None
