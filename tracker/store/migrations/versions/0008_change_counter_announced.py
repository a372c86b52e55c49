"""the change counter announces each move (NOTIFY) to the servers that listen

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

A calendar poll was answered from the feed a worker keeps only after one query for the change
counter, in a thread: on PostgreSQL a poll cost about twice what a fixed answer costs. Now a
trigger on change_counter itself sends each new value with NOTIFY (delivered at commit), as
'<schema>:<value>' since tests and benchmarks keep several schemas in one database; each server
listens on a connection of its own and answers polls from what it heard, on the event loop.
Migration 0007's counting stays as it is.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHANNEL = "wetgevingsplanner_change"

ANNOUNCE_CHANGE = f"""
CREATE FUNCTION announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA || ':' || NEW.value);
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(ANNOUNCE_CHANGE)
    op.execute(
        "CREATE TRIGGER announce_change AFTER UPDATE ON change_counter "
        "FOR EACH ROW EXECUTE FUNCTION announce_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER announce_change ON change_counter")
        op.execute("DROP FUNCTION announce_change()")
