"""planned windows and entry into force

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

The window a stage is planned for (`plan`, set by re-planning) is kept apart from the
forecast, which is now computed. Stages re-planned before this revision keep their window.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_into_force", sa.Date(), nullable=True))

    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("plan_earliest", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("plan_latest", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("plan_alternatives", sa.JSON(), nullable=True))

    op.execute(
        "UPDATE milestone SET plan_text = forecast_text, plan_earliest = forecast_earliest, "
        "plan_latest = forecast_latest, plan_alternatives = forecast_alternatives "
        "WHERE forecast_text IS NOT NULL "
        "AND (baseline_text IS NULL OR forecast_text <> baseline_text)"
    )


def downgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_column("plan_alternatives")
        batch_op.drop_column("plan_latest")
        batch_op.drop_column("plan_earliest")
        batch_op.drop_column("plan_text")

    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_column("entry_into_force")
