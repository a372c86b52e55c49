"""Every error is RFC 9457 problem+json, mapped in this one place."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from tracker.services import NotFound

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


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    code: str | None = None,
    invalid_params: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    return Response(
        Problem(
            title=HTTPStatus(status).phrase,
            status=status,
            detail=detail,
            type=f"urn:wetgevingsplanner:problem:{code}" if code else "about:blank",
            instance=request.url.path,
            invalid_params=invalid_params,
        ),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _invalid_params(exc: ValidationException) -> list[InvalidParam]:
    params = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            params.append(
                InvalidParam(
                    name=str(item.get("key") or "body"),
                    reason=str(item.get("message", "invalid value")),
                    location=item.get("source"),
                )
            )
    return params


def on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    if isinstance(exc, ValidationException):
        params = _invalid_params(exc)
        detail = (
            "; ".join(f"{p.name}: {p.reason}" for p in params) if params else exc.detail
        ) or "invalid request"
        return problem_response(request, 400, detail, code="invalid-request", invalid_params=params)
    headers = dict(exc.headers or {})
    return problem_response(request, exc.status_code, exc.detail, headers=headers or None)


def on_not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Problem]:
    return problem_response(request, 404, str(exc), code=f"{exc.what}-not-found")


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(
        request, 500, "An unexpected error occurred; it has been logged.", code="internal-error"
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    HTTPException: on_http_exception,
    NotFound: on_not_found,
    Exception: on_unexpected,
}
