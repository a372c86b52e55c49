"""Errors of the use cases; the HTTP layer maps each to one problem+json status in one place."""

from __future__ import annotations

from typing import Any

from tracker.domain.bounds import EARLIEST, LATEST


class TrackerError(Exception):
    """Base of the errors a caller can act on."""


class NotFound(TrackerError):
    """404: unknown, or not visible to the caller (never a hint that it exists)."""

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} '{key}' not found")
        self.what = what
        self.key = key


class Moved(TrackerError):
    """301: the initiative was merged into another; `slug` is the one that stays."""

    def __init__(self, old: str, slug: str) -> None:
        super().__init__(f"initiative '{old}' was merged into '{slug}'")
        self.old = old
        self.slug = slug


class Unauthenticated(TrackerError):
    """401: writing needs a valid API token."""


class Forbidden(TrackerError):
    """403: the caller's role does not allow this. `rule` names why and `params` holds the facts
    (the token's name, role and entities, the initiative's entities) that a caller is told, in
    its language (tracker.outputs.problem_text)."""

    def __init__(
        self, message: str, *, rule: str | None = None, params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.params = params or {}


class StaleVersion(TrackerError):
    """412: the initiative changed since the caller read it (If-Match)."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"version {expected} is stale; the initiative is at version {current}")
        self.expected = expected
        self.current = current


class Refused(TrackerError):
    """409: a step the procedure does not allow now; `code` names the rule."""

    def __init__(
        self, code: str, *, state: str, allowed: list[str], params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code)
        self.code = code
        self.state = state
        self.allowed = allowed
        self.params = params or {}


class InvalidInput(TrackerError):
    """422: a well-formed request whose content cannot be used; `field` names what is wrong."""

    def __init__(
        self,
        field: str,
        reason: str,
        *,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code = (
            code  # a message in tracker.outputs.messages that says it in the reader's language
        )
        self.params = params or {}


class InvalidQuery(InvalidInput):
    """400: a query parameter (a week, an as-of moment) that cannot be used."""


def out_of_bounds(field: str, value: object, *, query: bool = False) -> InvalidInput:
    """422 (400 for a query parameter): a date outside the range the tracker accepts
    (tracker.domain.bounds), named by `field` and said in the reader's language."""
    kind = InvalidQuery if query else InvalidInput
    return kind(
        field,
        f"{value} lies outside the dates this tracker accepts "
        f"({EARLIEST.isoformat()} to {LATEST.isoformat()})",
        code="date_out_of_range",
        params={"value": str(value), "earliest": EARLIEST, "latest": LATEST},
    )


class Busy(TrackerError):
    """503: the database stayed busy with other writers for longer than a writer waits; the
    same request may be sent again (nothing was written)."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"the database was busy with other changes for {waited:.0f} s; retry")
        self.waited = waited
