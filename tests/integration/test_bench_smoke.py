"""The benchmark's pieces on a tiny programme: shapes only, never timings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import measure
from bench.__main__ import _previous_run
from bench.databases import loaded_sqlite, sqlite_url
from bench.generate import parse, programme
from bench.plot import write_plot
from bench.report import _speed_against, machine_speed, write_report
from tracker.domain.clock import utc_now
from tracker.domain.windows import parse_window
from tracker.store.db import make_engine
from tracker.store.uow import Database


def test_a_programme_is_the_same_for_a_seed_and_reads_as_an_annex() -> None:
    first, again, other = programme(12, seed=3), programme(12, seed=3), programme(12, seed=4)
    assert first.annexes == again.annexes
    assert first.annexes != other.annexes
    annex = parse(first.annexes[0], 0)
    assert len(annex.drafts) == 12
    assert {d.initiative.kind.value for d in annex.drafts} == {"decree", "order"}
    windows = [sl.window for d in annex.drafts for sl in d.stage_lines]
    assert all(w.parsed for w in windows)
    assert all(parse_window(w.text).latest == w.latest for w in windows)
    assert all(d.initiative.entities for d in annex.drafts)


def test_the_measurements_and_their_report(tmp_path: Path) -> None:
    prog = programme(5, seed=1)
    source, loaded, cached = loaded_sqlite(prog, tmp_path, cache=False)
    assert not cached
    assert loaded.initiatives == 5
    assert loaded.refused == 0
    database = Database(make_engine(sqlite_url(source)))
    now = utc_now()
    try:
        figures = {
            **measure.forecast_refresh(database, now),
            **measure.weekly(database, now),
            **measure.programme_feed(database, now),
            **measure.reads(database),
            **measure.transition_profile(database, steps=6),
        }
    finally:
        database.dispose()
    timed = ("refresh_first_s", "report_json_s", "report_html_s", "report_json_kept_s",
             "report_html_kept_s", "report_memo_mb", "feed_s", "feed_floor_s",
             "feed_304_s", "feed_get_s", "list_cpu_s", "detail_cpu_s", "step_cpu_s",
             "events_catch_up_cpu_s")  # fmt: skip
    for key in timed:
        assert figures[key] > 0, key
    assert figures["feed_events"] == figures["feed_floor_events"] > 0
    assert set(figures["step_parts_s"]) >= {"saving (Core updates)", "commit"}
    assert figures["report_html_bytes"] > 0
    assert figures["report_json_bytes"] > 0
    parse = {"size": 5, **measure.annex_parsing(prog)}
    results = {
        "machine": {"cpu": "test", "cores": 2, "memory_gb": 1, "os": "test", "python": "3",
                    "sqlite": "3", "postgresql": None, "wrk": "wrk", "packages": {}},
        "settings": {"sizes": [5], "seed": 1, "seconds": 1, "workers": 1, "clients": 16,
                     "started": now.isoformat(), "total_s": 1.0},
        "parse": [parse, {**parse, "size": 50}],
        "runs": [
            {"backend": "sqlite", "size": 5, "load": {}, "figures": figures},
            {"backend": "sqlite", "size": 50, "load": {}, "figures": figures},
        ],
    }  # fmt: skip
    write_report(results, results, tmp_path / "results.md")
    write_plot(results, tmp_path / "cost.svg")
    text = (tmp_path / "results.md").read_text()
    assert "## Targets" in text
    assert "weekly report JSON" in text
    assert "## Before and after the changes" in text
    assert "## Where the time goes" in text  # every target is met: the same costs at both N
    assert "## Why targets are missed" not in text
    svg = (tmp_path / "cost.svg").read_text()
    assert svg.startswith("<svg")
    assert "<polyline" in svg
    slower = {**figures, "feed_s": figures["feed_s"] * 1000}  # N^3 from N = 5 to 50
    results["runs"][1] = {"backend": "sqlite", "size": 50, "load": {}, "figures": slower}
    write_report(results, results, tmp_path / "results.md")
    text = (tmp_path / "results.md").read_text()
    assert "| **no** |" in text
    assert "## Why targets are missed" in text


def test_a_run_names_the_speed_of_the_machine_of_the_run_it_replaced(tmp_path: Path) -> None:
    def run(floor: float) -> dict[str, Any]:
        http = {"floor_1k": {"rps": floor}, "floor_1k_after": {"rps": floor + 200}}
        return {"backend": "sqlite", "size": 5, "figures": {"http": http}}

    old = {"settings": {"started": "then"}, "machine": {"python_loop_s": 0.3},
           "runs": [run(8900), run(13900), run(9900)]}  # fmt: skip
    assert machine_speed(old) == {"started": "then", "floor_rps": 10000, "python_loop_s": 0.3}
    (tmp_path / "results.json").write_text(json.dumps(old))
    assert _previous_run(tmp_path / "results.json") == machine_speed(old)
    assert _previous_run(tmp_path / "missing.json") is None
    (tmp_path / "broken.json").write_text("{")
    assert _previous_run(tmp_path / "broken.json") is None

    new = {"settings": {"started": "now"}, "machine": {}, "runs": [run(2900)],
           "previous_run": machine_speed(old)}  # fmt: skip
    [line] = _speed_against(new)
    assert "(then) served the 1 KB floor at 10,000/s" in line
    assert "its loop of Python additions 0.30 s" in line
    assert "this run 3,000/s" in line
    assert _speed_against({**new, "previous_run": None}) == []


def test_a_loaded_programme_copies_to_postgresql(tmp_path: Path) -> None:
    """Large programmes reach PostgreSQL as a copy of their SQLite database."""
    from sqlalchemy import func, select

    from bench.databases import copy_rows
    from tests.conftest import _postgres
    from tracker.store import migrate
    from tracker.store.tables import EventRow, FeedEventRow, InitiativeRow

    source, loaded, _ = loaded_sqlite(programme(5, seed=1), tmp_path, cache=False)
    for target in _postgres():
        migrate.upgrade(target.engine)
        copy_rows(make_engine(sqlite_url(source)), target.engine)
        reading = make_engine(sqlite_url(source))
        try:
            for row in (InitiativeRow, EventRow, FeedEventRow):
                query = select(func.count()).select_from(row)
                with reading.connect() as one, target.engine.connect() as other:
                    assert one.scalar(query) == other.scalar(query) > 0
        finally:
            reading.dispose()
        with target.uow() as uow:
            before = uow.generation()
        with target.uow() as uow:  # the copy's counter still counts
            uow.feeds.synced(1, 99)
            uow.commit()
        with target.uow() as uow:
            assert uow.generation() != before
    assert loaded.initiatives == 5
