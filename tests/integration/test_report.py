"""The weekly slippage report (issue 4, DESIGN §5): the seed programme's statuses as of past days,
past weeks reproduced byte for byte, the report's sections and formats, over HTTP and on the
command line; on SQLite and PostgreSQL.

Reports about the past need data recorded in the past, so these tests write through the services
with explicit instants (the API records with the real clock) and build their own databases.
Every expected value below is worked out by hand from the annex and the rules:
- IF then BA take 24 working days before a first approval; the advice 30 days (VTC/SERV); the
  Council of State 30 days; the parliament 42 days, voting on Wednesdays outside its recesses
  (summer recess 2025: 21 July - 21 September; autumn recess 2025: 27 October - 2 November);
  ratification 2 days; publication 14 days; in force 10 days after publication;
- government decisions fall on Fridays that are working days (26 December and 1 January are not);
- a stage without an actual is expected no earlier than the day after the as-of day.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.conftest import (
    BACKENDS,
    NOW,
    ON_THE_SEED_DAY,
    POSTGRES_URL,
    SEED_DIR,
    postgres_schema,
    token_for,
)
from tests.integration.test_store import _dump
from tracker.app.cli import main
from tracker.domain.access import Principal, Role
from tracker.domain.weeks import IsoWeek, end_of
from tracker.outputs import render as render_module
from tracker.outputs.render import FORMATS, render, render_parts
from tracker.outputs.weekly import WeeklyReport
from tracker.services.importing import seed
from tracker.services.initiatives import InitiativeEdit, edit_initiative
from tracker.services.planning import replan, window_from
from tracker.services.steps import record_event
from tracker.services.weekly_report import ReportMemo, weekly_report
from tracker.store import migrate
from tracker.store.db import make_engine
from tracker.store.uow import Database

PROBLEM = "application/problem+json"

KLIP = "decreet-klip-gipod-verordening"
EGOV = "decreet-elektronische-bestuurlijke-gegevensverkeer"
CRAB = "decreet-crab-omvorming-centraal"
DAO = "decreet-platform-digitale-aangifte"
VMS = "decreet-vlaams-mandatensysteem"
VCDV = "decreet-vlaams-centrum-digitale"
PROACTIVE = "decreet-proactieve-dienstverlening"
RETENTION = "besluit-beheren-bewaren-bestuursdocumenten"
DPO = "besluit-functionarissen-gegevensbescherming"
DV = "besluit-digitaal-vlaanderen-werking"
SOURCES = "besluit-erkenning-authentieke-gegevensbronnen"
ALL = (KLIP, EGOV, CRAB, DAO, VMS, VCDV, PROACTIVE, RETENTION, DPO, DV, SOURCES)
DECREES = (KLIP, EGOV, CRAB, DAO, VMS, VCDV, PROACTIVE)

CSV_HEADER = [
    "initiative", "title", "short_title", "stage", "stage_label", "status", "baseline_text",
    "baseline_earliest", "baseline_latest", "forecast_earliest", "forecast_latest", "actual",
    "slippage_days", "overdue",
]  # fmt: skip
# 7 decrees of 9 stages (drafting ... publication, with advice and a second approval) and
# 4 orders of 7 stages (no parliament, no ratification).
STAGE_ROWS = 7 * 9 + 4 * 7

COORDINATOR = Principal("Juridische dienst", Role.COORDINATOR)
TEAM_KLIP = Principal("Team KLIP", Role.EDITOR, frozenset({"vlaams-datanutsbedrijf"}))
READER = Principal("Coördinatie programma", Role.COORDINATOR)

FIRST_DECISION = "VR 2025 1701 DOC.0042/1"
ADVICE_REFERENCE = "SERV-advies 2025/07"
ADVICE_NOTE = "Adviezen SERV en VTC ontvangen"
SECOND_DECISION = "VR 2025 1403 DOC.0311/1BIS"
REPLAN_REASON = "SERV vraagt twee weken extra voor zijn advies"

W03 = IsoWeek(2025, 3)  # 13-19 January 2025: the KLIP decree's first approval
W08 = IsoWeek(2025, 8)  # 17-23 February 2025: a re-plan and the advice received
W09 = IsoWeek(2025, 9)  # 24 February - 2 March 2025
LATER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # long after every week reported on here


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- writing the past through the services ------------------------------------------------------


def _seed(database: Database, now: datetime) -> None:
    with database.uow() as uow:
        seed(uow, SEED_DIR, actor="tracker seed (test)", now=now)
        uow.commit()


def _versions(database: Database) -> dict[str, int]:
    with database.uow() as uow:
        found = {slug: uow.initiatives.get(slug) for slug in ALL}
    return {slug: i.version for slug, i in found.items() if i is not None}


def _step(
    database: Database,
    slug: str,
    event: str,
    occurred_on: date,
    now: datetime,
    *,
    principal: Principal = COORDINATOR,
    reference: str | None = None,
    note: str | None = None,
) -> None:
    with database.uow() as uow:
        initiative = uow.initiatives.get(slug)
        assert initiative is not None
        record_event(
            uow,
            slug,
            event=event,
            occurred_on=occurred_on,
            reference=reference,
            note=note,
            principal=principal,
            expected_version=initiative.version,
            now=now,
        )
        uow.commit()


def _replan(
    database: Database, slug: str, stage: str, text: str, reason: str, now: datetime
) -> None:
    with database.uow() as uow:
        initiative = uow.initiatives.get(slug)
        assert initiative is not None
        replan(
            uow,
            slug,
            stage,
            window_from("", text, None, None),
            reason=reason,
            rebaseline=False,
            principal=COORDINATOR,
            expected_version=initiative.version,
            now=now,
        )
        uow.commit()


def _until_week_3(database: Database) -> None:
    """Seeded on Monday 6 January 2025; the KLIP decree's drafting done on Wednesday 8 January
    (recorded in week 2) and its first approval on Friday 17 January (recorded that day)."""
    _seed(database, utc(2025, 1, 6, 8))
    _step(database, KLIP, "complete_drafting", date(2025, 1, 8), utc(2025, 1, 8, 10))
    _step(
        database, KLIP, "approve_first", date(2025, 1, 17), utc(2025, 1, 17, 14),
        reference=FIRST_DECISION,
    )  # fmt: skip


def _after_week_3(database: Database) -> None:
    """Week 8: the second approval re-planned from 'begin maart' to 'medio maart 2025' (Thursday
    20 February) and the advice of 19 February recorded by the KLIP team (Friday 21 February);
    week 11: the second approval on Friday 14 March."""
    _replan(
        database, KLIP, "second_approval", "medio maart 2025", REPLAN_REASON,
        utc(2025, 2, 20, 10),
    )  # fmt: skip
    _step(
        database, KLIP, "receive_advice", date(2025, 2, 19), utc(2025, 2, 21, 9),
        principal=TEAM_KLIP, reference=ADVICE_REFERENCE, note=ADVICE_NOTE,
    )  # fmt: skip
    _step(
        database, KLIP, "approve_second", date(2025, 3, 14), utc(2025, 3, 14, 15),
        reference=SECOND_DECISION,
    )  # fmt: skip


@pytest.fixture
def scenario(database: Database) -> Database:
    _until_week_3(database)
    _after_week_3(database)
    return database


def _report(
    database: Database,
    week: IsoWeek,
    *,
    now: datetime = LATER,
    requested: datetime | None = None,
    entity: str | None = None,
    lang: str = "nl",
    principal: Principal = READER,
    memo: ReportMemo | None = None,
) -> WeeklyReport:
    with database.uow() as uow:
        return weekly_report(
            uow, week, principal=principal, now=now, requested=requested, entity=entity,
            lang=lang, memo=memo,
        )  # fmt: skip


def _json(report: WeeklyReport) -> Any:
    return json.loads(render(report, "json").decode())


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _period(earliest: str | None, latest: str | None, text: str) -> dict[str, Any]:
    return {"earliest": earliest, "latest": latest, "text": text}


# --- 1. the seed programme's statuses -----------------------------------------------------------

# Nothing is recorded: every drafting stage is expected the day after the as-of day, every first
# approval 24 working days (IF, then BA) later, on a government Friday. A stage whose baseline
# ended before the as-of day is overdue (slipped); an open stage expected after its baseline's
# end, or an entry into force after a legal deadline, puts an initiative at risk.
DAYS = ("2025-03-01", "2025-12-01", "2026-11-23")
STATUSES = {
    # first approval 'medio januari 2025' ended 20 January 2025: overdue ever since
    KLIP: ("slipped", "slipped", "slipped"),
    # first approval 'februari 2025' ended 28 February 2025: overdue on 1 March already
    EGOV: ("slipped", "slipped", "slipped"),
    # first approval 'januari 2025' ended 31 January 2025
    CRAB: ("slipped", "slipped", "slipped"),
    # first approval 'eind januari 2025' ended 31 January 2025
    DAO: ("slipped", "slipped", "slipped"),
    # 'maart 2025': 24 WD from Sun 2 March end Thu 3 April, so Fri 4 April > 31 March; overdue
    # after 31 March
    VMS: ("at_risk", "slipped", "slipped"),
    # second and final approval both 'voorjaar 2026': the Council of State's 30 days after
    # Fri 29 May push the final approval to Fri 3 July 2026 > 31 May; first approval 'najaar
    # 2025' overdue after 30 November 2025
    VCDV: ("at_risk", "slipped", "slipped"),
    # first and second approval both 'najaar 2026': 30 days of advice after Fri 27 Nov 2026 push
    # the second to Fri 8 Jan 2027 (1 January is a holiday) > 30 Nov; on 23 Nov 2026 the first
    # approval itself (24 WD from 24 Nov past the Christmas days off: Fri 8 Jan 2027) is late too,
    # but nothing has passed its baseline yet
    PROACTIVE: ("at_risk", "at_risk", "at_risk"),
    # publication 'najaar 2025': in force by 10 December 2025, after the deadline of 21 June
    # 2025; first approval 'voorjaar 2025' overdue after 31 May 2025
    RETENTION: ("at_risk", "slipped", "slipped"),
    # final approval 'najaar 2025' by Fri 28 Nov + 14 days: publication (same season) by 12 Dec
    # > 30 Nov; first approval 'voorjaar 2025' overdue after 31 May 2025
    DPO: ("at_risk", "slipped", "slipped"),
    # the same plan as the DPO order
    DV: ("at_risk", "slipped", "slipped"),
    # final approval 'najaar 2025' planned before the second approval 'voorjaar 2026': expected
    # Fri 3 July 2026 > 30 Nov 2025; overdue after 30 November 2025
    SOURCES: ("at_risk", "slipped", "slipped"),
}
COUNTS = {
    "2025-03-01": {"slipped": 4, "at_risk": 7},
    "2025-12-01": {"slipped": 10, "at_risk": 1},
    "2026-11-23": {"slipped": 10, "at_risk": 1},
}


@pytest.mark.parametrize("day", DAYS)
def test_statuses_of_the_seed_programme(database: Database, day: str):
    _seed(database, utc(2024, 12, 2, 8))
    as_of = date.fromisoformat(day)
    report = _report(database, IsoWeek.of(as_of), requested=end_of(as_of))
    assert report.as_of_date == as_of
    expected = {slug: statuses[DAYS.index(day)] for slug, statuses in STATUSES.items()}
    assert {line.slug: line.status for line in _initiative_lines(report)} == expected
    counts = {"on_track": 0, "at_risk": 0, "slipped": 0, "done": 0, "withdrawn": 0, "on_hold": 0}
    assert report.summary.by_status == counts | COUNTS[day]
    assert report.summary.initiatives == 11
    assert sorted(line.slug for line in report.slipped) == sorted(
        slug for slug, status in expected.items() if status == "slipped"
    )


def _initiative_lines(report: WeeklyReport) -> list[Any]:
    """One stage line per initiative (each stage line carries its initiative's status)."""
    seen: dict[str, Any] = {}
    for s in report.stages:
        seen.setdefault(s.slug, s)
    return list(seen.values())


def test_overdue_first_approvals_on_1_march_2025(database: Database):
    _seed(database, utc(2024, 12, 2, 8))
    report = _report(database, IsoWeek(2025, 9), requested=end_of(date(2025, 3, 1)))
    # Days from the baseline's last day to Saturday 1 March 2025.
    assert [(s.slug, s.stage, s.days_overdue) for s in report.overdue] == [
        (KLIP, "first_approval", 40),  # 20 January
        (CRAB, "first_approval", 29),  # 31 January
        (DAO, "first_approval", 29),  # 31 January
        (EGOV, "first_approval", 1),  # 28 February
    ]
    klip = report.slipped[0]
    # First approval expected Friday 4 April (24 WD from Sunday 2 March end Thursday 3 April):
    # 74 days after 20 January, the KLIP decree's largest slip (second approval: 9 May vs
    # 10 March, 60; final approval: 13 June vs 20 April, 54; publication: 12 Dec vs 30 Nov, 12).
    assert (klip.slug, klip.slippage_days, klip.worst_stage) == (KLIP, 74, "first_approval")


# --- 2. a past week, reproduced -----------------------------------------------------------------


def test_a_past_week_is_the_same_whenever_it_is_reported(database: Database):
    _until_week_3(database)
    right_after = _report(database, W03, now=utc(2025, 1, 20, 7))  # Monday 20 January, 08:00
    then = {fmt: render(right_after, fmt).decode() for fmt in FORMATS}

    _after_week_3(database)  # a re-plan and two events later
    later = _report(database, W03, now=NOW)
    assert {fmt: render(later, fmt).decode() for fmt in FORMATS} == then
    assert set(then) == {"html", "md", "csv", "json"}

    body = json.loads(then["json"])
    assert body["week"] == "2025-W03"
    assert (body["week_start"], body["week_end"]) == ("2025-01-13", "2025-01-19")
    assert body["as_of"] == "2025-01-19T23:59:59.999999+01:00"
    assert body["provisional"] is False
    # Only what was recorded in the week: the first approval (drafting was week 2).
    assert [
        (c["type"], c["slug"], c["actor"], c["occurred_on"], c["reference"])
        for c in body["changes"]
    ] == [("event", KLIP, "Juridische dienst", "2025-01-17", FIRST_DECISION)]
    assert body["changes"][0]["recorded_at"] == "2025-01-17T15:00:00+01:00"
    for text in then.values():
        assert ADVICE_REFERENCE not in text
        assert SECOND_DECISION not in text
        assert REPLAN_REASON not in text
    klip = {row[3]: row[:2] + row[3:] for row in _csv_rows(then["csv"]) if row[0] == KLIP}
    # As of 19 January: advice not received, expected 30 days after 17 January (16 February);
    # the second approval still follows its plan 'begin maart 2025' (not yet re-planned).
    assert klip["advisory_opinions"][8:13] == ["2025-02-16", "2025-02-16", "", "", "no"]
    assert klip["second_approval"][5:13] == [
        "begin maart 2025", "2025-03-01", "2025-03-10", "2025-03-01", "2025-03-10", "", "0", "no"
    ]  # fmt: skip
    assert klip["first_approval"][10:13] == ["2025-01-17", "-3", "no"]

    # The week of the re-plan shows it, and the advice, with who did it.
    week8 = _json(_report(database, W08, now=NOW))
    assert week8["changes"] == [
        {
            "recorded_at": "2025-02-20T11:00:00+01:00",
            "slug": KLIP,
            "title": week8["changes"][0]["title"],
            "short_title": "Decreet gigabitinfrastructuurverordening",
            "type": "plan_change",
            "what": "Tweede principiële goedkeuring VR",
            "actor": "Juridische dienst",
            "occurred_on": None,
            "reference": None,
            "note": REPLAN_REASON,
            "before": _period("2025-03-01", "2025-03-10", "begin maart 2025"),
            "after": _period("2025-03-11", "2025-03-20", "medio maart 2025"),
            "rebaseline": False,
            "values": [],
        },
        {
            "recorded_at": "2025-02-21T10:00:00+01:00",
            "slug": KLIP,
            "title": week8["changes"][0]["title"],
            "short_title": "Decreet gigabitinfrastructuurverordening",
            "type": "event",
            "what": "Adviezen ontvangen",
            "actor": "Team KLIP",
            "occurred_on": "2025-02-19",
            "reference": ADVICE_REFERENCE,
            "note": ADVICE_NOTE,
            "before": None,
            "after": None,
            "rebaseline": False,
            "values": [],
        },
    ]
    assert week8["changes"][0]["title"].startswith("Voorontwerp van decreet tot wijziging van het")
    assert SECOND_DECISION not in json.dumps(week8)  # recorded in week 11


def test_a_later_edit_of_the_council_of_state_term_does_not_rewrite_a_past_week(
    scenario: Database,
):
    """The Council of State term drives the forecasts: a past week keeps the term known then."""
    then = {fmt: render(_report(scenario, W08, now=utc(2025, 3, 3, 8)), fmt) for fmt in FORMATS}
    # Tuesday 1 April 2025: the government asks the Council of State for 60 days, not 30.
    with scenario.uow() as uow:
        initiative = uow.initiatives.get(KLIP)
        assert initiative is not None
        edit_initiative(
            uow, KLIP, InitiativeEdit(council_of_state_term="days_60"), COORDINATOR,
            expected_version=initiative.version, now=utc(2025, 4, 1, 9),
        )  # fmt: skip
        uow.commit()
    again = {fmt: render(_report(scenario, W08), fmt) for fmt in FORMATS}
    assert again["csv"] == then["csv"]  # e.g. the final approval stays expected on 18 April
    assert again == then


# --- a server's memo of its reports ------------------------------------------------------------


def _outputs(report: WeeklyReport) -> dict[str, str]:
    return {fmt: render(report, fmt).decode() for fmt in FORMATS}


def _with_and_without(database: Database, memo: ReportMemo, **asked: Any) -> dict[str, str]:
    """The report made with the server's memo, checked against one made afresh."""
    kept = _outputs(_report(database, W03, memo=memo, **asked))
    for lang in ("nl", "en"):  # the memo keeps lines per language
        assert _outputs(_report(database, W03, lang=lang, **asked)) == _outputs(
            _report(database, W03, memo=memo, lang=lang, **asked)
        )
    assert kept == _outputs(_report(database, W03, **asked))
    return kept


def test_the_memo_follows_every_change_and_every_moment(database: Database):
    """Friday 17 January 2025: a report at 17:00 keeps the KLIP decree with its first approval
    (14:00); a report as of 13:00 the same day is rebuilt without it, and an event recorded
    afterwards (a new version) is in the next report."""
    _until_week_3(database)
    memo = ReportMemo()
    late = _with_and_without(database, memo, now=utc(2025, 1, 17, 16))
    assert FIRST_DECISION in late["json"]
    early = _with_and_without(
        database, memo, now=utc(2025, 1, 17, 16), requested=utc(2025, 1, 17, 12)
    )
    assert FIRST_DECISION not in early["json"]
    assert _with_and_without(database, memo, now=utc(2025, 1, 17, 16)) == late

    _step(
        database, KLIP, "receive_advice", date(2025, 1, 17), utc(2025, 1, 17, 15),
        reference=ADVICE_REFERENCE,
    )  # fmt: skip
    after = _with_and_without(database, memo, now=utc(2025, 1, 17, 16))
    assert ADVICE_REFERENCE in after["json"]
    assert FIRST_DECISION in after["json"]


def test_a_new_day_judges_again_what_still_stands(database: Database):
    """Saturday's report takes the initiatives as they stood from Friday's (none changed since)
    and judges them on Saturday: the same as a report made afresh."""
    _until_week_3(database)
    memo = ReportMemo()
    _with_and_without(database, memo, now=utc(2025, 1, 17, 16))
    friday = dict(memo.of(date(2025, 1, 17))[0])
    assert friday
    _with_and_without(database, memo, now=utc(2025, 1, 18, 10))
    saturday, judged = memo.of(date(2025, 1, 18))
    assert all(saturday[id_] is stood for id_, stood in friday.items())  # not rebuilt
    assert all(judged[id_].stood is stood for id_, stood in friday.items())


def test_the_memo_keeps_the_days_asked_for_last():
    memo = ReportMemo()
    first = memo.of(date(2025, 1, 17))[1]
    first[1] = None  # type: ignore[assignment]
    memo.of(date(2025, 1, 18))
    assert memo.of(date(2025, 1, 17))[1] is first  # two days kept; the 17th is now the latest
    memo.of(date(2025, 1, 19))  # the 18th goes
    assert memo.of(date(2025, 1, 17))[1] is first
    assert memo.of(date(2025, 1, 18))[1] == {}
    assert memo.of(date(2025, 1, 19))[1] == {}  # went when the 18th came back


# --- 3. the sections, as known at the end of week 8 ---------------------------------------------
# As of Sunday 23 February 2025 nothing but the KLIP decree has moved: every drafting stage is
# expected Monday 24 February, every first approval 24 WD later on Friday 28 March.


def test_summary_and_slipped(scenario: Database):
    report = _report(scenario, W08)
    assert report.provisional is False
    assert report.summary.initiatives == 11
    # Slipped: the first approvals of CRAB and DAO ('januari', 'eind januari') are overdue.
    # At risk (9): EGOV (first approval 'februari 2025' expected Fri 28 March); KLIP (second
    # approval re-planned past its baseline, publication by 12 December); VMS (ratification
    # 'december 2025' by Fri 19 December + 14 days: publication 2 January 2026 > 31 December);
    # VCDV, PROACTIVE, RETENTION, DPO, DV and SOURCES for their reasons in STATUSES (1 March).
    assert report.summary.by_status == {
        "on_track": 0, "at_risk": 9, "slipped": 2, "done": 0, "withdrawn": 0, "on_hold": 0,
    }  # fmt: skip
    # CRAB: first approval Friday 28 March vs 31 January = 56 days; its later stages slip less
    # (second approval Fri 2 May vs 31 March: 32; final Fri 6 June vs 30 April: 37).
    assert [(s.slug, s.slippage_days, s.worst_stage, s.state_label) for s in report.slipped] == [
        (CRAB, 56, "first_approval", "Voorbereiding"),
        (DAO, 56, "first_approval", "Voorbereiding"),
    ]
    # The biggest slips of all: the authentic-sources order's final approval (planned 'najaar
    # 2025', before its second approval 'voorjaar 2026'), expected Fri 3 July 2026: 215 days;
    # the proactive decree's parliament vote: 'voorjaar 2027' but at the earliest 42 days after a
    # final approval by Fri 28 May 2027, Wednesday 14 July 2027: 44 days; the cyber-security
    # centre's final approval Fri 3 July 2026 vs 31 May 2026: 33 days.
    assert [(s.slug, s.slippage_days) for s in report.summary.biggest_slips] == [
        (SOURCES, 215), (CRAB, 56), (DAO, 56), (PROACTIVE, 44), (VCDV, 33),
    ]  # fmt: skip


def test_klip_decree_after_its_re_plan(scenario: Database):
    report = _report(scenario, W08)
    klip = {s.stage: s for s in report.stages if s.slug == KLIP}
    # Done: drafting 8 January, first approval 17 January (3 days before 'medio januari' ended),
    # advice 19 February.
    assert [(k, s.actual, s.slippage_days) for k, s in klip.items() if s.actual] == [
        ("drafting", date(2025, 1, 8), None),
        ("first_approval", date(2025, 1, 17), -3),
        ("advisory_opinions", date(2025, 2, 19), None),
    ]
    # The re-planned 'medio maart 2025' is feasible and is the forecast: 10 days after the
    # baseline 'begin maart 2025' (10 March).
    second = klip["second_approval"]
    assert second.forecast is not None
    assert (second.forecast.text, second.forecast.latest) == ("medio maart 2025", date(2025, 3, 20))
    assert (second.slippage_days, second.overdue) == (10, False)
    # Council of State 30 days after Fri 14 March: 13 April; final approval Fri 18 April.
    final = klip["final_approval"]
    assert final.forecast is not None
    assert (final.forecast.earliest, final.forecast.latest) == (date(2025, 4, 18),) * 2
    assert final.slippage_days == -2
    # Ratification by Fri 28 November at the latest, so publication by 12 December: 12 days.
    publication = klip["publication"]
    assert publication.forecast is not None
    assert publication.forecast.latest == date(2025, 12, 12)
    assert publication.slippage_days == 12
    line = next(s for s in report.stages if s.slug == KLIP)
    assert line.status == "at_risk"


def test_overdue_and_due(scenario: Database):
    report = _report(scenario, W08)
    # 23 February - 31 January.
    assert [(s.slug, s.stage, s.days_overdue) for s in report.overdue] == [
        (CRAB, "first_approval", 23),
        (DAO, "first_approval", 23),
    ]
    # Due by 23 March: only planned stages count (drafting, expected 24 February for every
    # unfinished one, has no window of its own): the KLIP decree's second approval in its
    # re-planned window 11-20 March. The first approvals, on 28 March at the earliest, are not.
    assert [(s.slug, s.stage) for s in report.due] == [(KLIP, "second_approval")]
    drafting = next(s for s in report.stages if s.slug == CRAB and s.stage == "drafting")
    assert drafting.forecast is not None
    assert (drafting.forecast.earliest, drafting.forecast.latest) == (date(2025, 2, 24),) * 2
    assert not drafting.planned
    klip = report.due[-1]
    assert klip.forecast is not None
    assert (klip.forecast.earliest, klip.forecast.latest) == (date(2025, 3, 11), date(2025, 3, 20))


def test_deadlines_at_risk_and_findings(scenario: Database):
    report = _report(scenario, W08)
    assert [(d.slug, d.deadline, d.entry_into_force, d.days_late) for d in
            report.deadlines_at_risk] == [
        # Publication 'najaar 2025' fits its plan: in force 30 November + 10 days.
        (RETENTION, date(2025, 6, 21), date(2025, 12, 10), 172),
        # Publication by 12 December (above) + 10 days = 22 December, 40 days after 12 November.
        (KLIP, date(2025, 11, 12), date(2025, 12, 22), 40),
    ]  # fmt: skip
    assert "12 november 2025" in report.deadlines_at_risk[1].text
    sources = [(f.kind, f.severity, f.stage) for f in report.findings if f.slug == SOURCES]
    assert ("stage_order", "error", "final_approval") in sources
    message = next(f.message for f in report.findings if f.kind == "stage_order")
    assert "najaar 2025" in message
    assert "voorjaar 2026" in message
    assert [f.slug for f in report.findings] == sorted(f.slug for f in report.findings)


def test_entity_filter(scenario: Database):
    report = _report(scenario, W08, entity="het-facilitair-bedrijf")
    assert report.entity == "het-facilitair-bedrijf"
    assert report.summary.initiatives == 1
    assert {s.slug for s in report.stages} == {RETENTION}
    assert len(report.stages) == 7
    assert report.summary.by_status["at_risk"] == 1
    assert (report.slipped, report.overdue, report.changes) == ([], [], [])
    assert [d.slug for d in report.deadlines_at_risk] == [RETENTION]
    assert {f.slug for f in report.findings} == {RETENTION}
    assert "Entiteit: het-facilitair-bedrijf" in render(report, "md").decode()


def test_a_week_in_progress_is_provisional(scenario: Database):
    now = utc(2025, 2, 26, 12)  # Wednesday of week 9
    report = _report(scenario, W09, now=now)
    assert report.provisional is True
    assert report.as_of == now
    assert report.as_of_date == date(2025, 2, 26)
    assert report.changes == []  # the approval of 14 March is not known yet
    md = render(report, "md").decode()
    assert "**Voorlopig: de week is nog niet voorbij.**" in md
    assert "Stand van zaken op 2025-02-26 13:00 (Europe/Brussels)" in md
    assert (
        '<p class="note">Voorlopig: de week is nog niet voorbij.</p>'
        in render(report, "html").decode()
    )
    finished = _report(scenario, W09, now=utc(2025, 3, 3, 8))
    assert finished.provisional is False
    assert "Voorlopig" not in render(finished, "md").decode()


# --- 4. the formats -----------------------------------------------------------------------------


def test_json_carries_the_report(scenario: Database):
    body = _json(_report(scenario, W08))
    assert body["summary"]["by_status"]["slipped"] == 2
    assert [s["slug"] for s in body["slipped"]] == [CRAB, DAO]
    assert body["slipped"][0]["slippage_days"] == 56
    assert [(s["slug"], s["days_overdue"]) for s in body["overdue"]] == [(CRAB, 23), (DAO, 23)]
    assert body["due"][-1]["forecast"] == _period("2025-03-11", "2025-03-20", "medio maart 2025")
    assert [c["type"] for c in body["changes"]] == ["plan_change", "event"]
    assert body["deadlines_at_risk"][1] | {"title": "", "text": ""} == {
        "slug": KLIP, "title": "", "short_title": "Decreet gigabitinfrastructuurverordening",
        "deadline": "2025-11-12", "text": "",
        "entry_into_force": "2025-12-22", "days_late": 40,
    }  # fmt: skip
    assert len(body["stages"]) == STAGE_ROWS
    assert body["lang"] == "nl"


@pytest.mark.parametrize("at_a_time", [1, 2, STAGE_ROWS - 1, 500])
def test_json_made_in_pieces_is_the_json_of_the_whole_report(
    scenario: Database, at_a_time: int, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(render_module, "STAGES_AT_A_TIME", at_a_time)
    report = _report(scenario, W08)
    without_stages = msgspec.structs.replace(report, stages=[])
    for made in (report, without_stages):
        whole = msgspec.json.format(msgspec.json.encode(made)) + b"\n"
        parts = render_parts(made, "json")
        assert b"".join(parts) == whole
    assert len(render_parts(report, "json")) > 1 + STAGE_ROWS // at_a_time


def test_the_api_sends_the_report_in_pieces_with_its_length(client, scenario: Database):
    response = client.get("/api/reports/weekly", params={"week": "2025-W08"})
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(response.content))
    assert "chunked" not in response.headers.get("transfer-encoding", "")
    assert response.content == render(_report(scenario, W08), "json")


def test_csv_has_one_row_per_initiative_stage(scenario: Database):
    rows = _csv_rows(render(_report(scenario, W08), "csv").decode())
    assert rows[0] == CSV_HEADER
    assert len(rows) == 1 + STAGE_ROWS
    assert len({(r[0], r[3]) for r in rows[1:]}) == STAGE_ROWS
    assert {r[0] for r in rows[1:]} == set(ALL)
    by_key = {(r[0], r[3]): r for r in rows[1:]}
    first = by_key[(KLIP, "first_approval")]
    assert first[0] == KLIP
    assert first[1].startswith("Voorontwerp van decreet tot wijziging van het KLIP-decreet")
    assert first[2] == "Decreet gigabitinfrastructuurverordening"
    assert first[3:] == [
        "first_approval", "Eerste principiële goedkeuring VR", "at_risk", "medio januari 2025",
        "2025-01-11", "2025-01-20", "", "", "2025-01-17", "-3", "no",
    ]  # fmt: skip
    assert by_key[(CRAB, "first_approval")][5:] == [
        "slipped", "januari 2025", "2025-01-01", "2025-01-31", "2025-03-28", "2025-03-28", "",
        "56", "yes",
    ]  # fmt: skip
    # Drafting has no planned window: no baseline, no slippage.
    assert by_key[(CRAB, "drafting")][6:] == [
        "", "", "", "2025-02-24", "2025-02-24", "", "", "no"
    ]  # fmt: skip
    assert [r[3] for r in rows[1:] if r[0] == RETENTION] == [
        "drafting", "first_approval", "advisory_opinions", "second_approval",
        "council_of_state", "final_approval", "publication",
    ]  # fmt: skip


SECTIONS_NL = (
    "Samenvatting", "Vertraagd (2)", "Over tijd (2)", "Verwacht in de komende 4 weken (1)",
    "Wijzigingen deze week (2)", "Wettelijke termijnen in gevaar (2)",
    "Opmerkingen bij de planning (",
)  # fmt: skip
SECTIONS_EN = (
    "Summary", "Slipped (2)", "Overdue (2)", "Due in the next 4 weeks (1)",
    "Changes this week (2)", "Legal deadlines at risk (2)", "Plan findings (",
)  # fmt: skip


def _headings(html: str) -> list[str]:
    return re.findall(r"<h2 id=\"[a-z]+\">([^<]*)</h2>", html)


def test_html_is_a_complete_page_in_dutch_or_english(scenario: Database):
    html = render(_report(scenario, W08), "html").decode()
    assert html.startswith('<!doctype html>\n<html lang="nl">')
    assert html.rstrip().endswith("</html>")
    assert "<title>Weekrapport regelgevingsinitiatieven – Week 2025-W08</title>" in html
    headings = _headings(html)
    assert len(headings) == len(SECTIONS_NL)
    assert all(h.startswith(s) for h, s in zip(headings, SECTIONS_NL, strict=True))
    assert "Team KLIP" in html
    assert ADVICE_REFERENCE in html
    assert REPLAN_REASON in html

    english = render(_report(scenario, W08, lang="en"), "html").decode()
    assert '<html lang="en">' in english
    headings = _headings(english)
    assert all(h.startswith(s) for h, s in zip(headings, SECTIONS_EN, strict=True))
    assert "Second approval in principle by the Flemish Government" in english


def test_markdown_for_mail_and_chat(scenario: Database):
    md = render(_report(scenario, W08), "md").decode()
    assert md.startswith("# Weekrapport regelgevingsinitiatieven\n")
    for section in SECTIONS_NL:
        assert f"\n## {section}" in md
    assert "Team KLIP" in md
    english = render(_report(scenario, W08, lang="en"), "md").decode()
    assert english.startswith("# Weekly report on regulatory initiatives\n")
    assert "\n## Slipped (2)" in english


# --- 5. over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def client(scenario: Database) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(scenario)) as client:
        yield client


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/json"),
        ("html", "text/html"),
        ("csv", "text/csv"),
        ("md", "text/markdown"),
    ],
)
def test_api_formats(client, fmt: str, media_type: str):
    response = client.get("/api/reports/weekly", params={"week": "2025-W08", "format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    text = response.text
    if fmt == "json":
        body = response.json()
        assert body["week"] == "2025-W08"
        assert [s["slug"] for s in body["slipped"]] == [CRAB, DAO]
    elif fmt == "html":
        assert text.startswith('<!doctype html>\n<html lang="nl">')
        assert "Vertraagd (2)" in text
    elif fmt == "csv":
        assert _csv_rows(text)[0] == CSV_HEADER
        assert len(_csv_rows(text)) == 1 + STAGE_ROWS
        assert "weekrapport-2025-W08.csv" in response.headers["content-disposition"]
    else:
        assert text.startswith("# Weekrapport regelgevingsinitiatieven\n")


def test_api_report_is_json_by_default_and_english_on_request(client):
    response = client.get("/api/reports/weekly", params={"week": "2025-W08", "lang": "en"})
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["lang"] == "en"
    assert body["changes"][1]["what"] == "Advisory opinions received"
    html = client.get(
        "/api/reports/weekly", params={"week": "2025-W08", "lang": "en", "format": "html"}
    ).text
    assert '<html lang="en">' in html
    assert "Legal deadlines at risk (2)" in html


def test_api_as_of_a_day_shows_what_was_known_then(client):
    # End of Thursday 20 February: the re-plan is known, the advice (recorded 21 February) not.
    body = client.get(
        "/api/reports/weekly", params={"week": "2025-W08", "as_of": "2025-02-20"}
    ).json()
    assert body["as_of"] == "2025-02-20T23:59:59.999999+01:00"
    assert [c["type"] for c in body["changes"]] == ["plan_change"]
    klip = {s["stage"]: s for s in body["stages"] if s["slug"] == KLIP}
    assert klip["advisory_opinions"]["actual"] is None


def test_anonymous_callers_do_not_see_non_public_initiatives(scenario: Database, client):
    coordinator = token_for(scenario, "Coördinatie", "coordinator")
    made = client.patch(
        f"/api/initiatives/{VMS}",
        json={"is_public": False},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert made.status_code == 200, made.text
    params = {"week": "2025-W08"}
    anonymous = client.get("/api/reports/weekly", params=params).json()
    assert VMS not in {s["slug"] for s in anonymous["stages"]}
    assert anonymous["summary"]["initiatives"] == 10
    assert anonymous["summary"]["by_status"]["at_risk"] == 8
    for fmt in ("csv", "html", "md"):
        text = client.get("/api/reports/weekly", params={**params, "format": fmt}).text
        assert VMS not in text
        assert "Mandatensysteem" not in text
    seen = client.get("/api/reports/weekly", params=params, headers=coordinator).json()
    assert VMS in {s["slug"] for s in seen["stages"]}
    assert seen["summary"]["initiatives"] == 11


@ON_THE_SEED_DAY
def test_api_as_of_today_is_the_report_so_far(client):
    """'as_of' = today means today's end, which has not come yet: the report so far, not an
    error (DESIGN §5: as of any date, default today)."""
    day = NOW.date()
    response = client.get(
        "/api/reports/weekly", params={"week": str(IsoWeek.of(day)), "as_of": day.isoformat()}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of_date"] == day.isoformat()
    assert body["provisional"] is True


def test_api_changes_of_a_week_stay_in_that_week(client):
    """Week 3 as known on 23 February: its changes are those recorded in week 3 (or the as-of
    day is refused), never the re-plan and advice of week 8 under "changed this week"."""
    response = client.get("/api/reports/weekly", params={"week": "2025-W03", "as_of": "2025-02-23"})
    if response.status_code == 400:
        assert "as_of" in [p["name"] for p in response.json()["invalid_params"]]
        return
    assert response.status_code == 200, response.text
    changes = response.json()["changes"]
    assert [(c["type"], c["recorded_at"][:10]) for c in changes] == [("event", "2025-01-17")]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"week": "2026-W99"}, "week"),
        ({"week": "2026-48"}, "week"),
        ({"week": "volgende week"}, "week"),
        ({"week": "2025-W08", "as_of": "gisteren"}, "as_of"),
        ({"week": "2025-W08", "as_of": "2025-02-30"}, "as_of"),
        ({"week": "2025-W08", "as_of": "2025-01-05"}, "as_of"),  # before the seed of 6 January
        ({"week": "2024-W50"}, "as_of"),  # a week before any data
        ({"week": "2025-W08", "as_of": "2099-01-01"}, "as_of"),  # in the future
        ({"week": "2099-W01"}, "week"),  # has not started
        ({"week": "2025-W08", "format": "pdf"}, "format"),
        ({"week": "2025-W08", "entity": "niemand"}, "entity"),
        ({"week": ""}, "week"),  # not "this week"
        ({"week": "2025-W08", "as_of": ""}, "as_of"),
    ],
)
def test_api_bad_input_is_a_problem_naming_the_field(client, params, field: str):
    response = client.get("/api/reports/weekly", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 400
    assert field in [p["name"] for p in body["invalid_params"]]
    assert field in body["detail"]


# --- 6. on the command line ---------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def cli_database(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch) -> Iterator[Database]:
    """TRACKER_DATABASE_URL pointing at a migrated database holding the scenario."""
    if request.param == "sqlite":
        yield from _cli_database(f"sqlite:///{tmp_path / 'cli.sqlite3'}", monkeypatch)
        return
    with postgres_schema() as schema:
        yield from _cli_database(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", monkeypatch)


def _cli_database(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    database = Database(make_engine(url))
    migrate.upgrade(database.engine)
    _until_week_3(database)
    _after_week_3(database)
    yield database
    database.dispose()


def test_cli_prints_the_report(cli_database: Database, capsys):
    assert main(["report", "weekly", "--week", "2025-W08", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Weekrapport regelgevingsinitiatieven\n")
    assert "\n## Vertraagd (2)" in out
    assert main(["report", "weekly", "--week", "2025-W08", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["summary"]["by_status"]["slipped"] == 2
    assert [c["actor"] for c in body["changes"]] == ["Juridische dienst", "Team KLIP"]
    argv = ["report", "weekly", "--week", "2025-W08", "--as-of", "2025-02-20", "--format", "json"]
    assert main(argv) == 0
    assert [c["type"] for c in json.loads(capsys.readouterr().out)["changes"]] == ["plan_change"]
    assert main(["report", "weekly", "--week", "2025-W08", "--lang", "en"]) == 0
    html = capsys.readouterr().out
    assert html.startswith('<!doctype html>\n<html lang="en">')  # HTML by default


def test_cli_writes_the_report_to_a_file(cli_database: Database, tmp_path: Path, capsys):
    target = tmp_path / "week8.csv"
    argv = ["report", "weekly", "--week", "2025-W08", "--format", "csv", "--output", str(target)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"{target}: csv report of 2025-W08"
    rows = _csv_rows(target.read_text(encoding="utf-8"))
    assert rows[0] == CSV_HEADER
    assert len(rows) == 1 + STAGE_ROWS
    argv = ["report", "weekly", "--week", "2025-W08", "--entity", "het-facilitair-bedrijf",
            "--format", "csv", "--output", str(target)]  # fmt: skip
    assert main(argv) == 0
    assert {r[0] for r in _csv_rows(target.read_text(encoding="utf-8"))[1:]} == {RETENTION}


def test_cli_an_output_it_cannot_write_is_one_line(cli_database: Database, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    for target in (out / "no-such-folder" / "week8.csv", out):  # a missing folder, a folder
        argv = ["report", "weekly", "--week", "2025-W08", "--output", str(target)]
        assert main(argv) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(f"tracker: error: cannot write {target}: ")
        assert captured.err.count("\n") == 1
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--week", "2026-W99"],
        ["--week", "2026-48"],
        ["--week", "volgende week"],
        ["--week", "2025-W08", "--as-of", "gisteren"],
        ["--week", "2025-W08", "--as-of", "2025-02-30"],
        ["--week", "2024-W50"],  # before any data
        ["--week", "2099-W01"],  # has not started
    ],
)
def test_cli_bad_week_or_as_of_is_one_line(cli_database: Database, capsys, args: list[str]):
    assert main(["report", "weekly", *args]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("tracker: error:")
    assert captured.err.count("\n") == 1


def test_forecast_refresh_is_idempotent_and_keeps_versions(cli_database: Database, capsys):
    versions = _versions(cli_database)
    # Seeded on 6 January 2025 (and the KLIP decree last written on 14 March 2025): today the
    # stored forecasts of every open stage are long overtaken.
    assert main(["forecast", "refresh"]) == 0
    first = capsys.readouterr().out
    found = re.match(
        r"11 initiatives, forecasts moved for (\d+) \(as of (\d{4}-\d{2}-\d{2})\)", first
    )
    assert found is not None, first
    assert int(found[1]) == 11
    assert date.fromisoformat(found[2]) >= date(2026, 11, 23)
    after_first = _dump(cli_database)
    assert main(["forecast", "refresh"]) == 0
    second = capsys.readouterr().out
    assert second == f"11 initiatives, forecasts moved for 0 (as of {found[2]})\n"
    assert _dump(cli_database) == after_first
    assert _versions(cli_database) == versions
    # The refreshed forecasts do not change what a past week's report says.
    assert render(_report(cli_database, W08), "csv") == render(
        _report(cli_database, W08, now=LATER + timedelta(days=1)), "csv"
    )
