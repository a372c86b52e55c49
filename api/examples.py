"""Request examples shown in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import Example
from litestar.params import Body


def _body(summary: str, value: dict[str, Any], description: str) -> Any:
    return Body(description=description, examples=[Example(summary=summary, value=value)])


CREATE = _body(
    "A draft decree planned in Dutch",
    {
        "title": "Voorontwerp van decreet houdende de digitale kluis",
        "kind": "decree",
        "entities": ["Agentschap Digitaal Vlaanderen"],
        "summary": "Een decretale grondslag voor de digitale kluis.",
        "advisory_bodies": ["VTC"],
        "plan": {
            "first_approval": {"text": "medio maart 2027"},
            "second_approval": {"text": "juni 2027"},
            "final_approval": {"text": "najaar 2027"},
            "parliament": {"earliest": "2027-10-01", "latest": "2027-12-31"},
        },
    },
    "Planned windows as Dutch text or explicit dates (earliest, latest).",
)
EDIT = _body(
    "Make an initiative non-public",
    {"is_public": False, "summary": "Herwerkte samenvatting"},
    "Only the fields given change.",
)
EVENT = Body(
    description="The event (see /transitions), the day it happened and its evidence. A date "
    "that draws warnings (a government decision not on a Friday, a plenary vote not on a "
    "Wednesday or in a recess, a Council of State advice long after its term) is refused "
    '(409, rule confirm_date, listing them) until it is sent again with `"confirm": true`.',
    examples=[
        Example(
            summary="First approval in principle",
            value={
                "event": "approve_first",
                "occurred_on": "2025-01-17",
                "reference": "VR 2025 1701 DOC.0042/1",
                "note": "Goedgekeurd met het oog op het advies van de VTC",
            },
        ),
        Example(
            summary="A plenary vote on a Thursday, confirmed",
            value={
                "event": "adopt",
                "occurred_on": "2025-07-03",
                "reference": "Stuk 123 (2024-2025) - Nr. 5",
                "confirm": True,
            },
        ),
    ],
)
CORRECTION = _body(
    "The first approval was on the Friday, not the Wednesday",
    {"event_id": 42, "occurred_on": "2025-01-17", "reason": "Datum van de notulen overgenomen"},
    "The step by its id (see the history) with its new date, reference or note, or "
    '`"annul": true`; and why.',
)
MERGE = _body(
    "A re-import created the decree a second time",
    {"into": "decreet-klip-gipod-verordening", "reason": "Dubbel na de beleidsbrief 2025-2026"},
    "The initiative that stays, and why; the merged one's address then redirects to it.",
)
PLAN = _body(
    "The second approval slips to the end of March",
    {"text": "eind maart 2025", "reason": "Advies VTC later dan verwacht"},
    "A new window as Dutch text or dates, and why; rebaseline (coordinators) moves the baseline.",
)
