"""Security headers on every answer; a strict Content-Security-Policy on the pages."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import Message, Scope

from api.session import COOKIE

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # private feed addresses must not leak in Referer
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# The pages load only their own stylesheet and script: no inline code, nothing from elsewhere.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# The weekly report as an HTML file is self-contained (it is mailed on): its style is inline.
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'none'"
)
HSTS = "max-age=31536000"
# As ASGI carries them: every answer passes here, feed polls thousands of times a second.
_ALWAYS = [(name.lower().encode(), value.encode()) for name, value in ALWAYS.items()]
_SESSION = f"{COOKIE}=".encode()


def _policy(path: str) -> str | None:
    if path.startswith("/schema"):  # Litestar's API browser loads its own scripts
        return None
    return DOCUMENT_CSP if path.startswith("/api/") else PAGE_CSP


def _signed_in(scope: Scope) -> bool:
    """Whether the request carries the pages' session cookie (api.session.COOKIE)."""
    return any(name == b"cookie" and _SESSION in value for name, value in scope.get("headers", ()))


async def security_headers(message: Message, scope: Scope) -> None:
    """Litestar's `before_send` hook: it sees every answer, the router's own 404, 405 and 500
    included, which never reach a middleware (they are raised before the route is known)."""
    # A 304 has no content: the client keeps the headers it stored with the answer it
    # revalidates. Feed polls, by the thousand, are mostly 304s.
    if message["type"] != "http.response.start" or message["status"] == 304:
        return
    if scope["type"] != ScopeType.HTTP:
        return
    headers = list(message.get("headers", ()))
    present = {name.lower(): value for name, value in headers}
    headers += [header for header in _ALWAYS if header[0] not in present]
    extra = []
    if scope.get("scheme") == "https":
        extra.append((b"strict-transport-security", HSTS))
    html = present.get(b"content-type", b"").startswith(b"text/html")
    policy = _policy(scope["path"])
    if policy and html:
        extra.append((b"content-security-policy", policy))
    if html and _signed_in(scope):
        # A signed-in page shows what its user may see: no shared cache, no back-button copy.
        headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
        headers.append((b"cache-control", b"private, no-store"))
    headers += [(n, v.encode()) for n, v in extra if n not in present]
    message["headers"] = headers
