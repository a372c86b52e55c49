"""Who may read and write what (DESIGN: legal teams write their own initiatives)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"  # reads the non-public initiatives of its entities
    EDITOR = "editor"  # also records events and re-plans the initiatives of its entities
    COORDINATOR = "coordinator"  # reads and writes every initiative; re-baselines
    ADMIN = "admin"  # everything a coordinator may, and manages tokens


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

    @property
    def can_rebaseline(self) -> bool:
        return self.sees_everything


ANONYMOUS = Principal("anonymous")
