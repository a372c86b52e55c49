"""merged initiatives

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08

An initiative created twice can be merged into the other: it keeps its row and its logs, and
names the slug that stays, to which its own slug redirects.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("initiative", sa.Column("merged_into", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
