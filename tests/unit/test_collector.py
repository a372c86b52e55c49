"""Full collections postponed around a report, and the thresholds restored after."""

from __future__ import annotations

import gc

import pytest

from tracker.outputs.collector import POSTPONED, full_collections_postponed


def test_thresholds_come_back_after_the_last_caller_leaves() -> None:
    before = gc.get_threshold()
    with full_collections_postponed():
        assert gc.get_threshold() == (*before[:2], max(before[2], POSTPONED))
        with full_collections_postponed():  # a second report at the same time
            pass
        assert gc.get_threshold()[2] == max(before[2], POSTPONED)
    assert gc.get_threshold() == before


def test_thresholds_come_back_when_the_report_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(ValueError, match="refused"), full_collections_postponed():
        raise ValueError("refused")
    assert gc.get_threshold() == before
