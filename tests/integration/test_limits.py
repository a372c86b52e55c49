"""Limits: body size, page size, rate limits (429 with Retry-After), security headers, and no
secret in the logs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.ratelimit import Rate, TokenBuckets
from tests.conftest import token_for
from tests.server import seeded_database_url, serve, stop
from tracker.domain.clock import utc_now
from tracker.services.feeds import create_feed_token
from tracker.store.db import make_engine
from tracker.store.uow import Database

KLIP = "decreet-klip-gipod-verordening"
PROBLEM = "application/problem+json"


@pytest.fixture
def limited(seeded: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # type: ignore[type-arg]
    monkeypatch.setenv("TRACKER_WRITE_RATE", "3/minute")
    monkeypatch.setenv("TRACKER_FEED_RATE", "2/minute")
    with TestClient(create_app(seeded)) as client:
        yield client


def test_token_buckets_allow_a_burst_then_refill_steadily():
    now = [0.0]
    buckets = TokenBuckets(Rate(2, 60.0), clock=lambda: now[0])
    assert buckets.take("a") == 0
    assert buckets.take("a") == 0
    assert buckets.take("a") == pytest.approx(30.0)  # one request per 30 s
    assert buckets.take("b") == 0  # every caller has its own bucket
    now[0] = 30.0
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0


@pytest.mark.parametrize(
    ("text", "rate"),
    [("120/minute", Rate(120, 60.0)), (" 5 / second ", Rate(5, 1.0)), ("off", None),
     ("0/hour", None)],
)  # fmt: skip
def test_rates_are_read_from_text(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["veel", "10/day", "-1/minute", ""])
def test_an_unreadable_rate_stops_the_server_with_one_line(text, seeded, monkeypatch):
    monkeypatch.setenv("TRACKER_WRITE_RATE", text)
    with pytest.raises(SystemExit, match=r"^TRACKER_WRITE_RATE: expected a rate"):
        create_app(seeded)


def test_writes_beyond_the_rate_get_429_and_change_nothing(limited, seeded):
    editor = token_for(seeded, "team", "coordinator")
    other = token_for(seeded, "ander team", "coordinator")
    patch = {"summary": "Nieuwe samenvatting"}
    for version in (1, 2, 3):
        answer = limited.patch(
            f"/api/initiatives/{KLIP}",
            json={"summary": f"Samenvatting {version}"},
            headers={**editor, "If-Match": f'"{version}"'},
        )
        assert answer.status_code == 200, answer.text
    refused = limited.patch(
        f"/api/initiatives/{KLIP}", json=patch, headers={**editor, "If-Match": '"4"'}
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert 1 <= int(refused.headers["retry-after"]) <= 20
    assert limited.get(f"/api/initiatives/{KLIP}").json()["version"] == 4
    # Another token is not held back; reads are never limited.
    assert (
        limited.patch(
            f"/api/initiatives/{KLIP}", json=patch, headers={**other, "If-Match": '"4"'}
        ).status_code
        == 200
    )
    assert limited.get("/api/initiatives", headers=editor).status_code == 200


def test_feed_polls_beyond_the_rate_get_429_per_address(limited):
    for _ in range(2):
        assert limited.get("/calendars/programme.ics").status_code == 200
    refused = limited.get("/calendars/programme.ics")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/plain")
    assert int(refused.headers["retry-after"]) >= 1
    assert limited.get("/").status_code == 200  # pages are not feeds


def test_a_body_over_the_limit_is_413(seeded):
    coordinator = token_for(seeded, "coordinator", "coordinator")
    with TestClient(create_app(seeded)) as client:
        answer = client.post(
            "/api/initiatives",
            content=b'{"title": "' + b"x" * 300_000 + b'"}',
            headers={**coordinator, "Content-Type": "application/json"},
        )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("limit", ["201", "0"])
def test_page_size_is_capped(seeded, limit):
    with TestClient(create_app(seeded)) as client:
        answer = client.get("/api/initiatives", params={"limit": limit})
    assert answer.status_code == 400
    assert answer.json()["invalid_params"][0]["name"] == "limit"


def test_security_headers(seeded):
    with TestClient(create_app(seeded)) as client:
        page = client.get("/")
        api = client.get("/api/initiatives")
        report = client.get("/api/reports/weekly", params={"format": "html"})
    for answer in (page, api, report):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-frame-options"] == "DENY"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "default-src 'none'" in report.headers["content-security-policy"]
    assert "content-security-policy" not in api.headers  # JSON is never rendered


def test_no_secret_reaches_the_logs(tmp_path):
    """The server's own log (access lines included) after requests that carry every secret."""
    with ExitStack() as stack:
        url = seeded_database_url(stack, "sqlite", tmp_path)
        database = Database(make_engine(url))
        stack.callback(database.dispose)
        header = token_for(database, "team", "coordinator")
        api_token = header["Authorization"].removeprefix("Bearer ")
        with database.uow() as uow:
            feed_token = create_feed_token(uow, name="abonnee", entities=["VVSG"], now=utc_now())
            uow.commit()
        served = serve(stack, url, tmp_path)
        with httpx.Client(base_url=served.base, timeout=30) as client:
            client.get("/api/initiatives", headers=header)
            client.patch(f"/api/initiatives/{KLIP}", json={"summary": "x"},
                         headers={**header, "If-Match": '"1"'})  # fmt: skip
            client.get("/api/initiatives", headers={"Authorization": "Bearer wgp_geheim-en-fout"})
            client.post("/signin", data={"token": api_token, "next": "/"})
            client.get("/")
            client.get(f"/calendars/private/{feed_token}/programme.ics")
        stop(served.process)  # its log complete
        logged = served.log.read_text(errors="replace")
    assert logged.count("HTTP/1.1") >= 6, logged  # the access lines are there
    for secret in (api_token, feed_token, "wgp_geheim-en-fout"):
        assert secret not in logged
        assert re.sub(r"^wg[pf]_", "", secret) not in logged
