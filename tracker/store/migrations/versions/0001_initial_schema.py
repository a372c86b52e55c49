"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23

The event log is append-only: triggers refuse every UPDATE and DELETE of its rows.
"""

import sqlalchemy as sa
from alembic import op

import tracker.store.tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity")),
        sa.UniqueConstraint("slug", name=op.f("uq_entity_slug")),
    )
    op.create_table(
        "initiative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("held_stage", sa.String(length=32), nullable=True),
        sa.Column("council_of_state_term", sa.String(length=16), nullable=False),
        sa.Column("advisory_bodies", sa.JSON(), nullable=False),
        sa.Column("policy_area", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('decree', 'order')", name=op.f("ck_initiative_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative")),
        sa.UniqueConstraint("slug", name=op.f("uq_initiative_slug")),
    )
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiative_state"), ["state"], unique=False)

    op.create_table(
        "event_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_event_log_initiative_id_initiative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_log")),
    )
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.create_index("ix_event_log_initiative", ["initiative_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_log_recorded_at"), ["recorded_at"], unique=False)

    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_finding_initiative_id_initiative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_initiative_id"), ["initiative_id"], unique=False
        )

    op.create_table(
        "initiative_entity",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_initiative_entity_entity_id_entity")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_initiative_entity_initiative_id_initiative"),
        ),
        sa.PrimaryKeyConstraint("initiative_id", "entity_id", name=op.f("pk_initiative_entity")),
    )
    with op.batch_alter_table("initiative_entity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_initiative_entity_entity_id"), ["entity_id"], unique=False
        )

    op.create_table(
        "legal_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_legal_deadline_initiative_id_initiative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_deadline")),
    )
    with op.batch_alter_table("legal_deadline", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_deadline_initiative_id"), ["initiative_id"], unique=False
        )

    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("baseline_text", sa.Text(), nullable=True),
        sa.Column("baseline_earliest", sa.Date(), nullable=True),
        sa.Column("baseline_latest", sa.Date(), nullable=True),
        sa.Column("baseline_alternatives", sa.JSON(), nullable=True),
        sa.Column("forecast_text", sa.Text(), nullable=True),
        sa.Column("forecast_earliest", sa.Date(), nullable=True),
        sa.Column("forecast_latest", sa.Date(), nullable=True),
        sa.Column("forecast_alternatives", sa.JSON(), nullable=True),
        sa.Column("actual", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_milestone_initiative_id_initiative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
        sa.UniqueConstraint("initiative_id", "stage", name=op.f("uq_milestone_initiative_id")),
    )
    _append_only_guard()


def downgrade() -> None:
    _drop_append_only_guard()
    op.drop_table("milestone")
    with op.batch_alter_table("legal_deadline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_deadline_initiative_id"))

    op.drop_table("legal_deadline")
    with op.batch_alter_table("initiative_entity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_entity_entity_id"))

    op.drop_table("initiative_entity")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_initiative_id"))

    op.drop_table("finding")
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_log_recorded_at"))
        batch_op.drop_index("ix_event_log_initiative")

    op.drop_table("event_log")
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_state"))

    op.drop_table("initiative")
    op.drop_table("entity")


def _append_only_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION event_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'event_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE ON event_log "
            "FOR EACH ROW EXECUTE FUNCTION event_log_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_log_no_{action.lower()} BEFORE {action} ON event_log "
                "BEGIN SELECT RAISE(ABORT, 'event_log is append-only'); END"
            )


def _drop_append_only_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_log_append_only ON event_log")
        op.execute("DROP FUNCTION IF EXISTS event_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS event_log_no_delete")
