"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.file_system import BaseLocalFileSystem
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Contact
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import FileInfo, PathType
from sqlalchemy import text
from sqlalchemy.orm import configure_mappers

from api.calendars import CalendarController, CalendarsController
from api.deps import DEPENDENCIES
from api.head import head_as_get
from api.headers import security_headers
from api.initiatives import EntityController, InitiativeController
from api.kept_feeds import answer_kept_polls
from api.limits import Limits, rate_limits
from api.logs import redact_feed_tokens
from api.openapi import COMPONENTS, StrictStructSchemaPlugin
from api.pages import PageController, on_unknown_route
from api.problems import EXCEPTION_HANDLERS
from api.reports import ReportController
from api.schemas import Health
from api.workflows import WorkflowController
from tracker.outputs.templating import environment
from tracker.services.background import Background
from tracker.services.weekly_report import ReportMemo
from tracker.store import migrate
from tracker.store.db import PROJECT_ROOT, database_url, make_engine
from tracker.store.uow import Database
from workflows.definitions import prepare

MAX_BODY_BYTES = 256 * 1024
STATIC = PROJECT_ROOT / "static"


class StaticFileSystem(BaseLocalFileSystem):
    """The static files: a path the operating system cannot even name (a NUL in it, as in
    `/static/%00`) is a file that does not exist (404), not an error of the server (500)."""

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        try:
            return await super().info(path, **kwargs)
        except ValueError:  # "embedded null byte"
            raise FileNotFoundError(path) from None


@get("/health", sync_to_thread=True, tags=["health"], summary="Liveness and database check")
def health(state: State) -> Health:
    database: Database = state.database
    with database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Health(status="ok", database=database.engine.dialect.name,
                  schema_revision=migrate.current_revision(database.engine))  # fmt: skip


def _prepare() -> None:
    """What the first requests of a worker would otherwise each do at once, while they wait:
    load the workflows and their holidays, and configure the ORM's mappers."""
    prepare()
    configure_mappers()


def create_app(database: Database | None = None) -> Litestar:
    """Build the app over `database` (default: TRACKER_DATABASE_URL or the SQLite file).

    A server's app (no `database` given) owns its database, keeps its calendar events up to
    date after its changes and its weekly-report memo warm; an app over a given database leaves
    that to the feeds' own catch-up and to the reports, so that tests see no work they did not
    ask for.
    """
    db = database or Database(make_engine(database_url()))
    redact_feed_tokens()
    memo = ReportMemo()
    startup: list[Callable[[], None]] = [_prepare]
    shutdown = []
    if database is None:
        background = Background(db, memo)
        startup.append(background.start)
        shutdown = [background.stop, db.dispose]
    app = Litestar(
        route_handlers=[
            health,
            InitiativeController,
            EntityController,
            WorkflowController,
            ReportController,
            CalendarController,
            CalendarsController,
            PageController,
            create_static_files_router(
                path="/static",
                directories=[STATIC],
                include_in_schema=False,
                cache_control=None,
                file_system=StaticFileSystem(),
            ),
        ],
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(environment())
        ),
        dependencies=DEPENDENCIES,
        exception_handlers={**EXCEPTION_HANDLERS, NotFoundException: on_unknown_route},
        state=State({"database": db, "limits": Limits.from_environment(), "report_memo": memo}),
        middleware=[rate_limits, answer_kept_polls],
        before_send=[security_headers],
        on_startup=startup,
        on_shutdown=shutdown,
        request_max_body_size=MAX_BODY_BYTES,
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="Wetgevingsplanner API",
            version="0.1.0",
            description="Planning of the regulatory initiatives of the Flemish Government.",
            contact=Contact(name="Wetgevingsplanner"),
            path="/schema",
            components=COMPONENTS,
        ),
    )
    # Inside Litestar's own entry, so that HEAD is routed as GET and the answer still passes
    # through the `before_send` hooks (security headers).
    app.asgi_handler = head_as_get(app.asgi_handler)
    return app
