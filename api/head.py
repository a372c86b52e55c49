"""HEAD wherever GET works (RFC 9110, 9.3.2): the GET's status and headers, without content.

Litestar 2 routes HEAD only to handlers that declare it, so every page and API read answered
405. Rather than declaring it on each handler (and forgetting one), the application's handler
takes a HEAD as the GET of the same address and sends only what precedes the content; its
Content-Length stays that of the GET's content, as RFC 9110 (8.6) allows.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def head_as_get(app: ASGIApp) -> ASGIApp:
    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return
        # The server's scope stays as it came: granian reads its method for the access line
        # after the app has answered, and the request was a HEAD.
        as_get: Scope = {**scope, "method": "GET"}
        done = False

        async def headers_only(message: Message) -> None:
            nonlocal done
            if message["type"] == "http.response.body":
                if done:
                    return
                done = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await app(as_get, receive, headers_only)

    return handler
