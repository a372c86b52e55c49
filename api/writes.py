"""Running a change: decided, then written in one write transaction, with an optional
Idempotency-Key."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response

from api.deps import caller, writer
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


_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_DECODERS_LOCK = threading.Lock()


def decoded(body: bytes, result_type: type[T]) -> T:
    """A stored response body as `result_type`, with a decoder built by one thread at a time.

    msgspec (0.22) works out how to decode a Struct type on its first use, and crashed the
    process (SIGSEGV) when several threads did that for one type at once: a worker died when
    nine retries with one Idempotency-Key were replayed together (tests/unit/test_decoding.py
    shows it without this lock)."""
    decoder = _DECODERS.get(result_type)
    if decoder is None:
        with _DECODERS_LOCK:
            decoder = _DECODERS.get(result_type)
            if decoder is None:
                decoder = _DECODERS[result_type] = msgspec.json.Decoder(result_type)
    result: T = decoder.decode(body)
    return result


Outcome = tuple[int, T, dict[str, str]]  # status, body, headers
Write = Callable[[UnitOfWork], Outcome[T]]


def run_write(
    database: Database,
    request: Request[Any, Any, Any],
    *,
    key: str | None,
    fingerprint: str,
    result_type: type[T],
    decide: Callable[[UnitOfWork, Principal], Write[T]],
) -> Response[T]:
    """The caller's change, worked out and then written and committed; a retry with the same
    key replays.

    `decide(uow, caller)` reads and checks before the writers' turn (see
    UnitOfWork.write_in_turn) and returns `write(uow)`, which writes in that turn, in a new
    transaction, what still holds of the decision. The stored response is written in the same
    transaction as the change, so a change is either committed with its response or not at
    all. Errors are not stored: a retry after a refusal is evaluated again.
    """
    with database.uow(write=True, read_first=True) as uow:
        principal = writer(caller(request, uow))
        if key is not None:
            replayed = _replay(uow, principal, key, fingerprint, result_type)
            if replayed is not None:
                return replayed
        write = decide(uow, principal)

        def in_turn(uow: UnitOfWork) -> Response[T]:
            if key is not None:
                # The same request may have been answered while this one was decided.
                replayed = _replay(uow, principal, key, fingerprint, result_type)
                if replayed is not None:
                    return replayed
            status, body, headers = write(uow)
            if key is not None:
                encoded = msgspec.json.encode(body)
                uow.idempotency.add(
                    principal.name,
                    key,
                    StoredResponse(fingerprint, status, encoded, headers),
                    now=utc_now(),
                )
            return Response(body, status_code=status, headers=headers)

        return uow.write_in_turn(in_turn)


def _replay(
    uow: UnitOfWork, principal: Principal, key: str, fingerprint: str, result_type: type[T]
) -> Response[T] | None:
    """The stored response to this key, if any: for the same request only. The key stays
    locked until the transaction ends (PostgreSQL), also while deciding: a retry that found no
    response yet would otherwise go on to read the first request's change, and refuse it as a
    stale version."""
    uow.idempotency.lock(principal.name, key)
    stored = uow.idempotency.get(principal.name, key)
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused(detail="this Idempotency-Key was used for another request")
    replayed = decoded(stored.body, result_type)
    headers = {**stored.headers, "Idempotent-Replayed": "true"}
    return Response(replayed, status_code=stored.status, headers=headers)
