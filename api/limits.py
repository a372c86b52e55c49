"""Rate limits: authenticated writes per token, feed polling per address (429, Retry-After).

Set with TRACKER_WRITE_RATE and TRACKER_FEED_RATE ("120/minute", "off"); see SECURITY.md.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from api.problems import problem_response, request_language
from api.ratelimit import Rate, TokenBuckets
from api.session import session_token
from tracker.outputs import problem_text as text

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_WRITE_RATE = "120/minute"
DEFAULT_FEED_RATE = "60/minute"


@dataclass(frozen=True, slots=True)
class Limits:
    writes: TokenBuckets | None
    feeds: TokenBuckets | None

    @classmethod
    def from_environment(cls) -> Limits:
        def buckets(variable: str, default: str) -> TokenBuckets | None:
            try:
                rate = Rate.parse(os.environ.get(variable, default))
            except ValueError as exc:
                raise SystemExit(f"{variable}: {exc}") from None
            return TokenBuckets(rate) if rate else None

        return cls(
            buckets("TRACKER_WRITE_RATE", DEFAULT_WRITE_RATE),
            buckets("TRACKER_FEED_RATE", DEFAULT_FEED_RATE),
        )


def _address(request: Request[Any, Any, Any]) -> str:
    return f"address:{request.client.host if request.client else 'unknown'}"


def _writer(request: Request[Any, Any, Any]) -> str:
    """The token that writes (API or signed-in page), else the address; only its digest is kept."""
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    token = bearer.strip() if scheme.lower() == "bearer" else session_token(request)
    if not token:
        return _address(request)
    return "token:" + hashlib.sha256(token.encode()).hexdigest()


def _counted(scope: HTTPScope) -> tuple[TokenBuckets, bool] | None:
    """The limit a request counts against, and whether it polls a feed; None if it counts
    against none. From the scope alone: feed polls come thousands of times a second."""
    limits: Limits = scope["litestar_app"].state.limits
    method = scope["method"]
    if method in WRITE_METHODS:
        return None if limits.writes is None else (limits.writes, False)
    if method in ("GET", "HEAD") and scope["path"].startswith("/calendars/"):
        return None if limits.feeds is None else (limits.feeds, True)
    return None


def limit_rate(
    request: Request[Any, Any, Any], buckets: TokenBuckets, feed: bool
) -> Response[Any] | None:
    """None lets the request through, a 429 answer stops it."""
    wait = buckets.take(_address(request) if feed else _writer(request))
    if wait <= 0:
        return None
    retry = {"Retry-After": str(max(1, math.ceil(wait)))}
    if feed:  # calendar clients read status and Retry-After, not problem documents
        return Response(b"Too many requests\n", status_code=429, media_type="text/plain",
                        headers=retry)  # fmt: skip
    detail = text.detail("rate_limited", request_language(request), seconds=retry["Retry-After"])
    return problem_response(request, 429, detail, code="rate-limited", headers=retry)


def rate_limits(app: ASGIApp) -> ASGIApp:
    """The limits as middleware, so that no controller's own before_request can bypass them."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        counted = _counted(scope) if scope["type"] == ScopeType.HTTP else None
        if counted is not None:
            request: Request[Any, Any, Any] = Request(scope, receive)
            refused = limit_rate(request, *counted)
            if refused is not None:
                await refused.to_asgi_response(app=None, request=request)(scope, receive, send)
                return
        await app(scope, receive, send)

    return middleware
