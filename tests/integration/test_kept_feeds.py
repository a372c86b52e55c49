"""A poll of a kept public feed is answered before the handler (api.kept_feeds), exactly as the
handler answers it, and only while the feed is what the handler would serve."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from api import calendars
from api.app import create_app
from api.kept import KEPT, Kept
from api.kept_feeds import LearnedRequests, Poll
from tests.conftest import NOW, record_step
from tracker.services.feeds import create_feed_token
from tracker.store.uow import Database

KLIP = "decreet-klip-gipod-verordening"
FEEDS = (
    "/calendars/programme.ics",
    "/calendars/programme.ics?lang=en",
    "/calendars/programme.ics?kind=order",
    f"/calendars/initiatives/{KLIP}.ics",
    "/calendars/stages/publication.ics",
    "/calendars/entities/het-facilitair-bedrijf.ics",
)


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[Poll]:
    """The polls that reached a feed handler's work (once each: a handler that has just caught
    the feeds up serves again without catching up)."""
    seen: list[Poll] = []
    serve = calendars._serve

    def counted(poll: Poll, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("catch_up", True):
            seen.append(poll)
        return serve(poll, *args, **kwargs)

    monkeypatch.setattr(calendars, "_serve", counted)
    return seen


def _wire(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, response.headers.multi_items(), response.content


@pytest.mark.parametrize("url", FEEDS)
def test_a_kept_feed_answers_every_kind_of_poll_as_its_handler_does(
    seeded: Database, handled: list[Poll], url: str
) -> None:
    with TestClient(create_app(seeded)) as client:
        first = client.get(url)
        assert first.status_code == 200, first.text
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        run = uuid.uuid4().hex[:8]
        polls: list[tuple[str, dict[str, str]]] = [
            ("GET", {}),
            ("HEAD", {}),
            ("GET", {"If-None-Match": etag}),
            ("HEAD", {"If-None-Match": etag}),
            ("GET", {"If-None-Match": f'"elders", {etag}'}),
            ("GET", {"If-None-Match": '"elders"'}),
            ("GET", {"If-None-Match": "*"}),
            ("GET", {"If-Modified-Since": modified}),
            ("GET", {"If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT"}),
            ("GET", {"If-Modified-Since": "gisteren"}),
            ("GET", {"If-None-Match": '"elders"', "If-Modified-Since": modified}),
        ]
        for number, (method, headers) in enumerate(polls):
            # A spelling of Dutch this process has not seen reaches the handler, once.
            unseen = {**headers, "Accept-Language": f"nl-x-{run}-{number}"}
            before = len(handled)
            by_handler = client.request(method, url, headers=unseen)
            assert len(handled) == before + 1
            kept = client.request(method, url, headers=unseen)
            assert len(handled) == before + 1, (method, headers)  # not the handler again
            assert _wire(kept) == _wire(by_handler), (method, headers)
            assert kept.status_code in (200, 304)


def test_what_a_request_asks_for_is_learned_per_path_query_and_language(
    seeded: Database, handled: list[Poll]
) -> None:
    url = "/calendars/programme.ics"
    with TestClient(create_app(seeded)) as client:
        dutch = client.get(url).headers["etag"]
        english = client.get(url, headers={"Accept-Language": "en"}).headers["etag"]
        orders = client.get(f"{url}?kind=order").headers["etag"]
        assert len({dutch, english, orders}) == 3
        assert len(handled) == 3
        for headers, query, etag in (
            ({}, "", dutch),
            ({"Accept-Language": "en"}, "", english),
            ({}, "?kind=order", orders),
        ):
            poll = client.get(url + query, headers={**headers, "If-None-Match": dutch})
            assert poll.headers["etag"] == etag
            assert poll.status_code == (304 if etag == dutch else 200)
        assert len(handled) == 3


def test_feeds_that_are_not_kept_always_reach_their_handler(
    seeded: Database, handled: list[Poll]
) -> None:
    with seeded.uow() as uow:
        token = create_feed_token(uow, name="vvsg", entities=["VVSG"], now=NOW)
        uow.commit()
    with TestClient(create_app(seeded)) as client:
        for url in (
            "/calendars/programme.ics?status=slipped",  # depends on the day: never kept
            f"/calendars/private/{token}/programme.ics",
            "/calendars/initiatives/no-such-initiative.ics",
            "/calendars/programme.ics?kind=regulation",
        ):
            before = len(handled)
            first, again = client.get(url), client.get(url)
            assert len(handled) == before + 2, url
            assert _wire(first) == _wire(again)


def test_a_commit_ends_the_kept_answers_at_once(seeded: Database, handled: list[Poll]) -> None:
    url = f"/calendars/initiatives/{KLIP}.ics"
    with TestClient(create_app(seeded)) as client:
        etag = client.get(url).headers["etag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert len(handled) == 1
        record_step(seeded, KLIP, "hold", 1, actor="test")
        moved = client.get(url, headers={"If-None-Match": etag})
        assert moved.status_code == 200
        assert moved.headers["etag"] != etag
        assert len(handled) == 2
        assert client.get(url, headers={"If-None-Match": moved.headers["etag"]}).status_code == 304
        assert len(handled) == 2


def test_the_learned_requests_are_bounded_and_the_first_learned_go_first() -> None:
    learned = LearnedRequests()
    learned.MAX = 3
    asking = [(f"/calendars/initiatives/{n}.ics", b"", None) for n in range(5)]
    for number, request in enumerate(asking):
        learned.learn(request, ("initiative", str(number)))
    assert [learned.identity(request) for request in asking] == [
        None, None, ("initiative", "2"), ("initiative", "3"), ("initiative", "4"),
    ]  # fmt: skip


def test_requests_for_feeds_that_do_not_exist_leave_no_build_lock_behind(
    seeded: Database,
) -> None:
    with TestClient(app=create_app(seeded)) as client:
        for _ in range(20):
            name = uuid.uuid4().hex
            assert client.get(f"/calendars/initiatives/{name}.ics").status_code == 404
            assert client.get(f"/calendars/entities/{name}.ics").status_code == 404
        assert client.get(f"/calendars/initiatives/{KLIP}.ics").status_code == 200
    assert KEPT._builds == {}  # one per name asked for, before


def test_the_requests_that_miss_one_feed_together_wait_for_one_build() -> None:
    cache = Kept()
    identity = ("programme", None, frozenset(), "nl", None)
    waited = threading.Event()

    def second() -> None:
        with cache.building(identity):
            waited.set()

    # The same thread takes it twice, as a handler that caught the feeds up serves once more.
    with cache.building(identity), cache.building(identity):
        thread = threading.Thread(target=second)
        thread.start()
        assert not waited.wait(0.2), "a second build of the same feed did not wait"
    thread.join(10)
    assert waited.is_set()
    assert cache._builds == {}
