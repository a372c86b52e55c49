"""Calendar feeds over HTTP: conditional GET, HEAD, capability URLs for private feeds.

The feed handlers are async and hand the database work to a thread themselves, because
Litestar's sync_to_thread does not combine with a GET+HEAD route.

Subscribers poll far more often than anything changes, and a programme feed of thousands of
initiatives runs to tens of megabytes: each worker keeps the feeds it served, with their ETags,
for as long as the database has not changed, so that a poll costs no query at all (the
generation as announced to the worker, Database.announced_generation) instead of reading and
hashing every event.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

import msgspec
from anyio import to_thread
from litestar import Controller, Request, Response, get, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.params import FromPath, QueryParameter

from api.deps import LANG, provide_language
from api.openapi import FeedOperation
from api.problems import INVALID
from tracker.clock import utc_now
from tracker.domain.model import Kind, Stage
from tracker.domain.status import Status
from tracker.errors import InvalidInput, NotFound
from tracker.outputs.feeds import calendar
from tracker.services.feed_keeper import catch_up_feeds
from tracker.services.feeds import WITHDRAWN_SHOWN, feed, feed_audience
from tracker.store.uow import Database, UnitOfWork

CALENDAR = "text/calendar"  # Litestar adds "; charset=utf-8"
SCOPES = {"initiatives": "initiative", "entities": "entity", "stages": "stage"}


def _text(status: int, text: str) -> Response[bytes]:
    # A feed answers in plain text even when it fails: calendar clients show it, never HTML.
    return Response(
        text.encode(),
        status_code=status,
        media_type="text/plain",
        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )


@dataclass(frozen=True, slots=True)
class _Served:
    body: bytes
    etag: str
    modified: datetime
    valid_until: datetime | None  # when a cancelled event drops out: the feed changes then
    # The headers of its answers, formatted once: a kept feed answers polls by the thousand.
    headers: dict[str, str]
    # A 304 carries only what RFC 9110 (15.4.5) asks of it: the client keeps the headers it
    # stored with the feed. Every header costs the server's HTTP layer: h11 built a 304 with
    # ten headers in 19 us, with four in 9 us.
    unchanged_headers: dict[str, str]

    @classmethod
    def of(cls, body: bytes, modified: datetime, valid_until: datetime | None) -> _Served:
        etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        unchanged = {"ETag": etag, "Cache-Control": "no-cache"}
        headers = {
            **unchanged,
            "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
            "Referrer-Policy": "no-referrer",
            "Content-Length": str(len(body)),
        }
        return cls(body, etag, modified, valid_until, headers, unchanged)


class _FeedCache:
    """The feeds served lately, by generation and request; at most MAX_BYTES of bodies."""

    MAX_BYTES = 256 * 1024 * 1024

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[object, ...], _Served] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._builds: dict[tuple[object, ...], threading.RLock] = {}

    def building(self, identity: tuple[object, ...]) -> threading.RLock:
        """The lock held while one feed (whatever its generation) is built in this worker."""
        with self._lock:
            return self._builds.setdefault(identity, threading.RLock())

    def get(self, key: tuple[object, ...], now: datetime) -> _Served | None:
        with self._lock:
            served = self._entries.get(key)
            if served is None:
                return None
            if served.valid_until is not None and now >= served.valid_until:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return served

    def put(self, key: tuple[object, ...], served: _Served) -> None:
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = served
            self._size += len(served.body)
            while self._size > self.MAX_BYTES and len(self._entries) > 1:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[object, ...]) -> None:
        self._size -= len(self._entries.pop(key).body)


FEEDS = _FeedCache()


def _conditional(request: Request[Any, Any, Any], served: _Served) -> Response[bytes]:
    if _unchanged(request, served):
        return Response(b"", status_code=304, headers=served.unchanged_headers)
    content = b"" if request.method == HttpMethod.HEAD else served.body
    return Response(content, media_type=CALENDAR, headers=served.headers)


def _unchanged(request: Request[Any, Any, Any], served: _Served) -> bool:
    """Whether the client holds this feed already (If-None-Match, else If-Modified-Since)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return served.etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return served.modified.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as RFC 9110 says


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


async def _answer(
    request: Request[Any, Any, Any], database: Database, asked: _Asked
) -> Response[bytes]:
    """A public feed this worker keeps is answered at once, on the event loop: its generation
    as announced asks no server (Database.announced_generation). Anything else in a thread."""
    kept = _kept(request, database, asked)
    if kept is not None:
        return kept
    return await to_thread.run_sync(_serve, request, database, asked)


def _kept(
    request: Request[Any, Any, Any], database: Database, asked: _Asked
) -> Response[bytes] | None:
    """The answer from a public feed this worker keeps, without a transaction; None if none."""
    if asked.token is not None or asked.status is not None:
        return None
    generation = database.announced_generation()
    if generation is None:
        return None
    served = FEEDS.get((generation, *asked.identity(frozenset())), utc_now())
    if served is None:
        return None
    return _conditional(request, served)


def _serve(
    request: Request[Any, Any, Any], database: Database, asked: _Asked, *, catch_up: bool = True
) -> Response[bytes]:
    with database.uow() as uow:
        return _serve_in(request, database, uow, asked, catch_up=catch_up)


def _serve_in(
    request: Request[Any, Any, Any],
    database: Database,
    uow: UnitOfWork,
    asked: _Asked,
    *,
    catch_up: bool,
) -> Response[bytes]:
    now = utc_now()
    try:
        # First in the transaction, so that what follows is at least as new. A status filter
        # depends on the day as well: such feeds are not kept.
        generation = uow.generation() if asked.status is None else None
        audience = feed_audience(uow, asked.token)
        if asked.kind is not None and asked.kind not in {k.value for k in Kind}:
            raise InvalidInput("kind", "decree or order")
        identity = asked.identity(audience)
        served = FEEDS.get((generation, *identity), now) if generation is not None else None
        if served is None:
            # One build per feed in a worker: the requests that miss together wait for it.
            with FEEDS.building(identity):
                if generation is not None:
                    served = FEEDS.get((generation, *identity), now)
                if served is None:
                    if catch_up and catch_up_feeds(database, now):
                        # Events were just brought up to date: read them, and the generation,
                        # in a transaction that began afterwards.
                        return _serve(request, database, asked, catch_up=False)
                    served = _build(uow, asked, audience, now)
                    if generation is not None:
                        FEEDS.put((generation, *identity), served)
    except NotFound as exc:
        return _text(
            404,
            f"Not found: {exc.what} '{exc.key}'\n"
            if asked.token is None or exc.key != "private"
            else "Not found\n",
        )
    except InvalidInput as exc:
        return _text(400, f"{exc}\n")
    return _conditional(request, served)


def _build(uow: UnitOfWork, asked: _Asked, audience: frozenset[str], now: datetime) -> _Served:
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
    return _Served.of(body, result.changed_at, expiry)


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
    ) -> Response[bytes]:
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
    ) -> Response[bytes]:
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
    ) -> Response[bytes]:
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
    ) -> Response[bytes]:
        language = provide_language(request, lang)
        return await _scoped(request, database, collection, name, (token, language, kind, status))


async def _scoped(
    request: Request[Any, Any, Any],
    database: Database,
    collection: str,
    name: str,
    rest: tuple[str | None, str, str | None, str | None],
) -> Response[bytes]:
    if collection not in SCOPES or not name.endswith(".ics"):
        return _text(404, "Not found\n")
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
