"""Dependencies shared by the controllers: database, caller, language, If-Match, retries."""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Annotated, Any

from anyio import to_thread
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import HeaderParameter, QueryParameter

from api.problems import PreconditionRequired
from tracker.domain.access import ANONYMOUS, Principal
from tracker.domain.errors import Unauthenticated
from tracker.outputs.i18n import language
from tracker.services.tokens import authenticate
from tracker.services.weekly_report import ReportMemo
from tracker.store.uow import Database, UnitOfWork

ETAG = re.compile(r'^\s*"(\d{1,18})"\s*$')


def provide_database(state: State) -> Database:
    database: Database = state.database
    return database


def provide_report_memo(state: State) -> ReportMemo:
    """What the app's weekly reports worked out and what still holds of it."""
    memo: ReportMemo = state.report_memo
    return memo


def provide_uow(database: NamedDependency[Database]) -> Generator[UnitOfWork, None, None]:
    with database.uow() as uow:
        yield uow


LANG = Annotated[
    str | None,
    QueryParameter(
        pattern="^(nl|en)$",
        description="Language of labels and messages: nl (default) or en.",
    ),
]


def provide_language(request: Request[Any, Any, Any], lang: LANG = None) -> str:
    """?lang=, else Accept-Language. Handlers that must stay light ask for `lang` themselves:
    a second dependency of theirs would be resolved in a task group of its own."""
    return language(lang or request.headers.get("accept-language"))


async def provide_principal(
    request: Request[Any, Any, Any], database: NamedDependency[Database]
) -> Principal:
    """The caller: the API token of `Authorization: Bearer <token>`, or the anonymous public.
    Only a token is looked up, in a thread: the public's reads go without that hop."""
    if request.headers.get("authorization") is None:
        return ANONYMOUS
    return await to_thread.run_sync(_looked_up, request, database)


def _looked_up(request: Request[Any, Any, Any], database: Database) -> Principal:
    with database.uow() as uow:
        return caller(request, uow)


def caller(request: Request[Any, Any, Any], uow: UnitOfWork) -> Principal:
    """provide_principal, in a transaction the handler has open: for handlers that must stay
    light. As a dependency the lookup costs a task in a task group, a thread hop and a
    transaction of its own (measured under the bench's POST load: 4.7-5.1 ms of machine CPU per
    step with the lookup as a dependency, 3.0-3.3 ms with it in the deciding transaction)."""
    token = bearer_token(request)
    if token is None:
        return ANONYMOUS
    principal = authenticate(uow, token)
    if principal is None:
        raise Unauthenticated("unknown or revoked API token")
    return principal


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    """The token of `Authorization: Bearer <token>`, None without the header; Unauthenticated
    for any other form of it."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use 'Authorization: Bearer <token>'")
    return token.strip()


IF_MATCH = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description='The version you read, as its ETag: "3". Required on every change.',
    ),
]


def writer(principal: Principal) -> Principal:
    """The caller, if it may change anything at all: a change without a token is 401."""
    if principal == ANONYMOUS:
        raise Unauthenticated("writing needs an API token")
    return principal


def expected_version(principal: Principal, if_match: str | None) -> int:
    """The version If-Match names. Who asks is settled before what they ask: without a token a
    change is 401 whatever its If-Match (the use cases refuse the anonymous too, but later)."""
    writer(principal)
    if if_match is None:
        raise PreconditionRequired(
            detail='If-Match is required: send the ETag of the initiative you read, e.g. "3"'
        )
    m = ETAG.match(if_match)
    if m is None:
        raise ValidationException(
            'If-Match: expected one strong ETag such as "3"',
            extra=[{"key": "If-Match", "source": "header", "message": 'expected an ETag like "3"'}],
        )
    return int(m[1])


IDEMPOTENCY_KEY = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        max_length=200,
        min_length=1,
        description="Makes a change (POST, PUT, PATCH) safe to retry: the same key and body "
        "return the first response and write nothing; the same key with another body is "
        "refused (422).",
    ),
]


DEPENDENCIES = {
    "database": Provide(provide_database, sync_to_thread=False),
    "uow": Provide(provide_uow),
    "report_memo": Provide(provide_report_memo, sync_to_thread=False),
    "language": Provide(provide_language, sync_to_thread=False),
    "principal": Provide(provide_principal),
}
