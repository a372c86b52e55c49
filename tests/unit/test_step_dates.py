"""The dates every step is checked on (issue 23, point 6), without HTTP or a database.

The expected days were worked out by hand: Easter 2025 is 20 April (Paasreces 14-27 April),
Whit Monday 2025 is 9 June, the summer recess of 2025 runs from 21 July to 21 September (the
fourth Monday of September is the 22nd) and 21 July is the Belgian national holiday.
"""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.model import FindingKind, Initiative, Kind, Milestone, Severity, Stage
from tracker.domain.procedure import EventRefused, StageDates, check_date
from tracker.domain.windows import read_window
from tracker.outputs.messages import (
    REFUSAL_TEMPLATES,
    WARNING_TEMPLATES,
    refusal_message,
    warning_message,
)
from tracker.rules.procedure_rules import gazette_calendar, stage_dates
from tracker.services.planning import plan_warnings, refresh_replan_findings, window_from
from tracker.services.steps import unconfirmed
from workflows.definitions import catalogue

CAT = catalogue()
TODAY = date(2026, 11, 23)


def _check(day: date, completes: Stage, *, deadline: date | None = None) -> list[str]:
    dates = StageDates(CAT.parliament, gazette_calendar(), deadline)
    government = completes in CAT.government_decisions()
    warnings = check_date(
        day, today=TODAY, previous=None, government_decision=government,
        calendar=CAT.calendar(), completes=completes, stage_dates=dates,
    )  # fmt: skip
    return [w.code for w in warnings]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 5, 7), []),  # a Wednesday in session
        (date(2025, 5, 8), ["not_a_wednesday"]),  # a Thursday
        (date(2025, 4, 16), ["in_recess"]),  # a Wednesday in the Easter recess
        (date(2025, 4, 17), ["not_a_wednesday", "in_recess"]),
        (date(2025, 7, 23), ["in_recess"]),  # summer recess
        (date(2025, 9, 24), []),  # the parliamentary year has opened (22 September)
        (date(2025, 5, 10), ["not_a_wednesday"]),  # a Saturday is no plenary day either
    ],
)
def test_the_parliament_adopts_on_a_wednesday_outside_its_recesses(day, expected):
    assert _check(day, Stage.PARLIAMENT) == expected


def test_the_recess_is_named_in_the_readers_language():
    [warning] = check_date(
        date(2025, 4, 16), today=TODAY, previous=None, government_decision=False,
        calendar=CAT.calendar(), completes=Stage.PARLIAMENT,
        stage_dates=StageDates(CAT.parliament, gazette_calendar()),
    )  # fmt: skip
    dutch = warning_message(warning.code, warning.params, "nl")
    english = warning_message(warning.code, warning.params, "en")
    assert "Paasreces" in dutch
    assert "14 april 2025" in dutch
    assert "27 april 2025" in dutch
    assert "klopt de datum?" in dutch
    assert "Easter recess" in english
    assert "16 April 2025" in english
    assert "is the date right?" in english


@pytest.mark.parametrize(
    "day",
    [date(2025, 5, 10), date(2025, 5, 11), date(2025, 6, 9), date(2025, 7, 21), date(2025, 12, 25)],
)
def test_the_staatsblad_does_not_appear_on_a_weekend_or_a_legal_holiday(day):
    with pytest.raises(EventRefused) as refused:
        _check(day, Stage.PUBLICATION)
    assert refused.value.code == "not_a_publication_day"
    assert refused.value.params == {"occurred_on": day}


@pytest.mark.parametrize(
    "day",
    # Days off of the Flemish administration, but the federal Staatsblad appears
    [date(2025, 7, 11), date(2025, 12, 26), date(2025, 12, 29), date(2025, 11, 17)],
)
def test_the_staatsblad_appears_on_the_flemish_days_off(day):
    assert _check(day, Stage.PUBLICATION) == []


def test_a_step_completing_another_stage_is_not_held_to_the_staatsblad():
    assert _check(date(2025, 5, 10), Stage.DRAFTING) == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 2, 3), []),  # before the term ended: the Council may answer early
        (date(2025, 2, 16), []),
        (date(2025, 3, 18), []),  # 30 days after the term
        (date(2025, 3, 19), ["long_after_council_term"]),  # 31 days after
    ],
)
def test_the_council_of_state_is_warned_of_only_long_after_its_term(day, expected):
    assert _check(day, Stage.COUNCIL_OF_STATE, deadline=date(2025, 2, 16)) == expected


def test_without_stage_dates_only_the_old_rules_apply():
    warnings = check_date(
        date(2025, 5, 10), today=TODAY, previous=None, government_decision=False,
        calendar=CAT.calendar(),
    )  # fmt: skip
    assert warnings == []


def _initiative(term: str = "days_30") -> Initiative:
    stages = [Stage.DRAFTING, Stage.FIRST_APPROVAL, Stage.COUNCIL_OF_STATE, Stage.FINAL_APPROVAL]
    return Initiative(
        slug="x", title="Voorontwerp van besluit", kind=Kind.ORDER,
        milestones={s: Milestone(s) for s in stages}, council_of_state_term=term,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("term", "deadline"),
    [
        ("days_30", date(2025, 2, 16)),
        ("days_60", date(2025, 3, 18)),
        # 5 working days after Friday 17 January: Monday 20 to Friday 24 January
        ("urgent", date(2025, 1, 24)),
    ],
)
def test_the_council_term_runs_from_the_step_that_asked_its_advice(term, deadline):
    initiative = _initiative(term)
    assert stage_dates(initiative).council_deadline is None  # not asked yet
    initiative.milestones[Stage.FIRST_APPROVAL].actual = date(2025, 1, 17)
    assert stage_dates(initiative).council_deadline == deadline


def test_the_council_term_is_warned_of_in_both_languages():
    [warning] = check_date(
        date(2025, 3, 24), today=TODAY, previous=None, government_decision=False,
        calendar=CAT.calendar(), completes=Stage.COUNCIL_OF_STATE,
        stage_dates=StageDates(CAT.parliament, gazette_calendar(), date(2025, 2, 16)),
    )  # fmt: skip
    assert warning.params["days"] == 36
    assert "36 dagen" in warning_message(warning.code, warning.params, "nl")
    assert "16 februari 2025" in warning_message(warning.code, warning.params, "nl")
    assert "36 days after its term ended (16 February 2025)" in warning_message(
        warning.code, warning.params, "en"
    )


def test_an_unconfirmed_date_lists_its_warnings_and_says_how_to_confirm():
    warnings = check_date(
        date(2025, 4, 17), today=TODAY, previous=None, government_decision=False,
        calendar=CAT.calendar(), completes=Stage.PARLIAMENT,
        stage_dates=StageDates(CAT.parliament, gazette_calendar()),
    )  # fmt: skip
    refused = unconfirmed("adopt", warnings, state="parliament", allowed=["adopt"])
    assert refused.code == "confirm_date"
    params = {**refused.params, "state": refused.state, "allowed": refused.allowed}
    dutch = refusal_message(refused.code, params, "nl")
    english = refusal_message(refused.code, params, "en")
    assert "Aangenomen door het Vlaams Parlement" in dutch
    assert "geen woensdag" in dutch
    assert "Paasreces" in dutch
    assert '"confirm": true' in dutch
    assert "{" not in dutch.replace('{"', "")
    assert "not a Wednesday" in english
    assert "Easter recess" in english
    assert '"confirm": true' in english


def test_every_new_message_is_said_in_both_languages():
    for code in ("not_a_publication_day", "confirm_date"):
        assert REFUSAL_TEMPLATES[code].nl != REFUSAL_TEMPLATES[code].en
    for code in (
        "not_a_wednesday", "in_recess", "long_after_council_term", "plan_in_past",
        "plan_before_previous",
    ):  # fmt: skip
        assert WARNING_TEMPLATES[code].nl != WARNING_TEMPLATES[code].en


def _planned() -> Initiative:
    initiative = _initiative()
    for stage, text in [
        (Stage.FIRST_APPROVAL, "januari 2027"),
        (Stage.FINAL_APPROVAL, "juni 2027"),
    ]:
        initiative.milestones[stage].baseline = read_window(text)
    return initiative


def test_a_replan_in_the_past_is_warned_of():
    initiative = _planned()
    window = read_window("oktober 2026")
    warnings = plan_warnings(initiative, Stage.FIRST_APPROVAL, window, TODAY)
    assert [w.code for w in warnings] == ["plan_in_past"]
    message = warning_message(warnings[0].code, warnings[0].params, "nl")
    assert "Eerste principiële goedkeuring VR" in message
    assert "oktober 2026" in message
    assert "23 november 2026" in message
    # a window that ends today has not passed yet; one that ended yesterday has
    for latest, codes in ((date(2026, 11, 22), ["plan_in_past"]), (TODAY, [])):
        window = window_from("", None, None, latest)
        warned = plan_warnings(initiative, Stage.FIRST_APPROVAL, window, TODAY)
        assert [w.code for w in warned] == codes


def test_a_replan_before_the_previous_plan_is_warned_of_and_becomes_a_finding():
    initiative = _planned()
    window = read_window("december 2026")
    warnings = plan_warnings(initiative, Stage.FINAL_APPROVAL, window, TODAY)
    assert [w.code for w in warnings] == ["plan_before_previous"]
    english = warning_message(warnings[0].code, warnings[0].params, "en")
    assert "'First approval in principle by the Flemish Government' (januari 2027)" in english

    initiative.milestones[Stage.FINAL_APPROVAL].plan = window
    refresh_replan_findings(initiative)
    [finding] = initiative.findings
    assert (finding.kind, finding.severity, finding.stage) == (
        FindingKind.STAGE_ORDER, Severity.WARNING, Stage.FINAL_APPROVAL,
    )  # fmt: skip
    assert finding.params["previous"] == "first_approval"
    # re-planned again, in order: the finding goes
    initiative.milestones[Stage.FINAL_APPROVAL].plan = read_window("juli 2027")
    refresh_replan_findings(initiative)
    assert initiative.findings == []


def test_a_replan_after_a_done_stage_is_not_compared_with_its_plan():
    initiative = _planned()
    initiative.milestones[Stage.FIRST_APPROVAL].actual = date(2026, 11, 20)
    window = read_window("december 2026")
    assert plan_warnings(initiative, Stage.FINAL_APPROVAL, window, TODAY) == []
