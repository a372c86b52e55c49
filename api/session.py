"""Signing in to the web pages with an API token, kept in a cookie, and the forms' CSRF check.

The API itself only takes `Authorization: Bearer`: a cookie there would let any site make a
signed-in browser write. The pages take the cookie, and every form they post carries a value
derived from the token that another site cannot know.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from tracker.domain.access import ANONYMOUS, Principal
from tracker.services.tokens import authenticate
from tracker.store.uow import Database

COOKIE = "wgp_token"
MAX_AGE = 8 * 3600  # a working day; the token itself stays valid until revoked


def session_token(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get(COOKIE) or None


def page_principal(request: Request[Any, Any, Any], database: Database) -> Principal:
    """The signed-in user (or a script's Bearer token), else the anonymous public; an unknown or
    revoked token reads as the public, so that a stale cookie never locks a page."""
    token = session_token(request)
    if token is None:
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        token = bearer.strip() if scheme.lower() == "bearer" else None
    if not token:
        return ANONYMOUS
    with database.uow() as uow:
        return authenticate(uow, token) or ANONYMOUS


def form_key(token: str | None) -> str:
    """The value every form carries: only who holds the token can compute it."""
    if not token:
        return ""
    return hmac.new(token.encode(), b"wetgevingsplanner-form", hashlib.sha256).hexdigest()


def valid_form(request: Request[Any, Any, Any], sent: str | None) -> bool:
    expected = form_key(session_token(request))
    return bool(expected) and hmac.compare_digest(expected, sent or "")


def session_cookie(request: Request[Any, Any, Any], token: str | None) -> Cookie:
    """The cookie that signs in with `token`, or signs out (None)."""
    return Cookie(
        key=COOKIE,
        value=token or "",
        max_age=MAX_AGE if token else 0,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
