"""edit details in the event log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

An edit records the values it replaced, so that a past report shows the metadata of then.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.drop_column("details")
    if op.get_bind().dialect.name == "sqlite":  # the table was copied: guard it again
        for action in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS event_log_no_{action.lower()}")
            op.execute(
                f"CREATE TRIGGER event_log_no_{action.lower()} BEFORE {action} ON event_log "
                "BEGIN SELECT RAISE(ABORT, 'event_log is append-only'); END"
            )
