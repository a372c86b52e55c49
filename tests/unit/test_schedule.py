"""Plan checks (DESIGN §4, §5) on hand-built initiatives, with the real procedure rules."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.model import (
    FindingKind,
    Initiative,
    Kind,
    LegalDeadline,
    Milestone,
    Severity,
    Span,
    Stage,
    Window,
)
from tracker.domain.schedule import ProcedureRules, check_plan
from tracker.rules.procedure_rules import rules_for
from workflows.definitions import catalogue

D = date


def window(text: str, earliest: date | None, latest: date) -> Window:
    return Window(text, earliest, latest, (Span(earliest, latest),))


def initiative(
    kind: Kind,
    plan: dict[Stage, Window | None],
    deadlines: list[LegalDeadline] | None = None,
) -> Initiative:
    return Initiative(
        slug="test",
        title="Test",
        kind=kind,
        milestones={
            stage: Milestone(stage, baseline=baseline, forecast=baseline)
            for stage, baseline in plan.items()
        },
        legal_deadlines=deadlines or [],
    )


@pytest.fixture(scope="module")
def rules() -> ProcedureRules:
    return rules_for(catalogue())


JANUARY_2025 = window("januari 2025", D(2025, 1, 1), D(2025, 1, 31))
APRIL_2025 = window("april 2025", D(2025, 4, 1), D(2025, 4, 30))
JULY_2025 = window("juli 2025", D(2025, 7, 1), D(2025, 7, 31))
OCTOBER_2025 = window("oktober 2025", D(2025, 10, 1), D(2025, 10, 31))
VOORJAAR_2026 = window("voorjaar 2026", D(2026, 3, 1), D(2026, 5, 31))
NAJAAR_2025 = window("najaar 2025", D(2025, 9, 1), D(2025, 11, 30))


def comfortable_order(publication: Window = OCTOBER_2025) -> dict[Stage, Window | None]:
    return {
        Stage.DRAFTING: None,
        Stage.FIRST_APPROVAL: JANUARY_2025,
        Stage.ADVISORY_OPINIONS: None,
        Stage.SECOND_APPROVAL: APRIL_2025,
        Stage.COUNCIL_OF_STATE: None,
        Stage.FINAL_APPROVAL: JULY_2025,
        Stage.PUBLICATION: publication,
    }


def test_a_comfortable_plan_has_no_finding(rules: ProcedureRules) -> None:
    # Targets: 16 Jan, 15 Apr, 16 Jul, 16 Oct 2025. Even from the earliest days: 1 Jan + 30 days
    # advice -> Friday 31 Jan; 1 Apr + 30 days Council of State -> Friday 2 May; 1 Jul + 14 days.
    # Publication at the latest 31 Oct, in force 10 Nov, well before the deadline.
    plan = initiative(
        Kind.ORDER, comfortable_order(), [LegalDeadline("tegen 30 juni 2026", D(2026, 6, 30))]
    )

    assert check_plan(plan, rules) == []


def test_a_stage_planned_entirely_before_its_predecessor_is_an_order_error(
    rules: ProcedureRules,
) -> None:
    plan = initiative(
        Kind.ORDER,
        {
            Stage.FIRST_APPROVAL: window("juni 2025", D(2025, 6, 1), D(2025, 6, 30)),
            Stage.ADVISORY_OPINIONS: None,
            Stage.SECOND_APPROVAL: window("maart 2025", D(2025, 3, 1), D(2025, 3, 31)),
        },
    )

    findings = check_plan(plan, rules)

    assert [(f.kind, f.severity, f.stage) for f in findings] == [
        (FindingKind.STAGE_ORDER, Severity.ERROR, Stage.SECOND_APPROVAL)
    ]
    assert findings[0].params["previous"] == Stage.FIRST_APPROVAL.value


def test_the_seed_case_of_a_final_approval_before_the_second_one(rules: ProcedureRules) -> None:
    # Seed annex, authentieke gegevensbronnen: second approval voorjaar 2026, final najaar 2025.
    plan = initiative(
        Kind.ORDER,
        {
            Stage.SECOND_APPROVAL: VOORJAAR_2026,
            Stage.COUNCIL_OF_STATE: None,
            Stage.FINAL_APPROVAL: NAJAAR_2025,
        },
    )

    findings = check_plan(plan, rules)

    assert [(f.kind, f.severity, f.stage) for f in findings] == [
        (FindingKind.STAGE_ORDER, Severity.ERROR, Stage.FINAL_APPROVAL)
    ]


def test_approvals_closer_than_the_council_of_state_term_are_a_tight_warning(
    rules: ProcedureRules,
) -> None:
    # Both voorjaar 2026 (target Wednesday 15 April 2026). From the target: + 30 days = Friday
    # 15 May 2026, after the planned target. From the earliest day: 1 March + 30 days = Tuesday
    # 31 March -> Friday 3 April, which still fits before 31 May: possible, but tight.
    plan = initiative(
        Kind.DECREE,
        {
            Stage.SECOND_APPROVAL: VOORJAAR_2026,
            Stage.COUNCIL_OF_STATE: None,
            Stage.FINAL_APPROVAL: VOORJAAR_2026,
        },
    )

    findings = check_plan(plan, rules)

    assert [(f.kind, f.severity, f.stage) for f in findings] == [
        (FindingKind.TIGHT_SCHEDULE, Severity.WARNING, Stage.FINAL_APPROVAL)
    ]
    assert findings[0].params["planned_days"] == 0
    assert findings[0].params["needed_days"] == 30


def test_an_impossible_pair_is_a_tight_error(rules: ProcedureRules) -> None:
    # First approval 1 March 2026 + 30 days advice = Tuesday 31 March -> second approval on
    # Friday 3 April 2026 at the earliest, long after 10 March.
    plan = initiative(
        Kind.ORDER,
        {
            Stage.FIRST_APPROVAL: window("1 maart 2026", D(2026, 3, 1), D(2026, 3, 1)),
            Stage.ADVISORY_OPINIONS: None,
            Stage.SECOND_APPROVAL: window("10 maart 2026", D(2026, 3, 10), D(2026, 3, 10)),
        },
    )

    findings = check_plan(plan, rules)

    assert [(f.kind, f.severity, f.stage) for f in findings] == [
        (FindingKind.TIGHT_SCHEDULE, Severity.ERROR, Stage.SECOND_APPROVAL)
    ]
    assert findings[0].params["planned_days"] == 9
    assert findings[0].params["needed_days"] == 33


def test_publication_whose_entry_into_force_can_pass_the_deadline_is_a_risk(
    rules: ProcedureRules,
) -> None:
    # Najaar 2025: published by 30 November at the latest, in force 10 December, after the
    # deadline of 12 November; published early (1 September) it would be in time.
    plan = initiative(
        Kind.ORDER,
        comfortable_order(publication=NAJAAR_2025),
        [LegalDeadline("van toepassing met ingang van 12 november 2025", D(2025, 11, 12))],
    )

    findings = check_plan(plan, rules)

    assert [(f.kind, f.severity, f.stage) for f in findings] == [
        (FindingKind.DEADLINE_RISK, Severity.WARNING, Stage.PUBLICATION)
    ]
    assert findings[0].params["deadline"] == "2025-11-12"
    assert findings[0].params["entry_into_force"] == "2025-12-10"


def test_publication_whose_entry_into_force_is_always_too_late_is_a_risk_error(
    rules: ProcedureRules,
) -> None:
    # Published 1 December 2025 at the earliest: in force 11 December, after 12 November.
    plan = initiative(
        Kind.ORDER,
        comfortable_order(publication=window("december 2025", D(2025, 12, 1), D(2025, 12, 31))),
        [LegalDeadline("van toepassing met ingang van 12 november 2025", D(2025, 11, 12))],
    )

    findings = check_plan(plan, rules)

    assert [(f.kind, f.severity, f.stage) for f in findings] == [
        (FindingKind.DEADLINE_RISK, Severity.ERROR, Stage.PUBLICATION)
    ]


def test_entry_into_force_on_the_deadline_itself_is_in_time(rules: ProcedureRules) -> None:
    # Published 2 November 2025: in force 10 days later, on 12 November, the deadline itself.
    plan = initiative(
        Kind.ORDER,
        comfortable_order(publication=window("2 november 2025", D(2025, 11, 2), D(2025, 11, 2))),
        [LegalDeadline("van toepassing met ingang van 12 november 2025", D(2025, 11, 12))],
    )

    assert check_plan(plan, rules) == []


def test_a_deadline_without_a_date_gives_no_risk(rules: ProcedureRules) -> None:
    plan = initiative(
        Kind.ORDER,
        comfortable_order(publication=NAJAAR_2025),
        [LegalDeadline("uiterlijk een jaar na de inwerkingtreding", None)],
    )

    assert check_plan(plan, rules) == []


def test_unparsed_windows_are_not_checked(rules: ProcedureRules) -> None:
    plan = initiative(
        Kind.ORDER,
        {
            Stage.FIRST_APPROVAL: JULY_2025,
            Stage.ADVISORY_OPINIONS: None,
            Stage.SECOND_APPROVAL: Window("binnenkort"),
        },
    )

    assert check_plan(plan, rules) == []


# --- earliest completion ---------------------------------------------------------------------


def test_council_of_state_then_final_approval(rules: ProcedureRules) -> None:
    # Second approval Friday 7 March 2025 + 30 days = Sunday 6 April; next government Friday:
    # 11 April 2025.
    got = rules.earliest_completion(D(2025, 3, 7), [Stage.COUNCIL_OF_STATE, Stage.FINAL_APPROVAL])

    assert got == D(2025, 4, 11)


def test_council_of_state_terms_are_chosen_per_initiative() -> None:
    stages = [Stage.COUNCIL_OF_STATE, Stage.FINAL_APPROVAL]
    # 60 days: Tuesday 6 May 2025 -> Friday 9 May.
    assert rules_for(catalogue(), "days_60").earliest_completion(D(2025, 3, 7), stages) == D(
        2025, 5, 9
    )
    # urgency, 5 working days: Friday 14 March 2025, a government Friday itself.
    assert rules_for(catalogue(), "urgent").earliest_completion(D(2025, 3, 7), stages) == D(
        2025, 3, 14
    )


def test_first_approval_after_drafting_skips_holidays(rules: ProcedureRules) -> None:
    # 24 working days after Monday 7 July 2025 (11 and 21 July off): Tuesday 12 August;
    # Friday 15 August is Assumption, so the government decides on Friday 22 August.
    assert rules.earliest_completion(D(2025, 7, 7), [Stage.FIRST_APPROVAL]) == D(2025, 8, 22)


def test_advice_then_second_approval(rules: ProcedureRules) -> None:
    # First approval Friday 24 January 2025 + 30 days advice = Sunday 23 February;
    # second approval on Friday 28 February 2025.
    got = rules.earliest_completion(
        D(2025, 1, 24), [Stage.ADVISORY_OPINIONS, Stage.SECOND_APPROVAL]
    )

    assert got == D(2025, 2, 28)


def test_minimum_for_uses_the_council_term(rules: ProcedureRules) -> None:
    assert rules.minimum_for(Stage.COUNCIL_OF_STATE).days == 30
    assert rules.minimum_for(Stage.ADVISORY_OPINIONS).days == 30
    assert rules.minimum_for(Stage.FIRST_APPROVAL).working_days == 24


def test_after_an_open_start_predecessor_a_stage_is_not_impossibly_early(
    rules: ProcedureRules,
) -> None:
    # "uiterlijk oktober 2025" may happen any day up to 31 October: parliament in September is
    # early (its target lies before the predecessor's) but not out of order for certain.
    plan = initiative(
        Kind.DECREE,
        {
            Stage.FINAL_APPROVAL: Window(
                "uiterlijk oktober 2025", None, D(2025, 10, 31), (Span(None, D(2025, 10, 31)),)
            ),
            Stage.PARLIAMENT: window("september 2025", D(2025, 9, 1), D(2025, 9, 30)),
        },
    )

    assert [(f.kind, f.severity) for f in check_plan(plan, rules)] == [
        (FindingKind.STAGE_ORDER, Severity.WARNING)
    ]
