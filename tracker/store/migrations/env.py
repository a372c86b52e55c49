"""Alembic environment: runs on the connection that `tracker.store.migrate` hands over."""

from alembic import context
from sqlalchemy import Connection

from tracker.store.db import make_engine
from tracker.store.tables import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with make_engine(config.get_main_option("sqlalchemy.url") or "").begin() as conn:
        _run(conn)
