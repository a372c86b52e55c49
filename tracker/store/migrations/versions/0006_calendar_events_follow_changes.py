"""calendar events follow changes: the version whose events are stored

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Recording a step no longer rebuilds the initiative's calendar events in its own transaction;
initiative.feed_version says which version the stored events show, and the feeds bring the
others up to date. Events stored so far show the current version.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_version", sa.Integer(), nullable=True))
    op.execute("UPDATE initiative SET feed_version = version")


def downgrade() -> None:
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_column("feed_version")
