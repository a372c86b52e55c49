"""The public's kept lists and details are answered on the event loop (api.views.kept_view),
and only while nothing was committed since they were made."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from api import views
from api.app import create_app
from tests.conftest import token_for
from tracker.store.uow import Database

KLIP = "decreet-klip-gipod-verordening"
DETAIL = f"/api/initiatives/{KLIP}"
LIST = f"/api/initiatives?q={KLIP[:12]}"


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The views asked for in a thread (and made there unless kept)."""
    seen: list[tuple[Any, ...]] = []
    made = views._made

    def counted(request: Any, database: Any, what: Any, make: Any, generation: Any) -> Any:
        seen.append(what)
        return made(request, database, what, make, generation)

    monkeypatch.setattr(views, "_made", counted)
    return seen


@pytest.mark.parametrize("url", [DETAIL, LIST])
def test_the_publics_kept_view_is_answered_without_a_thread_until_a_commit(
    seeded: Database, threads: list[tuple[Any, ...]], url: str
) -> None:
    coordinator = token_for(seeded, "coordinator", "coordinator")
    with TestClient(create_app(seeded)) as client:
        first = client.get(url)
        assert first.status_code == 200, first.text
        assert KLIP in first.text
        assert len(threads) == 1
        again = client.get(url)
        assert again.content == first.content
        assert again.headers.get("etag") == first.headers.get("etag")
        assert len(threads) == 1  # kept: answered on the event loop

        # A caller with a token is looked up in a thread, every time.
        for _ in range(2):
            assert client.get(url, headers=coordinator).status_code == 200
        assert len(threads) == 3

        version = client.get(DETAIL).headers["etag"]
        edited = client.patch(
            DETAIL,
            json={"title": "Bijgewerkte titel"},
            headers={**coordinator, "If-Match": version},
        )
        assert edited.status_code == 200, edited.text
        asked = len(threads)
        read_in_thread = _counted(seeded, "generation")
        after = client.get(url)
        assert "Bijgewerkte titel" in after.text  # the commit is seen at once
        assert len(threads) == asked + 1
        assert read_in_thread == []  # the generation read on the loop serves the thread too
        assert client.get(url, headers=coordinator).status_code == 200
        assert len(read_in_thread) == 1
        asked += 1
        assert client.get(url).content == after.content
        assert len(threads) == asked + 1


def _counted(database: Database, method: str) -> list[None]:
    """The calls of one of `database`'s methods from now on (for the rest of the test)."""
    calls: list[None] = []
    original = getattr(database, method)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(None)
        return original(*args, **kwargs)

    setattr(database, method, counting)
    return calls


def test_an_unknown_token_is_refused_even_when_the_public_view_is_kept(seeded: Database) -> None:
    with TestClient(create_app(seeded)) as client:
        assert client.get(DETAIL).status_code == 200
        refused = client.get(DETAIL, headers={"Authorization": "Bearer nope"})
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
