"""Forecasts, slippage, status and as-of snapshots (DESIGN §4, §5; issue 4), checked by hand.

Every expected date below is computed by hand from the rules in workflows/*.toml, never read back
from the code. Reminders used throughout:

- minimal durations: first approval 24 working days after drafting, advice 30 days, second
  approval 0, Council of State the initiative's term (30 days, 60 days, urgent 5 working days),
  final approval 0, parliament 42 days, ratification 2 days, publication 14 days;
- government decisions (approvals, ratification) on a Friday that is a working day; days off in
  2025: 1 Jan, 21 Apr (Easter Monday), 1 May, 29 May, 9 Jun, 11 Jul, 21 Jul, 15 Aug, 1 Nov,
  2 Nov, 11 Nov, 15 Nov, 25-31 Dec. Good Friday and the day after Ascension are working days;
- parliament votes on a Wednesday outside recesses; 2025 recesses: krokus 3-9 Mar, Easter
  14-27 Apr, summer 21 Jul - 21 Sep (22 Sep is the fourth Monday), autumn 27 Oct - 2 Nov,
  Christmas 22 Dec 2025 - 4 Jan 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracker.domain.asof import as_of, rewind
from tracker.domain.calendar import ParliamentCalendar, Recess, WorkingCalendar
from tracker.domain.forecast import entry_into_force, forecast
from tracker.domain.model import (
    Event,
    Initiative,
    Kind,
    LegalDeadline,
    Milestone,
    PlanChange,
    Span,
    Stage,
    Window,
)
from tracker.domain.status import Assessment, DeadlineRisk, Status, assess
from tracker.domain.windows import parse_window
from tracker.rules.procedure_rules import build_milestones, forecast_rules
from workflows.definitions import catalogue

D = date.fromisoformat
S = Stage


def computed(lo: str, hi: str) -> Window:
    """The window the engine computes when reality no longer fits the plan."""
    return Window(f"{lo} – {hi}", D(lo), D(hi), (Span(D(lo), D(hi)),))


def initiative(
    kind: Kind,
    baselines: dict[Stage, str],
    actuals: dict[Stage, str] | None = None,
    *,
    state: str,
    plans: dict[Stage, str] | None = None,
    term: str = "days_30",
    deadlines: list[LegalDeadline] | None = None,
    in_force: date | None = None,
    held: Stage | None = None,
) -> Initiative:
    """An initiative with the procedure `build_milestones` gives for these baselines.

    Mandatory stages without a baseline (the Council of State) are present but unplanned; optional
    stages (advice, second approval) only when they appear in `baselines`.
    """
    windows = {stage: parse_window(text) for stage, text in baselines.items()}
    assert all(w.parsed for w in windows.values())
    milestones = build_milestones(kind, windows, asks_advice=False, cat=catalogue())
    for stage, day in (actuals or {}).items():
        milestones[stage].actual = D(day)
    for stage, text in (plans or {}).items():
        milestones[stage].plan = parse_window(text)
    return Initiative(
        slug="test",
        title="Test",
        kind=kind,
        milestones=milestones,
        state=state,
        held_stage=held,
        council_of_state_term=term,
        legal_deadlines=deadlines or [],
        entry_into_force=in_force,
    )


def run(init: Initiative, today: str) -> tuple[dict[Stage, Window], Assessment]:
    expected = forecast(init, D(today), forecast_rules(init))
    result = assess(init, expected, D(today), entry_into_force(init, expected))
    return expected, result


def slips(result: Assessment) -> dict[Stage, int | None]:
    return {stage: a.slippage_days for stage, a in result.stages.items()}


def overdue(result: Assessment) -> set[Stage]:
    return {stage for stage, a in result.stages.items() if a.overdue}


# --- 1. A decree with a late first approval ------------------------------------------------------


def late_decree() -> Initiative:
    return initiative(
        Kind.DECREE,
        {
            S.DRAFTING: "december 2024",
            S.FIRST_APPROVAL: "januari 2025",
            S.ADVISORY_OPINIONS: "februari 2025",
            S.SECOND_APPROVAL: "maart 2025",
            S.FINAL_APPROVAL: "mei 2025",
            S.PARLIAMENT: "juni 2025",
            S.RATIFICATION: "juni 2025",
            S.PUBLICATION: "juli 2025",
        },
        {S.DRAFTING: "2024-12-13", S.FIRST_APPROVAL: "2025-03-14"},
        state=S.ADVISORY_OPINIONS.value,
    )


def test_late_first_approval_pushes_every_later_stage() -> None:
    init = late_decree()
    assert init.procedure == tuple(Stage)  # nine stages; the Council of State is unplanned
    got, _ = run(init, "2025-03-17")  # a Monday; nothing before Tuesday 18 March
    assert got == {
        # 14 Mar + 30 days = Sun 13 Apr (after the February plan: computed).
        S.ADVISORY_OPINIONS: computed("2025-04-13", "2025-04-13"),
        # +0 days = Sun 13 Apr -> government Friday 18 Apr (Good Friday is a working day).
        S.SECOND_APPROVAL: computed("2025-04-18", "2025-04-18"),
        # Unplanned: 18 Apr + 30 days (default term) = Sun 18 May.
        S.COUNCIL_OF_STATE: computed("2025-05-18", "2025-05-18"),
        # Earliest: Friday after 18 May = 23 May. Latest: the plan's end still holds (18 May is
        # within May), last government Friday on or before Sat 31 May = 30 May (29 May Ascension
        # is a Thursday). The start is after the plan's start, so it no longer fits the plan.
        S.FINAL_APPROVAL: computed("2025-05-23", "2025-05-30"),
        # 23 May + 42 = Fri 4 Jul -> Wed 9 Jul; 30 May + 42 = Fri 11 Jul -> Wed 16 Jul (both
        # before the summer recess of 21 Jul).
        S.PARLIAMENT: computed("2025-07-09", "2025-07-16"),
        # 9 Jul + 2 = Fri 11 Jul, a Flemish day off -> 18 Jul; 16 Jul + 2 = Fri 18 Jul.
        S.RATIFICATION: computed("2025-07-18", "2025-07-18"),
        # 18 Jul + 14 = Fri 1 Aug, after the July plan.
        S.PUBLICATION: computed("2025-08-01", "2025-08-01"),
    }


def test_late_first_approval_slippage_and_status() -> None:
    init = late_decree()
    _, result = run(init, "2025-03-17")
    assert slips(result) == {
        S.DRAFTING: -18,  # 13 Dec - 31 Dec 2024
        S.FIRST_APPROVAL: 42,  # 14 Mar - 31 Jan = 28 + 14
        S.ADVISORY_OPINIONS: 44,  # 13 Apr - 28 Feb = 31 + 13
        S.SECOND_APPROVAL: 18,  # 18 Apr - 31 Mar
        S.COUNCIL_OF_STATE: None,  # no baseline
        S.FINAL_APPROVAL: -1,  # 30 May - 31 May
        S.PARLIAMENT: 16,  # 16 Jul - 30 Jun
        S.RATIFICATION: 18,  # 18 Jul - 30 Jun
        S.PUBLICATION: 1,  # 1 Aug - 31 Jul
    }
    # Only the advice (baseline ended 28 Feb, nothing recorded) is overdue on 17 March.
    assert overdue(result) == {S.ADVISORY_OPINIONS}
    assert result.status is Status.SLIPPED
    assert result.slippage_days == 44
    assert result.worst_stage is S.ADVISORY_OPINIONS
    assert result.entry_into_force == D("2025-08-11")  # publication 1 Aug + 10 days
    at_risk = {stage for stage, a in result.stages.items() if a.at_risk}
    assert at_risk == {
        S.ADVISORY_OPINIONS,
        S.SECOND_APPROVAL,
        S.PARLIAMENT,
        S.RATIFICATION,
        S.PUBLICATION,
    }


def test_first_approval_needs_24_working_days_after_drafting() -> None:
    init = initiative(
        Kind.ORDER,
        {S.DRAFTING: "juni 2025", S.FIRST_APPROVAL: "juli 2025", S.PUBLICATION: "december 2025"},
        {S.DRAFTING: "2025-06-27"},
        state=S.FIRST_APPROVAL.value,
    )
    got, _ = run(init, "2025-06-30")
    # 24 working days after Fri 27 Jun: 30 Jun-4 Jul (1-5), 7-10 Jul (6-9), 11 Jul off,
    # 14-18 Jul (10-14), 21 Jul off, 22-25 Jul (15-18), 28 Jul-1 Aug (19-23), Mon 4 Aug (24)
    # -> government Friday 8 Aug, after the July plan.
    assert got[S.FIRST_APPROVAL] == computed("2025-08-08", "2025-08-08")


# --- 2. Parliamentary recesses -------------------------------------------------------------------


def test_summer_recess_pushes_the_vote_after_the_fourth_monday_of_september() -> None:
    init = initiative(
        Kind.DECREE,
        {
            S.DRAFTING: "januari 2025",
            S.FIRST_APPROVAL: "februari 2025",
            S.FINAL_APPROVAL: "juni 2025",
            S.PARLIAMENT: "juli 2025",
            S.RATIFICATION: "september 2025",
            S.PUBLICATION: "oktober 2025",
        },
        {
            S.DRAFTING: "2025-01-10",
            S.FIRST_APPROVAL: "2025-02-07",
            S.COUNCIL_OF_STATE: "2025-05-14",
            S.FINAL_APPROVAL: "2025-07-04",
        },
        state=S.PARLIAMENT.value,
    )
    got, result = run(init, "2025-07-07")
    assert got == {
        # 4 Jul + 42 days = Fri 15 Aug -> Wed 20 Aug, in the summer recess (21 Jul - 21 Sep;
        # 1 Sep 2025 is a Monday, so the fourth Monday is 22 Sep) -> Wed 24 Sep.
        S.PARLIAMENT: computed("2025-09-24", "2025-09-24"),
        # 24 Sep + 2 = Fri 26 Sep, later than the plan's start 1 Sep.
        S.RATIFICATION: computed("2025-09-26", "2025-09-26"),
        # 26 Sep + 14 = Fri 10 Oct; the October plan's end still holds.
        S.PUBLICATION: computed("2025-10-10", "2025-10-31"),
    }
    assert result.entry_into_force == D("2025-11-10")  # 31 Oct + 10 days
    assert result.stages[S.PARLIAMENT].slippage_days == 55  # 24 Sep - 31 Jul = 31 + 24
    assert result.status is Status.SLIPPED  # final approval 4 Jul after its June baseline


def test_a_vote_planned_in_the_christmas_recess_moves_after_it() -> None:
    init = initiative(
        Kind.DECREE,
        {
            S.DRAFTING: "juni 2025",
            S.FIRST_APPROVAL: "juli 2025",
            S.FINAL_APPROVAL: "oktober 2025",
            S.PARLIAMENT: "eind december 2025",
            S.RATIFICATION: "januari 2026",
            S.PUBLICATION: "februari 2026",
        },
        {
            S.DRAFTING: "2025-06-20",
            S.FIRST_APPROVAL: "2025-07-25",
            S.COUNCIL_OF_STATE: "2025-09-24",
            S.FINAL_APPROVAL: "2025-10-24",
        },
        state=S.PARLIAMENT.value,
    )
    got, result = run(init, "2025-11-03")
    # 24 Oct + 42 = Fri 5 Dec, before the plan (21-31 Dec). Wed 24 and Wed 31 Dec are in the
    # Christmas recess (Mon 22 Dec 2025 - Sun 4 Jan 2026): the first plenary is Wed 7 Jan 2026.
    assert got[S.PARLIAMENT] == computed("2026-01-07", "2026-01-07")
    # 7 Jan + 2 = Fri 9 Jan; the January plan's end still holds: last Friday of January is 30th.
    assert got[S.RATIFICATION] == computed("2026-01-09", "2026-01-30")
    # 9 Jan + 14 = 23 Jan, 30 Jan + 14 = 13 Feb: both within February's plan -> the plan itself.
    assert got[S.PUBLICATION] is init.milestones[S.PUBLICATION].baseline
    assert result.stages[S.PARLIAMENT].slippage_days == 7  # 7 Jan - 31 Dec
    assert result.status is Status.AT_RISK


def test_the_latest_vote_follows_the_latest_final_approval_into_the_recess() -> None:
    init = initiative(
        Kind.DECREE,
        {
            S.DRAFTING: "januari 2025",
            S.FIRST_APPROVAL: "februari 2025",
            S.FINAL_APPROVAL: "tussen eind mei en begin juni 2025",  # 21 May - 10 Jun
            S.PARLIAMENT: "juli 2025",
            S.RATIFICATION: "september 2025",
            S.PUBLICATION: "oktober 2025",
        },
        {S.DRAFTING: "2025-01-10", S.FIRST_APPROVAL: "2025-02-07"},
        state=S.COUNCIL_OF_STATE.value,
    )
    got, _ = run(init, "2025-03-17")
    # Council of State: 7 Feb + 30 = 9 Mar, before the floor -> 18 Mar. The final approval fits
    # its plan: Fridays 23 May (first on or after 21 May) up to 6 Jun (last on or before 10 Jun).
    assert got[S.FINAL_APPROVAL] is init.milestones[S.FINAL_APPROVAL].baseline
    # Earliest vote: 23 May + 42 = Fri 4 Jul -> Wed 9 Jul. Latest: 6 Jun + 42 = Fri 18 Jul; the
    # next Wednesday (23 Jul) is in the summer recess -> Wed 24 Sep. The last July plenary
    # (16 Jul) is before 18 Jul and cannot be the latest bound.
    assert got[S.PARLIAMENT] == computed("2025-07-09", "2025-09-24")


def test_the_latest_approval_follows_the_latest_advice_past_the_plans_last_friday() -> None:
    init = initiative(
        Kind.ORDER,
        {
            S.DRAFTING: "januari 2025",
            S.FIRST_APPROVAL: "april 2025",
            S.SECOND_APPROVAL: "juni 2025",
            S.FINAL_APPROVAL: "juli 2025",
            S.PUBLICATION: "september 2025",
        },
        {S.DRAFTING: "2025-01-10", S.FIRST_APPROVAL: "2025-04-25"},
        state=S.SECOND_APPROVAL.value,
    )
    got, _ = run(init, "2025-04-28")
    # Second approval on plan: Fridays 6 Jun up to 27 Jun. Council of State (unplanned):
    # 6 Jun + 30 = Sun 6 Jul, 27 Jun + 30 = Sun 27 Jul.
    assert got[S.SECOND_APPROVAL] is init.milestones[S.SECOND_APPROVAL].baseline
    assert got[S.COUNCIL_OF_STATE] == computed("2025-07-06", "2025-07-27")
    # Final approval: earliest Friday after 6 Jul is 11 Jul, a day off -> 18 Jul; latest: an
    # advice on 27 Jul allows no July Friday (25 Jul is before it) -> Friday 1 Aug.
    assert got[S.FINAL_APPROVAL] == computed("2025-07-18", "2025-08-01")


# --- 3. Overdue stages ---------------------------------------------------------------------------


def overdue_order(
    deadlines: list[LegalDeadline] | None = None,
    in_force: date | None = None,
    held: Stage | None = None,
) -> Initiative:
    return initiative(
        Kind.ORDER,
        {
            S.DRAFTING: "november 2024",
            S.FIRST_APPROVAL: "januari 2025",
            S.FINAL_APPROVAL: "april 2025",
            S.PUBLICATION: "juni 2025",
        },
        {S.DRAFTING: "2024-11-29"},
        state=S.FIRST_APPROVAL.value,
        deadlines=deadlines,
        in_force=in_force,
        held=held,
    )


def test_an_overdue_approval_is_forecast_on_the_next_government_friday() -> None:
    init = overdue_order()
    got, result = run(init, "2025-03-17")
    assert got == {
        # The January window passed; 24 working days after 29 Nov fall in January, so the floor
        # (Tue 18 Mar) rules -> Friday 21 Mar.
        S.FIRST_APPROVAL: computed("2025-03-21", "2025-03-21"),
        # 21 Mar + 30 days = Sun 20 Apr.
        S.COUNCIL_OF_STATE: computed("2025-04-20", "2025-04-20"),
        # Friday after 20 Apr = 25 Apr; on or before 30 Apr (Wed) = 25 Apr.
        S.FINAL_APPROVAL: computed("2025-04-25", "2025-04-25"),
        # 25 Apr + 14 = 9 May, before the June plan: on plan.
        S.PUBLICATION: init.milestones[S.PUBLICATION].baseline,
    }
    assert got[S.PUBLICATION] is init.milestones[S.PUBLICATION].baseline
    assert overdue(result) == {S.FIRST_APPROVAL}
    assert result.stages[S.FIRST_APPROVAL].slippage_days == 49  # 21 Mar - 31 Jan = 28 + 21
    assert result.stages[S.FINAL_APPROVAL].slippage_days == -5  # 25 Apr - 30 Apr
    assert result.status is Status.SLIPPED


@pytest.mark.parametrize(
    ("today", "friday"),
    [
        ("2025-03-17", "2025-03-21"),  # Monday -> that week's Friday
        ("2025-03-21", "2025-03-28"),  # a Friday itself: not before the next day -> next Friday
        ("2025-07-08", "2025-07-18"),  # Friday 11 Jul is the Flemish Community's day
        ("2025-12-23", "2026-01-02"),  # Friday 26 Dec off; 1 Jan (Thu) off, Fri 2 Jan works
    ],
)
def test_an_overdue_approval_is_never_forecast_before_the_day_after_as_of(
    today: str, friday: str
) -> None:
    got, _ = run(overdue_order(), today)
    assert got[S.FIRST_APPROVAL] == computed(friday, friday)


def test_an_overdue_publication_is_forecast_the_day_after_as_of() -> None:
    init = initiative(
        Kind.ORDER,
        {
            S.DRAFTING: "oktober 2024",
            S.FIRST_APPROVAL: "november 2024",
            S.FINAL_APPROVAL: "januari 2025",
            S.PUBLICATION: "februari 2025",
        },
        {
            S.DRAFTING: "2024-10-04",
            S.FIRST_APPROVAL: "2024-11-08",
            S.COUNCIL_OF_STATE: "2024-12-11",
            S.FINAL_APPROVAL: "2025-01-10",
        },
        state=S.PUBLICATION.value,
    )
    got, result = run(init, "2025-03-17")
    # 10 Jan + 14 = 24 Jan is long past; not a government decision: Tue 18 Mar itself.
    assert got == {S.PUBLICATION: computed("2025-03-18", "2025-03-18")}
    assert overdue(result) == {S.PUBLICATION}
    assert result.stages[S.PUBLICATION].slippage_days == 18  # 18 Mar - 28 Feb
    assert result.entry_into_force == D("2025-03-28")
    assert result.status is Status.SLIPPED


def test_a_stage_whose_window_ends_today_is_not_overdue_yet() -> None:
    init = initiative(
        Kind.ORDER,
        {S.DRAFTING: "oktober 2024", S.PUBLICATION: "februari 2025"},
        {
            S.DRAFTING: "2024-10-04",
            S.FIRST_APPROVAL: "2024-11-08",
            S.COUNCIL_OF_STATE: "2024-12-11",
            S.FINAL_APPROVAL: "2025-01-10",
        },
        state=S.PUBLICATION.value,
    )
    got, result = run(init, "2025-02-28")
    # Not before 1 March, one day after the plan's end: at risk, not overdue.
    assert got[S.PUBLICATION] == computed("2025-03-01", "2025-03-01")
    assert overdue(result) == set()
    assert result.stages[S.PUBLICATION].slippage_days == 1
    assert result.status is Status.AT_RISK


def test_a_stage_in_progress_inside_its_window_narrows_to_the_days_left() -> None:
    init = initiative(
        Kind.ORDER,
        {S.DRAFTING: "oktober 2024", S.PUBLICATION: "maart 2025"},
        {
            S.DRAFTING: "2024-10-04",
            S.FIRST_APPROVAL: "2024-11-08",
            S.COUNCIL_OF_STATE: "2024-12-11",
            S.FINAL_APPROVAL: "2025-01-10",
        },
        state=S.PUBLICATION.value,
    )
    got, result = run(init, "2025-03-17")
    # Not before 18 March; the plan's end (31 March) still holds.
    assert got[S.PUBLICATION] == computed("2025-03-18", "2025-03-31")
    assert result.stages[S.PUBLICATION].slippage_days == 0
    assert result.status is Status.ON_TRACK


# --- 4. Open-start plans, unplanned stages, Council of State terms -----------------------------


def publication_after_final(
    final: str, publication: str, in_force: date | None = None
) -> Initiative:
    return initiative(
        Kind.ORDER,
        {S.DRAFTING: "januari 2025", S.PUBLICATION: publication},
        {
            S.DRAFTING: "2025-01-10",
            S.FIRST_APPROVAL: "2025-02-07",
            S.COUNCIL_OF_STATE: "2025-03-12",
            S.FINAL_APPROVAL: final,
        },
        state=S.PUBLICATION.value,
        in_force=in_force,
    )


def test_an_open_start_plan_that_fits_is_the_forecast() -> None:
    init = publication_after_final("2025-09-05", "uiterlijk oktober 2025")
    baseline = init.milestones[S.PUBLICATION].baseline
    assert baseline is not None
    assert (baseline.earliest, baseline.latest) == (None, D("2025-10-31"))
    got, result = run(init, "2025-09-08")
    # 5 Sep + 14 = 19 Sep, before 31 Oct.
    assert got[S.PUBLICATION] is baseline
    assert got[S.PUBLICATION].text == "uiterlijk oktober 2025"
    assert result.entry_into_force == D("2025-11-10")  # 31 Oct + 10
    assert result.status is Status.ON_TRACK


def test_an_open_start_plan_that_cannot_be_met_moves() -> None:
    init = publication_after_final("2025-10-24", "uiterlijk oktober 2025")
    got, result = run(init, "2025-10-27")
    # 24 Oct + 14 = 7 Nov, after 31 Oct.
    assert got[S.PUBLICATION] == computed("2025-11-07", "2025-11-07")
    assert result.stages[S.PUBLICATION].slippage_days == 7
    assert result.status is Status.AT_RISK


def term_order(term: str, deadlines: list[LegalDeadline] | None = None) -> Initiative:
    return initiative(
        Kind.ORDER,
        {
            S.DRAFTING: "januari 2025",
            S.FIRST_APPROVAL: "februari 2025",
            S.SECOND_APPROVAL: "maart 2025",
            S.FINAL_APPROVAL: "april 2025",
            S.PUBLICATION: "juni 2025",
        },
        {S.DRAFTING: "2025-01-10", S.FIRST_APPROVAL: "2025-02-07", S.SECOND_APPROVAL: "2025-03-14"},
        state=S.COUNCIL_OF_STATE.value,
        term=term,
        deadlines=deadlines,
    )


@pytest.mark.parametrize(
    ("term", "council", "final", "status"),
    [
        # 14 Mar + 30 days = Sun 13 Apr; final: Friday 18 Apr, up to the plan's last Friday
        # (25 Apr; 30 Apr is a Wednesday).
        ("days_30", ("2025-04-13", "2025-04-13"), ("2025-04-18", "2025-04-25"), Status.ON_TRACK),
        # 14 Mar + 60 days = Tue 13 May (17 + 30 + 13); final: Friday 16 May, after April.
        ("days_60", ("2025-05-13", "2025-05-13"), ("2025-05-16", "2025-05-16"), Status.AT_RISK),
        # 5 working days after Fri 14 Mar: 17-21 Mar; the April plan still fits entirely.
        ("urgent", ("2025-03-21", "2025-03-21"), None, Status.ON_TRACK),
    ],
)
def test_the_council_of_state_term_changes_the_forecast(
    term: str, council: tuple[str, str], final: tuple[str, str] | None, status: Status
) -> None:
    init = term_order(term)
    got, result = run(init, "2025-03-17")
    assert got[S.COUNCIL_OF_STATE] == computed(*council)  # unplanned: from its predecessor
    if final is None:
        assert got[S.FINAL_APPROVAL] is init.milestones[S.FINAL_APPROVAL].baseline
    else:
        assert got[S.FINAL_APPROVAL] == computed(*final)
    # The final approval ends by 16 May at the latest: + 14 = 30 May, within June.
    assert got[S.PUBLICATION] is init.milestones[S.PUBLICATION].baseline
    assert result.status is status
    assert result.entry_into_force == D("2025-07-10")  # 30 Jun + 10


def test_the_days_60_term_slips_the_final_approval_by_16_days() -> None:
    _, result = run(term_order("days_60"), "2025-03-17")
    assert slips(result) == {
        S.DRAFTING: -21,  # 10 Jan - 31 Jan
        S.FIRST_APPROVAL: -21,  # 7 Feb - 28 Feb
        S.SECOND_APPROVAL: -17,  # 14 Mar - 31 Mar
        S.COUNCIL_OF_STATE: None,
        S.FINAL_APPROVAL: 16,  # 16 May - 30 Apr
        S.PUBLICATION: 0,  # on plan
    }
    assert result.stages[S.FINAL_APPROVAL].at_risk
    assert overdue(result) == set()
    assert result.slippage_days == 16
    assert result.worst_stage is S.FINAL_APPROVAL


# --- 5. The plan is the forecast while reality fits it; re-planned windows ----------------------


def test_forecast_is_the_plan_itself_when_on_track() -> None:
    init = publication_after_final("2025-05-16", "juli of november 2025")
    got, result = run(init, "2025-05-19")
    # 16 May + 14 = 30 May, before July: the window with its alternatives, text and all.
    assert got[S.PUBLICATION] is init.milestones[S.PUBLICATION].baseline
    assert got[S.PUBLICATION].text == "juli of november 2025"
    assert result.stages[S.PUBLICATION].slippage_days == 0
    assert result.entry_into_force == D("2025-12-10")  # 30 Nov + 10
    assert result.status is Status.ON_TRACK


def test_an_earlier_re_plan_is_the_starting_point() -> None:
    init = publication_after_final("2025-03-07", "juni 2025")
    init.milestones[S.PUBLICATION].plan = parse_window("april 2025")
    got, result = run(init, "2025-03-10")
    # 7 Mar + 14 = 21 Mar, before April: the re-planned window, not the June baseline.
    assert got[S.PUBLICATION] is init.milestones[S.PUBLICATION].plan
    assert result.stages[S.PUBLICATION].slippage_days == -61  # 30 Apr - 30 Jun
    assert result.entry_into_force == D("2025-05-10")
    assert result.status is Status.ON_TRACK


def test_a_later_re_plan_is_followed_and_is_at_risk_against_the_baseline() -> None:
    init = publication_after_final("2025-03-07", "mei 2025")
    init.milestones[S.PUBLICATION].plan = parse_window("september 2025")
    got, result = run(init, "2025-03-10")
    # Never earlier than the planned window: 1-30 Sep, although 21 Mar would be possible.
    assert got[S.PUBLICATION] is init.milestones[S.PUBLICATION].plan
    assert result.stages[S.PUBLICATION].slippage_days == 122  # 30 Sep - 31 May
    assert result.status is Status.AT_RISK


def test_a_re_plan_that_reality_overtakes_is_computed_from_the_plan() -> None:
    init = publication_after_final("2025-04-11", "mei 2025")
    init.milestones[S.PUBLICATION].plan = parse_window("april 2025")
    got, _ = run(init, "2025-04-14")
    # 11 Apr + 14 = 25 Apr; the plan's end (30 Apr) still holds; the baseline (May) is ignored.
    assert got[S.PUBLICATION] == computed("2025-04-25", "2025-04-30")


# --- 6. Entry into force and statuses -----------------------------------------------------------


def test_entry_into_force_from_the_actual_publication() -> None:
    init = publication_after_final("2025-07-18", "augustus 2025", in_force=None)
    init.milestones[S.PUBLICATION].actual = D("2025-08-01")
    init.state = "published"
    got, result = run(init, "2025-08-04")
    assert got == {}
    assert entry_into_force(init, {}) == D("2025-08-11")  # 1 Aug + 10
    assert result.status is Status.DONE


def test_entry_into_force_set_by_the_act_wins() -> None:
    init = publication_after_final("2025-05-16", "juni 2025", in_force=D("2026-01-01"))
    got, result = run(init, "2025-05-19")
    assert got[S.PUBLICATION] is init.milestones[S.PUBLICATION].baseline
    assert entry_into_force(init, got) == D("2026-01-01")
    assert result.entry_into_force == D("2026-01-01")
    init.milestones[S.PUBLICATION].actual = D("2025-06-13")
    assert entry_into_force(init, {}) == D("2026-01-01")


def test_no_publication_date_known_gives_no_entry_into_force() -> None:
    init = publication_after_final("2025-05-16", "juni 2025")
    assert entry_into_force(init, {}) is None


def test_at_risk_from_a_legal_deadline() -> None:
    deadline = LegalDeadline("uiterlijk 1 juli 2025", D("2025-07-01"))
    _, result = run(term_order("days_30", [deadline]), "2025-03-17")
    # Publication on plan (June): in force 30 Jun + 10 = 10 Jul, after 1 Jul. No stage slips.
    assert result.entry_into_force == D("2025-07-10")
    assert result.deadline_risks == [DeadlineRisk(deadline, D("2025-07-10"))]
    assert not any(a.at_risk for a in result.stages.values())
    assert result.status is Status.AT_RISK


def test_a_deadline_on_the_day_of_entry_into_force_is_met() -> None:
    deadline = LegalDeadline("tegen 10 juli 2025", D("2025-07-10"))
    _, result = run(term_order("days_30", [deadline]), "2025-03-17")
    assert result.deadline_risks == []
    assert result.status is Status.ON_TRACK


def test_slipped_from_a_late_actual_alone() -> None:
    init = initiative(
        Kind.ORDER,
        {
            S.DRAFTING: "januari 2025",
            S.FIRST_APPROVAL: "februari 2025",
            S.FINAL_APPROVAL: "juni 2025",
            S.PUBLICATION: "juli 2025",
        },
        {S.DRAFTING: "2025-01-10", S.FIRST_APPROVAL: "2025-03-07"},
        state=S.COUNCIL_OF_STATE.value,
    )
    got, result = run(init, "2025-03-10")
    # Council of State: 7 Mar + 30 = Sun 6 Apr. Final approval: June plan fits (6 Apr < 1 Jun).
    # Publication: 6 Jun + 14 = 20 Jun, 27 Jun + 14 = 11 Jul, within July: on plan.
    assert got == {
        S.COUNCIL_OF_STATE: computed("2025-04-06", "2025-04-06"),
        S.FINAL_APPROVAL: init.milestones[S.FINAL_APPROVAL].baseline,
        S.PUBLICATION: init.milestones[S.PUBLICATION].baseline,
    }
    assert slips(result) == {
        S.DRAFTING: -21,
        S.FIRST_APPROVAL: 7,  # 7 Mar - 28 Feb
        S.COUNCIL_OF_STATE: None,
        S.FINAL_APPROVAL: 0,
        S.PUBLICATION: 0,
    }
    assert overdue(result) == set()
    assert not any(a.at_risk for a in result.stages.values())
    assert result.status is Status.SLIPPED
    assert result.worst_stage is S.FIRST_APPROVAL


def test_done_even_when_stages_were_late() -> None:
    init = publication_after_final("2025-07-18", "juli 2025")
    init.milestones[S.PUBLICATION].actual = D("2025-08-08")
    init.state = "published"
    got, result = run(init, "2025-09-01")
    assert got == {}
    assert result.status is Status.DONE
    assert result.stages[S.PUBLICATION].slippage_days == 8  # 8 Aug - 31 Jul
    assert overdue(result) == set()


def test_withdrawn_wins_over_overdue_stages_and_deadlines() -> None:
    deadline = LegalDeadline("uiterlijk 2025", D("2025-12-31"))
    init = overdue_order(deadlines=[deadline], in_force=D("2026-06-01"))
    init.state = "withdrawn"
    got, result = run(init, "2025-03-17")
    assert got == {}
    assert result.status is Status.WITHDRAWN
    assert overdue(result) == set()  # a closed initiative has nothing overdue
    assert result.deadline_risks == []


def test_on_hold_wins_over_an_overdue_stage() -> None:
    init = overdue_order(held=S.FIRST_APPROVAL)
    init.state = "on_hold"
    got, result = run(init, "2025-03-17")
    # Still forecast as in the overdue case above.
    assert got[S.FIRST_APPROVAL] == computed("2025-03-21", "2025-03-21")
    assert overdue(result) == {S.FIRST_APPROVAL}
    assert result.status is Status.ON_HOLD


def test_on_track_when_everything_is_on_plan() -> None:
    init = term_order("days_30")
    init.milestones[S.FINAL_APPROVAL].baseline = parse_window("mei 2025")
    got, result = run(init, "2025-03-17")
    # Council of State 13 Apr, before May: the May plan holds (Fridays 2-30 May); publication
    # 2 May + 14 = 16 May, 30 May + 14 = 13 Jun: the June plan holds.
    assert got[S.FINAL_APPROVAL] is init.milestones[S.FINAL_APPROVAL].baseline
    assert got[S.PUBLICATION] is init.milestones[S.PUBLICATION].baseline
    assert result.status is Status.ON_TRACK
    assert result.slippage_days == 0


# --- 7. Calendars --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parliament() -> ParliamentCalendar:
    return catalogue().parliament


@pytest.fixture(scope="module")
def working() -> WorkingCalendar:
    return catalogue().calendar()


def recesses(parliament: ParliamentCalendar, year: int) -> set[tuple[str, date, date]]:
    return {(r.name, r.start, r.end) for r in parliament.recesses(year)}


def test_recesses_2025(parliament: ParliamentCalendar) -> None:
    assert recesses(parliament, 2025) == {
        ("Zomerreces", D("2025-07-21"), D("2025-09-21")),  # fourth Monday: 22 Sep
        ("Herfstreces", D("2025-10-27"), D("2025-11-02")),  # 1 Nov is a Saturday
        ("Kerstreces", D("2025-12-22"), D("2026-01-04")),  # 25 Dec is a Thursday
        ("Krokusreces", D("2025-03-03"), D("2025-03-09")),  # Easter 20 Apr - 48 days
        ("Paasreces", D("2025-04-14"), D("2025-04-27")),  # Easter 20 Apr - 6 days, 14 days
    }


def test_recesses_2026(parliament: ParliamentCalendar) -> None:
    assert recesses(parliament, 2026) == {
        ("Zomerreces", D("2026-07-21"), D("2026-09-27")),  # 1 Sep is a Tuesday; 4th Mon 28 Sep
        ("Herfstreces", D("2026-10-26"), D("2026-11-01")),  # 1 Nov is a Sunday
        ("Kerstreces", D("2026-12-21"), D("2027-01-03")),  # 25 Dec is a Friday
        ("Krokusreces", D("2026-02-16"), D("2026-02-22")),  # Easter 5 Apr - 48 days
        ("Paasreces", D("2026-03-30"), D("2026-04-12")),
    }


def test_recess_on_sees_a_christmas_recess_from_the_year_before(
    parliament: ParliamentCalendar,
) -> None:
    recess = parliament.recess_on(D("2026-01-02"))
    assert recess == Recess("Kerstreces", D("2025-12-22"), D("2026-01-04"))
    assert parliament.recess_on(D("2026-01-05")) is None


@pytest.mark.parametrize(
    ("day", "plenary"),
    [
        ("2025-07-16", "2025-07-16"),  # a Wednesday before the summer recess
        ("2025-07-17", "2025-09-24"),  # Wed 23 Jul in the summer recess
        ("2026-07-16", "2026-09-30"),  # 2026: recess until Sun 27 Sep
        ("2025-03-01", "2025-03-12"),  # Wed 5 Mar in the krokus recess
        ("2025-04-10", "2025-04-30"),  # Wed 16 and 23 Apr in the Easter recess
        ("2025-10-23", "2025-11-05"),  # Wed 29 Oct in the autumn recess
        ("2025-12-18", "2026-01-07"),  # Wed 24 and 31 Dec in the Christmas recess
        ("2026-01-02", "2026-01-07"),  # inside last year's Christmas recess
    ],
)
def test_plenary_on_or_after(parliament: ParliamentCalendar, day: str, plenary: str) -> None:
    assert parliament.plenary_on_or_after(D(day)) == D(plenary)


@pytest.mark.parametrize(
    ("day", "plenary"),
    [
        ("2025-09-24", "2025-09-24"),  # the first plenary after the summer
        ("2025-09-23", "2025-07-16"),  # Wed 17 Sep in the recess: back to before 21 Jul
        ("2026-01-06", "2025-12-17"),  # Wed 31 Dec in the Christmas recess
        ("2025-03-09", "2025-02-26"),  # Wed 5 Mar in the krokus recess
        ("2025-11-04", "2025-10-22"),  # Wed 29 Oct in the autumn recess
        ("2025-04-28", "2025-04-09"),  # Wed 23 Apr in the Easter recess
    ],
)
def test_plenary_on_or_before(parliament: ParliamentCalendar, day: str, plenary: str) -> None:
    assert parliament.plenary_on_or_before(D(day)) == D(plenary)


@pytest.mark.parametrize(
    ("day", "friday"),
    [
        ("2025-03-14", "2025-03-14"),  # a working Friday is its own
        ("2025-03-13", "2025-03-07"),
        ("2025-08-20", "2025-08-08"),  # Friday 15 Aug is Assumption
        ("2025-07-13", "2025-07-04"),  # Friday 11 Jul is the Flemish Community's day
        ("2026-01-01", "2025-12-19"),  # Friday 26 Dec is a Flemish day off
        ("2025-04-20", "2025-04-18"),  # Good Friday is a working day
    ],
)
def test_government_friday_on_or_before(working: WorkingCalendar, day: str, friday: str) -> None:
    assert working.government_friday_on_or_before(D(day)) == D(friday)


# --- 8. As-of snapshots from the logs ------------------------------------------------------------

COMPLETED_BY = {stage: d.completed_by for stage, d in catalogue().stages.items()}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


EVENTS = [
    Event("create", D("2025-01-06"), at("2025-01-06T09:00"), "anna", None, "drafting"),
    Event(
        "complete_drafting",
        D("2025-01-10"),
        at("2025-01-10T10:00"),
        "anna",
        "drafting",
        "first_approval",
    ),
    # Decided on Friday 7 Feb, recorded on Monday 10 Feb.
    Event(
        "approve_first",
        D("2025-02-07"),
        at("2025-02-10T08:00"),
        "anna",
        "first_approval",
        "advisory_opinions",
    ),
]


def logged_order() -> tuple[Initiative, list[PlanChange]]:
    """Today's order (advice added, final approval re-planned, publication re-baselined)."""
    april, may = parse_window("april 2025"), parse_window("mei 2025")
    june, september = parse_window("juni 2025"), parse_window("september 2025")
    february = parse_window("februari 2025")
    init = Initiative(
        slug="logged",
        title="Logged",
        kind=Kind.ORDER,
        state=S.ADVISORY_OPINIONS.value,
        milestones={
            S.DRAFTING: Milestone(S.DRAFTING, actual=D("2025-01-10")),
            S.FIRST_APPROVAL: Milestone(S.FIRST_APPROVAL, actual=D("2025-02-07")),
            S.ADVISORY_OPINIONS: Milestone(S.ADVISORY_OPINIONS, baseline=february),
            S.COUNCIL_OF_STATE: Milestone(S.COUNCIL_OF_STATE),
            S.FINAL_APPROVAL: Milestone(S.FINAL_APPROVAL, baseline=april, plan=may),
            S.PUBLICATION: Milestone(S.PUBLICATION, baseline=september),
        },
    )
    changes = [
        PlanChange(
            stage=S.FINAL_APPROVAL,
            recorded_at=at("2025-02-15T12:00"),
            actor="bert",
            reason="re-plan",
            rebaseline=False,
            plan_before=None,
            plan_after=may,
            baseline_before=april,
            baseline_after=april,
        ),
        PlanChange(
            stage=S.ADVISORY_OPINIONS,
            recorded_at=at("2025-02-20T12:00"),
            actor="bert",
            reason="SERV advice",
            rebaseline=False,
            plan_before=None,
            plan_after=february,
            baseline_before=None,
            baseline_after=february,
            added=True,
        ),
        PlanChange(
            stage=S.PUBLICATION,
            recorded_at=at("2025-02-25T12:00"),
            actor="carla",
            reason="re-baseline",
            rebaseline=True,
            plan_before=None,
            plan_after=None,
            baseline_before=june,
            baseline_after=september,
        ),
    ]
    return init, changes


def text_of(window: Window | None) -> str | None:
    return None if window is None else window.text


def snapshot(moment: str) -> Initiative | None:
    init, changes = logged_order()
    return as_of(init, EVENTS, changes, at(moment), COMPLETED_BY)


def test_as_of_before_creation_is_none() -> None:
    assert snapshot("2025-01-06T08:59") is None


def test_as_of_before_a_step_was_recorded_has_no_actual() -> None:
    # The first approval happened on 7 Feb but was only recorded on 10 Feb.
    known = snapshot("2025-02-08T12:00")
    assert known is not None
    assert known.state == S.FIRST_APPROVAL.value
    assert known.milestones[S.DRAFTING].actual == D("2025-01-10")
    assert known.milestones[S.FIRST_APPROVAL].actual is None
    # ... so the stage is still open. Unplanned: 24 working days after Fri 10 Jan (13 Jan - 13 Feb,
    # no days off) = Thu 13 Feb, later than the floor (9 Feb) -> government Friday 14 Feb.
    got = forecast(known, D("2025-02-08"), forecast_rules(known))
    assert got[S.FIRST_APPROVAL] == computed("2025-02-14", "2025-02-14")


def test_as_of_undoes_later_plan_changes_and_added_stages() -> None:
    early = snapshot("2025-02-10T09:00")
    assert early is not None
    assert early.milestones[S.FIRST_APPROVAL].actual == D("2025-02-07")
    assert S.ADVISORY_OPINIONS not in early.milestones  # added on 20 Feb
    assert early.milestones[S.FINAL_APPROVAL].plan is None  # re-planned on 15 Feb
    final = early.milestones[S.FINAL_APPROVAL]
    assert final.planned is final.baseline
    assert text_of(final.baseline) == "april 2025"
    assert text_of(early.milestones[S.PUBLICATION].baseline) == "juni 2025"  # re-baselined 25 Feb

    middle = snapshot("2025-02-21T00:00")
    assert middle is not None
    assert S.ADVISORY_OPINIONS in middle.milestones
    assert text_of(middle.milestones[S.FINAL_APPROVAL].plan) == "mei 2025"
    assert text_of(middle.milestones[S.PUBLICATION].baseline) == "juni 2025"

    late = snapshot("2025-03-01T00:00")
    assert late is not None
    assert text_of(late.milestones[S.PUBLICATION].baseline) == "september 2025"


def test_as_of_leaves_the_initiative_untouched() -> None:
    init, changes = logged_order()
    as_of(init, EVENTS, changes, at("2025-01-07T00:00"), COMPLETED_BY)
    assert init.milestones[S.FIRST_APPROVAL].actual == D("2025-02-07")
    assert S.ADVISORY_OPINIONS in init.milestones
    assert text_of(init.milestones[S.FINAL_APPROVAL].plan) == "mei 2025"


@pytest.mark.parametrize(
    "moment", ["2025-01-06T08:59", "2025-02-08T12:00", "2025-02-21T00:00", "2025-03-01T00:00"]
)
def test_rewind_turns_back_in_place_what_as_of_copies(moment: str) -> None:
    expected = snapshot(moment)
    init, changes = logged_order()
    existed = rewind(init, EVENTS, changes, at(moment), COMPLETED_BY)
    assert existed == (expected is not None)
    if expected is None:  # not created yet: left as it is
        assert init == logged_order()[0]
    else:
        assert init == expected


def test_once_the_first_alternative_is_out_of_reach_the_next_one_is_the_forecast() -> None:
    init = publication_after_final("2025-08-01", "juli of november 2025")
    got, result = run(init, "2025-08-04")
    # 1 Aug + 14 = 15 Aug: July is out of reach, so the forecast is November, not the gap.
    assert (got[S.PUBLICATION].earliest, got[S.PUBLICATION].latest) == (
        D("2025-11-01"),
        D("2025-11-30"),
    )
    assert result.stages[S.PUBLICATION].slippage_days == 0  # still within the baseline's end
