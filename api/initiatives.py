"""Read API of initiatives and entities: translate HTTP to use cases and back."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, QueryParameter

from api.schemas import EntitySummary, InitiativePage
from tracker.domain.model import Kind
from tracker.services import get_initiative
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import UnitOfWork
from tracker.views import InitiativeView, initiative_summary, initiative_view
from workflows.definitions import catalogue

MAX_PAGE = 200


def _known_state(stage: str | None) -> str | None:
    if stage is None:
        return None
    states = {s.value for s in catalogue().stages} | set(catalogue().states)
    if stage not in states:
        raise ValidationException(
            f"stage: unknown stage '{stage}'",
            extra=[
                {
                    "key": "stage",
                    "source": "query",
                    "message": f"unknown stage '{stage}'; one of {', '.join(sorted(states))}",
                }
            ],
        )
    return stage


class InitiativeController(Controller):
    path = "/api/initiatives"
    tags = ("initiatives",)

    @get(
        "/",
        sync_to_thread=True,
        summary="List initiatives",
        description="Filter by kind, current stage, entity and free text; paginated.",
    )
    def list_initiatives(
        self,
        uow: NamedDependency[UnitOfWork],
        language: NamedDependency[str],
        kind: Annotated[Kind | None, QueryParameter(description="decree or order")] = None,
        stage: Annotated[
            str | None, QueryParameter(description="Current stage or state, e.g. first_approval")
        ] = None,
        entity: Annotated[str | None, QueryParameter(description="Entity slug")] = None,
        q: Annotated[
            str | None, QueryParameter(description="Free text in title or summary", max_length=200)
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size")] = 50,
        offset: Annotated[int, QueryParameter(ge=0, description="Rows to skip")] = 0,
    ) -> InitiativePage:
        filters = InitiativeFilter(kind=kind, state=_known_state(stage), entity=entity, text=q)
        items, total = uow.initiatives.find(filters, limit=limit, offset=offset)
        return InitiativePage(
            items=[initiative_summary(i, language) for i in items],
            total=total,
            limit=limit,
            offset=offset,
            next_offset=offset + limit if offset + limit < total else None,
        )

    @get(
        "/{slug:str}",
        sync_to_thread=True,
        summary="One initiative",
        description="Stages with baseline, forecast and actual; entities, deadlines, findings.",
    )
    def get_initiative(
        self, uow: NamedDependency[UnitOfWork], language: NamedDependency[str], slug: FromPath[str]
    ) -> InitiativeView:
        return initiative_view(get_initiative(uow, slug), language)


class EntityController(Controller):
    path = "/api/entities"
    tags = ("entities",)

    @get("/", sync_to_thread=True, summary="Entities and how many initiatives involve each")
    def list_entities(self, uow: NamedDependency[UnitOfWork]) -> list[EntitySummary]:
        return [EntitySummary(slug, name, n) for slug, name, n in uow.initiatives.entities()]
