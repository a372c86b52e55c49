"""Initiatives in and out of the database, as domain objects."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

import msgspec
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    CursorResult,
    Row,
    Select,
    Table,
    Text,
    Update,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tracker.domain.bounds import EARLIEST, LATEST, window_within, within
from tracker.domain.corrections import CORRECT, latest_step_on
from tracker.domain.errors import StaleVersion
from tracker.domain.model import (
    STAGE_ORDER,
    SYSTEM_EVENTS,
    Event,
    Finding,
    FindingKind,
    Initiative,
    Kind,
    LegalDeadline,
    Milestone,
    PlanChange,
    Severity,
    Span,
    Stage,
    Window,
)
from tracker.domain.slugs import slugify
from tracker.store.tables import (
    ApiTokenRow,
    Base,
    EntityRow,
    EventRow,
    FeedTokenRow,
    FindingRow,
    InitiativeEntityRow,
    InitiativeRow,
    LegalDeadlineRow,
    MilestoneRow,
    PlanChangeRow,
    core_table,
)
from tracker.store.transaction import Transaction

_E = TypeVar("_E", bound=StrEnum)
NAMES_LOCK = 0x5747_5000  # advisory lock key for choosing titles and slugs


@dataclass(frozen=True, slots=True)
class InitiativeFilter:
    kind: Kind | None = None
    state: str | None = None
    entity: str | None = None  # entity slug
    text: str | None = None
    visible_to: frozenset[str] | None = None  # public, or involving these entities; None: all


_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_ID_BY_SLUG = select(InitiativeRow.id).where(InitiativeRow.slug == bindparam("slug"))
# The columns _initiative takes, in its order (see _MILESTONE_COLUMNS for why by position).
_INITIATIVE_COLUMNS = (
    "id", "slug", "title", "short_title", "kind", "summary", "advisory_bodies", "state",
    "held_stage", "policy_area", "source", "is_public", "council_of_state_term",
    "entry_into_force", "merged_into", "version",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _ByIds:
    """A read of the initiatives `_IDS`, and the same read of one initiative by `id`: one id
    needs no IN list, which SQLAlchemy renders again on every call. Reading one initiative
    (a detail, a step) took 240 µs with IN lists and 179 µs without (SQLite, /tmp/getbench.py)."""

    many: Select[*tuple[Any, ...]]
    one: Select[*tuple[Any, ...]]

    @classmethod
    def of(cls, query: Select[*tuple[Any, ...]], column: Any) -> _ByIds:
        return cls(query.where(column.in_(_IDS)), query.where(column == bindparam("id")))

    def run(self, connection: Connection, ids: list[int]) -> CursorResult[*tuple[Any, ...]]:
        if len(ids) == 1:
            return connection.execute(self.one, {"id": ids[0]})
        return connection.execute(self.many, {"ids": ids})


_INITIATIVE_ROWS = select(*(core_table(InitiativeRow).c[name] for name in _INITIATIVE_COLUMNS))
_READ_INITIATIVES = _ByIds.of(_INITIATIVE_ROWS.order_by(InitiativeRow.id), InitiativeRow.id)
_READ_BY_SLUG = _INITIATIVE_ROWS.where(InitiativeRow.slug == bindparam("slug"))
_READ_BY_SLUG_FOR_UPDATE = _READ_BY_SLUG.with_for_update()
_READ_ENTITY_NAMES = _ByIds.of(
    select(InitiativeEntityRow.initiative_id, EntityRow.name)
    .join(EntityRow, EntityRow.id == InitiativeEntityRow.entity_id)
    .order_by(InitiativeEntityRow.initiative_id, InitiativeEntityRow.position),
    InitiativeEntityRow.initiative_id,
)
# A milestone's window columns (baseline, forecast, plan) and its actual date, in the order
# _milestone takes them: unpacking a row by position costs a fraction of reading its columns by
# name (a Row attribute), and a weekly report reads tens of thousands.
_MILESTONE_COLUMNS = (
    *(
        f"{part}_{column}"
        for part in ("baseline", "forecast", "plan")
        for column in ("text", "earliest", "latest", "alternatives")
    ),
    "actual",
)
# An event's columns in the order of Event's fields, for the same reason.
_EVENT_COLUMNS = tuple(f.name for f in fields(Event) if f.name != "id")  # id: the database's


def _children(row_type: type[Base], *columns: str) -> _ByIds:
    """The rows of a child table for the initiatives `_IDS`: its initiative id first, then the
    given columns (all when none are given), in order of position. A window's alternatives come
    as their stored JSON text: see _shared_window."""
    table = core_table(row_type)
    chosen = [
        cast(table.c[name], Text) if name.endswith("_alternatives") else table.c[name]
        for name in columns
    ]
    return _ByIds.of(
        select(table.c.initiative_id, *(chosen or table.c)).order_by(
            table.c.initiative_id, table.c.position
        ),
        table.c.initiative_id,
    )


_READ_MILESTONES = _children(MilestoneRow, "stage", *_MILESTONE_COLUMNS)
_READ_DEADLINES = _children(LegalDeadlineRow, "text", "due_on")
_READ_FINDINGS = _children(FindingRow, "kind", "severity", "stage", "params")
_READ_EVENTS = (
    select(
        EventRow.initiative_id,
        *(core_table(EventRow).c[name] for name in _EVENT_COLUMNS),
        EventRow.id,  # last, as in Event
    )
    .where(EventRow.initiative_id.in_(_IDS))
    .order_by(EventRow.id)
)
_INITIATIVE = core_table(InitiativeRow)
_MILESTONES = core_table(MilestoneRow)
_APPEND_EVENT = insert(core_table(EventRow))  # built once, as _update's statements
_LATEST_STEP_ON = select(
    func.max(EventRow.occurred_on).filter(EventRow.name.not_in(sorted(SYSTEM_EVENTS))),
    func.count().filter(EventRow.name == CORRECT),
).where(EventRow.initiative_id == bindparam("id"))
_READ_PLAN_CHANGES = (
    select(*core_table(PlanChangeRow).c)
    .where(PlanChangeRow.initiative_id.in_(_IDS))
    .order_by(PlanChangeRow.id)
)


def _window_columns(
    window: Window | None,
) -> tuple[str | None, date | None, date | None, list[list[str | None]] | None]:
    if window is None:
        return None, None, None, None
    alternatives: list[list[str | None]] = [
        [s.earliest.isoformat() if s.earliest else None, s.latest.isoformat()]
        for s in window.alternatives
    ]
    return window.text, window.earliest, window.latest, alternatives


log = logging.getLogger("tracker.store")
_REPORTED: set[str] = set()


def _out_of_bounds(what: str) -> None:
    """Log, once per process and value, a stored date outside the range the tracker accepts
    (tracker.domain.bounds): a row written before that range was checked on the way in."""
    if what not in _REPORTED and len(_REPORTED) < 10_000:
        _REPORTED.add(what)
        log.warning(
            "stored %s lies outside %s..%s: shown without that date", what, EARLIEST, LATEST
        )


def _bounded(day: date | None, what: str, of: str = "") -> date | None:
    """A stored day, or None (and logged once) when it lies outside the accepted range: the
    initiative it belongs to is shown without it, and every other one as it is. `what` (and
    `of`, the initiative) are put together only then: this runs for every row read."""
    if within(day):
        return day
    _out_of_bounds(f"{what} {of} {day}" if of else f"{what} {day}")
    return None


def _bounded_window(window: Window) -> Window:
    """A stored window, or its text alone (unread) when a day of it lies outside the range."""
    if window_within(window):
        return window
    _out_of_bounds(f"window '{window.text}' ({window.earliest} - {window.latest})")
    return Window(window.text)


def _window(
    text: str | None, earliest: date | None, latest: date | None, alternatives: str | None
) -> Window | None:
    """A window from its columns, the alternatives as stored JSON text."""
    return None if text is None else _shared_window(text, earliest, latest, alternatives)


@lru_cache(maxsize=16384)
def _shared_window(
    text: str, earliest: date | None, latest: date | None, alternatives: str | None
) -> Window:
    """One Window for equal columns. Windows are immutable, and a programme has far fewer of
    them than milestones (the same planning texts, a forecast that is its plan): building each
    once spared a weekly report most of its objects, and the garbage collector their scans.
    Keyed by the alternatives' JSON text, a window read again is not even decoded."""
    return _bounded_window(
        Window(text, earliest, latest, _spans(msgspec.json.decode(alternatives or "null")))
    )


def _spans(alternatives: list[list[str | None]] | None) -> tuple[Span, ...]:
    return tuple(
        Span(date.fromisoformat(e) if e else None, date.fromisoformat(latest_text))
        for e, latest_text in (alternatives or [])
        if latest_text
    )


def _by_value(members: type[_E]) -> dict[str, _E]:
    return {member.value: member for member in members}


# Members by stored value: reading thousands of rows, a dict lookup costs a fraction of calling
# the enum (Stage("drafting")).
_KINDS, _STAGES = _by_value(Kind), _by_value(Stage)
_FINDING_KINDS, _SEVERITIES = _by_value(FindingKind), _by_value(Severity)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class InitiativeRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction
        self._read_for_update: dict[int, _Columns] = {}

    @property
    def session(self) -> Session:
        """The session to read from; the writes below write through `self._tx`."""
        return self._tx.reading()

    # -- reading -------------------------------------------------------------------------------
    def get(self, slug: str, *, for_update: bool = False) -> Initiative | None:
        """The initiative; `for_update` remembers what was read, so that `save` writes only the
        child rows that changed, and (PostgreSQL, while `locking`) locks its row until the
        transaction ends."""
        if "\x00" in slug:  # no stored slug has one, and PostgreSQL refuses to compare it
            return None
        by_slug = _READ_BY_SLUG_FOR_UPDATE if for_update else _READ_BY_SLUG
        # The row by its slug, then its children by its id: looking up the id first cost a
        # query of its own.
        rows = self.session.connection().execute(by_slug, {"slug": slug}).all()
        found = self._with_children(rows)
        if not found:
            return None
        if for_update:
            assert found[0].id is not None
            self._read_for_update[found[0].id] = _Columns.of(found[0])
        return found[0]

    def _ids_by_slug(self, slug: str) -> list[int]:
        """The initiative's id, if any, as a list for the readers by ids."""
        if "\x00" in slug:  # as in get
            return []
        return list(self.session.connection().scalars(_ID_BY_SLUG, {"slug": slug}))

    def _read(self, ids: list[int]) -> list[Initiative]:
        """The initiatives with these ids, in order of id."""
        if not ids:
            return []
        return self._with_children(_READ_INITIATIVES.run(self.session.connection(), ids).all())

    def _with_children(self, rows: Sequence[Row[Any]]) -> list[Initiative]:
        """The initiatives of these rows (_INITIATIVE_COLUMNS), read as plain rows with their
        entities, milestones, deadlines and findings.

        Building ORM objects for every milestone, link and finding cost most of a list's or a
        detail's time, and of a step's; the statements are built once and run on the Core
        connection, which halves what SQLAlchemy adds to each.
        """
        if not rows:
            return []
        connection = self.session.connection()
        ids = [row[0] for row in rows]
        entities: dict[int, list[str]] = {row[0]: [] for row in rows}
        milestones: dict[int, dict[Stage, Milestone]] = {row[0]: {} for row in rows}
        deadlines: dict[int, list[LegalDeadline]] = {row[0]: [] for row in rows}
        findings: dict[int, list[Finding]] = {row[0]: [] for row in rows}
        for initiative_id, name in _READ_ENTITY_NAMES.run(connection, ids):
            entities[initiative_id].append(name)
        for row in _READ_MILESTONES.run(connection, ids):
            milestone = _milestone(*row[1:])
            milestones[row[0]][milestone.stage] = milestone
        for initiative_id, text, due_on in _READ_DEADLINES.run(connection, ids):
            deadlines[initiative_id].append(LegalDeadline(text, _bounded(due_on, "deadline")))
        for initiative_id, *columns in _READ_FINDINGS.run(connection, ids):
            findings[initiative_id].append(_finding(*columns))
        return [
            _initiative(
                row, entities[row[0]], milestones[row[0]], deadlines[row[0]], findings[row[0]]
            )
            for row in rows
        ]

    def entity_slugs(self, initiative: Initiative) -> set[str]:
        return {slugify(name) for name in initiative.entities}

    def all(self, filters: InitiativeFilter) -> list[Initiative]:
        """Every initiative that passes the filters, in order."""
        return self.by_ids(self.ids(filters))

    def by_ids(self, ids: list[int]) -> list[Initiative]:
        result: list[Initiative] = []
        for chunk in id_chunks(self.session, ids):
            result += self._read(chunk)
        return result

    def ids(self, filters: InitiativeFilter) -> list[int]:
        """The ids of the initiatives that pass the filters, in order (no objects loaded)."""
        return list(self.session.scalars(self._filtered(filters).order_by(InitiativeRow.id)))

    def versions(self, filters: InitiativeFilter) -> list[tuple[int, int]]:
        """(id, version) of the initiatives that pass the filters, in order of id."""
        query = self._filtered(filters).add_columns(InitiativeRow.version)
        rows = self.session.execute(query.order_by(InitiativeRow.id))
        return [(id_, version) for id_, version in rows]

    def find(
        self, filters: InitiativeFilter, *, limit: int, offset: int
    ) -> tuple[list[Initiative], int]:
        query = self._filtered(filters)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        ids = list(
            self.session.scalars(query.order_by(InitiativeRow.id).limit(limit).offset(offset))
        )
        return self._read(ids), total

    def _filtered(self, filters: InitiativeFilter) -> Select[int]:
        # One merged into another is no initiative of its own any more: its slug redirects.
        query = select(InitiativeRow.id).where(InitiativeRow.merged_into.is_(None))
        visible = self._visible(filters.visible_to)
        if visible is not None:
            query = query.where(visible)
        if filters.kind:
            query = query.where(InitiativeRow.kind == filters.kind.value)
        if filters.state:
            query = query.where(InitiativeRow.state == filters.state)
        if filters.entity:
            query = query.where(
                InitiativeRow.id.in_(
                    select(InitiativeEntityRow.initiative_id)
                    .join(EntityRow)
                    .where(EntityRow.slug == filters.entity)
                )
            )
        if filters.text:
            pattern = f"%{_escape_like(filters.text.lower())}%"
            query = query.where(
                or_(
                    func.lower(InitiativeRow.title).like(pattern, escape="\\"),
                    func.lower(InitiativeRow.summary).like(pattern, escape="\\"),
                    func.lower(InitiativeRow.slug).like(pattern, escape="\\"),
                )
            )
        return query

    def slugs(self) -> set[str]:
        return set(self.session.scalars(select(InitiativeRow.slug)))

    def slugs_of_short_title(self, short_title: str) -> list[str]:
        """Every initiative with this short title, whatever its case."""
        query = select(InitiativeRow.slug).where(
            func.lower(InitiativeRow.short_title) == short_title.lower(),
            InitiativeRow.merged_into.is_(None),
        )
        return list(self.session.scalars(query.order_by(InitiativeRow.id)))

    def slug_of_title(self, title: str) -> str | None:
        return self.session.scalar(select(InitiativeRow.slug).where(InitiativeRow.title == title))

    def slugs_of_title(self, title: str) -> list[str]:
        """Every initiative with this title: one a caller may not read can share it."""
        query = select(InitiativeRow.slug).where(InitiativeRow.title == title)
        return list(self.session.scalars(query.order_by(InitiativeRow.id)))

    def entities(self, visible_to: frozenset[str] | None) -> list[tuple[str, str, int]]:
        """(slug, name, number of initiatives) of the entities of the initiatives one may see
        (`visible_to` as in InitiativeFilter), by name."""
        visible = self._visible(visible_to)
        query = (
            select(EntityRow.slug, EntityRow.name, func.count(InitiativeEntityRow.initiative_id))
            .join(InitiativeEntityRow)
            .join(InitiativeRow)
            .group_by(EntityRow.id)
            .order_by(EntityRow.name)
        )
        if visible is not None:
            query = query.where(visible)
        return [(slug, name, count) for slug, name, count in self.session.execute(query)]

    @staticmethod
    def _visible(visible_to: frozenset[str] | None) -> ColumnElement[bool] | None:
        """Public initiatives, or those involving one of `visible_to`; None: no restriction."""
        if visible_to is None:
            return None
        return or_(
            InitiativeRow.is_public.is_(True),
            InitiativeRow.id.in_(
                select(InitiativeEntityRow.initiative_id)
                .join(EntityRow)
                .where(EntityRow.slug.in_(sorted(visible_to)))
            ),
        )

    def events(self, slug: str) -> list[Event]:
        return [e for entries in self.events_of(self._ids_by_slug(slug)).values() for e in entries]

    def latest_step_on(self, initiative_id: int) -> date | None:
        """The date of the initiative's latest workflow step (creation and edits do not count):
        what a new step is checked against, without reading the whole log (reading it took a
        sixth of a POST's CPU: py-spy on a worker, one client posting). Once a step was
        corrected, the log as corrected says it."""
        found = self.session.connection().execute(_LATEST_STEP_ON, {"id": initiative_id}).one()
        latest, corrections = found
        if corrections:
            return latest_step_on(self.events_of([initiative_id]).get(initiative_id, []))
        return latest

    # -- writing -------------------------------------------------------------------------------
    def add(self, initiative: Initiative, *, now: datetime) -> None:
        """Add a new initiative; its `id` is known once it is written (Transaction)."""
        columns = _Columns.of(initiative)

        def write() -> None:
            row = InitiativeRow(
                slug=initiative.slug,
                kind=initiative.kind.value,
                policy_area=initiative.policy_area,
                source=initiative.source,
                created_at=now,
                updated_at=now,
                **columns.initiative,
            )
            rows = self._entities(columns.entities)
            row.entity_links = [
                InitiativeEntityRow(entity=rows[name], position=i)
                for i, name in enumerate(columns.entities)
            ]
            row.milestones = [MilestoneRow(**values) for values in columns.milestones.values()]
            row.deadlines = [LegalDeadlineRow(**values) for values in columns.deadlines]
            row.findings = [FindingRow(**values) for values in columns.findings]
            self._tx.session.add(row)
            self._tx.session.flush()
            initiative.id = row.id

        self._tx.write(write)

    def save(self, initiative: Initiative, *, now: datetime) -> None:
        """Write back an initiative read with `get(for_update=True)`: its version goes up by one
        (checked on UPDATE), and of its child rows only those whose values changed."""
        assert initiative.id is not None
        before = self._read_for_update.get(initiative.id)
        if before is None:
            raise LookupError(f"initiative {initiative.slug} was not read for update")
        after = _Columns.of(initiative)
        initiative_id, version = initiative.id, initiative.version

        def write() -> None:
            connection = self._tx.session.connection()
            written = _updated(
                connection,
                _INITIATIVE,
                {"id": initiative_id, "version": version},
                {**after.initiative, "updated_at": now, "version": version + 1},
            )
            if written.rowcount != 1:
                current = connection.scalar(
                    select(_INITIATIVE.c.version).where(_INITIATIVE.c.id == initiative_id)
                )
                raise StaleVersion(version, current or 0)
            if after.entities != before.entities:
                rows = self._entities(after.entities)
                self._replace(InitiativeEntityRow, initiative_id, [
                    {"entity_id": rows[name].id, "position": i}
                    for i, name in enumerate(after.entities)
                ])  # fmt: skip
            added = [v for stage, v in after.milestones.items() if stage not in before.milestones]
            if added:
                connection.execute(
                    insert(_MILESTONES), [{**v, "initiative_id": initiative_id} for v in added]
                )
            # Every milestone is written, changed or not: a step on SQLite is worked out before
            # its writers' turn, and the daily refresh may have stored other forecasts in
            # between (leaving the version as it was). One statement for them all.
            kept = [(s, v) for s, v in after.milestones.items() if s in before.milestones]
            if kept:
                _updated_many(
                    connection,
                    _MILESTONES,
                    [({"initiative_id": initiative_id, "stage": s}, v) for s, v in kept],
                )
            if after.deadlines != before.deadlines:
                self._replace(LegalDeadlineRow, initiative_id, after.deadlines)
            if after.findings != before.findings:
                self._replace(FindingRow, initiative_id, after.findings)

        self._tx.write(write)
        initiative.version += 1
        self._read_for_update[initiative.id] = after

    def _replace(
        self, row_type: type[Base], initiative_id: int, rows: list[dict[str, Any]]
    ) -> None:
        """Replace an initiative's rows of a child table; in a write (Transaction)."""
        table = core_table(row_type)
        session = self._tx.session
        session.execute(delete(table).where(table.c.initiative_id == initiative_id))
        if rows:
            session.execute(
                insert(table), [{**row, "initiative_id": initiative_id} for row in rows]
            )

    def save_forecasts(self, initiative: Initiative) -> None:
        """Write the milestones' forecasts only; the initiative's version stays as it is."""

        def write() -> None:
            session = self._tx.session
            rows = session.scalars(
                select(MilestoneRow).where(MilestoneRow.initiative_id == initiative.id)
            )
            for row in rows:
                milestone = initiative.milestones.get(Stage(row.stage))
                if milestone is None:
                    continue
                text, earliest, latest, alternatives = _window_columns(milestone.forecast)
                row.forecast_text, row.forecast_earliest = text, earliest
                row.forecast_latest, row.forecast_alternatives = latest, alternatives
            session.flush()

        self._tx.write(write)

    def append_plan_change(self, initiative: Initiative, change: PlanChange) -> None:
        values = {
            "stage": change.stage.value,
            "recorded_at": change.recorded_at,
            "actor": change.actor,
            "reason": change.reason,
            "rebaseline": change.rebaseline,
            "before": {
                **_plan_json(change.plan_before, change.baseline_before),
                "planned": not change.added,
            },
            "after": _plan_json(change.plan_after, change.baseline_after),
        }

        def write() -> None:
            assert initiative.id is not None, "add the initiative first"
            self._tx.session.execute(  # a Core insert, as append_event
                insert(core_table(PlanChangeRow)), [{"initiative_id": initiative.id, **values}]
            )

        self._tx.write(write)

    def plan_changes(self, slug: str) -> list[PlanChange]:
        ids = self._ids_by_slug(slug)
        return [c for changes in self.plan_changes_of(ids).values() for c in changes]

    def plan_changes_of(self, ids: list[int]) -> dict[int, list[PlanChange]]:
        """The plan changes of many initiatives, by initiative id, oldest first."""
        result: dict[int, list[PlanChange]] = {}
        for r in self._rows_of(_READ_PLAN_CHANGES, ids):
            result.setdefault(r.initiative_id, []).append(_plan_change(r))
        return result

    def events_of(self, ids: list[int]) -> dict[int, list[Event]]:
        """The event logs of many initiatives, by initiative id, oldest first."""
        result: dict[int, list[Event]] = {}
        for initiative_id, *columns in self._rows_of(_READ_EVENTS, ids):
            result.setdefault(initiative_id, []).append(Event(*columns))
        return result

    def _rows_of(self, log: Select[Any], ids: list[int]) -> Iterator[Any]:
        """A log's rows for many initiatives, in id order, as plain rows: building an ORM object
        per entry cost most of reading the logs for a weekly report."""
        connection = self.session.connection()
        for chunk in id_chunks(self.session, ids):
            yield from connection.execute(log, {"ids": chunk})

    def append_event(self, initiative: Initiative, event: Event) -> None:
        values = {name: getattr(event, name) for name in _EVENT_COLUMNS}

        def write() -> None:
            assert initiative.id is not None, "add the initiative first"
            # A Core insert: the ORM's flush of one new row cost a step more than the row itself.
            self._tx.session.connection().execute(
                _APPEND_EVENT, {"initiative_id": initiative.id, **values}
            )

        self._tx.write(write)

    def _entities(self, names: list[str]) -> dict[str, EntityRow]:
        """The entities' rows by name, added if absent, in one order for every transaction: two
        that add the same new entities in other orders would each wait for the other's insert
        (PostgreSQL aborts one as a deadlock)."""
        return {name: self._entity(name) for name in sorted(set(names))}

    def _entity(self, name: str) -> EntityRow:
        """The entity's row, added if absent; in a write (Transaction)."""
        # Insert-if-absent in one statement: two transactions naming a new entity at once
        # both succeed (the second waits for the first) instead of one failing on the key.
        slug = slugify(name)
        session = self._tx.session
        insert = postgresql_insert if self._tx.dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(EntityRow)
            .values(slug=slug, name=name)
            .on_conflict_do_nothing(index_elements=["slug"])
        )
        row = session.scalar(select(EntityRow).where(EntityRow.slug == slug))
        assert row is not None
        return row

    def entity_names(self, slugs: list[str]) -> dict[str, str]:
        """The stored names of the entities with these slugs."""
        query = select(EntityRow.slug, EntityRow.name).where(EntityRow.slug.in_(slugs))
        return {slug: name for slug, name in self.session.execute(query)}  # noqa: C416 (Row)

    def entity_tokens(self, slug: str) -> list[str]:
        """The names of the API and feed tokens (revoked ones too) scoped to the entity."""
        names: list[str] = []
        for table in (core_table(ApiTokenRow), core_table(FeedTokenRow)):
            rows = self.session.connection().execute(select(table.c.name, table.c.entities))
            names += [name for name, entities in rows if slug in entities]
        return sorted(names)

    def move_entity_tokens(self, source: str, target: str) -> None:
        """Scope the API and feed tokens of entity slug `source` to slug `target` instead (once
        each). The tables are small, and a JSON list is searched alike on SQLite and PostgreSQL
        only in Python."""

        def write() -> None:
            connection = self._tx.session.connection()
            for table in (core_table(ApiTokenRow), core_table(FeedTokenRow)):
                for id_, entities in connection.execute(select(table.c.id, table.c.entities)):
                    if source in entities:
                        moved = sorted({target if e == source else e for e in entities})
                        connection.execute(
                            update(table).where(table.c.id == id_).values(entities=moved)
                        )

        self._tx.write(write)

    def remove_entity(self, slug: str) -> None:
        """Remove the entity, once no initiative names it (its links were replaced before)."""

        def write() -> None:
            table, links = core_table(EntityRow), core_table(InitiativeEntityRow)
            linked = select(links.c.entity_id).where(links.c.entity_id == table.c.id).exists()
            self._tx.session.execute(delete(table).where(table.c.slug == slug, ~linked))

        self._tx.write(write)

    def lock_all(self) -> None:
        """Lock every initiative until commit, in the order of their ids, the order in which
        any other change that locks several would take them: what is read afterwards stays as
        read. On SQLite, by taking the writers' turn."""
        if self._tx.dialect == "postgresql":
            self.session.execute(
                select(InitiativeRow.id).order_by(InitiativeRow.id).with_for_update()
            )
        else:
            self._tx.take_turn()

    def lock_names(self) -> None:
        """Serialise the choice of new titles and slugs: a title or slug read as free must
        still be free when it is written."""
        if self._tx.dialect == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(NAMES_LOCK)))
        else:
            self._tx.take_turn()


def _finding_values(findings: list[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "position": i,
            "kind": f.kind.value,
            "severity": f.severity.value,
            "stage": f.stage.value if f.stage else None,
            "params": f.params,
        }
        for i, f in enumerate(findings)
    ]


def _deadline_values(deadlines: list[LegalDeadline]) -> list[dict[str, Any]]:
    return [{"position": i, "due_on": d.due_on, "text": d.text} for i, d in enumerate(deadlines)]


@dataclass(frozen=True, slots=True)
class _Columns:
    """An initiative as the column values `save` writes, to compare with what was read."""

    initiative: dict[str, Any]
    entities: list[str]
    milestones: dict[str, dict[str, Any]]
    deadlines: list[dict[str, Any]]
    findings: list[dict[str, Any]]

    @classmethod
    def of(cls, initiative: Initiative) -> _Columns:
        return cls(
            initiative={
                "title": initiative.title,
                "short_title": initiative.short_title,
                "summary": initiative.summary,
                "state": initiative.state,
                "held_stage": initiative.held_stage.value if initiative.held_stage else None,
                "advisory_bodies": list(initiative.advisory_bodies),
                "is_public": initiative.is_public,
                "council_of_state_term": initiative.council_of_state_term,
                "entry_into_force": initiative.entry_into_force,
                "merged_into": initiative.merged_into,
            },
            entities=list(initiative.entities),
            milestones={
                m.stage.value: _milestone_values(m) for m in initiative.milestones.values()
            },
            deadlines=_deadline_values(initiative.legal_deadlines),
            findings=_finding_values(initiative.findings),
        )


def _plan_json(plan: Window | None, baseline: Window | None) -> dict[str, Any]:
    return {"plan": _window_json(plan), "baseline": _window_json(baseline)}


def _window_json(window: Window | None) -> dict[str, Any] | None:
    if window is None:
        return None
    text, earliest, latest, alternatives = _window_columns(window)
    return {
        "text": text,
        "earliest": earliest.isoformat() if earliest else None,
        "latest": latest.isoformat() if latest else None,
        "alternatives": alternatives,
    }


def _window_from_json(raw: dict[str, Any] | None) -> Window | None:
    if raw is None:
        return None
    return _bounded_window(
        Window(
            raw["text"],
            date.fromisoformat(raw["earliest"]) if raw["earliest"] else None,
            date.fromisoformat(raw["latest"]) if raw["latest"] else None,
            _spans(raw["alternatives"]),
        )
    )


def _milestone_values(m: Milestone) -> dict[str, Any]:
    b_text, b_earliest, b_latest, b_alts = _window_columns(m.baseline)
    f_text, f_earliest, f_latest, f_alts = _window_columns(m.forecast)
    p_text, p_earliest, p_latest, p_alts = _window_columns(m.plan)
    return {
        "plan_text": p_text,
        "plan_earliest": p_earliest,
        "plan_latest": p_latest,
        "plan_alternatives": p_alts,
        "stage": m.stage.value,
        "position": STAGE_ORDER[m.stage],
        "baseline_text": b_text,
        "baseline_earliest": b_earliest,
        "baseline_latest": b_latest,
        "baseline_alternatives": b_alts,
        "forecast_text": f_text,
        "forecast_earliest": f_earliest,
        "forecast_latest": f_latest,
        "forecast_alternatives": f_alts,
        "actual": m.actual,
    }


def _initiative(
    row: Any,
    entities: list[str],
    milestones: dict[Stage, Milestone],
    deadlines: list[LegalDeadline],
    findings: list[Finding],
) -> Initiative:
    """An initiative from its row (_INITIATIVE_COLUMNS), its milestones and its children."""
    (
        id_, slug, title, short_title, kind, summary, advisory_bodies, state, held_stage,
        policy_area, source, is_public, council_of_state_term, entry_into_force, merged_into,
        version,
    ) = row  # fmt: skip
    return Initiative(
        id=id_,
        slug=slug,
        title=title,
        short_title=short_title,
        kind=_KINDS[kind],
        summary=summary,
        entities=entities,
        advisory_bodies=list(advisory_bodies or []),
        legal_deadlines=deadlines,
        milestones=milestones,
        findings=findings,
        state=state,
        held_stage=_STAGES[held_stage] if held_stage else None,
        policy_area=policy_area,
        source=source,
        is_public=is_public,
        council_of_state_term=council_of_state_term,
        entry_into_force=_bounded(entry_into_force, "entry into force of", slug),
        merged_into=merged_into,
        version=version,
    )


def _finding(kind: str, severity: str, stage: str | None, params: Any) -> Finding:
    return Finding(
        _FINDING_KINDS[kind], _SEVERITIES[severity], _STAGES[stage] if stage else None,
        dict(params or {}),
    )  # fmt: skip


def _milestone(
    stage: str,
    b_text: str | None, b_earliest: date | None, b_latest: date | None, b_alternatives: str | None,
    f_text: str | None, f_earliest: date | None, f_latest: date | None, f_alternatives: str | None,
    p_text: str | None, p_earliest: date | None, p_latest: date | None, p_alternatives: str | None,
    actual: date | None,
) -> Milestone:  # fmt: skip
    """A milestone from its stage and _MILESTONE_COLUMNS."""
    return Milestone(
        _STAGES[stage],
        baseline=_window(b_text, b_earliest, b_latest, b_alternatives),
        forecast=_window(f_text, f_earliest, f_latest, f_alternatives),
        actual=_bounded(actual, "actual date"),
        plan=_window(p_text, p_earliest, p_latest, p_alternatives),
    )


def _plan_change(r: Any) -> PlanChange:
    """A plan change from its row (_READ_PLAN_CHANGES)."""
    return PlanChange(
        stage=_STAGES[r.stage],
        recorded_at=r.recorded_at,
        actor=r.actor,
        reason=r.reason,
        rebaseline=r.rebaseline,
        # Rows written before revision 0003 call the planned window "forecast".
        plan_before=_window_from_json(r.before.get("plan", r.before.get("forecast"))),
        plan_after=_window_from_json(r.after.get("plan", r.after.get("forecast"))),
        baseline_before=_window_from_json(r.before.get("baseline")),
        baseline_after=_window_from_json(r.after.get("baseline")),
        added=not r.before.get("planned", True),
    )


@lru_cache(maxsize=64)
def _update(table: Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Update:
    """UPDATE `table` SET `columns` WHERE the `keys` match, with parameters w_<key> and
    v_<column>, built once per shape: building an UPDATE per call (its clauses and their cache
    key) took most of the CPU of a step's writes, in the writers' turn that one writer at a time
    holds (storing a step: 0.40 ms before, 0.23 ms after; /tmp/turnparts.py)."""
    return (
        update(table)
        .where(*(table.c[key] == bindparam(f"w_{key}") for key in keys))
        .values({column: bindparam(f"v_{column}") for column in columns})
    )


def _updated(
    connection: Connection, table: Table, keys: dict[str, Any], values: dict[str, Any]
) -> CursorResult[Any]:
    """Set `values` in the rows of `table` whose `keys` match."""
    return connection.execute(
        _update(table, tuple(keys), tuple(values)),
        {
            **{f"w_{key}": value for key, value in keys.items()},
            **{f"v_{column}": value for column, value in values.items()},
        },
    )


def _updated_many(
    connection: Connection, table: Table, rows: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    """_updated for rows of one shape (the same keys and columns), as one statement."""
    keys, values = rows[0]
    connection.execute(
        _update(table, tuple(keys), tuple(values)),
        [
            {
                **{f"w_{key}": value for key, value in k.items()},
                **{f"v_{column}": value for column, value in v.items()},
            }
            for k, v in rows
        ],
    )


def chunks(ids: list[int], size: int) -> list[list[int]]:
    """`ids` in lists of at most `size`, in order."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


# Ids bound in one IN list, under each database's limit on bound parameters (SQLite: 999 before
# 3.32; PostgreSQL: 65,535 per statement). On PostgreSQL every statement scans again: the
# events of a programme of 10,000 initiatives took 770 ms in 12 queries, 482 ms in one.
IN_LIST = {"sqlite": 900, "postgresql": 30_000}


def id_chunks(session: Session, ids: Sequence[int]) -> list[list[int]]:
    """`ids` in IN lists as long as the database takes."""
    return chunks(list(ids), IN_LIST.get(session.get_bind().dialect.name, 900))
