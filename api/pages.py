"""The web pages: programme, initiative, entity, weekly report and sign-in (jinja2 templates).

The pages read and write through the same use cases as the API; a form step obeys the same
rules and shows the same refusal the API would give.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from api.options import answer_options
from api.problems import IdempotencyKeyReused, describe, on_http_exception
from api.schemas import CorrectionCreate, EventCreate
from api.session import (
    form_key,
    page_principal,
    same_origin,
    session_cookie,
    session_token,
    valid_form,
)
from api.writes import Answer, answer_once, request_hash
from tracker.domain.access import Principal
from tracker.domain.clock import today, utc_now
from tracker.domain.corrections import Correction
from tracker.domain.errors import InvalidQuery, NotFound, Refused, StaleVersion, TrackerError
from tracker.domain.model import Kind
from tracker.domain.status import Status
from tracker.domain.weeks import IsoWeek, week_parameter
from tracker.outputs.messages import WARNING_TEMPLATES, warning_message
from tracker.outputs.page_text import TEXT
from tracker.outputs.pages import history_lines, programme, stage_timeline, status_of
from tracker.outputs.problem_text import reason as field_reason
from tracker.outputs.read_models import STATUS_LABELS, STATUS_ORDER, initiative_view
from tracker.outputs.render import TEXT as REPORT_TEXT
from tracker.outputs.timeline import STATUS_SHAPES
from tracker.services.corrections import correct_step
from tracker.services.history import history
from tracker.services.initiatives import (
    find_initiatives,
    may_write,
    readable_initiative,
    visibility,
)
from tracker.services.steps import options, record_event
from tracker.services.tokens import authenticate
from tracker.services.weekly_report import ReportMemo, weekly_report
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import Database, UnitOfWork
from workflows.definitions import catalogue

PROGRAMME_LIMIT = 10_000
STEP_FIELDS = (
    "event", "occurred_on", "reference", "note", "version", "idempotency_key", "confirm",
)  # fmt: skip
CORRECTION_FIELDS = (
    "event_id", "occurred_on", "reference", "note", "annul", "reason", "version",
    "idempotency_key", "confirm",
)  # fmt: skip
# The step form's question when a date draws warnings, and the button that confirms it.
CONFIRM_DATE = {
    "nl": (
        "Nog niet geregistreerd: bevestig de datum of pas hem aan.",
        "De datum klopt: registreren",
    ),
    "en": ("Not recorded yet: confirm the date or change it.", "The date is right: record"),
}
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
# Where msgspec says which field of a body it refused: "... - at `$.reference`".
_AT_FIELD = re.compile(r" - at `\$\.(\w+)`")


class PageError(Exception):
    """A page that cannot be shown: rendered as a friendly page with a way back."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def link(path: str, **query: str | None) -> str:
    """A page address with its query, leaving out what is empty."""
    kept = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def _switch_url(request: Request[Any, Any, Any], lang: str) -> str:
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    return link(request.url.path, **query, lang="en" if lang == "nl" else "nl")


def _base(
    request: Request[Any, Any, Any], principal: Principal, lang: str, **context: Any
) -> dict[str, Any]:
    """What every page needs: language, the switch, who is signed in, the form key."""
    base = str(request.base_url).rstrip("/")
    return {
        "lang": lang,
        "text": TEXT[lang],
        "switch_url": _switch_url(request, lang),
        "principal": principal,
        "form_key": form_key(session_token(request)),
        "here": request.url.path,
        "https": base,
        "webcal": "webcal://" + base.split("://", 1)[1],
        "status_shapes": {s.value: shape for s, shape in STATUS_SHAPES.items()},
        "status_labels": {s.value: label.get(lang) for s, label in STATUS_LABELS.items()},
        "status_order": [s.value for s in STATUS_ORDER],
        **context,
    }


def error_page(
    request: Request[Any, Any, Any], lang: str, error: PageError, principal: Principal
) -> Template:
    return Template(
        template_name="error.html",
        context=_base(request, principal, lang, error=error),
        status_code=error.status,
    )


def not_found_page(request: Request[Any, Any, Any], lang: str, principal: Principal) -> Template:
    text = TEXT[lang]
    return error_page(
        request, lang, PageError(404, text["not_found"], text["not_found_detail"]), principal
    )


def _choice(field: str, value: str | None, allowed: list[str], lang: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise PageError(
            400,
            TEXT[lang]["filters"],
            f"{field}: '{value}' ({', '.join(allowed)})",
        )
    return value


def page_language(lang: FromQuery[str | None] = None) -> str:
    """Dutch unless the reader chose English with the switch (the browser's language is not
    asked: the pages are those of a Flemish government)."""
    return "en" if lang == "en" else "nl"


class PageController(Controller):
    include_in_schema = False
    # OPTIONS names every method of a path (GET and POST of /signin): see api.options.
    before_request = answer_options  # type: ignore[assignment]
    dependencies = {"language": Provide(page_language, sync_to_thread=False)}  # noqa: RUF012

    def _programme_page(
        self,
        request: Request[Any, Any, Any],
        uow: UnitOfWork,
        principal: Principal,
        lang: str,
        *,
        entity: str | None,
        kind: str | None,
        status: str | None,
        template: str,
        **context: Any,
    ) -> Template:
        try:
            kind = _choice("kind", kind, [k.value for k in Kind], lang)
            status = _choice("status", status, [s.value for s in Status], lang)
        except PageError as error:
            return error_page(request, lang, error, principal)
        initiatives, _ = find_initiatives(
            uow,
            InitiativeFilter(kind=Kind(kind) if kind else None, entity=entity),
            principal,
            limit=PROGRAMME_LIMIT,
            offset=0,
        )
        day = today()
        if status:
            initiatives = [i for i in initiatives if status_of(i, day).value == status]
        visible = {s: n for s, n, _ in uow.initiatives.entities(visibility(principal))}
        here = request.url.path
        status_links = {
            s.value: link(here, lang=lang, status=s.value, kind=kind,
                          entity=entity if here == "/" else None)
            for s in Status
        }  # fmt: skip
        return Template(
            template_name=template,
            context=_base(
                request,
                principal,
                lang,
                programme=programme(initiatives, day, lang),
                entities=visible,
                kinds={k.value: catalogue().workflows[k].label.get(lang) for k in Kind},
                selected={"entity": entity or "", "kind": kind or "", "status": status or ""},
                status_links=status_links,
                **context,
            ),
        )

    @get("/", sync_to_thread=True)
    def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        database: NamedDependency[Database],
        language: NamedDependency[str],
        entity: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
    ) -> Template:
        principal = page_principal(request, database)
        if entity and not uow.initiatives.entity_names([entity]):
            return not_found_page(request, language, principal)
        return self._programme_page(
            request, uow, principal, language, entity=entity or None, kind=kind, status=status,
            template="index.html",
        )  # fmt: skip

    @get("/entities/{entity:str}", sync_to_thread=True)
    def entity_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        database: NamedDependency[Database],
        language: NamedDependency[str],
        entity: FromPath[str],
        kind: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
    ) -> Template:
        principal = page_principal(request, database)
        names = uow.initiatives.entity_names([entity])
        if not names:
            return not_found_page(request, language, principal)
        return self._programme_page(
            request, uow, principal, language, entity=entity, kind=kind, status=status,
            template="entity.html", entity_name=names[entity], entity_slug=entity,
        )  # fmt: skip

    @get("/initiatives/{slug:str}", sync_to_thread=True)
    def initiative_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        database: NamedDependency[Database],
        language: NamedDependency[str],
        slug: FromPath[str],
        recorded: FromQuery[str | None] = None,
        corrected: FromQuery[str | None] = None,
        annulled: FromQuery[str | None] = None,
        warn: FromQuery[str | None] = None,
        on: FromQuery[str | None] = None,
    ) -> Template:
        principal = page_principal(request, database)
        try:
            context = _initiative_context(uow, slug, principal, language)
        except NotFound:
            return not_found_page(request, language, principal)
        notice = None
        for said, event in (("recorded", recorded), ("corrected", corrected),
                            ("annulled", annulled)):  # fmt: skip
            if event and event in catalogue().events:
                label = catalogue().event_label(event, language)
                notice = TEXT[language][said].format(event=label)
        try:
            params = {"occurred_on": date.fromisoformat(on)} if on else {}
        except ValueError:
            params = {}
        context["notice"] = notice
        context["warnings"] = [
            warning_message(code, params, language)
            for code in (warn or "").split(",")
            if code in WARNING_TEMPLATES and params
        ]
        return Template(
            template_name="initiative.html", context=_base(request, principal, language, **context)
        )

    @post("/initiatives/{slug:str}/events", sync_to_thread=True, status_code=303)
    def record_step(
        self,
        request: Request[Any, Any, Any],
        data: FormData,
        database: NamedDependency[Database],
        language: NamedDependency[str],
        slug: FromPath[str],
    ) -> Template | Redirect:
        """The form's step: the same use case, rules and refusals as the API's POST events."""
        return _form_post(
            request, data, database, language, slug, STEP_FIELDS, _submit_step, "form"
        )

    @post("/initiatives/{slug:str}/corrections", sync_to_thread=True, status_code=303)
    def record_correction(
        self,
        request: Request[Any, Any, Any],
        data: FormData,
        database: NamedDependency[Database],
        language: NamedDependency[str],
        slug: FromPath[str],
    ) -> Template | Redirect:
        """A history row's correction: the same use case, rules and refusals as the API's POST
        corrections."""
        return _form_post(
            request, data, database, language, slug, CORRECTION_FIELDS, _submit_correction,
            "correction",
        )  # fmt: skip

    @get("/reports/weekly", sync_to_thread=True)
    def report_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        database: NamedDependency[Database],
        language: NamedDependency[str],
        report_memo: NamedDependency[ReportMemo],
        week: FromQuery[str | None] = None,
        entity: FromQuery[str | None] = None,
    ) -> Template:
        principal = page_principal(request, database)
        try:
            iso_week = week_parameter(week or None, today())
        except InvalidQuery as exc:
            described = describe(exc, language)
            detail = described.detail if described else str(exc)
            error = PageError(400, TEXT[language]["report"], detail)
            return error_page(request, language, error, principal)
        if entity and not uow.initiatives.entity_names([entity]):
            return not_found_page(request, language, principal)
        try:
            report = weekly_report(
                uow, iso_week, principal=principal, now=utc_now(), requested=None,
                entity=entity or None, lang=language, memo=report_memo,
            )  # fmt: skip
        except InvalidQuery:  # a week before anything was recorded
            error = PageError(400, TEXT[language]["report"], TEXT[language]["week_without_data"])
            return error_page(request, language, error, principal)

        def week_link(offset: int) -> str:
            moved = IsoWeek.of(iso_week.monday + timedelta(weeks=offset))
            return link("/reports/weekly", week=str(moved), lang=language, entity=entity)

        downloads = {
            fmt: link("/api/reports/weekly", week=str(iso_week), format=fmt, lang=language,
                      entity=entity)
            for fmt in ("html", "csv", "md", "json")
        }  # fmt: skip
        return Template(
            template_name="report.html",
            context=_base(
                request,
                principal,
                language,
                r=report,
                t=REPORT_TEXT[language],
                iso_week=iso_week,
                previous_week=week_link(-1),
                next_week=week_link(1),
                this_week=str(IsoWeek.of(today())),
                downloads=downloads,
                entities={s: n for s, n, _ in uow.initiatives.entities(visibility(principal))},
                selected_entity=entity or "",
            ),
        )

    @get("/signin", sync_to_thread=True)
    def sign_in_page(
        self,
        request: Request[Any, Any, Any],
        database: NamedDependency[Database],
        language: NamedDependency[str],
        next: FromQuery[str | None] = None,
    ) -> Template:
        principal = page_principal(request, database)
        return Template(
            template_name="signin.html",
            context=_base(request, principal, language, next=_local(next), error=None),
        )

    @post("/signin", sync_to_thread=True, status_code=303)
    def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: FormData,
        database: NamedDependency[Database],
        language: NamedDependency[str],
    ) -> Template | Redirect:
        token = (data.get("token") or "").strip()
        target = _local(data.get("next"))

        def refused(status: int, error: str) -> Template:
            context = _base(
                request, page_principal(request, database), language, next=target, error=error
            )
            return Template(template_name="signin.html", context=context, status_code=status)

        if not same_origin(request):  # login CSRF: another site signing the user in
            return refused(403, TEXT[language]["bad_form"])
        with database.uow() as uow:
            principal = authenticate(uow, token) if token else None
        if principal is None:
            return refused(401, TEXT[language]["unknown_token"])
        return Redirect(target, status_code=303, cookies=[session_cookie(request, token)])

    @post("/signout", sync_to_thread=True, status_code=303)
    def sign_out(
        self, request: Request[Any, Any, Any], data: FormData, language: NamedDependency[str]
    ) -> Redirect:
        # Without the form key another site could sign a user out; harmless, but refused.
        target = f"/?lang={language}"
        if not same_origin(request) or not valid_form(request, data.get("form_key")):
            return Redirect(target, status_code=303)
        return Redirect(target, status_code=303, cookies=[session_cookie(request, None)])


def _local(target: str | None) -> str:
    """Only a path of this site: never send a signed-in user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@dataclass(frozen=True, slots=True)
class FormError:
    detail: str
    field: str | None = None
    confirm: str | None = None  # the confirm button's label: the date draws these warnings


Submit = Callable[[Database, str, dict[str, str], Principal, str], str | tuple[int, "FormError"]]


def _form_post(
    request: Request[Any, Any, Any],
    data: dict[str, str],
    database: Database,
    language: str,
    slug: str,
    fields: tuple[str, ...],
    submit: Submit,
    name: str,
) -> Template | Redirect:
    """A form of the initiative page sent: signed in, from this site, with the form key; then
    the address to go to, or the page again with the refusal next to the form `name`."""
    principal = page_principal(request, database)
    form = {field: (data.get(field) or "").strip() for field in fields}
    if (
        principal.is_anonymous
        or not same_origin(request)
        or not valid_form(request, data.get("form_key"))
    ):
        status, error = 403, FormError(TEXT[language]["bad_form"])
    else:
        outcome = submit(database, slug, form, principal, language)
        if isinstance(outcome, str):
            return Redirect(outcome, status_code=303)
        status, error = outcome
    if status == 404:
        return not_found_page(request, language, principal)
    with database.uow() as uow:
        try:
            context = _initiative_context(uow, slug, principal, language)
        except NotFound:
            return not_found_page(request, language, principal)
    context |= {f"{name}_error": error, name: form}
    return Template(
        template_name="initiative.html",
        context=_base(request, principal, language, **context),
        status_code=status,
    )


def _beyond_schema(
    schema: type[msgspec.Struct], body: dict[str, Any], lang: str
) -> FormError | None:
    """The API's own checks of its body (lengths, no NUL character), in the API's words: a form
    is held to the same limits as the API (api.schemas)."""
    try:
        msgspec.convert(body, schema)
    except msgspec.ValidationError as exc:
        message = str(exc)
        found = _AT_FIELD.search(message)
        field = found[1] if found else None
        said = field_reason(message, lang)
        return FormError(f"{field}: {said}" if field else said, field)
    return None


def _submit_step(
    database: Database, slug: str, form: dict[str, str], principal: Principal, lang: str
) -> str | tuple[int, FormError]:
    """Record the step: the address to go to next, or the status and error to show."""
    try:
        occurred_on = date.fromisoformat(form["occurred_on"])
    except ValueError:
        return 422, FormError(f"occurred_on: {TEXT[lang]['bad_date']}", "occurred_on")
    if not form["version"].isdigit():
        return 400, FormError(TEXT[lang]["bad_form"])
    body = {"event": form["event"], "occurred_on": occurred_on,
            "reference": form["reference"] or None, "note": form["note"] or None}  # fmt: skip
    refused = _beyond_schema(EventCreate, body, lang)
    if refused is not None:
        return 400, refused

    def change(uow: UnitOfWork, principal: Principal) -> Answer:
        step = record_event(
            uow,
            slug,
            event=form["event"],
            occurred_on=occurred_on,
            reference=form["reference"] or None,
            note=form["note"] or None,
            principal=principal,
            expected_version=int(form["version"]),
            now=utc_now(),
            confirmed=form["confirm"] == "true",
        )
        query: dict[str, str | None] = {"lang": lang, "recorded": step.event.name}
        return 303, _landing(slug, query, step.warnings, occurred_on), {}

    return _answer(database, f"/initiatives/{slug}/events", form, STEP_FIELDS, principal, lang,
                   change, CONFIRM_DATE[lang])  # fmt: skip


def _submit_correction(
    database: Database, slug: str, form: dict[str, str], principal: Principal, lang: str
) -> str | tuple[int, FormError]:
    """Correct or annul the step: the address to go to next, or the status and error to show."""
    try:
        occurred_on = date.fromisoformat(form["occurred_on"]) if form["occurred_on"] else None
    except ValueError:
        return 422, FormError(f"occurred_on: {TEXT[lang]['bad_date']}", "occurred_on")
    if not (form["version"].isdigit() and form["event_id"].isdigit()):
        return 400, FormError(TEXT[lang]["bad_form"])
    asked = Correction(
        event_id=int(form["event_id"]),
        reason=form["reason"],
        occurred_on=occurred_on,
        # The form shows the step's reference and note: emptied, they are taken away.
        reference=form["reference"],
        note=form["note"],
        annul=form["annul"] == "true",
    )
    body = {"event_id": asked.event_id, "occurred_on": occurred_on, "annul": asked.annul,
            "reference": asked.reference, "note": asked.note,
            # A blank reason is the use case's to word (reason_required), as the API's is not:
            # the page says why a reason is needed rather than that it is too short.
            "reason": asked.reason or "-"}  # fmt: skip
    refused = _beyond_schema(CorrectionCreate, body, lang)
    if refused is not None:
        return 400, refused

    def change(uow: UnitOfWork, principal: Principal) -> Answer:
        done = correct_step(
            uow, slug, asked, principal, expected_version=int(form["version"]), now=utc_now(),
            confirmed=form["confirm"] == "true",
        )  # fmt: skip
        details = done.correction.details or {}
        query = {"lang": lang, ("annulled" if asked.annul else "corrected"): details.get("event")}
        after = (details.get("after") or {}).get("occurred_on")
        on = date.fromisoformat(after) if after else None
        return 303, _landing(slug, query, done.warnings, on), {}

    question = (TEXT[lang]["confirm_correction"], TEXT[lang]["confirm_correction_button"])
    return _answer(database, f"/initiatives/{slug}/corrections", form, CORRECTION_FIELDS,
                   principal, lang, change, question)  # fmt: skip


def _landing(
    slug: str, query: dict[str, str | None], warnings: list[Any], occurred_on: date | None
) -> bytes:
    """The page a written form leads to, with its notice."""
    # Shown once on the page the browser is sent to, which can say only the warnings that need
    # nothing but the date; the team confirmed all of them on the form already.
    said = [w.code for w in warnings if set(w.params) == {"occurred_on"}]
    if said and occurred_on is not None:
        query["warn"] = ",".join(said)
        query["on"] = occurred_on.isoformat()
    return (link(f"/initiatives/{slug}", **query) + "#history").encode()


def _answer(
    database: Database,
    path: str,
    form: dict[str, str],
    fields: tuple[str, ...],
    principal: Principal,
    lang: str,
    change: Callable[[UnitOfWork, Principal], Answer],
    confirm: tuple[str, str],
) -> str | tuple[int, FormError]:
    """The change written once: the address to go to, or the status and error to show."""
    # Each rendering of a form carries a key of its own: a form sent twice (a double click,
    # a retry after a lost answer) writes once and leads to the same page.
    sent = {name: form[name] for name in fields if name != "idempotency_key"}
    try:
        _, location, _ = answer_once(
            database,
            lambda _: principal,
            key=form["idempotency_key"] or None,
            fingerprint=request_hash("POST", path, sent),
            change=change,
        )
    except IdempotencyKeyReused:  # a form sent before, then changed (back in the browser)
        return 409, FormError(TEXT[lang]["stale_form"])
    except Refused as exc:
        if exc.code != "confirm_date":
            return _refusal(exc, lang)
        question, button = confirm
        return 409, FormError(f"{exc.params[f'warnings_{lang}']} {question}", confirm=button)
    except TrackerError as exc:
        return _refusal(exc, lang)
    return location.decode()


def _refusal(exc: TrackerError, lang: str) -> tuple[int, FormError]:
    described = describe(exc, lang)
    if described is None:
        raise exc
    stale = isinstance(exc, StaleVersion)
    detail = TEXT[lang]["stale_form"] if stale else described.detail
    return described.status, FormError(detail, described.field)


def _initiative_context(
    uow: UnitOfWork, slug: str, principal: Principal, lang: str
) -> dict[str, Any]:
    initiative = readable_initiative(uow, slug, principal)
    day = today()
    can_write = may_write(principal, initiative)
    return {
        "initiative": initiative_view(initiative, day, lang),
        "stage_chart": stage_timeline(initiative, day, lang),
        "council_term": catalogue().council_terms[initiative.council_of_state_term].label.get(lang),
        "history": history_lines(initiative, history(uow, slug, principal), lang),
        "options": options(initiative, principal) if can_write else [],
        "idempotency_key": secrets.token_urlsafe(18),
        "can_write": can_write,
        "today_iso": day.isoformat(),
        "form": {},
        "form_error": None,
        "correction": {},
        "correction_error": None,
        "notice": None,
        "warnings": [],
    }


def on_unknown_route(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """A browser that follows a dead link gets the friendly page; API clients a problem."""
    accept = request.headers.get("accept", "")
    api = request.url.path.startswith(("/api/", "/calendars/", "/schema"))
    if api or "text/html" not in accept:
        return on_http_exception(request, exc)
    language = page_language(request.query_params.get("lang"))
    return not_found_page(request, language, page_principal(request, request.app.state.database))
