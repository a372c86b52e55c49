"""Running a change in one write transaction, with an optional Idempotency-Key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

import msgspec
from litestar import Response

from api.problems import IdempotencyKeyReused
from tracker.clock import utc_now
from tracker.domain.access import Principal
from tracker.store.access import StoredResponse
from tracker.store.uow import Database, UnitOfWork

T = TypeVar("T")


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def request_hash(method: str, path: str, payload: object) -> str:
    body = msgspec.json.encode(payload, order="sorted")
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def run_write(
    database: Database,
    principal: Principal,
    *,
    key: str | None,
    fingerprint: str,
    result_type: type[T],
    action: Callable[[UnitOfWork], tuple[int, T, dict[str, str]]],
) -> Response[T]:
    """Run `action` (status, body, headers) and commit; a retry with the same key replays.

    The stored response is written in the same transaction as the change, so a change is
    either committed with its response or not at all. Errors are not stored: a retry after a
    refusal is evaluated again.
    """
    with database.uow(write=True) as uow:
        if key is not None:
            uow.idempotency.lock(principal.name, key)
            stored = uow.idempotency.get(principal.name, key)
            if stored is not None:
                if stored.request_hash != fingerprint:
                    raise IdempotencyKeyReused(
                        detail="this Idempotency-Key was used for another request"
                    )
                replayed = msgspec.json.decode(stored.body, type=result_type)
                headers = {**stored.headers, "Idempotent-Replayed": "true"}
                return Response(replayed, status_code=stored.status, headers=headers)
        status, body, headers = action(uow)
        if key is not None:
            encoded = msgspec.json.encode(body)
            uow.idempotency.add(
                principal.name,
                key,
                StoredResponse(fingerprint, status, encoded, headers),
                now=utc_now(),
            )
        uow.commit()
    return Response(body, status_code=status, headers=headers)
