"""Fuzzy Dutch planning text ("medio januari 2025", "juli of november 2025") to windows.

The grammar follows DESIGN §3 and is table-driven: `PATTERNS` lists every phrasing this module
reads, each with the function that turns it into a period. Text that matches none of them is kept
verbatim with an unparsed window: a planning date is never guessed.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tracker.domain.bounds import OutOfBounds, window_within, year_within
from tracker.domain.model import Span, Window

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

# First month of each meteorological season (KMI); winter starts in December of its year.
SEASONS = {"voorjaar": 3, "lente": 3, "zomer": 6, "najaar": 9, "herfst": 9, "winter": 12}

# Position words: index 0 = begin, 1 = medio, 2 = eind.
POSITIONS = {"begin": 0, "start": 0, "medio": 1, "midden": 1, "half": 1, "eind": 2, "einde": 2}

ORDINALS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_SEASON = "|".join(SEASONS)
_POS = "|".join(POSITIONS)
_YEAR = r"(?:\s+(?:van\s+)?(?P<year>\d{4}))?"


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months(year: int, first: int, count: int) -> Period:
    """`count` whole months from month `first` of `year`; months past December roll over."""
    first_index = year * 12 + first - 1
    last_index = first_index + count - 1
    start = date(first_index // 12, first_index % 12 + 1, 1)
    return Period(start, _month_end(last_index // 12, last_index % 12 + 1))


def _iso_day(m: re.Match[str], year: int) -> Period:
    day = date(year, int(m["month_num"]), int(m["day"]))
    return Period(day, day)


def _day(m: re.Match[str], year: int) -> Period:
    day = date(year, MONTHS[m["month"]], int(m["day"]))
    return Period(day, day)


def _month_part(m: re.Match[str], year: int) -> Period:
    month = MONTHS[m["month"]]
    first, last = ((1, 10), (11, 20), (21, 31))[POSITIONS[m["pos"]]]
    end = min(last, calendar.monthrange(year, month)[1])
    return Period(date(year, month, first), date(year, month, end))


def _month(m: re.Match[str], year: int) -> Period:
    return _months(year, MONTHS[m["month"]], 1)


def _season_part(m: re.Match[str], year: int) -> Period:
    return _months(year, SEASONS[m["season"]] + POSITIONS[m["pos"]], 1)


def _season(m: re.Match[str], year: int) -> Period:
    return _months(year, SEASONS[m["season"]], 3)


def _year_part(m: re.Match[str], year: int) -> Period:
    first, count = ((1, 3), (5, 4), (10, 3))[POSITIONS[m["pos"]]]
    return _months(year, first, count)


def _half(m: re.Match[str], year: int) -> Period:
    return _months(year, 1 if m["half"] == "eerste" else 7, 6)


def _quarter(m: re.Match[str], year: int) -> Period:
    groups = m.groupdict()
    quarter = int(groups["q"]) if groups.get("q") else ORDINALS[groups["ordinal"]]
    return _months(year, 3 * quarter - 2, 3)


def _before_summer_recess(m: re.Match[str], year: int) -> Period:
    # The closing plenaries before the Flemish Parliament's summer recess (about 21 July).
    return Period(date(year, 7, 1), date(year, 7, 20))


def _whole_year(m: re.Match[str], year: int) -> Period:
    return _months(year, 1, 12)


Resolver = Callable[[re.Match[str], int], Period]

# (phrasing, resolver): the first full match wins. A `year` group left empty is filled in from
# the nearest other part of the same text that has one.
PATTERNS: tuple[tuple[re.Pattern[str], Resolver], ...] = tuple(
    (re.compile(pattern), resolver)
    for pattern, resolver in (
        (r"(?P<year>\d{4})-(?P<month_num>\d{2})-(?P<day>\d{2})", _iso_day),
        (rf"(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH}){_YEAR}", _day),
        (rf"(?P<pos>{_POS})\s+(?P<month>{_MONTH}){_YEAR}", _month_part),
        (rf"(?P<month>{_MONTH}){_YEAR}", _month),
        (rf"(?P<pos>{_POS})\s+(?:het\s+)?(?P<season>{_SEASON}){_YEAR}", _season_part),
        (rf"(?:het\s+)?(?P<season>{_SEASON}){_YEAR}", _season),
        (rf"(?P<pos>{_POS}){_YEAR}", _year_part),
        (rf"(?:de\s+)?(?P<half>eerste|tweede)\s+(?:jaar)?helft{_YEAR}", _half),
        (rf"q(?P<q>[1-4]){_YEAR}", _quarter),
        (rf"(?:het\s+)?(?P<ordinal>eerste|tweede|derde|vierde)\s+kwartaal{_YEAR}", _quarter),
        (rf"vlak\s+voor\s+(?:het\s+)?zomerreces{_YEAR}", _before_summer_recess),
        (r"(?:het\s+jaar\s+)?(?P<year>\d{4})", _whole_year),
    )
)

_DEADLINE = re.compile(r"(?:uiterlijk|tegen|ten\s+laatste)\s+(?:in\s+)?(?P<rest>.+)")
_BETWEEN = re.compile(r"tussen\s+(?P<first>.+?)\s+en\s+(?P<second>.+)")
_ALTERNATIVES = re.compile(r"\s*,\s*|\s+ofwel\s+|\s+of\s+")


@dataclass(slots=True)
class _Atom:
    match: re.Match[str]
    resolver: Resolver
    year: int | None


@dataclass(slots=True)
class _Alternative:
    mode: str  # "plain", "deadline" (open start) or "between" (two atoms)
    atoms: list[_Atom]


def normalize(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("–", "-").replace("—", "-").lower()
    return re.sub(r"\s+", " ", text).strip(" .;:,")


def _atom(text: str) -> _Atom | None:
    text = re.sub(r"^in\s+(?:de\s+|het\s+)?", "", text.strip())
    for pattern, resolver in PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            year = m.groupdict().get("year")
            return _Atom(m, resolver, int(year) if year else None)
    return None


def _alternative(text: str) -> _Alternative | None:
    mode, pieces = "plain", [text]
    if m := _DEADLINE.fullmatch(text):
        mode, pieces = "deadline", [m["rest"]]
    elif m := _BETWEEN.fullmatch(text):
        mode, pieces = "between", [m["first"], m["second"]]
    atoms = [_atom(piece) for piece in pieces]
    if any(a is None for a in atoms):
        return None
    return _Alternative(mode, [a for a in atoms if a is not None])


def _fill_years(atoms: list[_Atom]) -> int | None:
    """Give every year-less part the year of the nearest part that has one (the later on a tie).

    Returns how many parts got a year this way, or None when no part has a year at all.
    """
    known = [(i, a.year) for i, a in enumerate(atoms) if a.year is not None]
    if not known:
        return None
    inherited = 0
    for i, atom in enumerate(atoms):
        if atom.year is None:
            atom.year = min(known, key=lambda k: (abs(k[0] - i), -k[0]))[1]
            inherited += 1
    return inherited


def parse_window(text: str) -> Window:
    """Read a Dutch planning text; an unreadable text gives an unparsed window (latest None),
    and so does a text whose dates lie outside the range the tracker accepts
    (tracker.domain.bounds): "najaar 9999" is kept verbatim, never turned into a date."""
    try:
        return read_window(text)
    except OutOfBounds:
        return Window(text.strip())


def read_window(text: str) -> Window:
    """As parse_window, but OutOfBounds for a readable text outside the accepted range, so that
    a caller can say why it is refused."""
    original = text.strip()
    parts = [p for p in _ALTERNATIVES.split(normalize(original)) if p]
    alternatives = [_alternative(p) for p in parts]
    if not parts or any(a is None for a in alternatives):
        return Window(original)
    alts = [a for a in alternatives if a is not None]
    inherited = _fill_years([atom for alt in alts for atom in alt.atoms])
    if inherited is None:
        return Window(original)
    if not all(year_within(atom.year or 0) for alt in alts for atom in alt.atoms):
        raise OutOfBounds(original)  # before any arithmetic on a year such as 9999
    spans: list[Span] = []
    for alt in alts:
        try:
            periods = [atom.resolver(atom.match, atom.year or 0) for atom in alt.atoms]
        except ValueError:  # a day that does not exist, such as 31 april
            return Window(original)
        start, end = periods[0].start, periods[-1].end
        if end < start:
            return Window(original)
        spans.append(Span(None if alt.mode == "deadline" else start, end))
    if inherited and any(b.latest < (a.earliest or a.latest) for a, b in itertools.pairwise(spans)):
        # "december of januari 2026": a borrowed year that puts the parts out of order is a
        # guess either way, so the text stays unread.
        return Window(original)
    starts = [s.earliest for s in spans if s.earliest is not None]
    earliest = None if spans[0].earliest is None else min(starts)
    window = Window(original, earliest, max(s.latest for s in spans), tuple(spans))
    if not window_within(window):  # "winter 2100" ends in February 2101
        raise OutOfBounds(original)
    return window
