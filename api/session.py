"""Signing in to the web pages with an API token, kept in a cookie, and the forms' CSRF check.

The API itself only takes `Authorization: Bearer`: a cookie there would let any site make a
signed-in browser write. The pages take the cookie, and every form they post carries a value
derived from the token that another site cannot know.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit

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


def _host(url: str) -> str:
    """host[:port] of an absolute URL (an Origin or a Referer), lower case; "" when it has
    none ("null")."""
    parts = urlsplit(url.strip())
    return parts.netloc.lower() if parts.scheme in ("http", "https") else ""


def same_origin(request: Request[Any, Any, Any]) -> bool:
    """Whether a form post comes from this site's own pages (OWASP: Fetch Metadata, then verify
    the origin with standard headers). A browser sends `Sec-Fetch-Site`, `Origin` with every
    cross-site POST, and `Referer` unless told not to; each, when present, must name this site.
    A request with none comes from no browser page (a script, a command line client) and
    carries no victim's cookie, so it is let through: the form key and the token decide then.

    This guards what the form key cannot: signing in (login CSRF, where another site signs the
    victim in as the attacker, who then sees what the victim records), and every other form.
    """
    # A browser says itself where the post comes from (Fetch Metadata; no page can forge it).
    # It comes first: under this site's "Referrer-Policy: no-referrer" a browser sends
    # "Origin: null" even with a post from this site's own page.
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    # The host the browser addressed: the scheme is left out, as a proxy that ends TLS hands
    # the request on over http (the host is this site's either way).
    own = request.headers.get("host", "").lower()
    origin = request.headers.get("origin")
    if origin is not None:
        return bool(own) and _host(origin) == own  # "null" (a sandboxed page) is refused
    referer = request.headers.get("referer")
    return referer is None or (bool(own) and _host(referer) == own)


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
