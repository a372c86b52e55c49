"""The weekly slippage report over HTTP, as JSON, HTML, Markdown or CSV."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream

from api.openapi import TOKEN_OPTIONAL, ReportOperation
from api.problems import READ_PROBLEMS
from tracker.domain.access import Principal
from tracker.domain.clock import today, utc_now
from tracker.domain.weeks import moment_parameter, week_parameter
from tracker.outputs.render import MEDIA_TYPES, render_parts
from tracker.outputs.weekly import WeeklyReport
from tracker.services.weekly_report import ReportMemo, weekly_report
from tracker.store.uow import UnitOfWork

WEEK_PATTERN = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"


class ReportController(Controller):
    path = "/api/reports"
    tags = ("reports",)

    @get(
        "/weekly",
        sync_to_thread=True,
        summary="The weekly slippage report",
        description="Slipped and overdue stages, what is due in the next 4 weeks, what changed "
        "in the week (from the event log), legal deadlines at risk and plan findings, as known "
        "at the end of the week (or `as_of`). A week in progress gives a provisional report.",
        operation_class=ReportOperation,
        security=TOKEN_OPTIONAL,
        responses={
            200: ResponseSpec(WeeklyReport, description="The report", generate_examples=False),
            **READ_PROBLEMS,
        },
    )
    def weekly(
        self,
        uow: NamedDependency[UnitOfWork],
        language: NamedDependency[str],
        principal: NamedDependency[Principal],
        report_memo: NamedDependency[ReportMemo],
        week: Annotated[
            str | None,
            QueryParameter(
                description="ISO week, e.g. 2026-W48; default this week",
                # Documented only: IsoWeek.parse refuses others, and years without a week 53.
                schema_extra={"format": "iso-week", "pattern": WEEK_PATTERN},
            ),
        ] = None,
        as_of: Annotated[
            str | None,
            QueryParameter(
                description="A day (its end, Brussels) or an ISO date-time",
                schema_extra={"anyOf": [{"format": "date"}, {"format": "date-time"}]},
            ),
        ] = None,
        entity: Annotated[
            str | None, QueryParameter(description="Only this entity's initiatives (slug)")
        ] = None,
        format: Annotated[
            str, QueryParameter(pattern="^(json|html|md|csv)$", description="json, html, md, csv")
        ] = "json",
    ) -> Stream:
        iso_week = week_parameter(week, today())
        requested = moment_parameter(as_of)
        report = weekly_report(
            uow,
            iso_week,
            principal=principal,
            now=utc_now(),
            requested=requested,
            entity=entity,
            lang=language,
            memo=report_memo,
        )
        parts = render_parts(report, format)
        headers = {"Content-Language": language, "Content-Length": str(sum(map(len, parts)))}
        if format == "csv":
            headers["Content-Disposition"] = f'attachment; filename="weekrapport-{iso_week}.csv"'
        return Stream(_sent(parts), media_type=MEDIA_TYPES[format], headers=headers)


async def _sent(parts: list[bytes]) -> AsyncIterator[bytes]:
    """The report's pieces as the server writes them: a sync iterable would cost Litestar a
    thread hop per piece."""
    for part in parts:
        yield part
