"""Stored calendar events and feed tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from tracker.store.tables import FeedEventRow, FeedTokenRow, InitiativeRow, core_table


@dataclass(frozen=True, slots=True)
class FeedText:
    text: str
    changed_at: datetime


# pg_advisory_xact_lock's key for syncing stored events: any constant of this application's own.
FEED_SYNC = 0x7767705F66656564  # "wgp_feed"


class FeedRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def events_of(self, initiative_id: int) -> dict[str, FeedEventRow]:
        rows = self.session.scalars(
            select(FeedEventRow).where(FeedEventRow.initiative_id == initiative_id)
        )
        return {row.key: row for row in rows}

    def add(self, row: FeedEventRow) -> None:
        self.session.add(row)

    def lock(self) -> None:
        """Make concurrent syncs of stored events wait for each other until commit. A SQLite
        writer holds the database's one write lock already; PostgreSQL needs a lock of its own,
        or two syncs of one initiative would both number its events."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_SYNC})

    def stale(self) -> dict[int, datetime]:
        """The initiatives whose stored events show an older version than the stored one, with
        the moment of their latest change."""
        query = select(InitiativeRow.id, InitiativeRow.updated_at).where(
            or_(
                InitiativeRow.feed_version.is_(None),
                InitiativeRow.feed_version != InitiativeRow.version,
            )
        )
        return {
            row.id: row.updated_at for row in self.session.execute(query.order_by(InitiativeRow.id))
        }

    def synced(self, initiative_id: int, version: int) -> None:
        """The stored events now show `version`. A plain UPDATE: through the ORM it would bump
        the initiative's version, which would make its If-Match fail for no change of the user's."""
        table = core_table(InitiativeRow)
        self.session.execute(
            update(table)
            .where(table.c.id == initiative_id)
            # Only when it moves: an UPDATE of nothing new would still count as a change.
            .where(or_(table.c.feed_version.is_(None), table.c.feed_version != version))
            .values(feed_version=version)
        )

    def texts(
        self,
        initiative_ids: Sequence[int],
        lang: str,
        *,
        stage: str | None = None,
        cancelled_since: datetime,
    ) -> list[FeedText]:
        """The stored events of these initiatives in feed order; cancelled ones only while
        recent (a withdrawn initiative disappears from feeds 30 days after)."""
        column = FeedEventRow.vevent_en if lang == "en" else FeedEventRow.vevent_nl
        result: list[FeedText] = []
        ids = list(initiative_ids)
        for i in range(0, len(ids), 900):
            query = (
                select(column, FeedEventRow.changed_at, FeedEventRow.status)
                .where(FeedEventRow.initiative_id.in_(ids[i : i + 900]))
                .order_by(FeedEventRow.initiative_id, FeedEventRow.start, FeedEventRow.key)
            )
            if stage is not None:
                query = query.where(FeedEventRow.stage == stage)
            for vevent, changed_at, status in self.session.execute(query):
                if status != "CANCELLED" or changed_at >= cancelled_since:
                    result.append(FeedText(vevent, changed_at))
        return result

    def next_expiry(self, *, now: datetime, cancelled_for: timedelta) -> datetime | None:
        """When the next cancelled event drops out of the feeds, changing them without a commit."""
        first = self.session.scalar(
            select(func.min(FeedEventRow.changed_at)).where(
                FeedEventRow.status == "CANCELLED", FeedEventRow.changed_at >= now - cancelled_for
            )
        )
        return None if first is None else first + cancelled_for

    def last_change(self, *, now: datetime, cancelled_for: timedelta) -> datetime:
        """The latest moment any feed could have changed: an event's change, an initiative's
        (visibility, metadata), or a cancelled event dropping out after `cancelled_for`."""
        latest = [
            self.session.scalar(select(func.max(FeedEventRow.changed_at))),
            self.session.scalar(select(func.max(InitiativeRow.updated_at))),
            self.session.scalar(
                select(func.max(FeedEventRow.changed_at)).where(
                    FeedEventRow.status == "CANCELLED",
                    FeedEventRow.changed_at <= now - cancelled_for,
                )
            ),
        ]
        expired = latest[2] + cancelled_for if latest[2] is not None else None
        moments = [m for m in (latest[0], latest[1], expired) if m is not None]
        return max(moments, default=datetime(2000, 1, 1, tzinfo=UTC))

    # -- feed tokens -----------------------------------------------------------------------------
    def add_token(self, *, name: str, entities: list[str], token_hash: str, now: datetime) -> None:
        self.session.add(
            FeedTokenRow(name=name, entities=entities, token_hash=token_hash, created_at=now)
        )

    def token_exists(self, name: str) -> bool:
        query = select(FeedTokenRow.id).where(FeedTokenRow.name == name)
        return self.session.scalar(query) is not None

    def token_entities(self, token_hash: str) -> frozenset[str] | None:
        row = self.session.scalar(
            select(FeedTokenRow).where(
                FeedTokenRow.token_hash == token_hash, FeedTokenRow.revoked_at.is_(None)
            )
        )
        return None if row is None else frozenset(row.entities)

    def revoke_token(self, name: str, *, now: datetime) -> bool:
        row = self.session.scalar(
            select(FeedTokenRow).where(FeedTokenRow.name == name, FeedTokenRow.revoked_at.is_(None))
        )
        if row is None:
            return False
        row.revoked_at = now
        return True

    def initiative_ids(self, slugs: Sequence[str]) -> dict[str, int]:
        rows = self.session.execute(
            select(InitiativeRow.slug, InitiativeRow.id).where(InitiativeRow.slug.in_(slugs))
        )
        return {slug: id_ for slug, id_ in rows}  # noqa: C416 (Row)
