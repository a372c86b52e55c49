"""Entities (organisations) as the register knows them: resolving a name, merging duplicates.

The register is workflows/entities.toml (workflows.definitions.load_entity_aliases). An annex
may bring in a name it does not know (stored as written, with an `unknown_entity` finding); a
merge moves such a stray entity's initiatives and tokens to a registered one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.domain.clock import brussels_day
from tracker.domain.errors import InvalidInput
from tracker.domain.model import Event, FindingKind, metadata_values
from tracker.domain.procedure import EDIT
from tracker.domain.slugs import slugify
from tracker.services.unit_of_work import UnitOfWork
from tracker.store.repository import InitiativeFilter
from workflows.definitions import catalogue


def registered_entity(name: str, field: str = "entity") -> str:
    """The register's canonical name for a name, alias or slug; refused, in one Dutch line
    naming the closest known names, when the register lacks it."""
    cat = catalogue()
    found = cat.registered_entity(name)
    if found is not None:
        return found
    closest = cat.closest_entities(name)
    hint = f"; bedoelde u {' of '.join(repr(n) for n in closest)}?" if closest else ""
    raise InvalidInput(
        field,
        f"'{name.strip()}' staat niet in het register van entiteiten (workflows/entities.toml)"
        + hint,
    )


@dataclass(frozen=True, slots=True)
class Merged:
    source: str  # the name the merged entity was stored under
    target: str
    initiatives: list[str]  # slugs
    tokens: list[str]  # names of API and feed tokens


def merge_entity(uow: UnitOfWork, source: str, target: str, *, actor: str, now: datetime) -> Merged:
    """Move every initiative and token of the stored entity `source` (name or slug) to the
    registered entity `target`, and remove `source`. Each initiative's history gets an edit of
    its entities (before and after), as an edit by hand would; an initiative that named both
    keeps the target once, where it named the first of them. The finding that the annex named
    an unknown entity goes with it."""
    target_name = registered_entity(target, "target")
    source_slug, target_slug = slugify(source), slugify(target_name)
    if not source_slug or source_slug == target_slug:
        raise InvalidInput(
            "source", f"'{source.strip()}' is '{target_name}' zelf: een entiteit wordt niet met "
            "zichzelf samengevoegd",
        )  # fmt: skip
    # Merge against a steady state: on PostgreSQL every initiative is locked, on SQLite this
    # unit of work takes the writers' turn.
    uow.initiatives.lock_all()
    stored = uow.initiatives.entity_names([source_slug]).get(source_slug)
    tokens = uow.initiatives.entity_tokens(source_slug)
    if stored is None and not tokens:
        raise InvalidInput(
            "source", f"geen initiatief of token heeft de entiteit '{source.strip()}'"
        )
    moved: list[str] = []
    day = brussels_day(now)
    for found in uow.initiatives.all(InitiativeFilter(entity=source_slug)):
        initiative = uow.initiatives.get(found.slug, for_update=True)
        assert initiative is not None
        before = metadata_values(initiative, ["entities"])
        entities: dict[str, str] = {}
        for name in initiative.entities:
            slug = slugify(name)
            if slug in (source_slug, target_slug):
                entities.setdefault(target_slug, target_name)
            else:
                entities.setdefault(slug, name)
        initiative.entities = list(entities.values())
        initiative.findings = [
            f
            for f in initiative.findings
            if f.kind is not FindingKind.UNKNOWN_ENTITY
            or slugify(str(f.params.get("name", ""))) != source_slug
        ]
        uow.initiatives.save(initiative, now=now)
        uow.initiatives.append_event(
            initiative,
            Event(
                EDIT,
                day,
                now,
                actor,
                initiative.state,
                initiative.state,
                note="entities",
                details={
                    "before": before,
                    "after": metadata_values(initiative, ["entities"]),
                    "merge": {"source": stored or source.strip(), "target": target_name},
                },
            ),
        )
        moved.append(initiative.slug)
    uow.initiatives.move_entity_tokens(source_slug, target_slug)
    uow.initiatives.remove_entity(source_slug)
    return Merged(stored or source.strip(), target_name, moved, tokens)
