"""Merging an initiative created twice (a re-import with a changed title, say) into the other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.domain.access import Principal
from tracker.domain.clock import brussels_day
from tracker.domain.errors import Forbidden, InvalidInput, NotFound
from tracker.domain.model import Event, Initiative, Terminal
from tracker.services.initiatives import readable_initiative, writable_initiative
from tracker.services.unit_of_work import UnitOfWork

MERGE = "merge"


@dataclass(frozen=True, slots=True)
class Merged:
    merged: Initiative  # no initiative of its own any more: its slug redirects
    into: Initiative  # the one that stays, with its events, plans and feed UIDs


def merge_initiatives(
    uow: UnitOfWork,
    slug: str,
    *,
    into: str,
    reason: str,
    principal: Principal,
    expected_version: int,
    now: datetime,
) -> Merged:
    """Merge initiative `slug` into `into`, by a coordinator: the one that stays keeps its log,
    plans and calendar events; the merged one keeps its own log, leaves the lists, reports and
    feeds (its calendar events are cancelled) and its slug redirects. Both logs record it."""
    if not principal.sees_everything:
        raise Forbidden(
            f"{principal.role} '{principal.name}' may not merge initiatives",
            rule="coordinators_merge",
            params={"token": principal.name, "role": str(principal.role)},
        )
    if not reason.strip():
        raise InvalidInput("reason", "a merge says why", code="merge_reason_required")
    if into == slug:
        raise InvalidInput("into", "an initiative is not merged into itself", code="merge_itself")
    merged = writable_initiative(uow, slug, principal, expected_version)
    readable_initiative(uow, into, principal)  # NotFound, or Moved to where it went
    target = uow.initiatives.get(into, for_update=True)
    if target is None:
        raise NotFound("initiative", into)
    if target.state == Terminal.WITHDRAWN.value:
        raise InvalidInput(
            "into", "withdrawn", code="merge_into_withdrawn", params={"value": target.slug}
        )
    if target.kind != merged.kind:
        raise InvalidInput(
            "into", "another kind", code="merge_across_kinds",
            params={"value": target.slug, "kind": merged.kind.value},
        )  # fmt: skip
    day = brussels_day(now)
    merged.merged_into = target.slug
    uow.initiatives.save(merged, now=now)
    uow.initiatives.append_event(
        merged,
        Event(
            MERGE, day, now, principal.name, merged.state, merged.state, note=reason.strip(),
            details={"into": target.slug, "title": target.title},
        ),
    )  # fmt: skip
    uow.initiatives.save(target, now=now)  # a new version: its pages and feeds are made again
    uow.initiatives.append_event(
        target,
        Event(
            MERGE, day, now, principal.name, target.state, target.state, note=reason.strip(),
            details={"merged": merged.slug, "title": merged.title},
        ),
    )  # fmt: skip
    return Merged(merged, target)
