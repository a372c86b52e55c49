"""Floors: the least any implementation could cost, measured side by side with the real thing.

An HTTP floor is the same server stack (granian, Litestar, the same workers and log level as
`tracker serve`) answering a fixed JSON body. The feed floor writes the same events with plain
string formatting instead of `icalendar`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from litestar import Litestar, Response, get
from litestar.params import FromPath

FLOOR_BYTES = 1024


@cache
def fixed_body(size: int) -> bytes:
    """A JSON document of exactly `size` bytes (at least 16)."""
    size = max(size, 16)
    head = b'{"padding":"'
    return head + b"x" * (size - len(head) - 2) + b'"}'


@get("/json/{size:int}")
async def fixed_json(size: FromPath[int]) -> Response[bytes]:
    return Response(fixed_body(size), media_type="application/json")


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[fixed_json, health])


def serve(argv: Sequence[str] | None = None) -> None:
    """Run the floor app as `tracker serve` runs the tracker (the same server and workers)."""
    from tracker.app.server import ServerSettings
    from tracker.app.server import serve as run

    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    run(ServerSettings("bench.floor:create_app", args.host, args.port, args.workers))


# -- the feed floor ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlainEvent:
    """What one VEVENT shows, as plain values."""

    uid: str
    changed_at: datetime
    sequence: int
    start: date
    end: date
    summary: str
    description: str
    categories: list[str]
    status: str
    url: str


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    # RFC 5545 folds at 75 octets; counting characters is close enough for a floor.
    if len(line) <= 75:
        return line + "\r\n"
    parts = [line[:75]] + [line[i : i + 74] for i in range(75, len(line), 74)]
    return "\r\n ".join(parts) + "\r\n"


def plain_vevent(event: PlainEvent) -> str:
    stamp = f"{event.changed_at:%Y%m%dT%H%M%SZ}"
    return "".join(
        (
            "BEGIN:VEVENT\r\n",
            _fold(f"SUMMARY:{_escape(event.summary)}"),
            f"DTSTART;VALUE=DATE:{event.start:%Y%m%d}\r\n",
            f"DTEND;VALUE=DATE:{event.end:%Y%m%d}\r\n",
            f"DTSTAMP:{stamp}\r\n",
            _fold(f"UID:{event.uid}"),
            f"SEQUENCE:{event.sequence}\r\n",
            _fold("CATEGORIES:" + ",".join(_escape(c) for c in event.categories)),
            _fold(f"DESCRIPTION:{_escape(event.description)}"),
            f"LAST-MODIFIED:{stamp}\r\n",
            f"STATUS:{event.status}\r\n",
            "TRANSP:TRANSPARENT\r\n",
            _fold(f"URL:{event.url}"),
            "END:VEVENT\r\n",
        )
    )


def plain_calendar(head: str, events: Sequence[PlainEvent]) -> bytes:
    return (head + "".join(plain_vevent(e) for e in events) + "END:VCALENDAR\r\n").encode()


if __name__ == "__main__":
    serve()
