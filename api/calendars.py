"""Calendar feeds over HTTP: conditional GET, HEAD, capability URLs for private feeds.

The feed handlers are async and hand the database work to a thread themselves, because
Litestar's sync_to_thread does not combine with a GET+HEAD route.

Each worker keeps the public feeds it served (api.kept_feeds), and answers a poll of one of
them before it reaches these handlers: they read the feed's generation in a transaction, build
the feed when it is not kept, and learn which kept feed a request asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, cast

import msgspec
from anyio import to_thread
from litestar import Controller, Request, get, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.params import FromPath, QueryParameter
from litestar.types import ASGIApp

from api.deps import LANG, provide_language
from api.kept import KEPT
from api.kept_feeds import LEARNED, Answer, Poll, Served, feed_key
from api.openapi import FeedOperation
from api.problems import INVALID
from tracker.domain.clock import utc_now
from tracker.domain.errors import InvalidInput, Moved, NotFound
from tracker.domain.model import Kind, Stage
from tracker.domain.status import Status
from tracker.outputs.feeds import calendar
from tracker.services.feed_catch_up import catch_up_feeds
from tracker.services.feeds import WITHDRAWN_SHOWN, feed, feed_audience
from tracker.store.uow import Database, UnitOfWork

SCOPES = {"initiatives": "initiative", "entities": "entity", "stages": "stage"}


@dataclass(frozen=True, slots=True)
class _Asked:
    """Which feed a request asks for."""

    scope: str
    key: str | None
    token: str | None
    lang: str
    kind: str | None
    status: str | None

    def identity(self, audience: frozenset[str]) -> tuple[object, ...]:
        """What a kept feed is kept under, besides the generation."""
        return (self.scope, self.key, audience, self.lang, self.kind)


async def _answer(request: Request[Any, Any, Any], database: Database, asked: _Asked) -> ASGIApp:
    """The feed's answer, worked out in a thread. A kept public feed is answered before this, by
    api.kept_feeds.answer_kept_polls, once a request like this one has been here."""
    return await to_thread.run_sync(_serve, Poll.of(request.scope), database, asked)


def _kept(generation: str | None, identity: tuple[object, ...], now: datetime) -> Served | None:
    if generation is None:
        return None
    return cast(Served | None, KEPT.get(feed_key(generation, identity), now))


def _serve(poll: Poll, database: Database, asked: _Asked, *, catch_up: bool = True) -> Answer:
    with database.uow() as uow:
        return _serve_in(poll, database, uow, asked, catch_up=catch_up)


def _serve_in(
    poll: Poll,
    database: Database,
    uow: UnitOfWork,
    asked: _Asked,
    *,
    catch_up: bool,
) -> Answer:
    now = utc_now()
    try:
        # First in the transaction, so that what follows is at least as new. A status filter
        # depends on the day as well: such feeds are not kept.
        generation = uow.generation() if asked.status is None else None
        audience = feed_audience(uow, asked.token)
        if asked.kind is not None and asked.kind not in {k.value for k in Kind}:
            raise InvalidInput("kind", "decree or order")
        identity = asked.identity(audience)
        served = _kept(generation, identity, now)
        if served is None:
            # One build per feed in a worker: the requests that miss together wait for it.
            with KEPT.building(("feed", *identity)):
                served = _kept(generation, identity, now)
                if served is None:
                    if catch_up and catch_up_feeds(database, now):
                        # Events were just brought up to date: read them, and the generation,
                        # in a transaction that began afterwards.
                        return _serve(poll, database, asked, catch_up=False)
                    served = _build(uow, asked, audience, now)
                    if generation is not None:
                        KEPT.put(
                            feed_key(generation, identity),
                            served,
                            size=len(served.body),
                            valid_until=served.valid_until,
                        )
    except NotFound as exc:
        return Answer.text(
            404,
            f"Not found: {exc.what} '{exc.key}'\n"
            if asked.token is None or exc.key != "private"
            else "Not found\n",
        )
    except InvalidInput as exc:
        return Answer.text(400, f"{exc}\n")
    except Moved as exc:  # a calendar client follows it and keeps the new address
        answer = Answer.text(301, f"Moved: {exc.slug}\n")
        path, query, _ = poll.asking
        location = path.replace(f"/{exc.old}.ics", f"/{exc.slug}.ics", 1)
        location += f"?{query.decode('latin-1')}" if query else ""
        return Answer(301, [(b"location", location.encode()), *answer.headers], answer.body)
    if generation is not None and asked.token is None:
        LEARNED.learn(poll.asking, identity)
    return poll.answer(served)


def _build(uow: UnitOfWork, asked: _Asked, audience: frozenset[str], now: datetime) -> Served:
    result = feed(
        uow,
        asked.scope,
        asked.key,
        audience=audience,
        lang=asked.lang,
        now=now,
        kind=Kind(asked.kind) if asked.kind else None,
        status=asked.status,
    )
    body = calendar(result.name, result.description, result.events)
    expiry = uow.feeds.next_expiry(now=now, cancelled_for=WITHDRAWN_SHOWN)
    return Served.of(body, result.changed_at, expiry)


# The values are documented with schema_extra, not checked by Litestar: the feed itself refuses
# an unknown value, in plain text like all its answers.
KIND = Annotated[
    str | None,
    QueryParameter(description="decree or order", schema_extra={"enum": [k.value for k in Kind]}),
]
STATUS = Annotated[
    str | None,
    QueryParameter(
        description="on_track, at_risk, slipped, ...",
        schema_extra={"enum": [s.value for s in Status]},
    ),
]
GET_HEAD = [HttpMethod.GET, HttpMethod.HEAD]


class CalendarController(Controller):
    tags = ("calendars",)

    @route(
        "/calendars/programme.ics",
        http_method=GET_HEAD,
        summary="Every public milestone",
        operation_class=FeedOperation,
        responses=INVALID,
    )
    async def programme(
        self,
        request: Request[Any, Any, Any],
        database: NamedDependency[Database],
        lang: LANG = None,
        kind: KIND = None,
        status: STATUS = None,
    ) -> ASGIApp:
        language = provide_language(request, lang)
        asked = _Asked("programme", None, None, language, kind, status)
        return await _answer(request, database, asked)

    @route(
        "/calendars/private/{token:str}/programme.ics",
        http_method=GET_HEAD,
        operation_class=FeedOperation,
        responses=INVALID,
        summary="With a subscriber's feed token: also its entities' non-public milestones",
    )
    async def private_programme(
        self,
        request: Request[Any, Any, Any],
        database: NamedDependency[Database],
        token: FromPath[str],
        lang: LANG = None,
        kind: KIND = None,
        status: STATUS = None,
    ) -> ASGIApp:
        language = provide_language(request, lang)
        asked = _Asked("programme", None, token, language, kind, status)
        return await _answer(request, database, asked)

    @route(
        "/calendars/{collection:str}/{name:str}",
        http_method=GET_HEAD,
        operation_class=FeedOperation,
        responses=INVALID,
        summary="One initiative's, entity's or stage's milestones: "
        "/calendars/initiatives/{slug}.ics, /calendars/entities/{slug}.ics, "
        "/calendars/stages/{stage}.ics",
    )
    async def scoped(
        self,
        request: Request[Any, Any, Any],
        database: NamedDependency[Database],
        collection: FromPath[str],
        name: FromPath[str],
        lang: LANG = None,
        kind: KIND = None,
        status: STATUS = None,
    ) -> ASGIApp:
        language = provide_language(request, lang)
        return await _scoped(request, database, collection, name, (None, language, kind, status))

    @route(
        "/calendars/private/{token:str}/{collection:str}/{name:str}",
        http_method=GET_HEAD,
        operation_class=FeedOperation,
        responses=INVALID,
        summary="The same, with a subscriber's feed token",
    )
    async def private_scoped(
        self,
        request: Request[Any, Any, Any],
        database: NamedDependency[Database],
        token: FromPath[str],
        collection: FromPath[str],
        name: FromPath[str],
        lang: LANG = None,
        kind: KIND = None,
        status: STATUS = None,
    ) -> ASGIApp:
        language = provide_language(request, lang)
        return await _scoped(request, database, collection, name, (token, language, kind, status))


async def _scoped(
    request: Request[Any, Any, Any],
    database: Database,
    collection: str,
    name: str,
    rest: tuple[str | None, str, str | None, str | None],
) -> ASGIApp:
    if collection not in SCOPES or not name.endswith(".ics"):
        return Answer.text(404, "Not found\n")
    asked = _Asked(SCOPES[collection], name.removesuffix(".ics"), *rest)
    return await _answer(request, database, asked)


class FeedLink(msgspec.Struct):
    kind: str
    name: str
    https: str
    webcal: str


class CalendarsController(Controller):
    path = "/api/calendars"
    tags = ("calendars",)

    @get("/", sync_to_thread=True, summary="The calendar feeds to subscribe to")
    def list_feeds(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> list[FeedLink]:
        base = str(request.base_url).rstrip("/")

        def link(kind: str, name: str, path: str) -> FeedLink:
            https = f"{base}{path}"
            return FeedLink(kind, name, https, "webcal://" + https.split("://", 1)[1])

        links = [link("programme", "programme", "/calendars/programme.ics")]
        links += [
            link("entity", name, f"/calendars/entities/{slug}.ics")
            for slug, name, _ in uow.initiatives.entities(frozenset())
        ]
        links += [link("stage", s.value, f"/calendars/stages/{s.value}.ics") for s in Stage]
        return links
