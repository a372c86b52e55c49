"""Stateful fuzzing of the workflow through the service layer, on SQLite and PostgreSQL.

Hypothesis creates decrees and orders and fires random steps (allowed or not, with dates near
the previous step or anywhere), re-plans and edits, as random principals with right or stale
versions, each in a transaction of its own committed like the API does. After every rule the
stored initiatives must equal the replay of their event logs, their versions must count their
logged changes, and actual dates must follow the procedure; a refused change must leave every
stored row of the initiative, and the row count of every table, exactly as it was.

TRACKER_FUZZ_EXAMPLES and TRACKER_FUZZ_STEPS search longer than CI does. A failure is reported
as found: shrinking it costs thousands of database runs (minutes), so it is done only with
TRACKER_FUZZ_SHRINK=1 (the failing example is replayed first from .hypothesis/).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, TypeVar

from hypothesis import Phase, settings
from hypothesis import event as statistic
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import NOW
from tests.consistency import initiative_problems, initiative_rows
from tracker.domain.access import ANONYMOUS, Principal, Role
from tracker.domain.calendar import FRIDAY
from tracker.domain.clock import brussels_day
from tracker.domain.errors import TrackerError
from tracker.domain.model import Initiative, Kind, Stage
from tracker.domain.slugs import slugify
from tracker.services.initiatives import InitiativeEdit, NewInitiative, create_initiative
from tracker.services.initiatives import edit_initiative as edit_service
from tracker.services.planning import replan as replan_service
from tracker.services.planning import window_from
from tracker.services.steps import record_event
from tracker.store.uow import Database, UnitOfWork
from workflows.definitions import catalogue
from workflows.engine import engine_for

T = TypeVar("T")

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "40"))
STEPS = int(os.environ.get("TRACKER_FUZZ_STEPS", "25"))
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
if os.environ.get("TRACKER_FUZZ_SHRINK") == "1":
    PHASES.append(Phase.shrink)
TODAY = brussels_day(NOW)
START = date(2024, 1, 5)  # before the first step of every run

ENTITY = "Agentschap Digitaal Vlaanderen"
COORDINATOR = Principal("fuzz-coordinator", Role.COORDINATOR)
EDITOR = Principal("fuzz-editor", Role.EDITOR, frozenset({"agentschap-digitaal-vlaanderen"}))
OUTSIDER = Principal("fuzz-outsider", Role.EDITOR, frozenset({"vlaamse-landmaatschappij"}))
VIEWER = Principal("fuzz-viewer", Role.VIEWER, frozenset({"agentschap-digitaal-vlaanderen"}))
# Mostly principals who may write, so that runs get far into the procedure.
PRINCIPALS = st.sampled_from([COORDINATOR] * 4 + [EDITOR] * 2 + [OUTSIDER, VIEWER, ANONYMOUS])
WRITERS = st.sampled_from([COORDINATOR, EDITOR])

EVENTS = [*catalogue().events, "no_such_event"]
STAGES = [s.value for s in Stage] + ["no_such_stage"]
PLAN_TEXTS = ["juni 2025", "medio maart 2026", "uiterlijk eind 2026", "juli of november 2027",
              "binnenkort"]  # fmt: skip
REFERENCE = "VR 2025 0101 DOC.0001/1"
EVIDENCE = st.sampled_from([REFERENCE, None, "", "   "])
VALID_EVIDENCE = st.just(REFERENCE)
ENTITY_SETS = [[ENTITY], ["Vlaamse Landmaatschappij"], [ENTITY, "Departement Omgeving"]]


def _friday_on_or_after(day: date) -> date:
    return day + timedelta(days=(FRIDAY - day.weekday()) % 7)


def step_dates(previous: date) -> st.SearchStrategy[date]:
    """Mostly plausible dates (a Friday or a day soon after the previous step), sometimes any
    day, including the future and the days before the previous step."""
    return st.one_of(
        st.integers(0, 6).map(lambda weeks: _friday_on_or_after(previous) + timedelta(weeks=weeks)),
        st.integers(-3, 40).map(lambda days: previous + timedelta(days=days)),
        st.dates(START - timedelta(days=30), TODAY + timedelta(days=30)),
    )


def _may_write(principal: Principal, initiative: Initiative) -> bool:
    return principal.can_write({slugify(name) for name in initiative.entities})


class WorkflowFuzz(RuleBasedStateMachine):
    database: ClassVar[Database]
    initiatives = Bundle("initiatives")

    def __init__(self) -> None:
        super().__init__()
        # Every example shares the test's database: its own titles, and checks on its own rows.
        self.run = uuid.uuid4().hex[:8]
        self.ids: dict[str, int] = {}
        self.touched: str | None = None  # the initiative the last rule wrote or tried to
        self.tick = 0

    def _now(self) -> datetime:
        self.tick += 1
        return NOW + timedelta(seconds=self.tick)

    def _load(self, slug: str) -> Initiative:
        with self.database.uow() as uow:
            initiative = uow.initiatives.get(slug)
        assert initiative is not None
        return initiative

    def _write(self, slug: str, action: Callable[[UnitOfWork], T]) -> T | None:
        """Run `action` in one write transaction and commit it, as the API does; None when it
        was refused, after checking that the refusal left everything as it was."""
        self.touched = slug
        before = initiative_rows(self.database, self.ids[slug])
        try:
            with self.database.uow() as uow:
                result = action(uow)
                uow.commit()
        except TrackerError:
            assert initiative_rows(self.database, self.ids[slug]) == before
            self.touched = None  # nothing changed: nothing for the invariant to check
            return None
        return result

    @precondition(lambda self: len(self.ids) < 3)  # a few initiatives, each taken far
    @rule(
        target=initiatives,
        kind=st.sampled_from(Kind),
        advice=st.booleans(),
        second=st.booleans(),
        principal=st.sampled_from([COORDINATOR, EDITOR, OUTSIDER]),
    )
    def create(self, kind: Kind, advice: bool, second: bool, principal: Principal) -> Any:
        plan = {Stage.FIRST_APPROVAL: window_from("", "juni 2025", None, None)}
        if second:
            plan[Stage.SECOND_APPROVAL] = window_from("", "najaar 2025", None, None)
        new = NewInitiative(
            title=f"Voorontwerp van {kind.value} fuzz {self.run} nummer {len(self.ids)}",
            kind=kind,
            entities=[ENTITY],
            advisory_bodies=["VTC"] if advice else [],
            plan=plan,
        )
        try:
            with self.database.uow() as uow:
                initiative = create_initiative(uow, new, principal, now=self._now())
                uow.commit()
        except TrackerError:
            assert principal is OUTSIDER
            return multiple()
        assert principal is not OUTSIDER
        assert initiative.id is not None
        self.ids[initiative.slug] = initiative.id
        self.touched = initiative.slug
        return initiative.slug

    @rule(slug=initiatives, data=st.data())
    def advance(self, slug: str, data: st.DataObject) -> None:
        """A step that the procedure allows now, with its evidence, on a plausible day: these
        take initiatives deep into the procedure, where `step` then fires at random."""
        initiative = self._load(slug)
        allowed = engine_for(initiative.kind).allowed_events(initiative)
        onwards = [e for e in allowed if e not in ("hold", "withdraw")]
        if allowed:  # mostly onwards: withdrawing ends an initiative's run
            event = data.draw(st.sampled_from(onwards * 6 + allowed))
            self._step(initiative, COORDINATOR, 0, event, data)

    @rule(slug=initiatives, principal=PRINCIPALS, stale=st.sampled_from([0, 0, 0, 0, -1, 1]),
          data=st.data())  # fmt: skip
    def step(self, slug: str, principal: Principal, stale: int, data: st.DataObject) -> None:
        """Any event, allowed or not, with or without evidence, on any day, by anyone."""
        initiative = self._load(slug)
        event = data.draw(st.sampled_from(EVENTS))
        self._step(initiative, principal, stale, event, data, evidence=EVIDENCE)

    def _step(
        self,
        initiative: Initiative,
        principal: Principal,
        stale: int,
        event: str,
        data: st.DataObject,
        evidence: st.SearchStrategy[str | None] = VALID_EVIDENCE,
    ) -> None:
        slug = initiative.slug
        with self.database.uow() as uow:
            logged = uow.initiatives.events(slug)
            previous = max((e.occurred_on for e in logged if e.is_step), default=None)
        allowed = engine_for(initiative.kind).allowed_events(initiative)
        occurred_on = data.draw(step_dates(previous or START))
        reference, note = data.draw(evidence), data.draw(evidence)
        recorded = self._write(
            slug,
            lambda uow: record_event(
                uow,
                slug,
                event=event,
                occurred_on=occurred_on,
                reference=reference,
                note=note,
                principal=principal,
                expected_version=initiative.version + stale,
                now=self._now(),
            ),
        )
        if recorded is None:
            return
        # Accepted: only what the rules allow, and exactly one step further.
        assert _may_write(principal, initiative)
        assert stale == 0
        assert event in allowed
        assert previous is None or previous <= occurred_on
        assert occurred_on <= TODAY
        after = self._load(slug)
        assert after.version == initiative.version + 1
        assert after.state == recorded.event.to_state
        statistic(f"{initiative.kind.value} reached {after.state}")

    @rule(
        slug=initiatives,
        stage=st.sampled_from(STAGES),
        text=st.sampled_from(PLAN_TEXTS),
        rebaseline=st.booleans(),
        reason=st.sampled_from(["IF-advies later", " "]),
        principal=PRINCIPALS,
    )
    def replan(
        self, slug: str, stage: str, text: str, rebaseline: bool, reason: str, principal: Principal
    ) -> None:
        initiative = self._load(slug)
        replanned = self._write(
            slug,
            lambda uow: replan_service(
                uow,
                slug,
                stage,
                window_from("", text, None, None),
                reason=reason,
                rebaseline=rebaseline,
                principal=principal,
                expected_version=initiative.version,
                now=self._now(),
            ),
        )
        if replanned is None:
            return
        assert _may_write(principal, initiative)
        assert reason.strip()
        assert principal.can_rebaseline or not rebaseline
        assert not engine_for(initiative.kind).is_final(initiative.state)
        after = self._load(slug)
        milestone = after.milestones[Stage(stage)]
        assert milestone.actual is None
        assert milestone.plan is not None
        assert milestone.plan.text == text
        if rebaseline:
            assert milestone.baseline == milestone.plan

    @rule(
        slug=initiatives,
        principal=WRITERS,
        summary=st.sampled_from([None, "Nieuwe samenvatting", ""]),
        term=st.sampled_from([None, "days_30", "days_60", "urgent", "days_90"]),
        entry=st.sampled_from([None, date(2026, 1, 1), date(2027, 7, 1)]),
        entities=st.sampled_from([None, *ENTITY_SETS]),
    )
    def edit(
        self,
        slug: str,
        principal: Principal,
        summary: str | None,
        term: str | None,
        entry: date | None,
        entities: list[str] | None,
    ) -> None:
        initiative = self._load(slug)
        edit = InitiativeEdit(
            summary=summary, council_of_state_term=term, entry_into_force=entry, entities=entities
        )
        edited = self._write(
            slug,
            lambda uow: edit_service(
                uow,
                slug,
                edit,
                principal,
                expected_version=initiative.version,
                now=self._now(),
            ),
        )
        if edited is None:
            return
        assert term != "days_90"
        after = self._load(slug)
        changed = after.version - initiative.version
        assert changed in (0, 1)
        with self.database.uow() as uow:
            last = uow.initiatives.events(slug)[-1]
        assert last.name == ("edit" if changed else last.name)

    @invariant()
    def stored_state_is_the_replay_of_the_logs(self) -> None:
        # Only the initiative a rule touched can have changed: refusals are checked to leave
        # every table's row count as it was.
        if self.touched is None:
            return
        with self.database.uow() as uow:
            initiative = uow.initiatives.get(self.touched)
            assert initiative is not None
            events = uow.initiatives.events(self.touched)
            changes = uow.initiatives.plan_changes(self.touched)
        assert initiative_problems(initiative, events, changes) == []


def test_random_workflows_keep_the_stored_state_equal_to_the_replayed_log(database: Database):
    class OnThisDatabase(WorkflowFuzz):
        pass

    OnThisDatabase.database = database
    # Each step costs PostgreSQL several times the round trips' time of SQLite: half as many
    # runs there keep both within CI's budget; the service rules are the same on both.
    postgres = database.engine.dialect.name == "postgresql"
    run_state_machine_as_test(
        OnThisDatabase,
        settings=settings(
            max_examples=EXAMPLES // 2 if postgres else EXAMPLES,
            stateful_step_count=STEPS,
            phases=PHASES,
        ),
    )
