"""the change counter announces each move (NOTIFY) to the servers that listen

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

A calendar poll was answered from the feed a worker keeps only after one query for the change
counter, in a thread: on PostgreSQL a poll cost about twice what a fixed answer costs. Now the
trigger also sends the counter's new value with NOTIFY at commit, as '<schema>:<value>' (tests
and benchmarks keep several schemas in one database); each server listens on a connection of
its own and answers polls from what it heard, on the event loop.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHANNEL = "wetgevingsplanner_change"

COUNT_AND_ANNOUNCE = f"""
CREATE OR REPLACE FUNCTION count_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    counted bigint;
BEGIN
    IF current_setting('wetgevingsplanner.counted', true) IS DISTINCT FROM txid_current()::text
    THEN
        PERFORM set_config('wetgevingsplanner.counted', txid_current()::text, true);
        UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value INTO counted;
        PERFORM pg_notify('{CHANNEL}', current_schema() || ':' || counted);
    END IF;
    RETURN NULL;
END
$$
"""

COUNT_ONLY = """
CREATE OR REPLACE FUNCTION count_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(COUNT_AND_ANNOUNCE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(COUNT_ONLY)
