"""The calendar feeds a worker keeps, and the polls answered from them before any handler runs.

Subscribers poll far more often than anything changes, and a programme feed of thousands of
initiatives runs to tens of megabytes: each worker keeps the feeds it served, with their ETags,
in the one cache (api.kept), for as long as the database has not changed (a poll reads the
generation as announced to the worker, Database.announced_generation, which asks no server).

A public feed's handler learns which feed a request asks for from its path, its query and its
Accept-Language; `answer_kept_polls` then answers the same request from the kept feed without
going through the handler. Through the handler, with Litestar's parameters, dependencies and
response object, the app took 39 us to answer a poll with 304, against 20 us for the floor's
whole answer of 1 KB; from here it takes 13 us (in process, as bench/measure.py times the ASGI
app alone).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import cast

from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Receive,
    Scope,
    Send,
)

from api.kept import KEPT
from tracker.domain.clock import utc_now
from tracker.store.uow import Database

CALENDAR = "text/calendar; charset=utf-8"

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Answer:
    """A feed's answer as ASGI messages: what a handler returns and the middleware sends."""

    status: int
    headers: Headers
    body: bytes

    @classmethod
    def text(cls, status: int, text: str) -> Answer:
        """A feed answers in plain text even when it fails: calendar clients show it, never
        HTML."""
        body = text.encode()
        headers = [
            (b"referrer-policy", b"no-referrer"),
            (b"cache-control", b"no-store"),
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"text/plain; charset=utf-8"),
        ]
        return cls(status, headers, body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: HTTPResponseStartEvent = {
            "type": "http.response.start", "status": self.status, "headers": self.headers,
        }  # fmt: skip
        await send(start)
        body: HTTPResponseBodyEvent = {
            "type": "http.response.body", "body": self.body, "more_body": False,
        }  # fmt: skip
        await send(body)


@dataclass(frozen=True, slots=True)
class Served:
    """A feed as served, with the headers of its answers, formatted once."""

    body: bytes
    etag: str
    modified: datetime
    valid_until: datetime | None  # when a cancelled event drops out: the feed changes then
    headers: Headers
    # A 304 carries only what RFC 9110 (15.4.5) asks of it: the client keeps the headers it
    # stored with the feed. Every header costs the server's HTTP layer.
    unchanged_headers: Headers

    @classmethod
    def of(cls, body: bytes, modified: datetime, valid_until: datetime | None) -> Served:
        etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        unchanged = [(b"etag", etag.encode()), (b"cache-control", b"no-cache")]
        last_modified = format_datetime(modified.astimezone(UTC), usegmt=True)
        headers = [
            *unchanged,
            (b"last-modified", last_modified.encode()),
            (b"referrer-policy", b"no-referrer"),
            (b"content-length", str(len(body)).encode()),
            (b"content-type", CALENDAR.encode()),
        ]
        return cls(body, etag, modified, valid_until, headers, unchanged)

    def answer(
        self, method: str, if_none_match: str | None, if_modified_since: str | None
    ) -> Answer:
        if self._unchanged(if_none_match, if_modified_since):
            return Answer(304, self.unchanged_headers, b"")
        return Answer(200, self.headers, b"" if method == "HEAD" else self.body)

    def _unchanged(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """Whether the client holds this feed already (If-None-Match, else If-Modified-Since)."""
        if if_none_match is not None:
            tags = {tag.strip() for tag in if_none_match.split(",")}
            return self.etag in tags or "*" in tags
        if if_modified_since is None:
            return False
        try:
            return self.modified.replace(microsecond=0) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False  # an unreadable date is ignored, as RFC 9110 says


# A request as it came: its path, its query and its Accept-Language.
Asking = tuple[str, bytes, bytes | None]


class LearnedRequests:
    """Which kept feed a request asks for, as a public feed's handler found it.

    At most MAX requests are remembered (the first learned go first): anyone can vary a query,
    and a forgotten request only costs the handler's way again.
    """

    MAX = 16_384

    def __init__(self) -> None:
        self._identities: dict[Asking, tuple[object, ...]] = {}
        self._lock = threading.Lock()

    def learn(self, asking: Asking, identity: tuple[object, ...]) -> None:
        with self._lock:
            self._identities[asking] = identity
            while len(self._identities) > self.MAX:
                del self._identities[next(iter(self._identities))]

    def identity(self, asking: Asking) -> tuple[object, ...] | None:
        return self._identities.get(asking)


LEARNED = LearnedRequests()


@dataclass(frozen=True, slots=True)
class Poll:
    """What a GET or HEAD of a feed says, from its ASGI scope alone."""

    asking: Asking
    method: str
    if_none_match: str | None
    if_modified_since: str | None

    @classmethod
    def of(cls, scope: HTTPScope) -> Poll:
        found: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in _READ:
                found.setdefault(name, value)  # the first, as Litestar's request.headers.get

        def text(name: bytes) -> str | None:
            value = found.get(name)
            return None if value is None else value.decode("latin-1")

        asking = (scope["path"], scope["query_string"], found.get(b"accept-language"))
        return cls(asking, scope["method"], text(b"if-none-match"), text(b"if-modified-since"))

    def answer(self, served: Served) -> Answer:
        return served.answer(self.method, self.if_none_match, self.if_modified_since)


_READ = frozenset({b"accept-language", b"if-none-match", b"if-modified-since"})


def kept_answer(scope: HTTPScope) -> Answer | None:
    """The answer to a feed request from a feed this worker keeps; None if it keeps none."""
    if scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith("/calendars/"):
        return None
    poll = Poll.of(scope)
    identity = LEARNED.identity(poll.asking)
    if identity is None:
        return None
    database: Database = scope["litestar_app"].state.database
    generation = database.announced_generation()
    if generation is None:
        return None
    served = KEPT.get(feed_key(generation, identity), utc_now())
    return None if served is None else poll.answer(cast(Served, served))


def feed_key(generation: str, identity: tuple[object, ...]) -> tuple[object, ...]:
    """A feed's key in the one cache (api.kept)."""
    return ("feed", generation, *identity)


def answer_kept_polls(app: ASGIApp) -> ASGIApp:
    """Answers the requests for a kept public feed that a handler has seen before, at once;
    passes the rest on. Placed after the rate limits, which count every poll."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        answer = kept_answer(scope) if scope["type"] == ScopeType.HTTP else None
        if answer is None:
            await app(scope, receive, send)
        else:
            await answer(scope, receive, send)

    return middleware
