"""calendar feed events and feed tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Feeds are assembled from stored event text; tokens give subscribers secret feed addresses.
"""

import sqlalchemy as sa
from alembic import op

import tracker.store.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_token")),
        sa.UniqueConstraint("name", name=op.f("uq_feed_token_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_token_token_hash")),
    )
    op.create_table(
        "feed_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("changed_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("vevent_nl", sa.Text(), nullable=False),
        sa.Column("vevent_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_feed_event_initiative_id_initiative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_event")),
        sa.UniqueConstraint("initiative_id", "key", name=op.f("uq_feed_event_initiative_id")),
    )
    with op.batch_alter_table("feed_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feed_event_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_feed_event_stage"), ["stage"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_event_stage"))
        batch_op.drop_index(batch_op.f("ix_feed_event_initiative_id"))

    op.drop_table("feed_event")
    op.drop_table("feed_token")
