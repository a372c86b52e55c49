"""Security headers on every answer; a strict Content-Security-Policy on the pages."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

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


def _policy(path: str) -> str | None:
    if path.startswith("/schema"):  # Litestar's API browser loads its own scripts
        return None
    return DOCUMENT_CSP if path.startswith("/api/") else PAGE_CSP


def security_headers(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            # A 304 has no content: the client keeps the headers it stored with the answer it
            # revalidates. Feed polls, by the thousand, are mostly 304s.
            if message["type"] == "http.response.start" and message["status"] != 304:
                headers = list(message.get("headers", ()))
                present = {name.lower(): value for name, value in headers}
                headers += [header for header in _ALWAYS if header[0] not in present]
                extra = []
                if scope.get("scheme") == "https":
                    extra.append((b"strict-transport-security", HSTS))
                policy = _policy(scope["path"])
                if policy and present.get(b"content-type", b"").startswith(b"text/html"):
                    extra.append((b"content-security-policy", policy))
                headers += [(n, v.encode()) for n, v in extra if n not in present]
                message["headers"] = headers
            await send(message)

        await app(scope, receive, with_headers)

    return middleware
