"""Database tables. Identifiers are English; the event log is append-only (see migrations)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no time zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class InitiativeRow(Base):
    __tablename__ = "initiative"
    __table_args__ = (CheckConstraint("kind IN ('decree', 'order')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(Text)
    short_title: Mapped[str] = mapped_column(String(60), server_default="")
    merged_into: Mapped[str | None] = mapped_column(String(120))  # the slug that stays
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(32), index=True)
    held_stage: Mapped[str | None] = mapped_column(String(32))
    council_of_state_term: Mapped[str] = mapped_column(String(16), default="days_30")
    entry_into_force: Mapped[date | None] = mapped_column(Date)
    advisory_bodies: Mapped[list[str]] = mapped_column(JSON, default=list)
    policy_area: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(300))
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The version whose calendar events are stored (feed_event): a change records the step
    # cheaply and leaves the events to tracker.services.feed_catch_up.catch_up_feeds.
    feed_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # Every UPDATE checks and bumps the version, so a concurrent writer fails instead of winning.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    entity_links: Mapped[list[InitiativeEntityRow]] = relationship(
        order_by="InitiativeEntityRow.position", cascade="all, delete-orphan"
    )
    milestones: Mapped[list[MilestoneRow]] = relationship(
        order_by="MilestoneRow.position", cascade="all, delete-orphan"
    )
    deadlines: Mapped[list[LegalDeadlineRow]] = relationship(
        order_by="LegalDeadlineRow.position", cascade="all, delete-orphan"
    )
    findings: Mapped[list[FindingRow]] = relationship(
        order_by="FindingRow.position", cascade="all, delete-orphan"
    )


class EntityRow(Base):
    __tablename__ = "entity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))


class InitiativeEntityRow(Base):
    __tablename__ = "initiative_entity"

    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)

    entity: Mapped[EntityRow] = relationship(lazy="joined")


class MilestoneRow(Base):
    """Baseline, forecast (each a window: text, earliest, latest, alternatives) and actual."""

    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("initiative_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"))
    stage: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    baseline_text: Mapped[str | None] = mapped_column(Text)
    baseline_earliest: Mapped[date | None] = mapped_column(Date)
    baseline_latest: Mapped[date | None] = mapped_column(Date)
    baseline_alternatives: Mapped[list[list[str | None]] | None] = mapped_column(JSON)
    forecast_text: Mapped[str | None] = mapped_column(Text)
    forecast_earliest: Mapped[date | None] = mapped_column(Date)
    forecast_latest: Mapped[date | None] = mapped_column(Date)
    forecast_alternatives: Mapped[list[list[str | None]] | None] = mapped_column(JSON)
    actual: Mapped[date | None] = mapped_column(Date)
    plan_text: Mapped[str | None] = mapped_column(Text)
    plan_earliest: Mapped[date | None] = mapped_column(Date)
    plan_latest: Mapped[date | None] = mapped_column(Date)
    plan_alternatives: Mapped[list[list[str | None]] | None] = mapped_column(JSON)


class LegalDeadlineRow(Base):
    __tablename__ = "legal_deadline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)


class FindingRow(Base):
    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str | None] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EventRow(Base):
    """The append-only event log: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "event_log"
    __table_args__ = (Index("ix_event_log_initiative", "initiative_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"))
    name: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PlanChangeRow(Base):
    """A re-plan of one stage (forecast), or a re-baselining: before and after, with its reason."""

    __tablename__ = "plan_change"
    __table_args__ = (Index("ix_plan_change_initiative", "initiative_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"))
    stage: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    rebaseline: Mapped[bool] = mapped_column(Boolean, default=False)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApiTokenRow(Base):
    """An API token: only its SHA-256 is kept; the token itself is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor', 'coordinator', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    entities: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRow(Base):
    """The first response to a POST with an Idempotency-Key, replayed for retries."""

    __tablename__ = "idempotency_key"

    actor: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedEventRow(Base):
    """One calendar event (a milestone or a legal deadline) and its serialized VEVENTs.

    The event text is rebuilt only when the milestone changes, so that feeds are assembled from
    stored text; `sequence` counts the changes of its dates or status (RFC 5545 SEQUENCE).
    """

    __tablename__ = "feed_event"
    __table_args__ = (UniqueConstraint("initiative_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # a stage id, or deadline-<n>
    stage: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16))  # TENTATIVE, CONFIRMED, CANCELLED
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)  # exclusive
    fingerprint: Mapped[str] = mapped_column(String(64))  # of dates and status
    content_hash: Mapped[str] = mapped_column(String(64))  # of everything shown
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    vevent_nl: Mapped[str] = mapped_column(Text)
    vevent_en: Mapped[str] = mapped_column(Text)


class FeedTokenRow(Base):
    """A subscriber's secret feed address (capability URL): only its SHA-256 is kept."""

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    entities: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChangeCounterRow(Base):
    """One row whose value goes up with every committed write on PostgreSQL (triggers of
    migration 0007 on every other table), so that the caches of every server process know when
    this database changed. SQLite needs no counter: PRAGMA data_version does that."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def core_table(row_type: type[Base]) -> Table:
    """The Core table of a row type, for statements that bypass the ORM's unit of work."""
    return cast(Table, row_type.__table__)
