"""`tracker backup` while writers write, `tracker restore`, and what both refuse (SQLite)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, clock_env
from tests.consistency import database_problems, dump, logs
from tests.server import seeded_database_url
from tracker.app.cli import main
from tracker.domain.access import Principal, Role
from tracker.domain.clock import utc_now
from tracker.domain.errors import TrackerError
from tracker.services.steps import record_event
from tracker.store.db import make_engine
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import Database

TRACKER = ROOT / ".venv" / "bin" / "tracker"
WRITER = Principal("backup-writer", Role.COORDINATOR)


@dataclass
class Live:
    url: str
    path: Path
    database: Database
    env: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """The seeded SQLite database that the `tracker` command works on."""
    with ExitStack() as stack:
        url = seeded_database_url(stack, "sqlite", tmp_path)
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        database = Database(make_engine(url))
        yield Live(url, tmp_path / "server.sqlite3", database, {**os.environ, **clock_env()})
        database.dispose()


def _tracker(live: Live, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRACKER, *args], env=live.env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def _refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one-line error of a `tracker` command that must fail."""
    assert main(list(args)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("tracker: error: ")
    assert captured.err.count("\n") == 1
    return captured.err


class Writers:
    """Threads that record hold and resume steps, each on its own initiatives, until stopped."""

    def __init__(self, database: Database, slugs: list[str], threads: int = 3) -> None:
        self.database = database
        self.committed = 0
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._threads = [
            threading.Thread(target=self._write, args=(slugs[i::threads],), daemon=True)
            for i in range(threads)
        ]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._halt.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def wait_for(self, commits: int) -> None:
        deadline = time.monotonic() + 30
        while self.committed < commits and not self.errors:
            assert time.monotonic() < deadline, "the writers did not get going"
            time.sleep(0.01)
        assert self.errors == []

    def _write(self, slugs: list[str]) -> None:
        try:
            while not self._halt.is_set():
                for slug in slugs:
                    with self.database.uow() as uow:
                        initiative = uow.initiatives.get(slug)
                        assert initiative is not None
                        held = initiative.state == "on_hold"
                        record_event(
                            uow,
                            slug,
                            event="resume" if held else "hold",
                            occurred_on=date(2025, 1, 6),
                            reference=None,
                            note="back-up test",
                            principal=WRITER,
                            expected_version=initiative.version,
                            now=utc_now(),
                        )
                        uow.commit()
                    with self._lock:
                        self.committed += 1
        except (TrackerError, AssertionError) as exc:
            self.errors.append(exc)


def test_a_backup_made_under_writes_is_one_consistent_moment_and_restores_exactly(live, tmp_path):
    with live.database.uow() as uow:
        slugs = [i.slug for i in uow.initiatives.all(InitiativeFilter())]
    target = tmp_path / "backup.sqlite3"
    with Writers(live.database, slugs) as writers:
        writers.wait_for(30)
        before = writers.committed
        made = _tracker(live, "backup", str(target))
        after = writers.committed
        writers.wait_for(after + 10)  # still writing once the backup is done
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"{target}: backup of {live.path}")
    assert writers.errors == []
    assert after > before, "the writers should have written while the backup ran"

    # One self-contained file (no WAL mode, which would need a -wal beside it), checked as is.
    with sqlite3.connect(target) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()
    copy = Database(make_engine(f"sqlite:///{target}"))
    try:
        assert database_problems(copy) == []
        backed_up, final = logs(copy), logs(live.database)
        steps = sum(len(events) - 1 for events, _ in backed_up.values())
        assert before <= steps <= after
        for slug, (events, changes) in backed_up.items():
            assert events == final[slug][0][: len(events)], slug
            assert changes == final[slug][1][: len(changes)], slug
        backup_rows = dump(copy)
    finally:
        copy.dispose()
    live_rows = dump(live.database)
    assert live_rows != backup_rows

    live.database.dispose()  # no connection may stay open on the file that restore replaces
    restored = _tracker(live, "restore", str(target))
    assert restored.returncode == 0, restored.stderr
    assert "the previous database is kept as" in restored.stdout
    assert dump(live.database) == backup_rows
    kept = Database(make_engine(f"sqlite:///{live.path}.before-restore"))
    try:
        assert dump(kept) == live_rows
    finally:
        kept.dispose()
    assert database_problems(live.database) == []


def test_restore_refuses_while_the_database_is_open(live, tmp_path, capsys):
    target = tmp_path / "backup.sqlite3"
    assert main(["backup", str(target)]) == 0
    capsys.readouterr()
    before = dump(live.database)  # leaves a connection open in the pool, like a server's
    error = _refused(capsys, "restore", str(target))
    assert "is in use" in error
    assert dump(live.database) == before
    assert not Path(f"{live.path}.before-restore").exists()


def _damaged(backup: Path) -> None:
    data = bytearray(backup.read_bytes())
    page = 4096
    data[page * 20 : page * 21] = bytes(page)
    backup.write_bytes(bytes(data))


def _unknown_revision(backup: Path) -> None:
    with sqlite3.connect(backup) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()


def _no_schema(backup: Path) -> None:
    backup.unlink()
    sqlite3.connect(backup).close()


def _text(backup: Path) -> None:
    backup.write_text("Regelgeving - Voorontwerp van decreet\n")


def _with_a_wal(backup: Path) -> None:
    Path(f"{backup}-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(28))


SPOILED = {
    # Depending on the page hit, the integrity check reports it or SQLite cannot read on.
    "damaged": (_damaged, r"damaged database \(integrity check|database disk image is malformed"),
    "unknown revision": (_unknown_revision, "schema revision 9999 is not one"),
    "no schema": (_no_schema, r"not a tracker database \(no tracker schema\)"),
    "text": (_text, r"not a tracker database \(file is not a database\)"),
    "with a write-ahead log": (_with_a_wal, "has a write-ahead log beside it"),
}


@pytest.mark.parametrize("spoiled", list(SPOILED))
def test_restore_refuses_a_file_that_is_not_a_sound_tracker_database(
    live, tmp_path, capsys, spoiled
):
    target = tmp_path / "backup.sqlite3"
    assert main(["backup", str(target)]) == 0
    capsys.readouterr()
    spoil, message = SPOILED[spoiled]
    spoil(target)
    before = dump(live.database)
    live.database.dispose()
    assert re.search(message, _refused(capsys, "restore", str(target)))
    assert dump(live.database) == before
    assert not Path(f"{live.path}.before-restore").exists()


def test_backup_refuses_to_overwrite_a_file(live, tmp_path, capsys):
    target = tmp_path / "backup.sqlite3"
    target.write_text("an earlier backup")
    assert "exists already" in _refused(capsys, "backup", str(target))
    assert target.read_text() == "an earlier backup"


def test_a_second_restore_keeps_the_first_kept_database(live, tmp_path, capsys):
    target = tmp_path / "backup.sqlite3"
    assert main(["backup", str(target)]) == 0
    live.database.dispose()
    assert main(["restore", str(target)]) == 0
    kept = Path(f"{live.path}.before-restore")
    first = kept.read_bytes()
    capsys.readouterr()
    assert "move it away first" in _refused(capsys, "restore", str(target))
    assert kept.read_bytes() == first


def test_a_restore_replaces_a_file_that_is_no_database(live, tmp_path, capsys):
    target = tmp_path / "backup.sqlite3"
    assert main(["backup", str(target)]) == 0
    live.database.dispose()
    live.path.write_bytes(b"garbage " * 1000)
    assert main(["restore", str(target)]) == 0
    assert Path(f"{live.path}.before-restore").read_bytes() == b"garbage " * 1000
    assert database_problems(live.database) == []


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_postgresql_is_pointed_to_its_own_tools(monkeypatch, tmp_path, capsys, command, tool):
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    error = _refused(capsys, command, str(tmp_path / "backup.sqlite3"))
    assert f"for PostgreSQL use {tool}" in error
    assert list(tmp_path.iterdir()) == []
