"""Who may read and write what (DESIGN: legal teams write their own initiatives)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"  # reads the non-public initiatives of its entities
    EDITOR = "editor"  # also records events and re-plans the initiatives of its entities
    COORDINATOR = "coordinator"  # reads and writes every initiative; re-baselines
    ADMIN = "admin"  # everything a coordinator may, and manages tokens


class Relation(StrEnum):
    """How a caller's entities stand to an initiative, for what it may record."""

    LEAD = "lead"  # one of them is the initiative's lead entity (the first of its entities)
    INVOLVED = "involved"  # one of them is another of its entities
    NONE = "none"


EVERY_EVENT = "*"
# Who may record which event (workflows/permissions.toml): the events, or EVERY_EVENT.
RecordRights = Mapping[tuple[Role, Relation], frozenset[str]]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a named API token, or the anonymous public."""

    name: str
    role: Role | None = None  # None: anonymous
    entities: frozenset[str] = frozenset()  # entity slugs

    @property
    def is_anonymous(self) -> bool:
        return self.role is None

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.ADMIN)

    def involved(self, entity_slugs: Iterable[str]) -> bool:
        return self.sees_everything or not self.entities.isdisjoint(entity_slugs)

    def can_read(self, is_public: bool, entity_slugs: Iterable[str]) -> bool:
        return is_public or (not self.is_anonymous and self.involved(entity_slugs))

    def can_write(self, entity_slugs: Iterable[str]) -> bool:
        return self.role in (Role.EDITOR, Role.COORDINATOR, Role.ADMIN) and self.involved(
            entity_slugs
        )

    def relation(self, entity_slugs: Sequence[str]) -> Relation:
        """`entity_slugs` in the initiative's order: the first is its lead entity."""
        if entity_slugs and entity_slugs[0] in self.entities:
            return Relation.LEAD
        return Relation.NONE if self.entities.isdisjoint(entity_slugs) else Relation.INVOLVED

    def recordable(self, entity_slugs: Sequence[str], rights: RecordRights) -> frozenset[str]:
        """The events it may record on an initiative of these entities (EVERY_EVENT: all)."""
        if self.role is None:
            return frozenset()
        return rights.get((self.role, self.relation(entity_slugs)), frozenset())

    def may_record(self, event: str, entity_slugs: Sequence[str], rights: RecordRights) -> bool:
        allowed = self.recordable(entity_slugs, rights)
        return EVERY_EVENT in allowed or event in allowed

    @property
    def can_rebaseline(self) -> bool:
        return self.sees_everything


ANONYMOUS = Principal("anonymous")
