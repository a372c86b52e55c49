"""plan changes, api tokens, idempotency keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The plan-change log is append-only, like the event log.
"""

import sqlalchemy as sa
from alembic import op

import tracker.store.tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('viewer', 'editor', 'coordinator', 'admin')", name=op.f("ck_api_token_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("name", name=op.f("uq_api_token_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_table(
        "idempotency_key",
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name=op.f("pk_idempotency_key")),
    )
    op.create_table(
        "plan_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", tracker.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rebaseline", sa.Boolean(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_plan_change_initiative_id_initiative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_change")),
    )
    with op.batch_alter_table("plan_change", schema=None) as batch_op:
        batch_op.create_index("ix_plan_change_initiative", ["initiative_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_change_recorded_at"), ["recorded_at"], unique=False
        )
    _append_only_guard()


def downgrade() -> None:
    _drop_append_only_guard()
    with op.batch_alter_table("plan_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_change_recorded_at"))
        batch_op.drop_index("ix_plan_change_initiative")

    op.drop_table("plan_change")
    op.drop_table("idempotency_key")
    op.drop_table("api_token")


def _append_only_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION plan_change_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'plan_change is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER plan_change_append_only BEFORE UPDATE OR DELETE ON plan_change "
            "FOR EACH ROW EXECUTE FUNCTION plan_change_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER plan_change_no_{action.lower()} BEFORE {action} ON plan_change "
                "BEGIN SELECT RAISE(ABORT, 'plan_change is append-only'); END"
            )


def _drop_append_only_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS plan_change_append_only ON plan_change")
        op.execute("DROP FUNCTION IF EXISTS plan_change_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS plan_change_no_update")
        op.execute("DROP TRIGGER IF EXISTS plan_change_no_delete")
