"""The use cases' storage in memory (tracker.services.unit_of_work's ports), for fast tests of
their rules: a unit of work works on a copy of the data and commit makes it the data."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType

from tracker.domain.access import Principal, Role
from tracker.domain.corrections import latest_step_on
from tracker.domain.errors import StaleVersion
from tracker.domain.model import Event, Initiative, PlanChange
from tracker.domain.slugs import slugify
from tracker.store.repository import InitiativeFilter


@dataclass
class Data:
    """What a database would hold."""

    initiatives: dict[str, Initiative] = field(default_factory=dict)
    events: dict[str, list[Event]] = field(default_factory=dict)
    plan_changes: dict[str, list[PlanChange]] = field(default_factory=dict)
    tokens: dict[str, tuple[str, Principal, datetime | None]] = field(default_factory=dict)
    next_id: int = 1


class FakeInitiatives:
    def __init__(self, data: Data) -> None:
        self._data = data

    def get(self, slug: str, *, for_update: bool = False) -> Initiative | None:
        stored = self._data.initiatives.get(slug)
        return None if stored is None else copy.deepcopy(stored)  # as read from a database

    def _passing(self, filters: InitiativeFilter) -> list[Initiative]:
        found = []
        for initiative in sorted(self._data.initiatives.values(), key=lambda i: i.id or 0):
            entities = {slugify(e) for e in initiative.entities}
            if initiative.merged_into is not None:
                continue
            if filters.visible_to is not None and not (
                initiative.is_public or entities & filters.visible_to
            ):
                continue
            if filters.kind and initiative.kind != filters.kind:
                continue
            if filters.state and initiative.state != filters.state:
                continue
            if filters.entity and filters.entity not in entities:
                continue
            text = f"{initiative.title} {initiative.summary} {initiative.slug}".lower()
            if filters.text and filters.text.lower() not in text:
                continue
            found.append(copy.deepcopy(initiative))
        return found

    def find(
        self, filters: InitiativeFilter, *, limit: int, offset: int
    ) -> tuple[list[Initiative], int]:
        passing = self._passing(filters)
        return passing[offset : offset + limit], len(passing)

    def all(self, filters: InitiativeFilter) -> list[Initiative]:
        return self._passing(filters)

    def slugs(self) -> set[str]:
        return set(self._data.initiatives)

    def slugs_of_short_title(self, short_title: str) -> list[str]:
        wanted = short_title.lower()
        return [
            s
            for s, i in self._data.initiatives.items()
            if i.short_title.lower() == wanted and i.merged_into is None
        ]

    def slug_of_title(self, title: str) -> str | None:
        return next(iter(self.slugs_of_title(title)), None)

    def slugs_of_title(self, title: str) -> list[str]:
        return [i.slug for i in self._passing(InitiativeFilter()) if i.title == title]

    def entity_names(self, slugs: list[str]) -> dict[str, str]:
        names = {slugify(e): e for i in self._data.initiatives.values() for e in i.entities}
        return {slug: names[slug] for slug in slugs if slug in names}

    def entity_tokens(self, slug: str) -> list[str]:
        return sorted(n for n, (_, p, _) in self._data.tokens.items() if slug in p.entities)

    def move_entity_tokens(self, source: str, target: str) -> None:
        for name, (token_hash, principal, revoked_at) in self._data.tokens.items():
            if source in principal.entities:
                entities = (principal.entities - {source}) | {target}
                moved = dataclasses.replace(principal, entities=frozenset(entities))
                self._data.tokens[name] = (token_hash, moved, revoked_at)

    def remove_entity(self, slug: str) -> None:
        """Here an entity is only what the initiatives name."""

    def lock_all(self) -> None:
        """One unit of work at a time here."""

    def lock_names(self) -> None:
        """One unit of work at a time here."""

    def latest_step_on(self, initiative_id: int) -> date | None:
        slug = next(s for s, i in self._data.initiatives.items() if i.id == initiative_id)
        return latest_step_on(self._data.events.get(slug, []))

    def events(self, slug: str) -> list[Event]:
        return list(self._data.events.get(slug, []))

    def plan_changes(self, slug: str) -> list[PlanChange]:
        return list(self._data.plan_changes.get(slug, []))

    def add(self, initiative: Initiative, *, now: datetime) -> None:
        assert initiative.slug not in self._data.initiatives, "a slug is unique"
        initiative.id, self._data.next_id = self._data.next_id, self._data.next_id + 1
        self._data.initiatives[initiative.slug] = copy.deepcopy(initiative)

    def save(self, initiative: Initiative, *, now: datetime) -> None:
        stored = self._data.initiatives[initiative.slug]
        if stored.version != initiative.version:
            raise StaleVersion(initiative.version, stored.version)
        initiative.version += 1
        self._data.initiatives[initiative.slug] = copy.deepcopy(initiative)

    def save_forecasts(self, initiative: Initiative) -> None:
        stored = self._data.initiatives[initiative.slug]
        for stage, milestone in stored.milestones.items():
            if stage in initiative.milestones:
                milestone.forecast = initiative.milestones[stage].forecast

    def append_event(self, initiative: Initiative, event: Event) -> None:
        numbered = dataclasses.replace(event, id=sum(map(len, self._data.events.values())) + 1)
        self._data.events.setdefault(initiative.slug, []).append(numbered)

    def append_plan_change(self, initiative: Initiative, change: PlanChange) -> None:
        self._data.plan_changes.setdefault(initiative.slug, []).append(change)


class FakeTokens:
    def __init__(self, data: Data) -> None:
        self._data = data

    def add(
        self, *, name: str, role: Role, entities: list[str], token_hash: str, now: datetime
    ) -> None:
        self._data.tokens[name] = (token_hash, Principal(name, role, frozenset(entities)), None)

    def exists(self, name: str) -> bool:
        return name in self._data.tokens

    def principal(self, token_hash: str) -> Principal | None:
        for stored_hash, principal, revoked_at in self._data.tokens.values():
            if stored_hash == token_hash and revoked_at is None:
                return principal
        return None

    def revoke(self, name: str, *, now: datetime) -> bool:
        stored = self._data.tokens.get(name)
        if stored is None or stored[2] is not None:
            return False
        self._data.tokens[name] = (stored[0], stored[1], now)
        return True


class FakeUnitOfWork:
    """Works on a copy of `data`; commit makes the copy the data."""

    def __init__(self, data: Data | None = None) -> None:
        self.data = data if data is not None else Data()
        self.commits = 0
        self._begin()

    def _begin(self) -> None:
        self._working = copy.deepcopy(self.data)
        self.initiatives = FakeInitiatives(self._working)
        self.tokens = FakeTokens(self._working)

    def __enter__(self) -> FakeUnitOfWork:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.data.__dict__.update(self._working.__dict__)
        self.commits += 1
        self._begin()

    def rollback(self) -> None:
        self._begin()
