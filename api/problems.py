"""Every error is RFC 9457 problem+json, mapped in this one place."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from http import HTTPStatus
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
    NotFound,
    Refused,
    StaleVersion,
    TrackerError,
    Unauthenticated,
)
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
            title=HTTPStatus(status).phrase,
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


def _lang(request: Request[Any, Any, Any]) -> str:
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


def _invalid_params(exc: ValidationException) -> list[InvalidParam]:
    return [
        InvalidParam(
            name=_field(item),
            reason=str(item.get("message", "invalid value")),
            location=item.get("source"),
        )
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]


def on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    if isinstance(exc, ValidationException):
        params = _invalid_params(exc)
        for param in params:
            if param.reason == "'data'":  # Litestar's words for a missing body
                param.reason = "a JSON body is required"
        detail = "; ".join(f"{p.name}: {p.reason}" for p in params) if params else exc.detail
        return problem_response(
            request, 400, detail or "invalid request", code="invalid-request", invalid_params=params
        )
    if exc.status_code == 400:  # the body could not be decoded at all (malformed JSON)
        return problem_response(
            request,
            400,
            f"body: {exc.detail}",
            code="invalid-request",
            invalid_params=[InvalidParam("body", exc.detail, "body")],
        )
    return problem_response(request, exc.status_code, exc.detail, headers=exc.headers or None)


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


def describe(exc: TrackerError, lang: str) -> Described | None:
    """None for an error no caller can act on (a bug: answered 500)."""
    if isinstance(exc, NotFound):
        return Described(404, str(exc), f"{exc.what}-not-found")
    if isinstance(exc, Unauthenticated):
        return Described(401, str(exc), "unauthenticated", headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, Forbidden):
        return Described(403, str(exc), "forbidden")
    if isinstance(exc, StaleVersion):
        return Described(
            412,
            f"{exc} Read it again (its ETag) and retry.",
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
        return Described(503, str(exc), "database-busy", headers={"Retry-After": "5"})
    if isinstance(exc, InvalidQuery):
        detail = input_message(exc.code, exc.field, exc.params, lang) if exc.code else str(exc)
        return Described(400, detail, "invalid-request", exc.field, exc.reason, "query")
    if isinstance(exc, InvalidInput):
        detail = input_message(exc.code, exc.field, exc.params, lang) if exc.code else str(exc)
        return Described(422, detail, "invalid-content", exc.field, exc.reason, "body")
    return None


def on_tracker_error(request: Request[Any, Any, Any], exc: TrackerError) -> Response[Problem]:
    described = describe(exc, _lang(request))
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
    return problem_response(
        request, 500, "An unexpected error occurred; it has been logged.", code="internal-error"
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
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
