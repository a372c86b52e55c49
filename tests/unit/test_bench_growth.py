"""How the bench judges growth: one exponent per cost, between the two largest sizes."""

from __future__ import annotations

import pytest

from bench.report import GROWTH_LIMIT, _growth_finding, growths


def _run(size: int, **figures: float) -> dict[str, object]:
    return {"backend": "sqlite", "size": size, "figures": figures}


def test_each_cost_grows_as_its_two_largest_sizes_say_and_a_steep_one_is_named():
    runs = [
        _run(100, feed_s=0.1, report_json_s=0.001),
        _run(1_000, feed_s=1.0, report_json_s=0.01),
        _run(10_000, feed_s=10.0, report_json_s=0.2),  # twenty times for ten times N
    ]
    found = {key: b for b, key, _ in growths(runs)}
    assert found["feed_s"] == pytest.approx(1.0)
    assert found["report_json_s"] == pytest.approx(1.301, abs=1e-3)
    assert max(found.values()) > GROWTH_LIMIT
    (line,) = _growth_finding("SQLite", runs)
    assert "weekly report JSON (a server's first, no memo)" in line
    assert "(N^1.30)" in line
    assert "programme feed build" not in line


def test_linear_costs_and_a_single_size_give_no_growth_finding():
    assert _growth_finding("SQLite", [_run(1_000, feed_s=1.0), _run(10_000, feed_s=10.5)]) == []
    assert _growth_finding("SQLite", [_run(1_000, feed_s=1.0)]) == []
    assert growths([_run(1_000, feed_s=1.0)]) == []
