"""Storage on SQLite and PostgreSQL: migrations, round trips, the append-only event log, seeding."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import NOW, POSTGRES_URL, SEED_ANNEX, SEED_DIR, postgres_schema, token_for
from tracker.domain.model import (
    Event,
    Initiative,
    Kind,
    Milestone,
    PlanChange,
    Span,
    Stage,
    Window,
)
from tracker.readers.annex import AnnexError
from tracker.services.importing import seed
from tracker.store import migrate
from tracker.store.db import make_engine
from tracker.store.generations import ChangeCounterWatcher, DataVersionWatcher
from tracker.store.repository import InitiativeFilter, id_chunks
from tracker.store.tables import Base, EventRow, InitiativeRow
from tracker.store.uow import Database


def _dump(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, for comparing whole databases."""
    tables = sorted(Base.metadata.tables)
    with database.engine.connect() as connection:
        return {
            name: sorted(
                (tuple(row) for row in connection.execute(text(f"SELECT * FROM {name}"))),
                key=repr,
            )
            for name in tables
        }


def test_migrations_create_the_schema_of_the_models(database: Database):
    assert migrate.current_revision(database.engine) == migrate.head_revision()
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_the_short_titles_migration_gives_stored_initiatives_distinct_short_titles(
    empty_database: Database,
):
    """An initiative stored before short titles existed (revision 0008) gets one proposed from
    its title; two that would get the same are told apart."""
    engine = empty_database.engine
    migrate.upgrade(engine, "0008")
    insert = text(
        "INSERT INTO initiative (slug, title, kind, summary, advisory_bodies, state, "
        "council_of_state_term, is_public, version, created_at, updated_at) VALUES (:slug, "
        ":title, :kind, '', '[]', 'drafting', 'days_30', :public, 1, :now, :now)"
    )
    rows = [
        ("dao", "Voorontwerp van decreet houdende het platform (DAO-decreet)", "decree"),
        ("dao-2", "Voorontwerp van decreet tot oprichting van iets (DAO-decreet)", "decree"),
        ("kluis", "Voorontwerp van besluit van de Vlaamse Regering over de kluis", "order"),
    ]
    with engine.begin() as connection:
        for slug, title, kind in rows:
            connection.execute(
                insert, {"slug": slug, "title": title, "kind": kind, "public": True, "now": NOW}
            )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        shorts = dict(connection.execute(text("SELECT slug, short_title FROM initiative")).all())
    assert shorts == {
        "dao": "DAO-decreet",
        "dao-2": "DAO-decreet (2)",
        "kluis": "Besluit over de kluis",
    }


def test_upgrade_twice_is_harmless(database: Database):
    migrate.upgrade(database.engine)
    assert migrate.current_revision(database.engine) == migrate.head_revision()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(database: Database):
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _initiative() -> Initiative:
    window = Window(
        "juli of november 2025",
        date(2025, 7, 1),
        date(2025, 11, 30),
        (Span(date(2025, 7, 1), date(2025, 7, 31)), Span(date(2025, 11, 1), date(2025, 11, 30))),
    )
    open_start = Window(
        "uiterlijk oktober 2025", None, date(2025, 10, 31), (Span(None, date(2025, 10, 31)),)
    )
    return Initiative(
        slug="decreet-test",
        title="Voorontwerp van decreet tot test",
        kind=Kind.DECREE,
        summary="Samenvatting",
        entities=["Agentschap Digitaal Vlaanderen", "Stuurorgaan Vlaams Informatie- en ICT-beleid"],
        advisory_bodies=["VTC", "RvS"],
        milestones={
            Stage.DRAFTING: Milestone(Stage.DRAFTING),
            Stage.PARLIAMENT: Milestone(Stage.PARLIAMENT, open_start, open_start),
            Stage.RATIFICATION: Milestone(
                Stage.RATIFICATION, window, window, actual=date(2025, 7, 18)
            ),
            Stage.PUBLICATION: Milestone(Stage.PUBLICATION, Window("binnenkort"), None),
        },
    )


def test_an_initiative_round_trips(database: Database):
    original = _initiative()
    with database.uow() as uow:
        uow.initiatives.add(original, now=NOW)
        uow.commit()
    with database.uow() as uow:
        loaded = uow.initiatives.get("decreet-test")
    assert loaded is not None
    assert loaded.id == original.id
    assert loaded.milestones == original.milestones
    assert loaded.entities == original.entities
    assert loaded.advisory_bodies == original.advisory_bodies
    assert (loaded.kind, loaded.state, loaded.version) == (Kind.DECREE, "drafting", 1)


def test_a_failed_unit_of_work_writes_nothing(database: Database):
    def add_then_fail() -> None:
        with database.uow() as uow:
            uow.initiatives.add(_initiative(), now=NOW)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        add_then_fail()
    with database.uow() as uow:
        assert uow.initiatives.get("decreet-test") is None


def _store_with_event(database: Database) -> None:
    initiative = _initiative()
    with database.uow() as uow:
        uow.initiatives.add(initiative, now=NOW)
        uow.initiatives.append_event(
            initiative, Event("create", date(2026, 11, 23), NOW, "test", None, "drafting")
        )
        window = initiative.milestones[Stage.PARLIAMENT].plan
        uow.initiatives.append_plan_change(
            initiative,
            PlanChange(Stage.PARLIAMENT, NOW, "test", "later", False, window, window, None, None),
        )
        uow.commit()


@pytest.mark.parametrize("table", ["event_log", "plan_change"])
def test_the_logs_are_append_only(database: Database, table: str):
    _store_with_event(database)
    before = _dump(database)
    for statement in (
        f"UPDATE {table} SET actor = 'mallory'",
        f"UPDATE {table} SET id = id + 100",
        f"DELETE FROM {table}",
    ):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text(statement))
    assert _dump(database) == before
    with database.uow() as uow:
        assert [e.actor for e in uow.initiatives.events("decreet-test")] == ["test"]
        assert [c.actor for c in uow.initiatives.plan_changes("decreet-test")] == ["test"]


def test_the_latest_step_is_the_latest_date_of_a_workflow_step(database: Database):
    _store_with_event(database)  # created on 2026-11-23: creation is not a step
    with database.uow() as uow:
        initiative = uow.initiatives.get("decreet-test")
        assert initiative is not None
        assert initiative.id is not None
        assert uow.initiatives.latest_step_on(initiative.id) is None
    with database.uow() as uow:
        for name, on in [
            ("complete_drafting", date(2025, 3, 7)),  # logged first, happened later
            ("hold", date(2025, 3, 3)),
            ("edit", date(2026, 1, 5)),  # an edit is not a step either
        ]:
            step = Event(name, on, NOW, "test", "drafting", "drafting")
            uow.initiatives.append_event(initiative, step)
        uow.commit()
    with database.uow() as uow:
        assert uow.initiatives.latest_step_on(initiative.id) == date(2025, 3, 7)
        assert uow.initiatives.latest_step_on(initiative.id + 1000) is None


def test_recorded_at_keeps_its_instant(database: Database):
    _store_with_event(database)
    with database.uow() as uow:
        (event,) = uow.initiatives.events("decreet-test")
    assert event.recorded_at == NOW
    assert event.recorded_at.utcoffset() == timedelta(0)


def test_seed_imports_the_annex_with_its_baseline(seeded: Database):
    with seeded.uow() as uow:
        items, total = uow.initiatives.find(InitiativeFilter(), limit=50, offset=0)
        klip = uow.initiatives.get("decreet-klip-gipod-verordening")
        events = uow.initiatives.events("decreet-klip-gipod-verordening")
    assert total == 11
    assert sum(i.kind is Kind.DECREE for i in items) == 7
    assert klip is not None
    first = klip.milestones[Stage.FIRST_APPROVAL]
    assert first.baseline == Window(
        "medio januari 2025",
        date(2025, 1, 11),
        date(2025, 1, 20),
        (Span(date(2025, 1, 11), date(2025, 1, 20)),),
    )
    assert first.plan is None
    # As of the seeding day (2026-11-23) drafting is open: IF and BA take 24 working days from
    # 24 November, past the Christmas days off, to the government Friday of 8 January 2027.
    day = date(2027, 1, 8)
    assert first.forecast == Window("2027-01-08 – 2027-01-08", day, day, (Span(day, day),))
    assert first.actual is None
    assert klip.legal_deadlines[0].due_on == date(2025, 11, 12)
    assert [(e.name, e.actor, e.to_state) for e in events] == [("create", "test", "drafting")]


def test_seed_twice_leaves_the_same_database(seeded: Database):
    before = _dump(seeded)
    with seeded.uow() as uow:
        reports = seed(uow, SEED_DIR, actor="someone else", now=NOW + timedelta(days=1))
        uow.commit()
    assert [(len(r.created), len(r.unchanged), r.differing) for r in reports] == [(0, 11, [])]
    assert _dump(seeded) == before


def test_a_failed_seed_writes_nothing(database: Database, tmp_path):
    (tmp_path / "a-good.txt").write_text(SEED_ANNEX.read_text())
    (tmp_path / "b-bad.txt").write_text(
        "Regelgeving - Voorontwerp van decreet X\n\n"
        "Indicatieve planning:\n\nLancering website: mei 2025\n"
    )
    with pytest.raises(AnnexError, match="line 5"), database.uow() as uow:
        seed(uow, tmp_path, actor="test", now=NOW)
    with database.engine.connect() as connection:
        assert connection.execute(select(InitiativeRow.id)).first() is None
        assert connection.execute(select(EventRow.id)).first() is None


def test_seed_of_a_changed_annex_keeps_the_baseline_and_reports_it(seeded: Database, tmp_path):
    text_ = SEED_ANNEX.read_text()
    (tmp_path / "annex.txt").write_text(
        text_.replace(": medio januari 2025", ": eind januari 2025")
    )
    with seeded.uow() as uow:
        (report,) = seed(uow, tmp_path, actor="test", now=NOW)
        uow.commit()
    assert report.differing == ["decreet-klip-gipod-verordening"]
    with seeded.uow() as uow:
        klip = uow.initiatives.get("decreet-klip-gipod-verordening")
    assert klip is not None
    assert klip.milestones[Stage.FIRST_APPROVAL].baseline.text == "medio januari 2025"  # type: ignore[union-attr]


def test_filters(seeded: Database):
    def slugs(**kwargs: object) -> list[str]:
        with seeded.uow() as uow:
            items, _ = uow.initiatives.find(InitiativeFilter(**kwargs), limit=50, offset=0)  # type: ignore[arg-type]
        return [i.slug for i in items]

    assert len(slugs(kind=Kind.ORDER)) == 4
    assert slugs(entity="het-facilitair-bedrijf") == ["besluit-beheren-bewaren-bestuursdocumenten"]
    assert slugs(text="gigabit") == ["decreet-klip-gipod-verordening"]
    assert slugs(text="GIGABIT") == ["decreet-klip-gipod-verordening"]
    assert slugs(text="100%") == []
    assert len(slugs(state="drafting")) == 11
    assert slugs(state="published") == []


def test_pagination_is_stable(seeded: Database):
    with seeded.uow() as uow:
        pages = [uow.initiatives.find(InitiativeFilter(), limit=4, offset=o) for o in (0, 4, 8)]
    slugs = [i.slug for items, _ in pages for i in items]
    assert len(slugs) == len(set(slugs)) == 11
    assert {total for _, total in pages} == {11}


def test_tables_exist(database: Database):
    names = set(inspect(database.engine).get_table_names())
    assert {"initiative", "entity", "initiative_entity", "milestone", "event_log"} <= names


def _generation(database: Database) -> str | None:
    with database.uow() as uow:
        return uow.generation()


def test_ids_are_read_in_as_few_in_lists_as_the_database_takes(database: Database):
    ids = list(range(1, 40_001))
    with database.uow() as uow:
        lists = id_chunks(uow.session, ids)
    size = 900 if database.engine.dialect.name == "sqlite" else 30_000
    assert [len(part) for part in lists[:-1]] == [size] * (len(lists) - 1)
    assert [i for part in lists for i in part] == ids
    with database.uow() as uow:  # and the database takes them
        assert uow.initiatives.by_ids(ids) == []


def _on_a_loop(database: Database) -> str | None:
    """The generation as a request on an event loop reads it (a new loop each time)."""
    return asyncio.run(database.generation_on_loop())


def test_the_generation_moves_with_each_committed_write_to_this_database_only(seeded, tmp_path):
    first = _generation(seeded)
    assert first is not None
    assert _generation(seeded) == first  # reading changes nothing
    assert _on_a_loop(seeded) == first

    with contextlib.ExitStack() as stack:
        if seeded.engine.dialect.name == "postgresql":
            schema = stack.enter_context(postgres_schema())
            options = {"options": f"-csearch_path={schema}"}
            other = Database(make_engine(POSTGRES_URL or "", connect_args=options))
        else:
            other = Database(make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}"))
        stack.callback(other.dispose)
        migrate.upgrade(other.engine)
        before = _on_a_loop(other)
        token_for(other, "elsewhere", "viewer")  # a commit to another database (or schema)
        assert _on_a_loop(other) == _generation(other) != before
    assert _generation(seeded) == first
    assert _on_a_loop(seeded) == first

    token_for(seeded, "here", "viewer")
    second = _generation(seeded)
    assert second != first  # a commit here moves it...
    assert _on_a_loop(seeded) == second
    with seeded.uow() as uow:
        uow.feeds.add_token(name="never", entities=[], token_hash="0" * 64, now=NOW)
        uow.session.flush()
        uow.rollback()
    assert _generation(seeded) == second  # ...a rolled-back write does not


def test_a_poll_on_sqlite_sees_its_own_commits_at_once_and_others_within_50_ms(seeded: Database):
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's announcements have tests of their own")
    first = seeded.announced_generation()
    assert first == seeded.generation()
    other = Database(make_engine(str(seeded.engine.url)))  # as another process: the file only
    try:
        token_for(other, "elsewhere", "viewer")
    finally:
        other.dispose()
    time.sleep(DataVersionWatcher.FRESH * 1.5)
    second = seeded.announced_generation()
    assert second == seeded.generation() != first
    token_for(seeded, "here", "viewer")  # this process's commit: no wait
    assert seeded.announced_generation() == seeded.generation() != second


def test_every_table_counts_its_changes_on_postgresql(database: Database):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has PRAGMA data_version")
    with database.engine.connect() as connection:
        counted = set(
            connection.scalars(
                text(
                    "SELECT event_object_table FROM information_schema.triggers "
                    "WHERE trigger_name = 'count_change' AND trigger_schema = current_schema()"
                )
            )
        )
    assert counted == set(Base.metadata.tables) - {"change_counter"}


def _terminated(database: Database, pid: int) -> None:
    """The server ends the backend `pid`, and it is gone before this returns."""
    alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    # Autocommit: a transaction would see one snapshot of pg_stat_activity all along.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while admin.scalar(alive, {"pid": pid}):
            assert time.monotonic() < deadline, "the backend outlived pg_terminate_backend"
            time.sleep(0.01)


def test_the_generation_outlives_a_lost_connection_on_postgresql(seeded: Database):
    """PostgreSQL's generation is read on a connection kept open: when the server drops it
    (a restart, an idle timeout), the next read connects afresh instead of failing."""
    if seeded.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's generation reads the file")
    first = seeded.generation()
    watcher = seeded._watcher
    assert isinstance(watcher, ChangeCounterWatcher)
    kept = watcher._connection
    assert kept is not None
    _terminated(seeded, kept.info.backend_pid)
    assert seeded.generation() == first
    assert watcher._connection is not kept
    token_for(seeded, "after the drop", "viewer")
    assert seeded.generation() != first


def test_the_generation_on_an_event_loop_outlives_a_lost_connection_on_postgresql(
    seeded: Database,
):
    """The same, for the async connection an event loop reads the generation on."""
    if seeded.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's generation reads the file")
    watcher = seeded._watcher
    assert isinstance(watcher, ChangeCounterWatcher)

    async def read_drop_read() -> None:
        first = await seeded.generation_on_loop()
        (held,) = watcher._on_loops.values()
        kept = held._connection
        assert kept is not None
        await asyncio.to_thread(_terminated, seeded, kept.info.backend_pid)
        assert await seeded.generation_on_loop() == first
        assert held._connection is not kept

    asyncio.run(read_drop_read())
    assert all(loop.is_closed() for loop in watcher._on_loops)
    token_for(seeded, "after the drop", "viewer")  # a gone loop's connection is let go
    assert _on_a_loop(seeded) == seeded.generation()
    assert len(watcher._on_loops) == 1


def _other_process(database: Database) -> Database:
    """Another Database on the same PostgreSQL schema, as a second server process has."""
    return Database(make_engine(POSTGRES_URL or "", connect_args=_connect_args(database)))


def _connect_args(database: Database) -> dict[str, str]:
    with database.engine.connect() as connection:
        schema = connection.scalar(text("SELECT current_schema()"))
    return {"options": f"-csearch_path={schema}"}


def _announced(database: Database, expected: str | None, what: str) -> None:
    deadline = time.monotonic() + 10
    while (announced := database.announced_generation()) != expected:
        assert time.monotonic() < deadline, f"{what}: announced {announced}, not {expected}"
        time.sleep(0.01)


def test_commits_are_announced_to_every_process_on_postgresql(seeded: Database):
    """A calendar poll takes the generation as announced (NOTIFY, migration 0008): without a
    query, a moment late for another process's commits, at once for this process's own."""
    if seeded.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's data_version is exact and local")
    seeded.announced_generation()  # the first call starts listening (None until it does)
    _announced(seeded, seeded.generation(), "listening")
    watcher = seeded._watcher
    assert isinstance(watcher, ChangeCounterWatcher)
    assert watcher._announcements is not None
    listener = watcher._announcements

    with pytest.MonkeyPatch.context() as patch:  # deaf: this process's own commit counts anyway
        patch.setattr(listener, "heard", lambda payload, schema: None)
        token_for(seeded, "here", "viewer")
        assert seeded.announced_generation() == seeded.generation()

    other = _other_process(seeded)
    try:
        before = seeded.generation()
        token_for(other, "elsewhere", "viewer")
        assert seeded.generation() != before
        _announced(seeded, seeded.generation(), "another process's commit")
    finally:
        other.dispose()

    with contextlib.ExitStack() as stack:  # another schema of the same database: not announced
        schema = stack.enter_context(postgres_schema())
        elsewhere = Database(
            make_engine(POSTGRES_URL or "", connect_args={"options": f"-csearch_path={schema}"})
        )
        stack.callback(elsewhere.dispose)
        migrate.upgrade(elsewhere.engine)
        mine = seeded.announced_generation()
        with elsewhere.uow() as uow:  # a count far beyond this schema's, announced
            uow.session.execute(text("UPDATE change_counter SET value = value + 1000"))
            uow.commit()
        token_for(elsewhere, "elsewhere", "viewer")
        time.sleep(0.2)
        assert seeded.announced_generation() == mine == seeded.generation()


def test_a_lost_listener_announces_nothing_until_it_listens_again(seeded: Database, caplog):
    """While the listening connection is gone, a missed announcement could leave a cache
    answering from before a change: nothing is announced until it listens (and reads) again."""
    if seeded.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's data_version is exact and local")
    caplog.set_level(logging.WARNING, logger="tracker.store.generations")
    watcher = seeded._watcher
    assert isinstance(watcher, ChangeCounterWatcher)
    seeded.announced_generation()
    _announced(seeded, seeded.generation(), "listening")
    listener = watcher._announcements
    assert listener is not None
    assert listener.backend_pid is not None
    pid = listener.backend_pid
    other = _other_process(seeded)
    try:
        with other.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        _announced(seeded, None, "the listener's connection terminated")
        token_for(other, "while nobody listens", "viewer")
        _announced(seeded, seeded.generation(), "listening again")
        assert listener.backend_pid != pid
    finally:
        other.dispose()
    deadline = time.monotonic() + 10
    while not any("again" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, "no word that it listens again"
        time.sleep(0.01)
    logged = [r.getMessage() for r in caplog.records if r.name == "tracker.store.generations"]
    assert len(logged) == 2, logged  # one line when the outage starts, one when it ends
    assert logged[0].startswith("listening for database changes failed, retrying every 1 s")
    assert logged[1] == "listening for database changes again; attempts that failed: 1"
