"""Keeping each initiative's calendar events current, and feed tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.clock import brussels_day
from tracker.domain.model import Initiative, Kind, Stage
from tracker.domain.slugs import slugify
from tracker.domain.status import Status
from tracker.errors import InvalidInput, NotFound
from tracker.forecasting import assessment
from tracker.outputs.ical import CANCELLED, LANGS, cancelled, events, short_title, vevent
from tracker.services.tokens import hash_token
from tracker.store.feeds import FeedText
from tracker.store.repository import InitiativeFilter
from tracker.store.tables import FeedEventRow
from tracker.store.uow import UnitOfWork
from workflows.definitions import Label, catalogue

FEED_TOKEN_PREFIX = "wgf_"


def sync_stale_feeds(uow: UnitOfWork, now: datetime) -> int:
    """Bring the stored events of every changed initiative up to date; returns how many
    initiatives were behind.

    Changes (a step, a re-plan, an edit, a new initiative) leave the events to this: each event
    is serialized with icalendar in two languages, which cost half of recording a step, and a
    burst of steps on one initiative needs its events built once. Feeds call it before they are
    built (api.calendars), and each server process soon after its own changes (FeedKeeper).
    """
    uow.feeds.lock()
    stale = uow.feeds.stale()
    for initiative in uow.initiatives.by_ids(list(stale)):
        assert initiative.id is not None
        sync_feed(uow, initiative, now, changed_at=stale[initiative.id])
    return len(stale)


def sync_feed(
    uow: UnitOfWork, initiative: Initiative, now: datetime, *, changed_at: datetime | None = None
) -> int:
    """Rebuild the stored events of an initiative that changed; returns how many changed.

    SEQUENCE goes up when an event's dates or status change; other changes (a new title) only
    move its DTSTAMP/LAST-MODIFIED, which is `changed_at`: when the initiative changed, not when
    its events were caught up. Events that no longer apply are cancelled.
    """
    assert initiative.id is not None
    changed_at = changed_at or now
    uow.feeds.synced(initiative.id, initiative.version)
    stored = uow.feeds.events_of(initiative.id)
    changed = 0
    wanted = {content.key: content for content in events(initiative, brussels_day(now))}
    for key, content in wanted.items():
        row = stored.get(key)
        if row is not None and row.content_hash == content.content_hash:
            continue
        if row is None:
            row = FeedEventRow(initiative_id=initiative.id, key=key, sequence=0)
            uow.feeds.add(row)
        elif row.fingerprint != content.fingerprint:
            row.sequence += 1
        row.stage = content.stage.value if content.stage else None
        row.status, row.start, row.end = content.status, content.start, content.end
        row.fingerprint, row.content_hash = content.fingerprint, content.content_hash
        row.changed_at = changed_at
        texts = {
            lang: vevent(initiative.id, content, lang, sequence=row.sequence, changed_at=changed_at)
            for lang in LANGS
        }
        row.vevent_nl, row.vevent_en = texts["nl"], texts["en"]
        changed += 1
    for key, row in stored.items():
        if key in wanted or row.status == CANCELLED:
            continue
        row.sequence += 1
        row.status, row.changed_at = CANCELLED, changed_at
        row.fingerprint = row.content_hash = f"cancelled-{row.sequence}"
        row.vevent_nl = cancelled(row.vevent_nl, row.sequence, changed_at)
        row.vevent_en = cancelled(row.vevent_en, row.sequence, changed_at)
        changed += 1
    return changed


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
    events: list[FeedText]
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
        ids = [initiative.id] if initiative.id is not None else []
        name = short_title(initiative.title)
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
