"""Fuzzy Dutch planning text to windows (DESIGN §3), against hand-computed dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.domain.model import Kind, Span, Stage, Window
from tracker.domain.windows import parse_window
from tracker.readers.annex import Annex, parse_annex

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
SEED_ANNEX = SEED_DIR / "bijlage-beleidsnota-digitalisering-2024-2029.txt"

D = date
Alts = tuple[tuple[date | None, date], ...]


def spans(alternatives: Alts) -> tuple[Span, ...]:
    return tuple(Span(earliest, latest) for earliest, latest in alternatives)


# (text, earliest, latest, alternatives or None when the window is a single span)
CASES: list[tuple[str, date | None, date, Alts | None]] = [
    # an exact day
    ("12 november 2025", D(2025, 11, 12), D(2025, 11, 12), None),
    ("1 januari 2026", D(2026, 1, 1), D(2026, 1, 1), None),
    ("29 februari 2024", D(2024, 2, 29), D(2024, 2, 29), None),
    # a month
    ("januari 2025", D(2025, 1, 1), D(2025, 1, 31), None),
    ("februari 2025", D(2025, 2, 1), D(2025, 2, 28), None),
    ("februari 2024", D(2024, 2, 1), D(2024, 2, 29), None),
    ("september 2025", D(2025, 9, 1), D(2025, 9, 30), None),
    # begin / medio / eind of a month
    ("begin maart 2025", D(2025, 3, 1), D(2025, 3, 10), None),
    ("medio maart 2025", D(2025, 3, 11), D(2025, 3, 20), None),
    ("eind maart 2025", D(2025, 3, 21), D(2025, 3, 31), None),
    ("eind februari 2024", D(2024, 2, 21), D(2024, 2, 29), None),
    ("eind februari 2025", D(2025, 2, 21), D(2025, 2, 28), None),
    ("eind april 2025", D(2025, 4, 21), D(2025, 4, 30), None),
    ("eind juni 2026", D(2026, 6, 21), D(2026, 6, 30), None),
    ("medio januari 2025", D(2025, 1, 11), D(2025, 1, 20), None),
    # begin / medio / eind of a year
    ("begin 2026", D(2026, 1, 1), D(2026, 3, 31), None),
    ("medio 2026", D(2026, 5, 1), D(2026, 8, 31), None),
    ("eind 2026", D(2026, 10, 1), D(2026, 12, 31), None),
    # meteorological seasons
    ("voorjaar 2026", D(2026, 3, 1), D(2026, 5, 31), None),
    ("lente 2026", D(2026, 3, 1), D(2026, 5, 31), None),
    ("zomer 2026", D(2026, 6, 1), D(2026, 8, 31), None),
    ("najaar 2026", D(2026, 9, 1), D(2026, 11, 30), None),
    ("herfst 2026", D(2026, 9, 1), D(2026, 11, 30), None),
    # winter starts in December of its year and crosses into the next
    ("winter 2026", D(2026, 12, 1), D(2027, 2, 28), None),
    ("winter 2027", D(2027, 12, 1), D(2028, 2, 29), None),
    ("winter 2023", D(2023, 12, 1), D(2024, 2, 29), None),
    # begin / eind of a season: its first / last month
    ("begin najaar 2025", D(2025, 9, 1), D(2025, 9, 30), None),
    ("eind voorjaar 2025", D(2025, 5, 1), D(2025, 5, 31), None),
    ("begin zomer 2025", D(2025, 6, 1), D(2025, 6, 30), None),
    ("eind herfst 2025", D(2025, 11, 1), D(2025, 11, 30), None),
    ("begin winter 2025", D(2025, 12, 1), D(2025, 12, 31), None),
    ("eind winter 2025", D(2026, 2, 1), D(2026, 2, 28), None),
    ("eind winter 2027", D(2028, 2, 1), D(2028, 2, 29), None),
    # halves
    ("eerste helft 2026", D(2026, 1, 1), D(2026, 6, 30), None),
    ("tweede helft 2026", D(2026, 7, 1), D(2026, 12, 31), None),
    # quarters
    ("Q3 2026", D(2026, 7, 1), D(2026, 9, 30), None),
    ("derde kwartaal 2026", D(2026, 7, 1), D(2026, 9, 30), None),
    ("Q1 2025", D(2025, 1, 1), D(2025, 3, 31), None),
    ("vierde kwartaal 2025", D(2025, 10, 1), D(2025, 12, 31), None),
    # the closing plenaries before the summer recess
    ("vlak voor zomerreces 2025", D(2025, 7, 1), D(2025, 7, 20), None),
    ("vlak voor het zomerreces 2025", D(2025, 7, 1), D(2025, 7, 20), None),
    # deadlines: open start, latest = end of X
    ("uiterlijk oktober 2025", None, D(2025, 10, 31), None),
    ("tegen eind 2025", None, D(2025, 12, 31), None),
    ("ten laatste 12 november 2025", None, D(2025, 11, 12), None),
    ("uiterlijk medio maart 2025", None, D(2025, 3, 20), None),
    ("uiterlijk eind februari 2024", None, D(2024, 2, 29), None),
    # between: start of X to end of Y
    ("tussen januari 2025 en juni 2025", D(2025, 1, 1), D(2025, 6, 30), None),
    ("tussen maart en mei 2025", D(2025, 3, 1), D(2025, 5, 31), None),
    ("tussen medio 2025 en begin 2026", D(2025, 5, 1), D(2026, 3, 31), None),
    ("tussen 15 september 2025 en eind oktober 2025", D(2025, 9, 15), D(2025, 10, 31), None),
    # alternatives: window = start of first - end of last, each alternative kept
    (
        "juli of november 2025",
        D(2025, 7, 1),
        D(2025, 11, 30),
        ((D(2025, 7, 1), D(2025, 7, 31)), (D(2025, 11, 1), D(2025, 11, 30))),
    ),
    (
        "maart 2025 ofwel mei 2025",
        D(2025, 3, 1),
        D(2025, 5, 31),
        ((D(2025, 3, 1), D(2025, 3, 31)), (D(2025, 5, 1), D(2025, 5, 31))),
    ),
    (
        "eind 2025, begin 2026",
        D(2025, 10, 1),
        D(2026, 3, 31),
        ((D(2025, 10, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 3, 31))),
    ),
    (
        "maart, mei of juli 2025",
        D(2025, 3, 1),
        D(2025, 7, 31),
        (
            (D(2025, 3, 1), D(2025, 3, 31)),
            (D(2025, 5, 1), D(2025, 5, 31)),
            (D(2025, 7, 1), D(2025, 7, 31)),
        ),
    ),
    (
        "vlak voor zomerreces 2025 ofwel uiterlijk oktober 2025",
        D(2025, 7, 1),
        D(2025, 10, 31),
        ((D(2025, 7, 1), D(2025, 7, 20)), (None, D(2025, 10, 31))),
    ),
    (
        "vlak voor zomerreces of oktober 2025",
        D(2025, 7, 1),
        D(2025, 10, 31),
        ((D(2025, 7, 1), D(2025, 7, 20)), (D(2025, 10, 1), D(2025, 10, 31))),
    ),
    (
        "uiterlijk oktober 2025 of december 2025",
        None,
        D(2025, 12, 31),
        ((None, D(2025, 10, 31)), (D(2025, 12, 1), D(2025, 12, 31))),
    ),
    # parts without a year take the year of the nearest part that has one
    (
        "voorjaar of medio 2025",
        D(2025, 3, 1),
        D(2025, 8, 31),
        ((D(2025, 3, 1), D(2025, 5, 31)), (D(2025, 5, 1), D(2025, 8, 31))),
    ),
    (
        "medio of begin najaar 2025",
        D(2025, 5, 1),
        D(2025, 9, 30),
        ((D(2025, 5, 1), D(2025, 8, 31)), (D(2025, 9, 1), D(2025, 9, 30))),
    ),
    (
        "oktober 2025, november of januari of maart 2026",
        D(2025, 10, 1),
        D(2026, 3, 31),
        (
            (D(2025, 10, 1), D(2025, 10, 31)),
            (D(2025, 11, 1), D(2025, 11, 30)),
            (D(2026, 1, 1), D(2026, 1, 31)),
            (D(2026, 3, 1), D(2026, 3, 31)),
        ),
    ),
]


# Suspected bug: `_season_part` adds the position to the season's first month (12 + 2 = 14 for
# "eind winter"), so the last month of a winter is not read as February of the next year.


def _params(cases: list[tuple[str, date | None, date, Alts | None]]) -> list:
    return [pytest.param(*case, id=case[0]) for case in cases]


@pytest.mark.parametrize(("text", "earliest", "latest", "alternatives"), _params(CASES))
def test_parse_window(
    text: str, earliest: date | None, latest: date, alternatives: Alts | None
) -> None:
    window = parse_window(text)

    assert window.text == text
    assert window.parsed
    assert (window.earliest, window.latest) == (earliest, latest)
    expected = spans(alternatives) if alternatives else (Span(earliest, latest),)
    assert window.alternatives == expected


def test_original_casing_is_kept_in_the_text() -> None:
    window = parse_window("Medio Januari 2025")

    assert window.text == "Medio Januari 2025"
    assert (window.earliest, window.latest) == (D(2025, 1, 11), D(2025, 1, 20))


UNREADABLE = [
    "binnenkort",
    # a borrowed year would put the parts out of order: reading it either way is a guess
    "eind december of januari 2026",
    "na goedkeuring door de minister",
    "31 april 2025",
    "30 februari 2025",
    "29 februari 2025",
    "september",
    "juli of november",
    "voorjaar of binnenkort 2025",
    "",
    "Afhankelijk van het Europese kader",
    "2025-13-01",
    "tussen mei 2025 en maart 2025",
]


@pytest.mark.parametrize("text", UNREADABLE, ids=[t or "<empty>" for t in UNREADABLE])
def test_unreadable_text_is_kept_verbatim_and_never_turned_into_a_date(text: str) -> None:
    window = parse_window(text)

    assert window.text == text
    assert window.parsed is False
    assert window.earliest is None
    assert window.latest is None
    assert window.alternatives == ()
    assert window.target is None


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("12 november 2025", D(2025, 11, 12)),
        ("januari 2025", D(2025, 1, 16)),  # 31 days: day 16 is the middle
        ("begin maart 2025", D(2025, 3, 5)),  # 1..10: middle 5.5, rounded down
        ("februari 2024", D(2024, 2, 15)),  # 1..29
        ("voorjaar 2026", D(2026, 4, 15)),  # 92 days: 1 March + 45
        ("eind 2025, begin 2026", D(2025, 12, 30)),  # 182 days: 1 October + 90
        ("uiterlijk oktober 2025", D(2025, 10, 31)),  # open start: the latest day
        ("ten laatste 12 november 2025", D(2025, 11, 12)),
    ],
)
def test_target_is_the_middle_rounded_down_or_latest_for_an_open_start(
    text: str, target: date
) -> None:
    assert parse_window(text).target == target


def test_target_of_hand_built_windows() -> None:
    assert Window("x", D(2025, 1, 1), D(2025, 1, 2)).target == D(2025, 1, 1)
    assert Window("x", D(2025, 1, 1), D(2025, 1, 3)).target == D(2025, 1, 2)
    assert Window("x", None, D(2025, 6, 30)).target == D(2025, 6, 30)
    assert Window("x").target is None
    assert Window.exact(D(2025, 5, 9)).target == D(2025, 5, 9)


# --- every planning line of the seed annex --------------------------------------------------

FA, SA, FIN = Stage.FIRST_APPROVAL, Stage.SECOND_APPROVAL, Stage.FINAL_APPROVAL
PARL, RAT, PUB = Stage.PARLIAMENT, Stage.RATIFICATION, Stage.PUBLICATION

JULY_OR_NOVEMBER_2025 = ((D(2025, 7, 1), D(2025, 7, 31)), (D(2025, 11, 1), D(2025, 11, 30)))
RECESS_OR_OCTOBER_2025 = ((D(2025, 7, 1), D(2025, 7, 20)), (D(2025, 10, 1), D(2025, 10, 31)))
NAJAAR_2025 = (D(2025, 9, 1), D(2025, 11, 30))
VOORJAAR_2025 = (D(2025, 3, 1), D(2025, 5, 31))
MEDIO_2025 = (D(2025, 5, 1), D(2025, 8, 31))
NAJAAR_2026 = (D(2026, 9, 1), D(2026, 11, 30))
VOORJAAR_2026 = (D(2026, 3, 1), D(2026, 5, 31))
VOORJAAR_2027 = (D(2027, 3, 1), D(2027, 5, 31))
MEDIO_2027 = (D(2027, 5, 1), D(2027, 8, 31))
EIND_2025 = (D(2025, 10, 1), D(2025, 12, 31))

# Kind of each initiative of the seed annex, in order.
SEED_KINDS = [Kind.DECREE] * 7 + [Kind.ORDER] * 4

# (initiative index, stage, when, (earliest, latest), alternatives or None for a single span)
SEED_LINES: list[tuple[int, Stage, str, tuple[date | None, date], Alts | None]] = [
    # 0: KLIP/GIPOD decree (gigabitinfrastructuurverordening)
    (0, FA, "medio januari 2025", (D(2025, 1, 11), D(2025, 1, 20)), None),
    (0, SA, "begin maart 2025", (D(2025, 3, 1), D(2025, 3, 10)), None),
    (0, FIN, "medio april 2025", (D(2025, 4, 11), D(2025, 4, 20)), None),
    (
        0,
        PARL,
        "vlak voor zomerreces 2025 ofwel uiterlijk oktober 2025",
        (D(2025, 7, 1), D(2025, 10, 31)),
        ((D(2025, 7, 1), D(2025, 7, 20)), (None, D(2025, 10, 31))),
    ),
    (0, RAT, "juli of november 2025", (D(2025, 7, 1), D(2025, 11, 30)), JULY_OR_NOVEMBER_2025),
    (0, PUB, "najaar 2025", NAJAAR_2025, None),
    # 1: Vlaamse data-autoriteit decree
    (1, FA, "februari 2025", (D(2025, 2, 1), D(2025, 2, 28)), None),
    (1, SA, "april 2025", (D(2025, 4, 1), D(2025, 4, 30)), None),
    (1, FIN, "medio 2025", MEDIO_2025, None),
    (1, PARL, "najaar 2025", NAJAAR_2025, None),
    (1, RAT, "eind 2025", EIND_2025, None),
    (
        1,
        PUB,
        "eind 2025, begin 2026",
        (D(2025, 10, 1), D(2026, 3, 31)),
        (EIND_2025, (D(2026, 1, 1), D(2026, 3, 31))),
    ),
    # 2: CRAB / organisatieregister decree
    (2, FA, "januari 2025", (D(2025, 1, 1), D(2025, 1, 31)), None),
    (2, SA, "maart 2025", (D(2025, 3, 1), D(2025, 3, 31)), None),
    (2, FIN, "eind april 2025", (D(2025, 4, 21), D(2025, 4, 30)), None),
    (
        2,
        PARL,
        "vlak voor zomerreces of oktober 2025",
        (D(2025, 7, 1), D(2025, 10, 31)),
        RECESS_OR_OCTOBER_2025,
    ),
    (2, RAT, "juli of november 2025", (D(2025, 7, 1), D(2025, 11, 30)), JULY_OR_NOVEMBER_2025),
    (2, PUB, "najaar 2025", NAJAAR_2025, None),
    # 3: DAO decree
    (3, FA, "eind januari 2025", (D(2025, 1, 21), D(2025, 1, 31)), None),
    (3, SA, "medio maart 2025", (D(2025, 3, 11), D(2025, 3, 20)), None),
    (3, FIN, "eind april 2025", (D(2025, 4, 21), D(2025, 4, 30)), None),
    (
        3,
        PARL,
        "vlak voor zomerreces 2025 of oktober 2025",
        (D(2025, 7, 1), D(2025, 10, 31)),
        RECESS_OR_OCTOBER_2025,
    ),
    (3, RAT, "juli of november 2025", (D(2025, 7, 1), D(2025, 11, 30)), JULY_OR_NOVEMBER_2025),
    (
        3,
        PUB,
        "september of november 2025",
        (D(2025, 9, 1), D(2025, 11, 30)),
        ((D(2025, 9, 1), D(2025, 9, 30)), (D(2025, 11, 1), D(2025, 11, 30))),
    ),
    # 4: Vlaams Mandatensysteem decree
    (4, FA, "maart 2025", (D(2025, 3, 1), D(2025, 3, 31)), None),
    (4, SA, "mei 2025", (D(2025, 5, 1), D(2025, 5, 31)), None),
    (4, FIN, "juli 2025", (D(2025, 7, 1), D(2025, 7, 31)), None),
    (4, PARL, "november 2025", (D(2025, 11, 1), D(2025, 11, 30)), None),
    (4, RAT, "december 2025", (D(2025, 12, 1), D(2025, 12, 31)), None),
    (4, PUB, "december 2025", (D(2025, 12, 1), D(2025, 12, 31)), None),
    # 5: Vlaams Centrum voor Digitale Veiligheid decree
    (5, FA, "najaar 2025", NAJAAR_2025, None),
    (5, SA, "voorjaar 2026", VOORJAAR_2026, None),
    (5, FIN, "voorjaar 2026", VOORJAAR_2026, None),
    (5, PARL, "najaar 2026", NAJAAR_2026, None),
    (5, RAT, "najaar 2026", NAJAAR_2026, None),
    (5, PUB, "eind 2026", (D(2026, 10, 1), D(2026, 12, 31)), None),
    # 6: proactieve dienstverlening decree
    (6, FA, "najaar 2026", NAJAAR_2026, None),
    (6, SA, "najaar 2026", NAJAAR_2026, None),
    (6, FIN, "voorjaar 2027", VOORJAAR_2027, None),
    (6, PARL, "voorjaar 2027", VOORJAAR_2027, None),
    (6, RAT, "medio 2027", MEDIO_2027, None),
    (6, PUB, "medio 2027", MEDIO_2027, None),
    # 7: order on bestuursdocumenten
    (7, FA, "voorjaar 2025", VOORJAAR_2025, None),
    (
        7,
        SA,
        "voorjaar of medio 2025",
        (D(2025, 3, 1), D(2025, 8, 31)),
        (VOORJAAR_2025, MEDIO_2025),
    ),
    (
        7,
        FIN,
        "medio of begin najaar 2025",
        (D(2025, 5, 1), D(2025, 9, 30)),
        (MEDIO_2025, (D(2025, 9, 1), D(2025, 9, 30))),
    ),
    (7, PUB, "najaar 2025", NAJAAR_2025, None),
    # 8: order on functionarissen voor gegevensbescherming
    (8, FA, "voorjaar 2025", VOORJAAR_2025, None),
    (8, SA, "medio 2025", MEDIO_2025, None),
    (8, FIN, "najaar 2025", NAJAAR_2025, None),
    (8, PUB, "najaar 2025", NAJAAR_2025, None),
    # 9: order on the agency Digitaal Vlaanderen
    (9, FA, "voorjaar 2025", VOORJAAR_2025, None),
    (9, SA, "medio 2025", MEDIO_2025, None),
    (9, FIN, "najaar 2025", NAJAAR_2025, None),
    (9, PUB, "najaar 2025", NAJAAR_2025, None),
    # 10: order on authentieke gegevensbronnen (final approval planned before the second one)
    (10, FA, "eind 2025", EIND_2025, None),
    (10, SA, "voorjaar 2026", VOORJAAR_2026, None),
    (10, FIN, "najaar 2025", NAJAAR_2025, None),
    (10, PUB, "medio 2026", (D(2026, 5, 1), D(2026, 8, 31)), None),
]


@pytest.fixture(scope="module")
def seed_annex() -> Annex:
    return parse_annex(SEED_ANNEX.read_text(encoding="utf-8"), source=SEED_ANNEX.name)


def test_seed_annex_has_eleven_initiatives_of_the_expected_kinds(seed_annex: Annex) -> None:
    assert [d.initiative.kind for d in seed_annex.drafts] == SEED_KINDS


def test_seed_table_covers_every_planning_line(seed_annex: Annex) -> None:
    assert len(SEED_LINES) == 7 * 6 + 4 * 4 == 58
    parsed = [(i, sl.stage) for i, d in enumerate(seed_annex.drafts) for sl in d.stage_lines]
    assert parsed == [(i, stage) for i, stage, *_ in SEED_LINES]


@pytest.mark.parametrize(
    ("index", "stage", "when", "bounds", "alternatives"),
    SEED_LINES,
    ids=[f"{i}-{stage.value}" for i, stage, *_ in SEED_LINES],
)
def test_seed_planning_line(
    seed_annex: Annex,
    index: int,
    stage: Stage,
    when: str,
    bounds: tuple[date | None, date],
    alternatives: Alts | None,
) -> None:
    line = next(sl for sl in seed_annex.drafts[index].stage_lines if sl.stage is stage)

    assert line.when == when
    assert line.window.text == when
    assert line.window.parsed
    assert (line.window.earliest, line.window.latest) == bounds
    assert line.window.alternatives == spans(alternatives or (bounds,))
