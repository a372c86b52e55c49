"""Keeping each initiative's calendar events current, and feed tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tracker.domain.clock import brussels_day
from tracker.domain.errors import InvalidInput, Moved, NotFound
from tracker.domain.model import Initiative, Kind, Stage
from tracker.domain.slugs import slugify
from tracker.domain.status import Status
from tracker.outputs.ical import CANCELLED, LANGS, cancelled, events, vevent
from tracker.rules.procedure_rules import assessment
from tracker.services.tokens import hash_token
from tracker.store.feeds import EventWrite, StoredEvent
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import UnitOfWork
from workflows.definitions import Label, catalogue

FEED_TOKEN_PREFIX = "wgf_"


def sync_feed(
    uow: UnitOfWork, initiative: Initiative, now: datetime, *, changed_at: datetime | None = None
) -> int:
    """Rebuild, in this transaction, the stored events of an initiative that changed; returns
    how many changed. Changes that leave this to later mark the events stale instead
    (tracker.services.feed_catch_up)."""
    assert initiative.id is not None
    stored = uow.feeds.stored([initiative.id])[initiative.id]
    writes = event_writes(initiative, stored, now, changed_at or now)
    uow.feeds.write(writes)
    uow.feeds.synced(initiative.id, initiative.version)
    return len(writes)


def event_writes(
    initiative: Initiative, stored: dict[str, StoredEvent], now: datetime, changed_at: datetime
) -> list[EventWrite]:
    """What to write so that the stored events show the initiative as it is now.

    SEQUENCE goes up when an event's dates or status change; other changes (a new title) only
    move its DTSTAMP/LAST-MODIFIED, which is `changed_at`: when the initiative changed, not when
    its events were caught up. Events that no longer apply are cancelled.
    """
    initiative_id = initiative.id
    assert initiative_id is not None
    writes = []
    wanted = {content.key: content for content in events(initiative, brussels_day(now))}
    for key, content in wanted.items():
        row = stored.get(key)
        if row is not None and row.content_hash == content.content_hash:
            continue
        sequence = 0 if row is None else row.sequence + (row.fingerprint != content.fingerprint)
        nl, en = (
            vevent(initiative_id, content, lang, sequence=sequence, changed_at=changed_at)
            for lang in LANGS
        )
        event = StoredEvent(
            key=key,
            stage=content.stage.value if content.stage else None,
            status=content.status,
            start=content.start,
            end=content.end,
            fingerprint=content.fingerprint,
            content_hash=content.content_hash,
            sequence=sequence,
            changed_at=changed_at,
            vevent_nl=nl,
            vevent_en=en,
        )
        writes.append(EventWrite(initiative_id, event, new=row is None))
    for key, row in stored.items():
        if key in wanted or row.status == CANCELLED:
            continue
        sequence = row.sequence + 1
        mark = f"cancelled-{sequence}"
        event = replace(
            row,
            status=CANCELLED,
            fingerprint=mark,
            content_hash=mark,
            sequence=sequence,
            changed_at=changed_at,
            vevent_nl=cancelled(row.vevent_nl, sequence, changed_at),
            vevent_en=cancelled(row.vevent_en, sequence, changed_at),
        )
        writes.append(EventWrite(initiative_id, event, new=False))
    return writes


def create_feed_token(uow: UnitOfWork, *, name: str, entities: list[str], now: datetime) -> str:
    """A secret feed address for a subscriber of these entities' non-public initiatives."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", "a feed token needs a name")
    if uow.feeds.token_exists(name):
        raise InvalidInput("name", f"a feed token named '{name}' exists already")
    if not entities:
        raise InvalidInput("entity", "a feed token is for at least one entity")
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits
    slugs = sorted({slugify(e) for e in entities})
    uow.feeds.add_token(name=name, entities=slugs, token_hash=hash_token(token), now=now)
    return token


def revoke_feed_token(uow: UnitOfWork, name: str, *, now: datetime) -> None:
    if not uow.feeds.revoke_token(name, now=now):
        raise NotFound("feed token", name)


@dataclass(frozen=True, slots=True)
class Feed:
    name: str
    description: str
    events: list[bytes]  # each a VEVENT as stored, UTF-8 encoded
    # Last-Modified: the latest change to any feed, so that an event leaving this one (hidden,
    # expired, filtered out) never looks unmodified to If-Modified-Since.
    changed_at: datetime


FEED_TEXT = {
    "programme": Label(
        "Wetgevingsplanner: alle initiatieven", "Wetgevingsplanner: all initiatives"
    ),
    "about": Label(
        "Geplande en gehaalde mijlpalen van regelgevingsinitiatieven van de Vlaamse Regering",
        "Planned and reached milestones of regulatory initiatives of the Flemish Government",
    ),
}
WITHDRAWN_SHOWN = timedelta(days=30)


def feed_audience(uow: UnitOfWork, token: str | None) -> frozenset[str]:
    """The entities whose non-public initiatives a feed may show: none without a token."""
    if token is None:
        return frozenset()
    entities = uow.feeds.token_entities(hash_token(token))
    if entities is None:
        raise NotFound("feed", "private")  # unknown or revoked: nothing to tell
    return entities


def feed(
    uow: UnitOfWork,
    scope: str,
    key: str | None,
    *,
    audience: frozenset[str],
    lang: str,
    now: datetime,
    kind: Kind | None = None,
    status: str | None = None,
) -> Feed:
    """The events of a programme, initiative, entity or stage feed, with the feed's name."""
    cat = catalogue()
    filters = InitiativeFilter(kind=kind, visible_to=audience)
    stage: str | None = None
    name = FEED_TEXT["programme"].get(lang)
    if scope == "initiative":
        initiative = uow.initiatives.get(key or "")
        if initiative is None or not (
            initiative.is_public or not audience.isdisjoint(slugify(e) for e in initiative.entities)
        ):
            raise NotFound("initiative", key or "")
        if initiative.merged_into is not None:
            raise Moved(initiative.slug, initiative.merged_into)
        ids = [initiative.id] if initiative.id is not None else []
        name = initiative.short_title
    elif scope == "entity":
        names = {slug: n for slug, n, _ in uow.initiatives.entities(audience) if slug == key}
        if not names:  # unknown, or involved only in initiatives this feed may not show
            raise NotFound("entity", key or "")
        filters = InitiativeFilter(kind=kind, entity=key, visible_to=audience)
        ids = uow.initiatives.ids(filters)
        name = f"Wetgevingsplanner: {names[key or '']}"
    elif scope == "stage":
        if key not in {s.value for s in Stage}:
            raise NotFound("stage", key or "")
        stage = key
        ids = uow.initiatives.ids(filters)
        name = f"Wetgevingsplanner: {cat.stages[Stage(key)].label.get(lang)}"
    else:
        ids = uow.initiatives.ids(filters)
    if status is not None:
        ids = _with_status(uow, ids, status, now)
    texts = uow.feeds.texts(ids, lang, stage=stage, cancelled_since=now - WITHDRAWN_SHOWN)
    return Feed(
        name,
        FEED_TEXT["about"].get(lang),
        texts,
        uow.feeds.last_change(now=now, cancelled_for=WITHDRAWN_SHOWN),
    )


def _with_status(uow: UnitOfWork, ids: list[int], status: str, now: datetime) -> list[int]:
    if status not in {s.value for s in Status}:
        raise InvalidInput("status", f"one of {', '.join(s.value for s in Status)}")
    today = brussels_day(now)
    return [
        i.id
        for i in uow.initiatives.by_ids(ids)
        if i.id is not None and assessment(i, today).status.value == status
    ]
