"""The one way a request changes anything: its use case in a unit of work, committed with its
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
from tracker.domain.access import Principal
from tracker.domain.clock import utc_now
from tracker.store.access import AnsweredMeanwhile, StoredResponse
from tracker.store.uow import Database, UnitOfWork

# A change: it runs the use case in the unit of work, for the caller, and gives the answer.
Change = Callable[[UnitOfWork, Principal], Response[Any]]
# The same, for an answer that is not JSON (the pages' form): status, body, headers.
Answer = tuple[int, bytes, dict[str, str]]


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
    """`change` for the API's caller, committed; see `answer_once` for `key`."""

    def answered(uow: UnitOfWork, principal: Principal) -> Answer:
        response = change(uow, principal)
        body = msgspec.json.encode(response.content)
        return response.status_code or 200, body, dict(response.headers)  # none given: 200

    status, body, headers = answer_once(
        database,
        lambda uow: writer(caller(request, uow)),
        key=key,
        fingerprint=request_hash(request.method, request.url.path, payload),
        change=answered,
    )
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def answer_once(
    database: Database,
    principal_of: Callable[[UnitOfWork], Principal],
    *,
    key: str | None,
    fingerprint: str,
    change: Callable[[UnitOfWork, Principal], Answer],
) -> Answer:
    """`change` for the principal, committed. With `key`, its answer is stored in the same
    transaction, and a retry with the same key and request gets that answer again, marked
    `Idempotent-Replayed`, without changing anything (another request: 422). Errors are not
    stored: a retry after a refusal is evaluated again."""
    with database.uow() as uow:
        principal = principal_of(uow)
        if key is not None:
            replayed = _replay(uow, principal, key, fingerprint)
            if replayed is not None:
                return replayed
        try:
            status, body, headers = change(uow, principal)
            if key is not None:
                stored = StoredResponse(fingerprint, status, body, headers)
                uow.idempotency.add(principal.name, key, stored, now=utc_now())
            uow.commit()
            return status, body, headers
        except AnsweredMeanwhile:
            pass  # the same request, retried while this one was decided, was written first
    with database.uow() as uow:
        replayed = _replay(uow, principal, key or "", fingerprint)
        assert replayed is not None, "a key answered meanwhile has its answer stored"
        return replayed


def request_hash(method: str, path: str, payload: object) -> str:
    body = msgspec.json.encode(payload, order="sorted")
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def _replay(uow: UnitOfWork, principal: Principal, key: str, fingerprint: str) -> Answer | None:
    """The stored answer to this key, if any: for the same request only."""
    stored = uow.idempotency.answer(principal.name, key)
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused(detail="this Idempotency-Key was used for another request")
    return stored.status, stored.body, {**stored.headers, "Idempotent-Replayed": "true"}
