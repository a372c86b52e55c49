"""Initiatives in and out of the database, as domain objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.domain.model import (
    Event,
    Finding,
    FindingKind,
    Initiative,
    Kind,
    LegalDeadline,
    Milestone,
    Severity,
    Span,
    Stage,
    Window,
)
from tracker.domain.slugs import slugify
from tracker.store.tables import (
    EntityRow,
    EventRow,
    FindingRow,
    InitiativeEntityRow,
    InitiativeRow,
    LegalDeadlineRow,
    MilestoneRow,
)

_STAGE_ORDER = list(Stage)


@dataclass(frozen=True, slots=True)
class InitiativeFilter:
    kind: Kind | None = None
    state: str | None = None
    entity: str | None = None  # entity slug
    text: str | None = None


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


def _window(
    text: str | None,
    earliest: date | None,
    latest: date | None,
    alternatives: list[list[str | None]] | None,
) -> Window | None:
    if text is None:
        return None
    spans = tuple(
        Span(date.fromisoformat(e) if e else None, date.fromisoformat(latest_text))
        for e, latest_text in (alternatives or [])
        if latest_text
    )
    return Window(text, earliest, latest, spans)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class InitiativeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading -------------------------------------------------------------------------------
    def _query(self) -> Select[InitiativeRow]:
        return select(InitiativeRow).options(
            selectinload(InitiativeRow.entity_links),
            selectinload(InitiativeRow.milestones),
            selectinload(InitiativeRow.deadlines),
            selectinload(InitiativeRow.findings),
        )

    def get(self, slug: str) -> Initiative | None:
        row = self.session.scalars(self._query().where(InitiativeRow.slug == slug)).one_or_none()
        return None if row is None else _to_domain(row)

    def find(
        self, filters: InitiativeFilter, *, limit: int, offset: int
    ) -> tuple[list[Initiative], int]:
        query = select(InitiativeRow.id)
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
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        ids = query.order_by(InitiativeRow.id).limit(limit).offset(offset)
        rows = self.session.scalars(
            self._query().where(InitiativeRow.id.in_(ids)).order_by(InitiativeRow.id)
        )
        return [_to_domain(r) for r in rows], total

    def slugs(self) -> set[str]:
        return set(self.session.scalars(select(InitiativeRow.slug)))

    def slug_of_title(self, title: str) -> str | None:
        return self.session.scalar(select(InitiativeRow.slug).where(InitiativeRow.title == title))

    def entities(self) -> list[tuple[str, str, int]]:
        """(slug, name, number of initiatives) of every entity, by name."""
        rows = self.session.execute(
            select(EntityRow.slug, EntityRow.name, func.count(InitiativeEntityRow.initiative_id))
            .join(InitiativeEntityRow, isouter=True)
            .group_by(EntityRow.id)
            .order_by(EntityRow.name)
        )
        return [(slug, name, count) for slug, name, count in rows]

    def events(self, slug: str) -> list[Event]:
        rows = self.session.scalars(
            select(EventRow)
            .join(InitiativeRow)
            .where(InitiativeRow.slug == slug)
            .order_by(EventRow.id)
        )
        return [
            Event(
                r.name,
                r.occurred_on,
                r.recorded_at,
                r.actor,
                r.from_state,
                r.to_state,
                r.reference,
                r.note,
            )
            for r in rows
        ]

    # -- writing -------------------------------------------------------------------------------
    def add(self, initiative: Initiative, *, now: datetime) -> None:
        row = InitiativeRow(
            slug=initiative.slug,
            title=initiative.title,
            kind=initiative.kind.value,
            summary=initiative.summary,
            state=initiative.state,
            held_stage=initiative.held_stage.value if initiative.held_stage else None,
            advisory_bodies=list(initiative.advisory_bodies),
            policy_area=initiative.policy_area,
            source=initiative.source,
            version=initiative.version,
            created_at=now,
            updated_at=now,
        )
        row.entity_links = [
            InitiativeEntityRow(entity=self._entity(name), position=i)
            for i, name in enumerate(initiative.entities)
        ]
        row.milestones = [_milestone_row(m) for m in initiative.milestones.values()]
        row.deadlines = [
            LegalDeadlineRow(position=i, due_on=d.due_on, text=d.text)
            for i, d in enumerate(initiative.legal_deadlines)
        ]
        row.findings = [
            FindingRow(
                position=i,
                kind=f.kind.value,
                severity=f.severity.value,
                stage=f.stage.value if f.stage else None,
                params=f.params,
            )
            for i, f in enumerate(initiative.findings)
        ]
        self.session.add(row)
        self.session.flush()
        initiative.id = row.id

    def append_event(self, initiative: Initiative, event: Event) -> None:
        assert initiative.id is not None, "add the initiative first"
        self.session.add(
            EventRow(
                initiative_id=initiative.id,
                name=event.name,
                from_state=event.from_state,
                to_state=event.to_state,
                occurred_on=event.occurred_on,
                recorded_at=event.recorded_at,
                actor=event.actor,
                reference=event.reference,
                note=event.note,
            )
        )

    def _entity(self, name: str) -> EntityRow:
        slug = slugify(name)
        row = self.session.scalar(select(EntityRow).where(EntityRow.slug == slug))
        if row is None:
            row = EntityRow(slug=slug, name=name)
            self.session.add(row)
        return row


def _milestone_row(m: Milestone) -> MilestoneRow:
    b_text, b_earliest, b_latest, b_alts = _window_columns(m.baseline)
    f_text, f_earliest, f_latest, f_alts = _window_columns(m.forecast)
    return MilestoneRow(
        stage=m.stage.value,
        position=_STAGE_ORDER.index(m.stage),
        baseline_text=b_text,
        baseline_earliest=b_earliest,
        baseline_latest=b_latest,
        baseline_alternatives=b_alts,
        forecast_text=f_text,
        forecast_earliest=f_earliest,
        forecast_latest=f_latest,
        forecast_alternatives=f_alts,
        actual=m.actual,
    )


def _to_domain(row: InitiativeRow) -> Initiative:
    return Initiative(
        id=row.id,
        slug=row.slug,
        title=row.title,
        kind=Kind(row.kind),
        summary=row.summary,
        entities=[link.entity.name for link in row.entity_links],
        advisory_bodies=list(row.advisory_bodies or []),
        legal_deadlines=[LegalDeadline(d.text, d.due_on) for d in row.deadlines],
        milestones={
            Stage(m.stage): Milestone(
                Stage(m.stage),
                baseline=_window(
                    m.baseline_text, m.baseline_earliest, m.baseline_latest, m.baseline_alternatives
                ),
                forecast=_window(
                    m.forecast_text, m.forecast_earliest, m.forecast_latest, m.forecast_alternatives
                ),
                actual=m.actual,
            )
            for m in row.milestones
        },
        findings=[
            Finding(
                FindingKind(f.kind),
                Severity(f.severity),
                Stage(f.stage) if f.stage else None,
                dict(f.params or {}),
            )
            for f in row.findings
        ],
        state=row.state,
        held_stage=Stage(row.held_stage) if row.held_stage else None,
        policy_area=row.policy_area,
        source=row.source,
        version=row.version,
    )
