"""The one range of dates the tracker accepts (issue 28), where dates enter without HTTP: the
Dutch planning texts, the annex reader, ISO weeks and as-of moments; and the escaping of the
report's CSV and Markdown, and the JSON nesting check, as plain functions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.bodies import MAX_DEPTH, nesting, too_deep
from tracker.domain.bounds import EARLIEST, LATEST, OutOfBounds, window_within, within
from tracker.domain.errors import InvalidQuery, out_of_bounds
from tracker.domain.model import FindingKind, Stage
from tracker.domain.weeks import IsoWeek, parse_moment
from tracker.domain.windows import parse_window, read_window
from tracker.outputs.messages import input_message
from tracker.outputs.render import spreadsheet_text
from tracker.outputs.templating import markdown_text
from tracker.readers.annex import legal_deadlines, parse_annex

EDGES = [
    date.min, date(1, 1, 2), date(1900, 1, 1), EARLIEST - timedelta(days=1), EARLIEST, LATEST,
    LATEST + timedelta(days=1), date(9998, 12, 31), date(9999, 11, 30), date.max,
]  # fmt: skip
PHRASES = [
    "{y}", "december {y}", "najaar {y}", "winter {y}", "begin {y}", "eind {y}", "Q4 {y}",
    "tweede helft {y}", "15 maart {y}", "eind december {y}", "uiterlijk december {y}",
    "vlak voor het zomerreces {y}", "{y}-12-31", "juli of november {y}",
    "tussen januari en maart {y}",
]  # fmt: skip


def test_the_range_is_1990_to_2100():
    assert (date(1990, 1, 1), date(2100, 12, 31)) == (EARLIEST, LATEST)
    assert [within(day) for day in EDGES] == [False] * 4 + [True, True] + [False] * 4
    assert within(None)


OUT_OF_RANGE = [
    "december 9999", "najaar 9999", "winter 9999", "Q4 9998", "januari 0001", "0001-01-01",
    "1900", "winter 2100", "tussen januari 2026 en maart 9999", "juli of november 1989",
]  # fmt: skip


@pytest.mark.parametrize("text", OUT_OF_RANGE)
def test_planning_text_outside_the_range_is_never_a_date(text):
    assert not parse_window(text).parsed  # the annex reader keeps it verbatim, flagged
    assert parse_window(text).text == text
    with pytest.raises(OutOfBounds):  # the API and the pages say why
        read_window(text)


@given(phrase=st.sampled_from(PHRASES), year=st.integers(1, 9999))
def test_every_phrase_at_every_year_is_read_within_the_range_or_not_at_all(phrase, year):
    window = parse_window(phrase.format(y=year))
    assert window_within(window)
    if EARLIEST.year < year < LATEST.year:
        assert window.parsed


def test_the_annex_reader_keeps_a_date_out_of_range_as_unread_text():
    text = "\n".join([
        "Regelgeving - Voorontwerp van decreet over de verre toekomst",
        "",
        "Het decreet treedt in werking op 1 januari 2026. Het is van toepassing uiterlijk "
        "9000 jaar na de inwerkingtreding.",
        "",
        "Indicatieve planning:",
        "",
        "Eerste principiële goedkeuring Vlaamse Regering: najaar 9999",
        "",
        "Publicatie Belgisch Staatsblad: december 9999",
        "",
        "Entiteiten betrokken bij dit initiatief:",
        "",
        "Agentschap Digitaal Vlaanderen",
    ])  # fmt: skip
    draft = parse_annex(text).drafts[0]
    initiative = draft.initiative
    for stage in (Stage.FIRST_APPROVAL, Stage.PUBLICATION):
        assert not initiative.milestones[stage].baseline.parsed  # type: ignore[union-attr]
    kinds = [f.kind for f in initiative.findings]
    assert kinds.count(FindingKind.UNPARSED_DATE) == 2
    assert all(within(d.due_on) for d in initiative.legal_deadlines)


def test_a_relative_deadline_beyond_the_range_is_unresolved():
    deadlines, findings = legal_deadlines(
        "Het decreet is van toepassing met ingang van 12 november 2025. Het moet uiterlijk "
        "9000 jaar na de inwerkingtreding geëvalueerd zijn."
    )
    assert [d.due_on for d in deadlines if d.due_on is None] == [None]
    assert [f.kind for f in findings] == [FindingKind.UNRESOLVED_DEADLINE]


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "1989-W52", "2101-W01"])
def test_weeks_outside_the_range_are_refused(week):
    with pytest.raises(OutOfBounds):
        IsoWeek.parse(week)


def test_weeks_at_the_edges_are_read():
    assert IsoWeek.parse("1990-W01").monday == date(1990, 1, 1)
    assert IsoWeek.parse("2100-W52").sunday == date(2101, 1, 2)  # ISO year 2100: in range


@pytest.mark.parametrize(
    "moment",
    ["9999-12-31", "0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
     "1989-12-31T23:59:59+00:00", "2101-01-01"],
)  # fmt: skip
def test_as_of_moments_outside_the_range_are_refused_before_any_conversion(moment):
    with pytest.raises(OutOfBounds):
        parse_moment(moment)


def test_as_of_moments_at_the_edges_are_read():
    assert parse_moment("2100-12-31").date() == LATEST
    assert parse_moment("1990-01-01T00:00:00+14:00").year == 1990


def test_the_refusal_names_the_field_in_dutch_and_english():
    refusal = out_of_bounds("plan.publication.latest", date(9999, 12, 31))
    assert refusal.field == "plan.publication.latest"
    nl = input_message(refusal.code or "", refusal.field, refusal.params, "nl")
    en = input_message(refusal.code or "", refusal.field, refusal.params, "en")
    assert nl == (
        "plan.publication.latest: 9999-12-31 ligt buiten de datums die deze tracker aanvaardt "
        "(1 januari 1990 tot en met 31 december 2100)."
    )
    assert en == (
        "plan.publication.latest: 9999-12-31 lies outside the dates this tracker accepts "
        "(1 January 1990 to 31 December 2100)."
    )
    assert isinstance(out_of_bounds("week", "9999-W52", query=True), InvalidQuery)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [("=HYPERLINK(\"http://x\";\"y\")", "'=HYPERLINK(\"http://x\";\"y\")"), ("+1", "'+1"),
     ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
     ("Decreet", "Decreet"), ("", ""), (-3, -3), (date(2026, 1, 1), date(2026, 1, 1))],
)  # fmt: skip
def test_csv_cells_never_start_a_formula(cell, shown):
    assert spreadsheet_text(cell) == shown


def test_markdown_values_stay_text():
    assert markdown_text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert markdown_text("[klik](javascript:alert(1))") == "\\[klik\\](javascript:alert(1))"
    assert markdown_text("*a* _b_ `c` a|b ~d~ \\") == "\\*a\\* \\_b\\_ \\`c\\` a\\|b \\~d\\~ \\\\"
    assert markdown_text("decreet-klip (2026)") == "decreet-klip (2026)"
    assert markdown_text(12) == 12


@pytest.mark.parametrize(
    ("body", "depth"),
    [(b"{}", 1), (b'{"a": [1, {"b": 2}]}', 3), (b"[" * 1000 + b"]" * 1000, 1000),
     (b'{"text": "' + b"[" * 100 + b'"}', 1), (b'{"t": "\\"[[[["}', 1),
     (b"[" * 40 + b"]" * 40, 40), (b"[{}, {}, {}]", 2)],
)  # fmt: skip
def test_nesting_counts_brackets_outside_strings(body, depth):
    assert nesting(body) == depth
    assert too_deep(body) == (depth > MAX_DEPTH)
