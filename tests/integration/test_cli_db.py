"""`tracker db upgrade` and `tracker seed` from the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import BACKENDS, POSTGRES_URL, SEED_ANNEX, postgres_schema
from tests.integration.test_store import _dump
from tracker.app.cli import main
from tracker.store.db import make_engine
from tracker.store.uow import Database


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch) -> Iterator[str]:
    """TRACKER_DATABASE_URL pointing at an empty database (a fresh schema on PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        yield url
        return
    with postgres_schema() as schema:
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        yield url


def test_seed_needs_the_schema_first(database_url: str, capsys):
    assert main(["seed"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "tracker: error: the database schema is not up to date: run 'tracker db upgrade' first"
    )


def test_upgrade_then_seed_twice_changes_nothing_the_second_time(database_url: str, capsys):
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    assert main(["seed"]) == 0
    out = capsys.readouterr().out
    assert "database at revision 0010" in out
    assert f"{SEED_ANNEX.name}: 11 created, 0 unchanged" in out
    database = Database(make_engine(database_url))
    before = _dump(database)
    assert main(["seed", "--actor", "second run"]) == 0
    assert f"{SEED_ANNEX.name}: 0 created, 11 unchanged" in capsys.readouterr().out
    assert _dump(database) == before
    database.dispose()


def test_a_bad_seed_folder_is_one_line_and_writes_nothing(database_url: str, tmp_path, capsys):
    assert main(["db", "upgrade"]) == 0
    bad = tmp_path / "seed"
    bad.mkdir()
    (bad / "annex.txt").write_text(
        "Regelgeving - Voorontwerp van decreet tot iets\n\nIndicatieve planning:\n\n"
        "Eerste principiële goedkeuring VR: maart 2025\n\nLancering website: mei 2025\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["seed", "--dir", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "annex.txt: line 7: unknown stage in planning line 'Lancering website: mei 2025'" in err
    assert main(["seed", "--dir", str(tmp_path / "missing")]) == 1
    assert "no such folder" in capsys.readouterr().err
    database = Database(make_engine(database_url))
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM initiative")).scalar() == 0
    database.dispose()


def test_an_unreachable_database_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tracker: database error:")
    assert err.count("\n") == 1
