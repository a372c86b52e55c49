"""What the use cases need of storage: the unit of work and its repositories, as ports.

tracker.store.uow implements them on SQLAlchemy; tests/unit/fakes.py in memory, so that the
use cases' own rules are tested without a database.
"""

from __future__ import annotations

from datetime import date, datetime
from types import TracebackType
from typing import Protocol

from tracker.domain.access import Principal, Role
from tracker.domain.model import Event, Initiative, PlanChange
from tracker.store.repository import InitiativeFilter


class Initiatives(Protocol):
    """The initiatives, their event logs and plan changes."""

    def get(self, slug: str, *, for_update: bool = False) -> Initiative | None:
        """The initiative; `for_update`: to `save` it, locked until commit where the database
        locks rows."""

    def find(
        self, filters: InitiativeFilter, *, limit: int, offset: int
    ) -> tuple[list[Initiative], int]:
        """A page of those that pass the filters, in order, and how many pass."""

    def all(self, filters: InitiativeFilter) -> list[Initiative]: ...

    def slugs(self) -> set[str]: ...

    def slugs_of_short_title(self, short_title: str) -> list[str]:
        """Every initiative with this short title, whatever its case."""

    def slug_of_title(self, title: str) -> str | None: ...

    def slugs_of_title(self, title: str) -> list[str]: ...

    def entity_names(self, slugs: list[str]) -> dict[str, str]:
        """The stored names of the entities with these slugs."""

    def entity_tokens(self, slug: str) -> list[str]:
        """The names of the API and feed tokens scoped to the entity, revoked ones too."""

    def move_entity_tokens(self, source: str, target: str) -> None:
        """Scope the tokens of entity slug `source` to slug `target` instead."""

    def remove_entity(self, slug: str) -> None:
        """Remove the entity once no initiative names it."""

    def lock_all(self) -> None:
        """Every initiative, as read afterwards, stays as read until commit."""

    def lock_names(self) -> None:
        """A title or slug found free stays free until commit."""

    def latest_step_on(self, initiative_id: int) -> date | None:
        """The date of the initiative's latest workflow step."""

    def events(self, slug: str) -> list[Event]: ...

    def plan_changes(self, slug: str) -> list[PlanChange]: ...

    def add(self, initiative: Initiative, *, now: datetime) -> None: ...

    def save(self, initiative: Initiative, *, now: datetime) -> None:
        """Write back one read `for_update`; its version goes up by one, and the commit fails
        with StaleVersion if another change raised it meanwhile."""

    def save_forecasts(self, initiative: Initiative) -> None:
        """Write the forecasts only; the version stays."""

    def append_event(self, initiative: Initiative, event: Event) -> None: ...

    def append_plan_change(self, initiative: Initiative, change: PlanChange) -> None: ...


class Tokens(Protocol):
    """API tokens, stored by their digest."""

    def add(
        self, *, name: str, role: Role, entities: list[str], token_hash: str, now: datetime
    ) -> None: ...

    def exists(self, name: str) -> bool: ...

    def principal(self, token_hash: str) -> Principal | None: ...

    def revoke(self, name: str, *, now: datetime) -> bool: ...


class UnitOfWork(Protocol):
    """One transaction: `with uow: result = use_case(uow, ...); uow.commit()`. Leaving it
    without commit writes nothing."""

    @property
    def initiatives(self) -> Initiatives: ...

    @property
    def tokens(self) -> Tokens: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
