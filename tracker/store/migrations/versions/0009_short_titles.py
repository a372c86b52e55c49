"""short titles

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

Every initiative gets a short title, proposed from its full title (tracker.domain.short_titles)
and made distinct, in the order the initiatives were stored.
"""

import sqlalchemy as sa
from alembic import op

from tracker.domain.model import Kind
from tracker.domain.short_titles import distinct, propose_short_title

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "initiative", sa.Column("short_title", sa.String(60), nullable=False, server_default="")
    )
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, title, kind FROM initiative ORDER BY id")).all()
    proposed = distinct(propose_short_title(title, Kind(kind)) for _, title, kind in rows)
    update = sa.text("UPDATE initiative SET short_title = :short WHERE id = :id")
    for (id_, _, _), short in zip(rows, proposed, strict=True):
        connection.execute(update, {"short": short, "id": id_})
    if connection.dialect.name == "postgresql":
        # The change counter's deferred triggers fire now: a later migration in the same
        # transaction may not alter the table while their events are pending.
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")


def downgrade() -> None:
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_column("short_title")
