"""Stored calendar events and feed tokens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Dialect,
    LargeBinary,
    TypeDecorator,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from tracker.store.repository import id_chunks
from tracker.store.tables import FeedEventRow, FeedTokenRow, InitiativeRow, core_table
from tracker.store.transaction import Transaction


class _Encoded(TypeDecorator[bytes]):
    """Bytes as they come, or text encoded as UTF-8."""

    impl = LargeBinary
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        return value.encode() if isinstance(value, str) else value


class _Utf8(FunctionElement[bytes]):
    """A text column read as its UTF-8 bytes, the cheapest way each database gives them."""

    type = _Encoded()
    inherit_cache = True


@compiles(_Utf8)
def _utf8_sqlite(element: _Utf8, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS BLOB)"  # SQLite keeps UTF-8


@compiles(_Utf8, "postgresql")
def _utf8_postgresql(element: _Utf8, compiler: SQLCompiler, **kw: Any) -> str:
    # As text, encoded by _Encoded: bytea would come as hex, twice the bytes, and took longer.
    return str(compiler.process(element.clauses, **kw))


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One stored calendar event of an initiative, as read or as it is to be written."""

    key: str
    stage: str | None
    status: str
    start: date
    end: date
    fingerprint: str
    content_hash: str
    sequence: int
    changed_at: datetime
    vevent_nl: str
    vevent_en: str

    @property
    def state(self) -> tuple[int, str]:
        """What tells whether it changed since it was read (FeedRepository.states)."""
        return self.sequence, self.content_hash


@dataclass(frozen=True, slots=True)
class EventWrite:
    """An initiative's event to store; `new` when it is to be inserted."""

    initiative_id: int
    event: StoredEvent
    new: bool


@dataclass(frozen=True, slots=True)
class Behind:
    """An initiative whose stored events show an older version, and when it last changed."""

    version: int
    changed_at: datetime


_EVENTS = core_table(FeedEventRow)
_EVENT_FIELDS = tuple(f.name for f in fields(StoredEvent))
_BY_INITIATIVES = _EVENTS.c.initiative_id.in_(bindparam("ids", expanding=True))
_STORED = select(_EVENTS.c.initiative_id, *(_EVENTS.c[name] for name in _EVENT_FIELDS)).where(
    _BY_INITIATIVES
)
_STATES = select(
    _EVENTS.c.initiative_id, _EVENTS.c.key, _EVENTS.c.sequence, _EVENTS.c.content_hash
).where(_BY_INITIATIVES)
# An UPDATE's own parameters may not share a column's name.
_UPDATE_EVENT = (
    update(_EVENTS)
    .where(_EVENTS.c.initiative_id == bindparam("w_initiative_id"))
    .where(_EVENTS.c.key == bindparam("w_key"))
)

# pg_advisory_xact_lock's key for syncing stored events: any constant of this application's own.
FEED_SYNC = 0x7767705F66656564  # "wgp_feed"


class FeedRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    @property
    def session(self) -> Session:
        """The session to read from; the writes below write through `self._tx`."""
        return self._tx.reading()

    def stored(self, initiative_ids: Sequence[int]) -> dict[int, dict[str, StoredEvent]]:
        """The stored events of these initiatives, by initiative and key (none: an empty dict)."""
        result: dict[int, dict[str, StoredEvent]] = {i: {} for i in initiative_ids}
        for initiative_id, *values in self._rows(_STORED, initiative_ids):
            result[initiative_id][values[0]] = StoredEvent(*values)
        return result

    def states(self, initiative_ids: Sequence[int]) -> dict[int, dict[str, tuple[int, str]]]:
        """`StoredEvent.state` of every stored event of these initiatives, without their texts."""
        result: dict[int, dict[str, tuple[int, str]]] = {i: {} for i in initiative_ids}
        for initiative_id, key, sequence, content_hash in self._rows(_STATES, initiative_ids):
            result[initiative_id][key] = (sequence, content_hash)
        return result

    def _rows(self, query: Executable, initiative_ids: Sequence[int]) -> Iterator[Any]:
        for chunk in id_chunks(self.session, initiative_ids):
            yield from self.session.execute(query, {"ids": chunk})

    def write(self, writes: Sequence[EventWrite]) -> None:
        """Insert the new events and update the others, with Core statements."""
        added = [{**asdict(w.event), "initiative_id": w.initiative_id} for w in writes if w.new]
        changed = [
            {**asdict(w.event), "w_initiative_id": w.initiative_id, "w_key": w.event.key}
            for w in writes
            if not w.new
        ]

        def write() -> None:
            if added:
                self._tx.session.execute(insert(_EVENTS), added)
            if changed:
                self._tx.session.execute(_UPDATE_EVENT, changed)

        self._tx.write(write)

    def lock(self) -> None:
        """Make concurrent syncs of stored events wait for each other until commit, or two syncs
        of one initiative would both number its events: on SQLite, by reading and writing in
        the writers' turn; PostgreSQL needs a lock of its own."""
        if self._tx.dialect == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_SYNC})
        else:
            self._tx.take_turn()

    def stale(self, initiative_ids: Sequence[int] | None = None) -> dict[int, Behind]:
        """The initiatives (all, or of these) whose stored events show an older version than
        the stored one."""
        query = select(InitiativeRow.id, InitiativeRow.version, InitiativeRow.updated_at).where(
            or_(
                InitiativeRow.feed_version.is_(None),
                InitiativeRow.feed_version != InitiativeRow.version,
            )
        )
        if initiative_ids is None:
            rows: Iterator[Any] = iter(self.session.execute(query.order_by(InitiativeRow.id)))
        else:
            by_ids = query.where(InitiativeRow.id.in_(bindparam("ids", expanding=True)))
            rows = self._rows(by_ids, initiative_ids)
        return {row.id: Behind(row.version, row.updated_at) for row in rows}

    def synced(self, initiative_id: int, version: int) -> None:
        """The stored events now show `version`. A plain UPDATE: through the ORM it would bump
        the initiative's version, which would make its If-Match fail for no change of the user's."""
        table = core_table(InitiativeRow)
        synced = (
            update(table)
            .where(table.c.id == initiative_id)
            # Only when it moves: an UPDATE of nothing new would still count as a change.
            .where(or_(table.c.feed_version.is_(None), table.c.feed_version != version))
            .values(feed_version=version)
        )
        self._tx.write(lambda: self._execute(synced))

    def _execute(self, statement: Executable) -> None:
        self._tx.session.execute(statement)

    def texts(
        self,
        initiative_ids: Sequence[int],
        lang: str,
        *,
        stage: str | None = None,
        cancelled_since: datetime,
    ) -> list[bytes]:
        """The stored events of these initiatives in feed order, UTF-8 encoded as a feed sends
        them; cancelled ones only while recent (a withdrawn initiative disappears from feeds 30
        days after).

        Read as bytes: a programme's events run to tens of megabytes, and as text they were
        decoded, joined into one string of two bytes per character (an en dash is enough) and
        encoded again, 400 MB at the peak for a 57 MB feed.
        """
        column = FeedEventRow.vevent_en if lang == "en" else FeedEventRow.vevent_nl
        query = (
            select(_Utf8(column))
            .where(
                FeedEventRow.initiative_id.in_(bindparam("ids", expanding=True)),
                or_(
                    FeedEventRow.status != "CANCELLED",
                    FeedEventRow.changed_at >= cancelled_since,
                ),
            )
            .order_by(FeedEventRow.initiative_id, FeedEventRow.start, FeedEventRow.key)
        )
        if stage is not None:
            query = query.where(FeedEventRow.stage == stage)
        return [event for (event,) in self._rows(query, initiative_ids)]

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
        row = FeedTokenRow(name=name, entities=entities, token_hash=token_hash, created_at=now)
        self._tx.write(lambda: self._tx.session.add(row))

    def token_exists(self, name: str) -> bool:
        """As TokenRepository.exists, for feed tokens."""
        self._tx.take_turn()
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
        """Revoke the feed token with this name; False if there is none (or it is revoked)."""
        table = core_table(FeedTokenRow)
        active = (table.c.name == name, table.c.revoked_at.is_(None))
        if self.session.scalar(select(table.c.id).where(*active)) is None:
            return False
        self._tx.write(lambda: self._execute(update(table).where(*active).values(revoked_at=now)))
        return True

    def initiative_ids(self, slugs: Sequence[str]) -> dict[str, int]:
        rows = self.session.execute(
            select(InitiativeRow.slug, InitiativeRow.id).where(InitiativeRow.slug.in_(slugs))
        )
        return {slug: id_ for slug, id_ in rows}  # noqa: C416 (Row)
