"""Response bodies specific to the HTTP API (the initiative views live in tracker.views)."""

from __future__ import annotations

import msgspec

from tracker.views import InitiativeSummaryView


class InitiativePage(msgspec.Struct):
    items: list[InitiativeSummaryView]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class EntitySummary(msgspec.Struct):
    slug: str
    name: str
    initiatives: int


class Health(msgspec.Struct):
    status: str
    database: str
    schema_revision: str | None
