"""The weekly report stays byte for byte what it was when its digests were recorded.

The report's speed-ups (replaying less, reading rows instead of objects, caching rules) must not
change a single byte of what it says. A small synthetic programme (bench.generate, the same one
the benchmark times) gets a few more kinds of history through the services (metadata edits, a
re-baseline, an optional stage added by a re-plan, a late new initiative, a private one), and
its report is rendered in every format and language for several moments, readers and entity
filters. The SHA-256 of each output is compared with tests/data/weekly_report_digests.json.

That file was written by the code before the speed-ups. A change that is meant to alter the
report (or the generator, the templates, the texts) rewrites it on purpose:

    python -m tests.integration.test_report_equivalence

and says so in its commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.generate import load, programme
from tracker.domain.access import ANONYMOUS, Principal, Role
from tracker.domain.clock import brussels_day
from tracker.domain.model import Kind, LegalDeadline, Stage
from tracker.domain.slugs import slugify
from tracker.domain.weeks import IsoWeek, end_of
from tracker.outputs.render import FORMATS, render
from tracker.services.initiatives import (
    InitiativeEdit,
    NewInitiative,
    create_initiative,
    edit_initiative,
)
from tracker.services.planning import replan, window_from
from tracker.services.weekly_report import ReportMemo, weekly_report
from tracker.store import migrate
from tracker.store.db import make_engine
from tracker.store.repository import InitiativeFilter
from tracker.store.uow import Database

DIGESTS = Path(__file__).resolve().parents[1] / "data" / "weekly_report_digests.json"
SIZE, SEED = 60, 2024
# The Saturday after the generated histories end (bench.generate.REFERENCE_DAY, a Friday).
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
ADMIN = Principal("equivalence", Role.ADMIN)
LANGS = ("nl", "en")


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _more_history(database: Database) -> None:
    """What the generator does not write: edits, a re-baseline, an added optional stage, a new
    initiative after last week, one initiative that only its entities may read."""
    with database.uow() as uow:
        everything = sorted(uow.initiatives.all(InitiativeFilter()), key=lambda i: i.slug)
    open_ = [i for i in everything if i.state in {s.value for s in Stage}]
    edited, rebaselined, private = open_[0], open_[1], open_[2]
    grown = next(
        i for i in open_[3:]
        if Stage.ADVISORY_OPINIONS not in i.milestones
        and i.state in (Stage.DRAFTING.value, Stage.FIRST_APPROVAL.value)
    )  # fmt: skip

    def edit(slug: str, change: InitiativeEdit, moment: datetime) -> None:
        with database.uow() as uow:
            found = uow.initiatives.get(slug)
            assert found is not None
            edit_initiative(uow, slug, change, ADMIN, expected_version=found.version, now=moment)
            uow.commit()

    def plan(slug: str, stage: Stage, text: str, moment: datetime, *, rebaseline: bool) -> None:
        with database.uow() as uow:
            found = uow.initiatives.get(slug)
            assert found is not None
            replan(
                uow, slug, stage.value, window_from("", text, None, None), reason="equivalence",
                rebaseline=rebaseline, principal=ADMIN, expected_version=found.version,
                now=moment,
            )  # fmt: skip
            uow.commit()

    edit(
        edited.slug,
        InitiativeEdit(
            title=edited.title + " (herzien)",
            council_of_state_term="days_60",
            legal_deadlines=[LegalDeadline("uiterlijk 1 maart 2027", date(2027, 3, 1))],
            entry_into_force=date(2027, 6, 1),
        ),
        _at(date(2026, 11, 17)),
    )
    edit(edited.slug, InitiativeEdit(summary="Tweede wijziging."), _at(date(2026, 10, 2)))
    plan(rebaselined.slug, Stage(rebaselined.state), "eind maart 2027", _at(date(2026, 11, 18)),
         rebaseline=True)  # fmt: skip
    plan(grown.slug, Stage.ADVISORY_OPINIONS, "februari 2027", _at(date(2026, 11, 3)),
         rebaseline=False)  # fmt: skip
    edit(private.slug, InitiativeEdit(is_public=False), _at(date(2025, 6, 2)))
    with database.uow() as uow:
        create_initiative(
            uow,
            NewInitiative(
                title="Voorontwerp van decreet over de gelijkwaardigheidstoets",
                kind=Kind.DECREE,
                entities=list(private.entities),
                plan={Stage.FIRST_APPROVAL: window_from("", "maart 2027", None, None)},
            ),
            ADMIN,
            now=_at(date(2026, 11, 19)),
        )
        uow.commit()


def _cases(database: Database) -> list[tuple[str, IsoWeek, datetime | None, Principal, str | None]]:
    """(name, week, requested moment, reader, entity slug) of every report compared."""
    day = brussels_day(NOW)
    with database.uow() as uow:
        private = next(i for i in uow.initiatives.all(InitiativeFilter()) if not i.is_public)
    entity = slugify(private.entities[0])
    month_ago = day - timedelta(days=30)
    return [
        ("this-week", IsoWeek.of(day), None, ADMIN, None),
        ("last-week", IsoWeek.of(day - timedelta(days=7)), None, ADMIN, None),
        ("a-month-ago", IsoWeek.of(month_ago), end_of(month_ago), ADMIN, None),
        ("early-2025", IsoWeek(2025, 20), None, ADMIN, None),
        ("first-week", IsoWeek(2024, 49), None, ADMIN, None),  # every initiative created
        ("mid-week", IsoWeek(2024, 50), end_of(date(2024, 12, 11)), ADMIN, None),
        ("entity", IsoWeek.of(day), None, ADMIN, entity),
        ("anonymous", IsoWeek.of(day), None, ANONYMOUS, None),
        ("its-entity", IsoWeek.of(day), None, Principal("team", Role.VIEWER, frozenset({entity})),
         None),
    ]  # fmt: skip


def digests(
    database: Database, memo: ReportMemo | None = None, *, backwards: bool = False
) -> dict[str, str]:
    """The SHA-256 of every output, by '<case> <lang> <format>'; all reports made with `memo`
    if given (as a server makes them), the cases in reverse order if `backwards`."""
    result = {}
    cases = _cases(database)
    for name, week, requested, principal, entity in cases[::-1] if backwards else cases:
        for lang in LANGS:
            with database.uow() as uow:
                report = weekly_report(
                    uow, week, principal=principal, now=NOW, requested=requested,
                    entity=entity, lang=lang, memo=memo,
                )  # fmt: skip
            for fmt in FORMATS:
                rendered = render(report, fmt)
                result[f"{name} {lang} {fmt}"] = hashlib.sha256(rendered).hexdigest()
    return result


def loaded(database: Database) -> Database:
    migrate.upgrade(database.engine)
    loaded = load(database, programme(SIZE, SEED))
    assert loaded.refused == 0
    _more_history(database)
    return database


def test_the_report_is_byte_for_byte_what_it_was(empty_database: Database) -> None:
    expected = json.loads(DIGESTS.read_text())
    actual = digests(loaded(empty_database))
    changed = sorted(key for key in expected if actual.get(key) != expected[key])
    assert not changed, f"the report changed: {changed}"
    assert actual.keys() == expected.keys()


def test_reports_from_a_memo_are_the_same(empty_database: Database) -> None:
    """A server keeps one memo for all its reports: every case, asked after the others in either
    order and asked again, gives the recorded bytes."""
    expected = json.loads(DIGESTS.read_text())
    database = loaded(empty_database)
    memo = ReportMemo()
    for backwards in (False, True, False):
        actual = digests(database, memo, backwards=backwards)
        assert sorted(key for key in expected if actual.get(key) != expected[key]) == []


if __name__ == "__main__":  # rewrite the recorded digests (see the docstring)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        database = Database(make_engine(f"sqlite:///{Path(folder) / 'equivalence.sqlite3'}"))
        try:
            found = digests(loaded(database))
        finally:
            database.dispose()
    DIGESTS.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
    sys.stdout.write(f"{len(found)} digests written to {DIGESTS}\n")
