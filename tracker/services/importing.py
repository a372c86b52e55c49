"""Importing annexes: new initiatives with their planned windows as baseline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tracker.domain.clock import brussels_day
from tracker.domain.model import Event, Initiative
from tracker.domain.procedure import CREATE
from tracker.domain.short_titles import first_free, propose_short_title
from tracker.domain.slugs import make_slug
from tracker.readers.annex import Annex, AnnexError, read_annex
from tracker.rules.procedure_rules import forecast_rules
from tracker.services.feeds import sync_feed
from tracker.store.uow import UnitOfWork


@dataclass(slots=True)
class ImportReport:
    source: str | None
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)  # stored baseline kept; re-plan explicitly


def _baselines(initiative: Initiative) -> dict[str, str | None]:
    return {
        s.value: (m.baseline.text if m.baseline else None) for s, m in initiative.milestones.items()
    }


def import_annex(uow: UnitOfWork, annex: Annex, *, actor: str, now: datetime) -> ImportReport:
    """Store the annex's new initiatives with their windows as baseline; never touch existing ones.

    An initiative is known by its title. One already stored keeps its baseline (which changes
    only by explicit re-baselining); a difference with the annex is reported, not applied.
    """
    report = ImportReport(annex.source)
    uow.initiatives.lock_names()
    taken = uow.initiatives.slugs()
    added: set[str] = set()  # short titles of this import (not yet written, on SQLite)

    def short_taken(short: str) -> bool:
        return short.casefold() in added or bool(uow.initiatives.slugs_of_short_title(short))

    for draft in annex.drafts:
        initiative = draft.initiative
        existing_slug = uow.initiatives.slug_of_title(initiative.title)
        if existing_slug is not None:
            existing = uow.initiatives.get(existing_slug)
            same = existing is not None and _baselines(existing) == _baselines(initiative)
            (report.unchanged if same else report.differing).append(existing_slug)
            continue
        if initiative.slug in taken:
            initiative.slug = make_slug(initiative.title, initiative.kind, taken)
        taken.add(initiative.slug)
        proposed = initiative.short_title or propose_short_title(initiative.title, initiative.kind)
        initiative.short_title = first_free(proposed, short_taken)
        added.add(initiative.short_title.casefold())
        initiative.refresh_forecast(forecast_rules(initiative), brussels_day(now))
        uow.initiatives.add(initiative, now=now)
        uow.initiatives.append_event(
            initiative,
            Event(
                name=CREATE,
                occurred_on=brussels_day(now),
                recorded_at=now,
                actor=actor,
                from_state=None,
                to_state=initiative.state,
                note=f"annex: {annex.source}" if annex.source else None,
            ),
        )
        sync_feed(uow, initiative, now)
        report.created.append(initiative.slug)
    return report


def annex_files(seed_dir: Path) -> list[Path]:
    return sorted(p for p in seed_dir.glob("*.txt") if p.is_file())


def seed(uow: UnitOfWork, seed_dir: Path, *, actor: str, now: datetime) -> list[ImportReport]:
    """Import every annex of `seed_dir`; the caller commits all of them, or nothing."""
    files = annex_files(seed_dir)
    if not files:
        raise AnnexError(f"{seed_dir}: no annex (*.txt) to import")
    annexes = [read_annex(path) for path in files]
    return [import_annex(uow, annex, actor=actor, now=now) for annex in annexes]
