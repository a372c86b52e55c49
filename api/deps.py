"""Dependencies shared by the controllers: the unit of work and the answer language."""

from __future__ import annotations

from collections.abc import Generator
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import QueryParameter

from tracker.i18n import language
from tracker.store.uow import Database, UnitOfWork


def provide_uow(state: State) -> Generator[UnitOfWork, None, None]:
    database: Database = state.database
    with database.uow() as uow:
        yield uow


def provide_language(
    request: Request[Any, Any, Any],
    lang: Annotated[
        str | None,
        QueryParameter(
            pattern="^(nl|en)$",
            description="Language of labels and messages: nl (default) or en.",
        ),
    ] = None,
) -> str:
    return language(lang or request.headers.get("accept-language"))


DEPENDENCIES = {
    "uow": Provide(provide_uow),
    "language": Provide(provide_language, sync_to_thread=False),
}
