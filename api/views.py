"""Lists and details as the caller may see them, kept (api.kept) while the database is
unchanged: asking whether anything was committed since (Database.generation) costs one query on
PostgreSQL and none on SQLite. A list is kept as the bytes it is sent as, with an ETag of its
content, so that a client revalidating it (If-None-Match) is answered 304 by any worker or host
that would send the same bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import msgspec
from anyio import to_thread
from litestar import Request, Response
from litestar.enums import MediaType

from api.deps import caller
from api.kept import KEPT
from tracker.domain.access import ANONYMOUS, Principal
from tracker.store.uow import Database, UnitOfWork

V = TypeVar("V")


async def kept_view(
    request: Request[Any, Any, Any],
    database: Database,
    what: tuple[Hashable, ...],
    make: Callable[[UnitOfWork, Principal], V],
) -> V:
    """The view `what` names, as the caller may see it: kept while the database is unchanged,
    else made by `make` in a transaction.

    The public's kept views are answered on the event loop, without a thread: a thread hop
    alone took the 1 KB floor from 11,000-12,200 to 7,500-8,700 requests/s (2 workers, sync
    and async handlers side by side). A caller with a token, and a view to be made, go to a
    thread, where the token is looked up in the same transaction."""
    generation = None
    if request.headers.get("authorization") is None:
        generation = await database.generation_on_loop()
        kept = KEPT.get(_key(generation, ANONYMOUS, what)) if generation is not None else None
        if kept is not None:
            return cast(V, kept)
    return await to_thread.run_sync(_made, request, database, what, make, generation)


def _made(
    request: Request[Any, Any, Any],
    database: Database,
    what: tuple[Hashable, ...],
    make: Callable[[UnitOfWork, Principal], V],
    generation: str | None,
) -> V:
    """The view, kept or made in one transaction. A generation read before the transaction
    (on the event loop, for the public) is as good as one read first in it: what the
    transaction reads is at least as new, and it saves PostgreSQL a second query."""
    with database.uow() as uow:
        if generation is None:
            generation = uow.generation()  # first in the transaction: what follows is as new
        principal = caller(request, uow)
        key = _key(generation, principal, what)
        kept = KEPT.get(key) if generation is not None else None
        if kept is not None:
            return cast(V, kept)
        made = make(uow, principal)
        if generation is not None:
            KEPT.put(key, made)
        return made


def _key(generation: str | None, principal: Principal, what: tuple[Hashable, ...]) -> Hashable:
    return ("view", generation, principal.role, principal.entities, *what)


@dataclass(frozen=True, slots=True)
class _Sent:
    """A view as the bytes it is sent as, and their ETag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, view: object) -> _Sent:
        body = msgspec.json.encode(view)
        return cls(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


async def conditional_view(
    request: Request[Any, Any, Any],
    database: Database,
    what: tuple[Hashable, ...],
    make: Callable[[UnitOfWork, Principal], V],
) -> Response[V]:
    """kept_view's answer with an ETag of its content: 304 when If-None-Match names it."""
    sent = await kept_view(request, database, ("sent", *what), lambda u, p: _Sent.of(make(u, p)))
    headers = {"ETag": sent.etag, "Vary": "Accept-Language"}
    if _names(request.headers.get("if-none-match"), sent.etag):
        return Response(cast(V, b""), status_code=304, headers=headers)
    return Response(cast(V, sent.body), media_type=MediaType.JSON, headers=headers)


def _names(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names the ETag: a weak comparison (RFC 9110, 13.1.2)."""
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags
