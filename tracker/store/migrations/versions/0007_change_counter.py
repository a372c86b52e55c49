"""a change counter: every committed write on PostgreSQL counts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

Each server process keeps the views and feeds it served until the database changes. On SQLite,
PRAGMA data_version tells. On PostgreSQL the cluster's snapshot told, which any commit of any
database moves: the caches were dropped all the time. Now a deferred trigger on every table
adds one to change_counter when a transaction that wrote commits (once per transaction, at
commit, so writers hold its row lock only while they commit).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COUNTED = (
    "initiative", "entity", "initiative_entity", "milestone", "legal_deadline", "finding",
    "event_log", "plan_change", "api_token", "idempotency_key", "feed_event", "feed_token",
)  # fmt: skip

COUNT_CHANGE = """
CREATE FUNCTION count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('wetgevingsplanner.counted', true) IS DISTINCT FROM txid_current()::text
    THEN
        PERFORM set_config('wetgevingsplanner.counted', txid_current()::text, true);
        UPDATE change_counter SET value = value + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.execute("INSERT INTO change_counter (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(COUNT_CHANGE)
    for table in COUNTED:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER count_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in COUNTED:
            op.execute(f"DROP TRIGGER count_change ON {table}")
        op.execute("DROP FUNCTION count_change()")
    op.drop_table("change_counter")
