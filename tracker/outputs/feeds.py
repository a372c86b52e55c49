"""Calendar feeds assembled from stored event text (RFC 5545 + RFC 7986)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cache

import icalendar

REFRESH = timedelta(hours=6)


@cache
def _frame(name: str, description: str) -> tuple[bytes, bytes]:
    """The calendar's head (properties) and tail, built once per name, UTF-8 encoded."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Wetgevingsplanner//Regelgevingsinitiatieven//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for prop, value in (
        ("name", name), ("x-wr-calname", name),
        ("description", description), ("x-wr-caldesc", description),
    ):  # fmt: skip
        calendar.add(prop, icalendar.vText(value))  # escapes , ; and backslashes
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    text = calendar.to_ical()
    head, _, _ = text.rpartition(b"END:VCALENDAR\r\n")
    return head, b"END:VCALENDAR\r\n"


def calendar(name: str, description: str, events: Sequence[bytes]) -> bytes:
    """The feed: its events (each a UTF-8 encoded VEVENT as stored) in a calendar."""
    head, tail = _frame(name, description)
    return head + b"".join(events) + tail
