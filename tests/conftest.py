"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL.

Set TRACKER_TEST_POSTGRES_URL (for example postgresql://postgres@127.0.0.1:5432/test) to run
every database test on PostgreSQL too, each in a schema of its own that is dropped afterwards.
With TRACKER_REQUIRE_POSTGRES=1 (as in .ci/run) a missing or unreachable server fails the run.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from tracker.store import migrate
from tracker.store.db import make_engine
from tracker.store.uow import Database

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "seed"
SEED_ANNEX = SEED_DIR / "bijlage-beleidsnota-digitalisering-2024-2029.txt"
POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # early on the seed day: before any real clock
# A test whose expectations depend on today lives on the seed day: its clock, and the clock of
# the servers it starts (clock_env), starts at 09:30 that morning in Brussels, later than the
# seed's stamps by more than an HTTP date's second, and ticks on (time-machine). Every other test
# must pass on any day; `make test-dates` runs the suite with every clock moved to prove it.
SEED_DAY_MORNING = NOW + timedelta(hours=8)
ON_THE_SEED_DAY = pytest.mark.time_machine(SEED_DAY_MORNING, tick=True)
CLOCK_FOLDER = ROOT / "tests" / "clock"
# Tests make many requests at once; the rate limits have tests of their own (test_limits.py),
# which set them explicitly. Servers that tests start inherit this.
os.environ.setdefault("TRACKER_WRITE_RATE", "off")
os.environ.setdefault("TRACKER_FEED_RATE", "off")

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# Database round trips vary too much for Hypothesis' deadline. A failing example is kept in
# .hypothesis/ (gitignored) and replayed first on the next run.
settings.register_profile("tracker", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "tracker"))


@pytest.fixture(scope="session", autouse=True)
def _postgres_reachable() -> None:
    """Fail the whole run early when PostgreSQL is required but cannot be used."""
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        pytest.exit("TRACKER_REQUIRE_POSTGRES=1 but TRACKER_TEST_POSTGRES_URL is not set", 3)
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            pytest.exit(f"cannot connect to TRACKER_TEST_POSTGRES_URL: {exc}", 3)
        finally:
            engine.dispose()


def clock_env() -> dict[str, str]:
    """The environment that gives a child process this process's clock, moved or not: its
    sitecustomize (tests/clock) starts it at this instant, ticking, so that a server or command
    a test starts agrees on the day with the test."""
    paths = [str(CLOCK_FOLDER), *filter(None, [os.environ.get("PYTHONPATH")])]
    # Read to hand on, not to decide what to expect: the child keeps the test's day. With the
    # real time of that reading the child counts on from it, not from its own start-up: else
    # processes started together run seconds apart (what each spent starting).
    moment = datetime.now(UTC)
    hatch = time_machine.escape_hatch
    real = hatch.time.time() if hatch.is_travelling() else time.time()
    return {
        "PYTHONPATH": os.pathsep.join(paths),
        "TRACKER_TEST_NOW": moment.isoformat(),
        "TRACKER_TEST_NOW_AT": repr(real),
    }


def _sqlite(tmp_path: Path) -> Iterator[Database]:
    database = Database(make_engine(f"sqlite:///{tmp_path / 'tracker.sqlite3'}"))
    yield database
    database.dispose()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards (skips the test without a server)."""
    if not POSTGRES_URL:
        pytest.skip("TRACKER_TEST_POSTGRES_URL is not set")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _postgres() -> Iterator[Database]:
    with postgres_schema() as schema:
        url = POSTGRES_URL or ""  # postgres_schema() skipped the test when it is not set
        database = Database(make_engine(url, connect_args={"options": f"-csearch_path={schema}"}))
        yield database
        database.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database without schema, on each backend."""
    yield from (_sqlite(tmp_path) if request.param == "sqlite" else _postgres())


@pytest.fixture
def database(empty_database: Database) -> Database:
    """A migrated, empty database on each backend."""
    migrate.upgrade(empty_database.engine)
    return empty_database


@pytest.fixture
def seeded(database: Database) -> Database:
    """The seed annex imported."""
    from tracker.services.importing import seed

    with database.uow() as uow:
        seed(uow, SEED_DIR, actor="test", now=NOW)
        uow.commit()
    return database


@pytest.fixture
def approved(seeded: Database) -> Database:
    """The seed with KLIP's drafting completed on Monday 16 November 2026 and its first approval
    recorded for Wednesday 18 November (the meeting was on Friday 20): version 3. What the tests
    of corrections start from."""
    from tracker.domain.access import Principal, Role
    from tracker.services.steps import record_event

    lawyer = Principal("juridische-dienst", Role.COORDINATOR)
    for event, day, reference, version in (
        ("complete_drafting", date(2026, 11, 16), None, 1),
        ("approve_first", date(2026, 11, 18), "VR 2026 1811 DOC.1234", 2),
    ):
        with seeded.uow() as uow:
            record_event(
                uow, "decreet-klip-gipod-verordening", event=event, occurred_on=day,
                reference=reference, note=None, principal=lawyer, expected_version=version,
                now=NOW,
            )  # fmt: skip
            uow.commit()
    return seeded


def token_for(
    database: Database, name: str, role: str, entities: tuple[str, ...] = ()
) -> dict[str, str]:
    """An Authorization header for a new API token with this role and entities."""
    from tracker.domain.access import Role
    from tracker.services.tokens import create_token

    with database.uow() as uow:
        token = create_token(uow, name=name, role=Role(role), entities=list(entities), now=NOW)
        uow.commit()
    return {"Authorization": f"Bearer {token}"}


def record_step(
    database: Database, slug: str, event: str, version: int, *, actor: str, note: str = "test"
) -> int:
    """One step by a coordinator, committed in a transaction of its own, today (NOW); the
    initiative's new version."""
    from tracker.domain.access import Principal, Role
    from tracker.services.steps import record_event

    with database.uow() as uow:
        done = record_event(
            uow, slug, event=event, occurred_on=NOW.date(), reference=None, note=note,
            principal=Principal(actor, Role.COORDINATOR), expected_version=version, now=NOW,
        )  # fmt: skip
        uow.commit()
    return done.initiative.version
