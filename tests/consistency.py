"""What a stored database must satisfy whatever happened to it: checks shared by the workflow
fuzzer, the crash test and the backup test."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tracker.domain.model import Event, Initiative, PlanChange
from tracker.domain.procedure import replay
from tracker.store.repository import InitiativeFilter
from tracker.store.tables import Base
from tracker.store.uow import Database
from workflows.definitions import catalogue

COMPLETED_BY = {stage: d.completed_by for stage, d in catalogue().stages.items()}

# The rows that belong to one initiative, by table; the other tables are compared by row count.
INITIATIVE_TABLES = {
    "initiative": "id",
    "initiative_entity": "initiative_id",
    "milestone": "initiative_id",
    "legal_deadline": "initiative_id",
    "finding": "initiative_id",
    "event_log": "initiative_id",
    "plan_change": "initiative_id",
    "feed_event": "initiative_id",
}


def initiative_problems(
    initiative: Initiative, events: list[Event], changes: list[PlanChange]
) -> list[str]:
    """How the stored initiative differs from what its logs imply (empty when consistent)."""
    slug = initiative.slug
    found = []
    replayed = replay(events, COMPLETED_BY)
    if (initiative.state, initiative.held_stage) != (replayed.state, replayed.held_stage):
        found.append(
            f"{slug}: stored {initiative.state}/{initiative.held_stage}, "
            f"log says {replayed.state}/{replayed.held_stage}"
        )
    actuals = {s: m.actual for s, m in initiative.milestones.items() if m.actual is not None}
    if actuals != replayed.actuals:
        found.append(f"{slug}: stored actuals {actuals}, log says {replayed.actuals}")
    # Every save bumps the version and logs exactly one event or plan change; creation is 1.
    if initiative.version != len(events) + len(changes):
        found.append(
            f"{slug}: version {initiative.version} after {len(events)} events "
            f"and {len(changes)} plan changes"
        )
    if not events or events[0].name != "create" or any(e.name == "create" for e in events[1:]):
        found.append(f"{slug}: the log does not start with its one 'create'")
    done = [initiative.milestones[s].actual for s in initiative.procedure]
    days = [d for d in done if d is not None]
    if days != sorted(days):
        found.append(f"{slug}: actual dates go backwards along the procedure: {done}")
    return found


def database_problems(database: Database) -> list[str]:
    """Every inconsistency between the stored initiatives and their event and plan logs."""
    with database.uow() as uow:
        ids = uow.initiatives.ids(InitiativeFilter())
        initiatives = uow.initiatives.by_ids(ids)
        events = uow.initiatives.events_of(ids)
        changes = uow.initiatives.plan_changes_of(ids)
    found = []
    for initiative in initiatives:
        assert initiative.id is not None
        found += initiative_problems(
            initiative, events.get(initiative.id, []), changes.get(initiative.id, [])
        )
    return found


def logs(database: Database) -> dict[str, tuple[list[Event], list[PlanChange]]]:
    """Each initiative's event log and plan-change log, by slug."""
    with database.uow() as uow:
        ids = uow.initiatives.ids(InitiativeFilter())
        slugs = dict(zip(ids, (i.slug for i in uow.initiatives.by_ids(ids)), strict=True))
        events = uow.initiatives.events_of(ids)
        changes = uow.initiatives.plan_changes_of(ids)
    return {slug: (events.get(id_, []), changes.get(id_, [])) for id_, slug in slugs.items()}


def dump(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: for comparing whole databases."""
    with database.engine.connect() as connection:
        return {
            name: sorted(
                (tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}"'))),
                key=repr,
            )
            for name in sorted(Base.metadata.tables)
        }


def initiative_rows(database: Database, initiative_id: int) -> dict[str, Any]:
    """The stored rows of one initiative and the row count of every table."""
    with database.engine.connect() as connection:
        rows: dict[str, Any] = {
            name: sorted(
                (
                    tuple(row)
                    for row in connection.execute(
                        text(f'SELECT * FROM "{name}" WHERE {column} = :id'), {"id": initiative_id}
                    )
                ),
                key=repr,
            )
            for name, column in INITIATIVE_TABLES.items()
        }
        # One statement, not one per table: this runs around every refused step of the fuzzer.
        tables = sorted(Base.metadata.tables)
        counts = ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
        rows["counts"] = dict(
            zip(tables, connection.execute(text(f"SELECT {counts}")).one(), strict=True)
        )
    return rows
