"""The one way a request changes anything: its use case in a unit of work, committed with the
answer, and safe to retry with an Idempotency-Key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.enums import MediaType

from api.deps import caller, writer
from api.problems import IdempotencyKeyReused
from tracker.domain.clock import utc_now
from tracker.domain.access import Principal
from tracker.store.access import AnsweredMeanwhile, StoredResponse
from tracker.store.uow import Database, UnitOfWork

# A change: it runs the use case in the unit of work, for the caller, and gives the answer.
Change = Callable[[UnitOfWork, Principal], Response[Any]]


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def write(
    request: Request[Any, Any, Any],
    database: Database,
    *,
    key: str | None,
    payload: object,
    change: Change,
) -> Response[Any]:
    """`change` for the caller, committed; with `key`, its answer is stored in the same
    transaction, and a retry with the same key and payload gets that answer again without
    changing anything (another payload: 422). Errors are not stored: a retry after a refusal
    is evaluated again."""
    fingerprint = request_hash(request.method, request.url.path, payload)
    with database.uow() as uow:
        principal = writer(caller(request, uow))
        if key is not None:
            replayed = _replay(uow, principal, key, fingerprint)
            if replayed is not None:
                return replayed
        try:
            response = change(uow, principal)
            if key is not None:
                stored = StoredResponse(
                    fingerprint,
                    response.status_code or 200,  # a change that gives none is a 200
                    msgspec.json.encode(response.content),
                    dict(response.headers),
                )
                uow.idempotency.add(principal.name, key, stored, now=utc_now())
            uow.commit()
            return response
        except AnsweredMeanwhile:
            pass  # the same request, retried while this one was decided, was written first
    with database.uow() as uow:
        replayed = _replay(uow, principal, key or "", fingerprint)
        assert replayed is not None, "a key answered meanwhile has its answer stored"
        return replayed


def request_hash(method: str, path: str, payload: object) -> str:
    body = msgspec.json.encode(payload, order="sorted")
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def _replay(
    uow: UnitOfWork, principal: Principal, key: str, fingerprint: str
) -> Response[bytes] | None:
    """The stored answer to this key, if any: for the same request only; its body as it was
    sent the first time."""
    stored = uow.idempotency.answer(principal.name, key)
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused(detail="this Idempotency-Key was used for another request")
    return Response(
        stored.body,
        status_code=stored.status,
        media_type=MediaType.JSON,
        headers={**stored.headers, "Idempotent-Replayed": "true"},
    )
