"""Event lines are folded without icalendar's per-character loop, exactly as icalendar folds."""

from __future__ import annotations

import icalendar
from hypothesis import given
from hypothesis import strategies as st
from icalendar.parser.string import _foldline as icalendar_fold  # private since icalendar 7

from tracker.outputs.ical import _serialized, fold

# Long lines of ASCII, escapes and characters of two, three and four UTF-8 octets.
CHARACTERS = st.sampled_from(list("ab ,;:\\^nëé–…€日😀"))
LINES = st.lists(CHARACTERS, max_size=400).map("".join)


@given(LINES)
def test_lines_fold_as_icalendar_folds_them(line: str) -> None:
    assert fold(line) == icalendar_fold(line)


@given(LINES)
def test_folded_lines_unfold_to_the_line_and_stay_within_75_octets(line: str) -> None:
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))


def test_an_event_reads_back_as_written() -> None:
    event = icalendar.Event()
    description = "Planning: medio januari 2025\nStatus: Op schema; ok, klaar – " + "é" * 80
    event.add("summary", "Eerste principiële goedkeuring: " + "日本" * 40)
    event.add("description", description)
    text = _serialized(event)
    assert text == event.to_ical().decode()
    assert icalendar.Event.from_ical(text)["description"] == description
