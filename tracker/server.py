"""How `tracker serve` handles connections."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with Nagle's algorithm off on every connection.

    asyncio disables Nagle only on sockets whose protocol number is IPPROTO_TCP, and uvicorn's
    listening socket is created with 0: a response written as headers, then body, then waited
    for the client's delayed ACK, 40 ms on every keep-alive request (measured by bench/).
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
