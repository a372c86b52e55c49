"""Every error is RFC 9457 problem+json, mapped in this one place: its title, detail and
reasons in Dutch, or in English on request (?lang=en, Accept-Language: en); the words are in
tracker.outputs.problem_text."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.types import ExceptionHandlersMap

from tracker.domain.errors import (
    Busy,
    Forbidden,
    InvalidInput,
    InvalidQuery,
    Moved,
    NotFound,
    Refused,
    StaleVersion,
    TrackerError,
    Unauthenticated,
)
from tracker.outputs import problem_text as text
from tracker.outputs.i18n import language
from tracker.outputs.messages import input_message, refusal_message

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("api")


class InvalidParam(msgspec.Struct):
    name: str
    reason: str
    location: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    title: str
    status: int
    detail: str
    type: str = "about:blank"
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = None
    rule: str | None = None
    state: str | None = None
    allowed_events: list[str] | None = None
    current_version: int | None = None


class PreconditionRequired(HTTPException):
    status_code = 428


class IdempotencyKeyReused(HTTPException):
    status_code = 422


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[Problem]:
    return Response(
        Problem(
            title=text.title(status, request_language(request)),
            status=status,
            detail=detail,
            type=f"urn:wetgevingsplanner:problem:{code}" if code else "about:blank",
            instance=request.url.path,
            **extra,
        ),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def request_language(request: Request[Any, Any, Any]) -> str:
    """?lang=, else Accept-Language: also the language in which an invalid ?lang= is refused."""
    return language(request.query_params.get("lang") or request.headers.get("accept-language"))


_BODY_PATH = re.compile(r"at `\$\.?([^`]*)`")
_KEY_STEP = re.compile(r"\[(?:'([^']*)'|\.\.\.)\]")
_UNKNOWN_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]*)`")


def _field(item: dict[str, Any]) -> str:
    """The field a validation error is about; for a body, its JSON path ("plan.x.text")."""
    key, message = str(item.get("key") or "body"), str(item.get("message", ""))
    if key != "data":  # Litestar has split off the path already
        steps = [key]
    else:
        path = _BODY_PATH.search(message)
        # msgspec writes dict keys as ['key'] (or [...]): plan['first_approval'].text
        steps = [_KEY_STEP.sub(lambda m: f".{m[1]}" if m[1] else "", path[1]) if path else ""]
    # An unknown or missing field is named inside the object at the path: plan.signature
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown and not steps[-1].endswith(unknown[1]):
        steps.append(unknown[1])
    return ".".join(step.strip(".") for step in steps if step.strip(".")) or "body"


_MISSING_PARAM = re.compile(r"^Missing required (\w+) parameter '([^']*)'")


def _types(annotation: Any) -> list[msgspec.inspect.Type]:
    """The types a value of `annotation` may have, through Optional, Annotated and lists."""
    try:
        info = msgspec.inspect.type_info(annotation)
    except Exception:  # a type msgspec cannot describe names no allowed values
        return []
    return _flat(info)


def _flat(info: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    if isinstance(info, msgspec.inspect.Metadata):
        return _flat(info.type)
    if isinstance(info, msgspec.inspect.UnionType):
        return [t for member in info.types for t in _flat(member)]
    if isinstance(info, msgspec.inspect.ListType | msgspec.inspect.SetType):
        return _flat(info.item_type)
    return [info]


def _allowed(request: Request[Any, Any, Any], item: dict[str, Any], name: str) -> list[str]:
    """The values an enumerated field takes, found in the handler's signature: msgspec names
    the value it refuses, not those it would take."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except AttributeError:
        return []
    body = item.get("source") == "body"
    first = "data" if body else str(item.get("key") or name)
    definition = parameters.get(first)
    if definition is None:
        return []
    types = _types(definition.annotation)
    steps = [re.sub(r"\[\d+\]$", "", step) for step in name.split(".")] if body else []
    for step in steps:
        below: list[msgspec.inspect.Type] = []
        for info in types:
            if isinstance(info, msgspec.inspect.StructType):
                below += [t for f in info.fields if f.encode_name == step for t in _flat(f.type)]
            elif isinstance(info, msgspec.inspect.DictType):
                below += _flat(info.value_type)
        types = below
    values: list[str] = []
    for info in types:
        if isinstance(info, msgspec.inspect.EnumType):
            values += [str(member.value) for member in info.cls]
        elif isinstance(info, msgspec.inspect.LiteralType):
            values += [str(value) for value in info.values if value is not None]
    return values


def _invalid_params(
    request: Request[Any, Any, Any], exc: ValidationException, lang: str
) -> list[InvalidParam]:
    items = list(exc.extra) if isinstance(exc.extra, list) else []
    missing = _MISSING_PARAM.match(str(exc.detail))
    if not items and missing:  # Litestar names a missing parameter in its detail only
        items = [{"key": missing[2], "source": missing[1], "message": missing[0]}]
    params = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name = _field(item)
        message = str(item.get("message", ""))
        allowed = _allowed(request, item, name) if "enum value" in message else None
        params.append(
            InvalidParam(name, text.reason(message, lang, allowed), location=item.get("source"))
        )
    return params


def _limit(request: Request[Any, Any, Any]) -> int | None:
    limit = request.app.request_max_body_size
    return limit if isinstance(limit, int) else None


def _http_detail(request: Request[Any, Any, Any], exc: HTTPException, lang: str) -> str:
    """An HTTP error's detail in the reader's language: the library's own is never shown."""
    status = exc.status_code
    if isinstance(exc, PreconditionRequired):
        return text.detail("if_match_required", lang)
    if isinstance(exc, IdempotencyKeyReused):
        return text.detail("idempotency_key_reused", lang)
    if status == 401:
        return text.detail("not_authenticated", lang)
    if status == 404:
        return text.detail("no_route", lang)
    if status == 405:
        allowed = (exc.headers or {}).get("allow") or (exc.headers or {}).get("Allow") or ""
        return text.detail("method_not_allowed", lang, method=request.method, allowed=allowed)
    if status == 413:
        limit = _limit(request)
        if limit:
            return text.detail("too_large", lang, limit_bytes=limit, limit_kb=limit // 1024)
    if status == 415:
        return text.detail("unsupported_media_type", lang)
    if status == 428:
        return text.detail("if_match_required", lang)
    if status >= 500:
        return text.detail("internal_error", lang)
    return text.detail("refused", lang)


def on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    lang = request_language(request)
    if isinstance(exc, ValidationException):
        params = _invalid_params(request, exc, lang)
        detail = (
            "; ".join(f"{p.name}: {p.reason}" for p in params)
            if params
            else text.detail("invalid_request", lang)
        )
        return problem_response(request, 400, detail, code="invalid-request", invalid_params=params)
    if exc.status_code == 400:  # the body could not be decoded at all (malformed JSON)
        reason = text.reason(str(exc.detail), lang)
        return problem_response(
            request,
            400,
            f"body: {reason}",
            code="invalid-request",
            invalid_params=[InvalidParam("body", reason, "body")],
        )
    return problem_response(
        request, exc.status_code, _http_detail(request, exc, lang), headers=exc.headers or None
    )


@dataclass(frozen=True, slots=True)
class Described:
    """How a use-case error reads to a caller: the API sends it as problem+json, the pages
    show `detail` next to the form field it names."""

    status: int
    detail: str
    code: str
    field: str | None = None
    reason: str | None = None
    location: str | None = None
    headers: dict[str, str] | None = None
    extra: dict[str, Any] = dc_field(default_factory=dict)


# The use cases' and the API's own reasons for a 401, by their words (tracker.domain.errors).
_UNAUTHENTICATED = {
    "writing needs an API token": "writing_needs_token",
    "unknown or revoked API token": "unknown_token",
    "use 'Authorization: Bearer <token>'": "bearer_form",
}


def _input(exc: InvalidInput, lang: str) -> tuple[str, str]:
    """The detail and the field's reason of an InvalidInput, in the reader's language."""
    if exc.code:
        try:
            detail = input_message(exc.code, exc.field, exc.params, lang)
        except KeyError:  # a code with no text (yet): said from its reason below
            pass
        else:
            prefix = f"{exc.field}: "
            return detail, detail.removeprefix(prefix).rstrip(".")
    # Not worded in problem_text: the use case's own words, which are no library's.
    reason = text.known_reason(exc.reason, lang) or exc.reason
    return f"{exc.field}: {reason}", reason


def describe(exc: TrackerError, lang: str) -> Described | None:
    """None for an error no caller can act on (a bug: answered 500)."""
    if isinstance(exc, NotFound):
        return Described(404, text.not_found(exc.what, exc.key, lang), f"{exc.what}-not-found")
    if isinstance(exc, Unauthenticated):
        code = _UNAUTHENTICATED.get(str(exc), "not_authenticated")
        return Described(
            401, text.detail(code, lang), "unauthenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    if isinstance(exc, Forbidden):
        generic = text.detail("forbidden", lang)
        return Described(
            403,
            text.forbidden(exc.rule, exc.params, lang, generic),
            "forbidden",
            extra={"rule": exc.rule} if exc.rule else {},
        )
    if isinstance(exc, StaleVersion):
        return Described(
            412,
            text.detail("stale_version", lang, expected=exc.expected, current=exc.current),
            "stale-version",
            headers={"ETag": f'"{exc.current}"'},
            extra={"current_version": exc.current},
        )
    if isinstance(exc, Refused):
        params = {**exc.params, "state": exc.state, "allowed": exc.allowed}
        return Described(
            409,
            refusal_message(exc.code, params, lang),
            exc.code.replace("_", "-"),
            extra={"rule": exc.code, "state": exc.state, "allowed_events": exc.allowed},
        )
    if isinstance(exc, Busy):
        # The writers ahead of it are done within seconds, or the database is stuck.
        busy = text.detail("database_busy", lang, waited=f"{exc.waited:.0f}")
        return Described(503, busy, "database-busy", headers={"Retry-After": "5"})
    if isinstance(exc, InvalidQuery):
        detail, reason = _input(exc, lang)
        return Described(400, detail, "invalid-request", exc.field, reason, "query")
    if isinstance(exc, InvalidInput):
        detail, reason = _input(exc, lang)
        return Described(422, detail, "invalid-content", exc.field, reason, "body")
    return None


def on_tracker_error(request: Request[Any, Any, Any], exc: TrackerError) -> Response[Problem]:
    described = describe(exc, request_language(request))
    if described is None:
        return on_unexpected(request, exc)
    extra = dict(described.extra)
    if described.field is not None:
        extra["invalid_params"] = [
            InvalidParam(described.field, described.reason or "", described.location)
        ]
    return problem_response(
        request,
        described.status,
        described.detail,
        code=described.code,
        headers=described.headers,
        **extra,
    )


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    detail = text.detail("internal_error", request_language(request))
    return problem_response(request, 500, detail, code="internal-error")


def on_moved(request: Request[Any, Any, Any], exc: Moved) -> Response[bytes]:
    """A merged initiative's address leads to the one that stays: permanently, and for a
    change with its method kept (308), so that a client updates its links."""
    path = request.url.path.replace(f"/{exc.old}", f"/{exc.slug}", 1)
    query = request.url.query
    status = 301 if request.method in ("GET", "HEAD") else 308
    headers = {"Location": f"{path}?{query}" if query else path}
    return Response(b"", status_code=status, headers=headers)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    Moved: on_moved,
    HTTPException: on_http_exception,
    TrackerError: on_tracker_error,
    Exception: on_unexpected,
}


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=description,
        media_type=PROBLEM_JSON,
        generate_examples=False,  # random words, not examples a reader learns from
    )


# Litestar documents its own error body for 400; ours is problem+json like every other error.
INVALID = {400: _spec("A parameter, header or the body is invalid: invalid_params names it")}
# Any request may carry a token, and one that is unknown or revoked is refused, reads included.
CALLER = {401: _spec("The Authorization header holds no valid API token")}
LIST_PROBLEMS = {**INVALID, **CALLER}
READ_PROBLEMS = {**LIST_PROBLEMS, 404: _spec("Unknown, or not visible to the caller")}
WRITE_PROBLEMS = {
    **READ_PROBLEMS,
    401: _spec("No valid API token"),
    403: _spec("The token's role or entities do not allow this"),
    409: _spec("The procedure does not allow this step now: rule, state and allowed events"),
    412: _spec("If-Match is stale: read the initiative again"),
    413: _spec("The body is too large"),
    422: _spec("Content that cannot be used (the field is named), or a reused Idempotency-Key"),
    428: _spec("If-Match is missing"),
    429: _spec("Too many changes from this token: wait Retry-After seconds"),
    503: _spec("The database stayed busy with other changes: nothing was written, retry"),
}
# Creating names no existing version (If-Match) and no initiative that could be missing.
CREATE_PROBLEMS = {s: spec for s, spec in WRITE_PROBLEMS.items() if s not in {404, 409, 412, 428}}
