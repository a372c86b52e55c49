"""Initiatives over HTTP: translate requests to use cases and results to views."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, PathParameter, QueryParameter

from api import examples
from api.bodies import before_initiative_request
from api.deps import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    LANG,
    expected_version,
    provide_language,
)
from api.openapi import TOKEN_OPTIONAL, TOKEN_REQUIRED, InitiativeOperation
from api.problems import CALLER, CREATE_PROBLEMS, LIST_PROBLEMS, READ_PROBLEMS, WRITE_PROBLEMS
from api.schemas import (
    NO_NUL,
    CorrectionCreate,
    CorrectionResult,
    EntitySummary,
    EventCreate,
    EventEntry,
    EventResult,
    HistoryView,
    InitiativeCreate,
    InitiativePage,
    InitiativePatch,
    Labels,
    MergeCreate,
    MergeResult,
    PlanChangeEntry,
    PlanIn,
    PlanResult,
    PlanUpdate,
    PlanValues,
    TransitionsView,
    TransitionView,
    WarningView,
)
from api.views import conditional_view, kept_view
from api.writes import etag, write
from tracker.domain.access import Principal
from tracker.domain.clock import today, utc_now
from tracker.domain.corrections import CORRECT, Correction
from tracker.domain.model import Event, Kind, LegalDeadline, PlanChange, Stage, Window
from tracker.domain.procedure import StepWarning
from tracker.outputs.messages import warning_message
from tracker.outputs.read_models import (
    InitiativeView,
    initiative_summary,
    initiative_view,
    window_view,
)
from tracker.services.corrections import correct_step
from tracker.services.history import history
from tracker.services.initiatives import (
    InitiativeEdit,
    NewInitiative,
    create_initiative,
    edit_initiative,
    find_initiatives,
    readable_initiative,
    visibility,
)
from tracker.services.merges import merge_initiatives
from tracker.services.planning import replan, window_from
from tracker.services.steps import allowed_transitions, record_event
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import Database, UnitOfWork
from workflows.definitions import catalogue

MAX_PAGE = 200
MAX_OFFSET = 2**31 - 1  # the databases' OFFSET overflows far above; no list gets near it
VERSION = ResponseHeader(
    name="ETag",
    documentation_only=True,
    required=True,
    description='The version of the initiative, e.g. "3": send it as If-Match to change it',
)
CONTENT_TAG = ResponseHeader(
    name="ETag",
    documentation_only=True,
    required=True,
    description="The page's content: send it as If-None-Match to be answered 304 while it is "
    "unchanged",
)
NOT_MODIFIED = {
    304: ResponseSpec(
        data_container=None, description="Unchanged since the ETag sent as If-None-Match"
    )
}
CREATED = ResponseHeader(
    name="Location", documentation_only=True, required=True, description="The new initiative"
)
WRITE_RESPONSES = "Needs `Authorization: Bearer <token>` and `If-Match` with the version's ETag."


STATES = {s.value for s in catalogue().stages} | set(catalogue().states)


def _known_state(stage: str | None) -> str | None:
    if stage is None:
        return None
    if stage not in STATES:
        raise ValidationException(
            f"stage: unknown stage '{stage}'",
            extra=[
                {
                    "key": "stage",
                    "source": "query",
                    "message": f"unknown stage '{stage}'; one of {', '.join(sorted(STATES))}",
                }
            ],
        )
    return stage


def _event_entry(event: Event, lang: str, corrected_by: list[int] | None = None) -> EventEntry:
    return EventEntry(
        id=event.id,
        recorded_at=event.recorded_at,
        actor=event.actor,
        event=event.name,
        label=catalogue().event_label(event.name, lang),
        occurred_on=event.occurred_on,
        from_state=event.from_state,
        to_state=event.to_state,
        reference=event.reference,
        note=event.note,
        details=event.details,
        corrected_by=corrected_by or [],
    )


def _warning_views(warnings: list[StepWarning], lang: str) -> list[WarningView]:
    """What a stored change's date or window draws, said in the reader's language."""
    return [WarningView(w.code, warning_message(w.code, w.params, lang)) for w in warnings]


def _plan_change_entry(change: PlanChange, lang: str) -> PlanChangeEntry:
    return PlanChangeEntry(
        recorded_at=change.recorded_at,
        actor=change.actor,
        stage=change.stage.value,
        label=catalogue().stages[change.stage].label.get(lang),
        reason=change.reason,
        rebaseline=change.rebaseline,
        before=PlanValues(
            window_view(change.plan_before or change.baseline_before),
            window_view(change.baseline_before),
        ),
        after=PlanValues(window_view(change.plan_after), window_view(change.baseline_after)),
    )


def _plan(plan: PlanIn) -> dict[Stage, Window]:
    windows = {stage: getattr(plan, stage.value) for stage in Stage}
    return {
        stage: window_from(f"plan.{stage.value}", value.text, value.earliest, value.latest)
        for stage, value in windows.items()
        if value is not None
    }


class InitiativeController(Controller):
    path = "/api/initiatives"
    tags = ("initiatives",)
    # A plain function: Litestar unbinds it (Controller.__init__), mypy takes it for a method.
    before_request = before_initiative_request  # type: ignore[assignment]

    @get(
        "/",
        summary="List initiatives",
        operation_id="listInitiatives",
        operation_class=InitiativeOperation,
        security=TOKEN_OPTIONAL,
        response_headers=[CONTENT_TAG],
        responses={**LIST_PROBLEMS, **NOT_MODIFIED},
        description="Filter by kind, current stage, entity and free text; paginated. Without a "
        "token only public initiatives are listed. Revalidate with If-None-Match: an unchanged "
        "page is answered 304.",
    )
    async def list_initiatives(
        self,
        request: Request[Any, Any, Any],
        database: NamedDependency[Database],
        lang: LANG = None,
        kind: Annotated[Kind | None, QueryParameter(description="decree or order")] = None,
        stage: Annotated[
            str | None,
            QueryParameter(
                description="Current stage or state, e.g. first_approval",
                # Documented only: _known_state refuses others with the list of known ones.
                schema_extra={"enum": sorted(STATES)},
            ),
        ] = None,
        entity: Annotated[
            str | None, QueryParameter(description="Entity slug", pattern=NO_NUL, max_length=200)
        ] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                description="Free text in title or summary", max_length=200, pattern=NO_NUL
            ),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size")] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")] = 0,
    ) -> Response[InitiativePage]:
        language = provide_language(request, lang)
        filters = InitiativeFilter(kind=kind, state=_known_state(stage), entity=entity, text=q)
        day = today()

        def make(uow: UnitOfWork, principal: Principal) -> InitiativePage:
            items, total = find_initiatives(uow, filters, principal, limit=limit, offset=offset)
            return InitiativePage(
                items=[initiative_summary(i, day, language) for i in items],
                total=total,
                limit=limit,
                offset=offset,
                next_offset=offset + limit if offset + limit < total else None,
            )

        what = ("list", filters, limit, offset, day, language)
        return await conditional_view(request, database, what, make)

    @get(
        "/{slug:str}",
        summary="One initiative",
        operation_id="getInitiative",
        operation_class=InitiativeOperation,
        security=TOKEN_OPTIONAL,
        response_headers=[VERSION],
        responses=READ_PROBLEMS,
        description="Stages with baseline, forecast and actual; entities, deadlines, findings. "
        "The ETag is the version to send as If-Match when changing it.",
    )
    async def get_initiative(
        self,
        request: Request[Any, Any, Any],
        database: NamedDependency[Database],
        slug: FromPath[str],
        lang: LANG = None,
    ) -> Response[InitiativeView]:
        language = provide_language(request, lang)
        day = today()

        def make(uow: UnitOfWork, principal: Principal) -> tuple[InitiativeView, int]:
            initiative = readable_initiative(uow, slug, principal)
            return initiative_view(initiative, day, language), initiative.version

        view, version = await kept_view(request, database, ("detail", slug, day, language), make)
        return Response(view, headers=etag(version))

    @post(
        "/",
        sync_to_thread=True,
        summary="Create an initiative",
        operation_id="createInitiative",
        operation_class=InitiativeOperation,
        security=TOKEN_REQUIRED,
        response_headers=[VERSION, CREATED],
        responses=CREATE_PROBLEMS,
        description="Planned windows as Dutch text or explicit dates. Editors create initiatives "
        "of their own entities. Send an Idempotency-Key to retry safely.",
    )
    def create(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[InitiativeCreate, examples.CREATE],
        database: NamedDependency[Database],
        key: IDEMPOTENCY_KEY = None,
        lang: LANG = None,
    ) -> Response[InitiativeView]:
        language = provide_language(request, lang)  # as in record
        new = NewInitiative(
            title=data.title.strip(),
            short_title=data.short_title,
            kind=data.kind,
            entities=[e.strip() for e in data.entities],
            summary=data.summary,
            is_public=data.is_public,
            council_of_state_term=data.council_of_state_term,
            advisory_bodies=data.advisory_bodies,
            legal_deadlines=[LegalDeadline(d.text, d.date) for d in data.legal_deadlines],
            plan=_plan(data.plan),
        )

        def change(uow: UnitOfWork, principal: Principal) -> Response[InitiativeView]:
            initiative = create_initiative(uow, new, principal, now=utc_now())
            headers = {**etag(initiative.version), "Location": f"{self.path}/{initiative.slug}"}
            view = initiative_view(initiative, today(), language)
            return Response(view, status_code=201, headers=headers)

        return write(request, database, key=key, payload=data, change=change)

    @patch(
        "/{slug:str}",
        sync_to_thread=True,
        summary="Edit an initiative's metadata",
        operation_id="editInitiative",
        operation_class=InitiativeOperation,
        security=TOKEN_REQUIRED,
        response_headers=[VERSION],
        responses=WRITE_PROBLEMS,
        description=WRITE_RESPONSES,
    )
    def edit(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[InitiativePatch, examples.EDIT],
        database: NamedDependency[Database],
        slug: FromPath[str],
        if_match: IF_MATCH = None,
        key: IDEMPOTENCY_KEY = None,
        lang: LANG = None,
    ) -> Response[InitiativeView]:
        language = provide_language(request, lang)
        edit = InitiativeEdit(
            title=data.title.strip() if data.title else None,
            short_title=data.short_title,
            summary=data.summary,
            entities=[e.strip() for e in data.entities] if data.entities else None,
            is_public=data.is_public,
            council_of_state_term=data.council_of_state_term,
            legal_deadlines=None
            if data.legal_deadlines is None
            else [LegalDeadline(d.text, d.date) for d in data.legal_deadlines],
            entry_into_force=data.entry_into_force,
            lead_entity=data.lead_entity.strip() if data.lead_entity else None,
        )

        def change(uow: UnitOfWork, principal: Principal) -> Response[InitiativeView]:
            version = expected_version(principal, if_match)
            initiative = edit_initiative(
                uow, slug, edit, principal, expected_version=version, now=utc_now()
            )
            view = initiative_view(initiative, today(), language)
            return Response(view, headers=etag(initiative.version))

        return write(request, database, key=key, payload=data, change=change)

    @get(
        "/{slug:str}/transitions",
        sync_to_thread=True,
        summary="The events allowed now",
        operation_id="getTransitions",
        operation_class=InitiativeOperation,
        security=TOKEN_OPTIONAL,
        response_headers=[VERSION],
        responses=READ_PROBLEMS,
        description="With Dutch and English labels, the state each leads to and the evidence "
        "each requires (occurred_on, reference, note).",
    )
    def transitions(
        self,
        uow: NamedDependency[UnitOfWork],
        language: NamedDependency[str],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> Response[TransitionsView]:
        initiative, options = allowed_transitions(uow, slug, principal)
        cat = catalogue()
        view = TransitionsView(
            slug=initiative.slug,
            state=initiative.state,
            state_label=cat.state_label(initiative.state, language),
            version=initiative.version,
            transitions=[
                TransitionView(
                    event=o.event.id,
                    label=o.event.label.get(language),
                    labels=Labels(o.event.label.nl, o.event.label.en),
                    requires=list(o.event.requires),
                    to_state=o.to_state,
                    to_state_label=cat.state_label(o.to_state, language),
                    completes_stage=o.completes.value if o.completes else None,
                    government_decision=o.government_decision,
                )
                for o in options
            ],
        )
        return Response(view, headers=etag(initiative.version))

    @post(
        "/{slug:str}/events",
        sync_to_thread=True,
        summary="Record a step of the procedure",
        operation_id="recordEvent",
        operation_class=InitiativeOperation,
        security=TOKEN_REQUIRED,
        response_headers=[VERSION],
        responses=WRITE_PROBLEMS,
        description="Applied through the initiative's workflow; the new state, the actual date "
        "and the event-log row are written in one transaction. " + WRITE_RESPONSES,
    )
    def record(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[EventCreate, examples.EVENT],
        database: NamedDependency[Database],
        slug: FromPath[str],
        if_match: IF_MATCH = None,
        key: IDEMPOTENCY_KEY = None,
        lang: LANG = None,
    ) -> Response[EventResult]:
        # The caller is looked up in the transaction that records the step (see writes.write),
        # and the language and the key are read here, not as dependencies: see deps.caller and
        # get_initiative.
        language = provide_language(request, lang)

        def change(uow: UnitOfWork, principal: Principal) -> Response[EventResult]:
            step = record_event(
                uow,
                slug,
                event=data.event,
                occurred_on=data.occurred_on,
                reference=(data.reference or "").strip() or None,
                note=(data.note or "").strip() or None,
                principal=principal,
                expected_version=expected_version(principal, if_match),
                now=utc_now(),
                confirmed=data.confirm,
            )
            result = EventResult(
                event=_event_entry(step.event, language),
                state=step.initiative.state,
                state_label=catalogue().state_label(step.initiative.state, language),
                completed_stage=step.completed.value if step.completed else None,
                version=step.initiative.version,
                warnings=_warning_views(step.warnings, language),
            )
            return Response(result, status_code=201, headers=etag(step.initiative.version))

        return write(request, database, key=key, payload=data, change=change)

    @post(
        "/{slug:str}/corrections",
        sync_to_thread=True,
        summary="Correct or annul a recorded step",
        operation_id="correctStep",
        operation_class=InitiativeOperation,
        security=TOKEN_REQUIRED,
        response_headers=[VERSION],
        responses=WRITE_PROBLEMS,
        description="A step named by its id in the history gets another date, reference or note, "
        'or is annulled (`"annul": true`), with the reason; by its initiative\'s editors or a '
        "coordinator. The log keeps the step and adds the correction; the state, actual dates, "
        "forecasts and feeds follow the corrected log. " + WRITE_RESPONSES,
    )
    def correct(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[CorrectionCreate, examples.CORRECTION],
        database: NamedDependency[Database],
        slug: FromPath[str],
        if_match: IF_MATCH = None,
        key: IDEMPOTENCY_KEY = None,
        lang: LANG = None,
    ) -> Response[CorrectionResult]:
        language = provide_language(request, lang)
        asked = Correction(
            event_id=data.event_id,
            reason=data.reason,
            occurred_on=data.occurred_on,
            reference=data.reference.strip() if data.reference is not None else None,
            note=data.note.strip() if data.note is not None else None,
            annul=data.annul,
        )

        def change(uow: UnitOfWork, principal: Principal) -> Response[CorrectionResult]:
            done = correct_step(
                uow, slug, asked, principal,
                expected_version=expected_version(principal, if_match), now=utc_now(),
                confirmed=data.confirm,
            )  # fmt: skip
            result = CorrectionResult(
                correction=_event_entry(done.correction, language),
                state=done.initiative.state,
                state_label=catalogue().state_label(done.initiative.state, language),
                version=done.initiative.version,
                warnings=_warning_views(done.warnings, language),
            )
            return Response(result, status_code=201, headers=etag(done.initiative.version))

        return write(request, database, key=key, payload=data, change=change)

    @post(
        "/{slug:str}/merge",
        sync_to_thread=True,
        summary="Merge an initiative created twice into the other",
        operation_id="mergeInitiative",
        operation_class=InitiativeOperation,
        security=TOKEN_REQUIRED,
        response_headers=[VERSION],
        responses=WRITE_PROBLEMS,
        description="Coordinators only. The one that stays keeps its events, plans and calendar "
        "events; the merged one leaves lists, reports and feeds, and its address answers with a "
        "permanent redirect. Both histories record the merge. The ETag is the version of the "
        "one that stays. " + WRITE_RESPONSES,
    )
    def merge(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[MergeCreate, examples.MERGE],
        database: NamedDependency[Database],
        slug: FromPath[str],
        if_match: IF_MATCH = None,
        key: IDEMPOTENCY_KEY = None,
    ) -> Response[MergeResult]:
        def change(uow: UnitOfWork, principal: Principal) -> Response[MergeResult]:
            done = merge_initiatives(
                uow, slug, into=data.into.strip(), reason=data.reason, principal=principal,
                expected_version=expected_version(principal, if_match), now=utc_now(),
            )  # fmt: skip
            version = done.into.version
            result = MergeResult(merged=done.merged.slug, into=done.into.slug, version=version)
            return Response(result, headers=etag(version))

        return write(request, database, key=key, payload=data, change=change)

    @put(
        "/{slug:str}/plan/{stage:str}",
        sync_to_thread=True,
        summary="Re-plan a stage",
        operation_id="replanStage",
        operation_class=InitiativeOperation,
        security=TOKEN_REQUIRED,
        response_headers=[VERSION],
        responses=WRITE_PROBLEMS,
        description="A new window (Dutch text or dates) and the reason. With `rebaseline: true` "
        "(coordinators only) the baseline moves too. A window that lies entirely in the past or "
        "ends before the plan of the previous step is stored all the same, with `warnings`; the "
        "latter also shows as a finding on the initiative. " + WRITE_RESPONSES,
    )
    def replan(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[PlanUpdate, examples.PLAN],
        database: NamedDependency[Database],
        slug: FromPath[str],
        stage: Annotated[
            str,
            PathParameter(
                description="The stage to re-plan",
                # Documented only: api.bodies refuses another (404) before If-Match is read.
                schema_extra={"enum": [s.value for s in Stage]},
            ),
        ],
        if_match: IF_MATCH = None,
        key: IDEMPOTENCY_KEY = None,
        lang: LANG = None,
    ) -> Response[PlanResult]:
        language = provide_language(request, lang)
        window = window_from("", data.text, data.earliest, data.latest)

        def change(uow: UnitOfWork, principal: Principal) -> Response[PlanResult]:
            result = replan(
                uow,
                slug,
                stage,
                window,
                reason=data.reason,
                rebaseline=data.rebaseline,
                principal=principal,
                expected_version=expected_version(principal, if_match),
                now=utc_now(),
            )
            view = initiative_view(result.initiative, today(), language)
            body = PlanResult(
                stage=next(s for s in view.stages if s.stage == stage),
                version=result.initiative.version,
                change=_plan_change_entry(result.change, language),
                warnings=_warning_views(result.warnings, language),
            )
            return Response(body, headers=etag(result.initiative.version))

        return write(request, database, key=key, payload=data, change=change)

    @get(
        "/{slug:str}/history",
        sync_to_thread=True,
        summary="Every event and plan change, oldest first",
        operation_id="getHistory",
        operation_class=InitiativeOperation,
        security=TOKEN_OPTIONAL,
        responses=READ_PROBLEMS,
    )
    def history(
        self,
        uow: NamedDependency[UnitOfWork],
        language: NamedDependency[str],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> HistoryView:
        entries = history(uow, slug, principal)
        corrections: dict[int, list[int]] = {}
        for e in entries:
            if isinstance(e, Event) and e.name == CORRECT and e.details and e.id is not None:
                corrections.setdefault(e.details["event_id"], []).append(e.id)
        return HistoryView(
            slug=slug,
            entries=[
                _event_entry(e, language, corrections.get(e.id or 0))
                if isinstance(e, Event)
                else _plan_change_entry(e, language)
                for e in entries
            ],
        )


class EntityController(Controller):
    path = "/api/entities"
    tags = ("entities",)

    @get(
        "/",
        sync_to_thread=True,
        summary="Entities and how many initiatives involve each",
        security=TOKEN_OPTIONAL,
        responses={401: CALLER[401]},
    )
    def list_entities(
        self, uow: NamedDependency[UnitOfWork], principal: NamedDependency[Principal]
    ) -> list[EntitySummary]:
        rows = uow.initiatives.entities(visibility(principal))
        return [EntitySummary(slug, name, n) for slug, name, n in rows]
