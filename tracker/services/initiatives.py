"""Reading, creating and editing initiatives, with the caller's rights."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.domain.access import Principal, Role
from tracker.domain.bounds import within
from tracker.domain.clock import brussels_day
from tracker.domain.errors import (
    Forbidden,
    InvalidInput,
    Moved,
    NotFound,
    StaleVersion,
    Unauthenticated,
    out_of_bounds,
)
from tracker.domain.model import (
    EDITABLE,
    Event,
    Initiative,
    Kind,
    LegalDeadline,
    Stage,
    Window,
    metadata_values,
)
from tracker.domain.procedure import CREATE, EDIT
from tracker.domain.short_titles import MAX_SHORT_TITLE, first_free, propose_short_title
from tracker.domain.slugs import MAX_SLUG, make_slug, slugify
from tracker.rules.procedure_rules import asks_advice, build_milestones, forecast_rules
from tracker.services.unit_of_work import UnitOfWork
from tracker.store.repository import InitiativeFilter
from workflows.definitions import catalogue


def visibility(principal: Principal) -> frozenset[str] | None:
    """The entity filter of what the principal may read: None means everything."""
    return None if principal.sees_everything else principal.entities


def find_initiatives(
    uow: UnitOfWork, filters: InitiativeFilter, principal: Principal, *, limit: int, offset: int
) -> tuple[list[Initiative], int]:
    scoped = InitiativeFilter(
        kind=filters.kind,
        state=filters.state,
        entity=filters.entity,
        text=filters.text,
        visible_to=visibility(principal),
    )
    return uow.initiatives.find(scoped, limit=limit, offset=offset)


def _entity_slugs(initiative: Initiative) -> set[str]:
    return {slugify(name) for name in initiative.entities}


def _facts(principal: Principal, entities: list[str], **more: str) -> dict[str, object]:
    """What a 403 tells the caller: its token, and the entities the refusal is about."""
    return {
        "name": principal.name,
        "role": str(principal.role),
        "token_entities": sorted(principal.entities),
        "entities": list(entities),
        **more,
    }


def may_write(principal: Principal, initiative: Initiative) -> bool:
    return principal.can_write(_entity_slugs(initiative))


def readable_initiative(uow: UnitOfWork, slug: str, principal: Principal) -> Initiative:
    """The initiative, or NotFound when it does not exist or the caller may not see it."""
    initiative = uow.initiatives.get(slug)
    if initiative is None or not principal.can_read(
        initiative.is_public, _entity_slugs(initiative)
    ):
        raise NotFound("initiative", slug)
    if initiative.merged_into is not None:
        raise Moved(slug, initiative.merged_into)
    return initiative


def writable_initiative(
    uow: UnitOfWork, slug: str, principal: Principal, expected_version: int
) -> Initiative:
    """The initiative locked for writing, if the caller may write it at `expected_version`."""
    if principal.is_anonymous:
        raise Unauthenticated("writing needs an API token")
    initiative = uow.initiatives.get(slug, for_update=True)
    if initiative is None:
        raise NotFound("initiative", slug)
    entities = _entity_slugs(initiative)
    if not principal.can_write(entities):
        if not principal.can_read(initiative.is_public, entities):
            raise NotFound("initiative", slug)
        raise Forbidden(
            f"{principal.role} '{principal.name}' may not change '{slug}'",
            rule="viewer_reads_only" if principal.role == Role.VIEWER else "not_its_initiative",
            params=_facts(principal, initiative.entities, slug=slug),
        )
    if initiative.merged_into is not None:
        raise Moved(slug, initiative.merged_into)
    if initiative.version != expected_version:
        raise StaleVersion(expected_version, initiative.version)
    return initiative


@dataclass(slots=True)
class NewInitiative:
    title: str
    kind: Kind
    entities: list[str]
    summary: str = ""
    is_public: bool = True
    council_of_state_term: str = "days_30"
    advisory_bodies: list[str] = field(default_factory=list)
    legal_deadlines: list[LegalDeadline] = field(default_factory=list)
    plan: dict[Stage, Window] = field(default_factory=dict)
    short_title: str | None = None  # None: proposed from the title


def _canonical(
    uow: UnitOfWork, entities: list[str], principal: Principal | None = None
) -> list[str]:
    """Entities by their canonical names: an alias (workflows/entities.toml) or a known entity's
    name or slug gives the stored name; each entity once, in the order first given.

    With `principal` (a create or an edit), only coordinators and admins bring in an entity
    the tracker does not know yet: an editor names its own entities, those of
    workflows/entities.toml and those already stored, so that a typing error never makes a new
    co-owner (who would read the initiative, and whose name a later token could take)."""
    cat = catalogue()
    names: dict[str, str] = {}
    for entity in entities:
        name = cat.canonical_entity(entity)
        if not name or not slugify(name):
            raise InvalidInput("entities", f"'{entity}' is not an entity name")
        names.setdefault(slugify(name), name)
    known = uow.initiatives.entity_names(list(names))
    if principal is not None and not principal.sees_everything:
        listed = {slugify(n) for n in cat.entity_aliases.values()} | principal.entities
        unknown = [n for slug, n in names.items() if slug not in known and slug not in listed]
        if unknown:
            raise InvalidInput(
                "entities",
                f"unknown entity {', '.join(repr(n) for n in unknown)}: "
                "only a coordinator adds an entity the tracker does not know",
            )
    return [known.get(slug, name) for slug, name in names.items()]


def _taken(
    uow: UnitOfWork, holders: list[str], principal: Principal, besides: str | None = None
) -> bool:
    """Whether an initiative of `holders` (slugs), besides `besides`, is one the principal may
    read. One it may not read does not count: refusing a name it holds would tell that it
    exists (an existence oracle)."""
    for other in holders:
        if other == besides:
            continue
        try:
            readable_initiative(uow, other, principal)
        except NotFound:
            continue
        return True
    return False


def _new_slug(uow: UnitOfWork, new: NewInitiative) -> str:
    """A public initiative's slug follows its title (make_slug, "-2" when taken). A non-public
    one's carries a random part as well, so that it never takes the slug a title would give:
    else whoever next creates a similar title would get "-2" and learn that a private
    initiative holds the plain slug, and what it is."""
    taken = uow.initiatives.slugs()
    if new.is_public:
        return make_slug(new.title, new.kind, taken)
    base = make_slug(new.title, new.kind, set())[: MAX_SLUG - 7].rstrip("-")
    while (slug := f"{base}-{secrets.token_hex(3)}") in taken:
        continue
    return slug


def _speaks_for(principal: Principal, entities: set[str]) -> bool:
    """Whether the principal may decide for all these entities."""
    return principal.sees_everything or entities <= principal.entities


def _short_title(
    uow: UnitOfWork, short_title: str, principal: Principal, besides: str | None = None
) -> str:
    """The short title, refused when it is too short or long, or another initiative's (whatever
    its case: two initiatives that read alike in a calendar are the trouble it prevents). As for
    titles (_title_taken), only initiatives the principal may read count."""
    short_title = " ".join(short_title.split())
    if not 3 <= len(short_title) <= MAX_SHORT_TITLE:
        raise InvalidInput(
            "short_title",
            f"a short title has 3 to {MAX_SHORT_TITLE} characters",
            code="short_title_length",
            params={"limit": MAX_SHORT_TITLE},
        )
    if _taken(uow, uow.initiatives.slugs_of_short_title(short_title), principal, besides):
        raise InvalidInput(
            "short_title",
            "another initiative has this short title",
            code="short_title_taken",
            params={"value": short_title},
        )
    return short_title


def _title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) < 3:
        raise InvalidInput("title", "a title has at least 3 characters besides spaces")
    return title


def _check_term(term: str) -> None:
    terms = catalogue().council_terms
    if term not in terms:
        raise InvalidInput("council_of_state_term", f"one of {', '.join(terms)}")


def _check_bodies(bodies: list[str]) -> None:
    known = catalogue().advisory_bodies
    unknown = [b for b in bodies if b not in known]
    if unknown:
        raise InvalidInput("advisory_bodies", f"unknown {unknown}; known: {', '.join(known)}")


def _check_dates(
    deadlines: list[LegalDeadline] | None,
    plan: dict[Stage, Window] | None = None,
    entry_into_force: date | None = None,
) -> None:
    """Every date in the range the tracker accepts (tracker.domain.bounds), or a 422 naming it.

    The API's windows are checked as they are read (planning.window_from); this checks again
    whatever reaches the use case, so no caller can store a date outside the range.
    """
    for i, deadline in enumerate(deadlines or []):
        if not within(deadline.due_on):
            raise out_of_bounds(f"legal_deadlines[{i}].date", deadline.due_on)
    for stage, window in (plan or {}).items():
        for name, day in (("earliest", window.earliest), ("latest", window.latest)):
            if not within(day):
                raise out_of_bounds(f"plan.{stage.value}.{name}", day)
    if not within(entry_into_force):
        raise out_of_bounds("entry_into_force", entry_into_force)


def create_initiative(
    uow: UnitOfWork, new: NewInitiative, principal: Principal, *, now: datetime
) -> Initiative:
    if principal.is_anonymous:
        raise Unauthenticated("writing needs an API token")
    _check_dates(new.legal_deadlines, new.plan)
    # By canonical names, as every later change is checked: an alias is its entity.
    named = {slugify(catalogue().canonical_entity(e) or e) for e in new.entities}
    if not principal.can_write(named):
        raise Forbidden(
            f"{principal.role} '{principal.name}' may only create initiatives of its entities",
            rule="viewer_reads_only"
            if principal.role == Role.VIEWER
            else "create_outside_entities",
            params=_facts(principal, new.entities),
        )
    new.title = _title(new.title)
    uow.initiatives.lock_names()
    if _taken(uow, uow.initiatives.slugs_of_title(new.title), principal):
        raise InvalidInput(
            "title", "an initiative with this title exists already", code="title_taken"
        )
    if new.short_title is None:
        new.short_title = first_free(
            propose_short_title(new.title, new.kind),
            lambda short: _taken(uow, uow.initiatives.slugs_of_short_title(short), principal),
        )
    new.short_title = _short_title(uow, new.short_title, principal)
    cat = catalogue()
    _check_term(new.council_of_state_term)
    _check_bodies(new.advisory_bodies)
    workflow = cat.workflows[new.kind]
    for stage in new.plan:
        if stage not in workflow.stages:
            raise InvalidInput(f"plan.{stage.value}", f"not a stage of the {new.kind} workflow")
    initiative = Initiative(
        slug=_new_slug(uow, new),
        title=new.title,
        short_title=new.short_title,
        kind=new.kind,
        summary=new.summary,
        entities=_canonical(uow, new.entities, principal),
        advisory_bodies=new.advisory_bodies,
        legal_deadlines=new.legal_deadlines,
        is_public=new.is_public,
        council_of_state_term=new.council_of_state_term,
        milestones=build_milestones(
            new.kind, new.plan, asks_advice=asks_advice(new.advisory_bodies, cat), cat=cat
        ),
    )
    rules = forecast_rules(initiative, cat)
    initiative.refresh_plan_findings(rules)
    initiative.refresh_forecast(rules, brussels_day(now))
    uow.initiatives.add(initiative, now=now)
    uow.initiatives.append_event(
        initiative,
        Event(CREATE, brussels_day(now), now, principal.name, None, initiative.state),
    )
    return initiative


@dataclass(slots=True)
class InitiativeEdit:
    """Metadata to change; None leaves a field as it is."""

    title: str | None = None
    short_title: str | None = None
    summary: str | None = None
    entities: list[str] | None = None
    is_public: bool | None = None
    council_of_state_term: str | None = None
    legal_deadlines: list[LegalDeadline] | None = None
    entry_into_force: date | None = None
    lead_entity: str | None = None  # one of its entities, or a new one: moved to the front


def _lead(initiative: Initiative) -> str | None:
    return slugify(initiative.lead_entity) if initiative.lead_entity else None


def _with_lead(
    uow: UnitOfWork, edit: InitiativeEdit, current: list[str], principal: Principal
) -> None:
    """The edit's entities (else the current ones) with the lead entity first: one of them
    named by name, alias or slug, or a new one that is added."""
    assert edit.lead_entity is not None
    try:
        lead = _canonical(uow, [edit.lead_entity], principal)[0]
    except InvalidInput as refused:
        raise InvalidInput("lead_entity", refused.reason) from None
    entities = edit.entities if edit.entities is not None else list(current)
    rest = [e for e in entities if slugify(e) != slugify(lead)]
    edit.entities = [next((e for e in entities if slugify(e) == slugify(lead)), lead), *rest]


def edit_initiative(
    uow: UnitOfWork,
    slug: str,
    edit: InitiativeEdit,
    principal: Principal,
    *,
    expected_version: int,
    now: datetime,
) -> Initiative:
    initiative = writable_initiative(uow, slug, principal, expected_version)
    _check_dates(edit.legal_deadlines, entry_into_force=edit.entry_into_force)
    before = metadata_values(initiative, list(EDITABLE))
    owners = _entity_slugs(initiative)
    was_public = initiative.is_public
    lead = _lead(initiative)
    if edit.entities is not None:
        edit.entities = _canonical(uow, edit.entities, principal)
    if edit.lead_entity is not None:
        _with_lead(uow, edit, initiative.entities, principal)
    if edit.title is not None:
        edit.title = _title(edit.title)
    if edit.short_title is not None:
        edit.short_title = " ".join(edit.short_title.split())
    if edit.council_of_state_term is not None:
        _check_term(edit.council_of_state_term)
    values = {name: getattr(edit, name) for name in EDITABLE if getattr(edit, name) is not None}
    changed = initiative.edit(values, rules_of=forecast_rules, today=brussels_day(now))
    # The lead entity records the government's decisions (workflows/permissions.toml): only a
    # coordinator or the lead's own editors hand that over, whichever field moves it.
    lead_changed = _lead(initiative) != lead
    if lead_changed and not (
        principal.sees_everything or (lead is not None and lead in principal.entities)
    ):
        raise Forbidden(
            "only a coordinator, or an editor of the lead entity, changes the lead entity",
            rule="lead_entity_edit",
            params=_facts(
                principal,
                initiative.entities,
                slug=slug,
                lead=before["entities"][0] if before["entities"] else "",
            ),
        )
    if "entities" in changed and not principal.can_write(_entity_slugs(initiative)):
        raise Forbidden(
            "an editor keeps at least one of its own entities on the initiative",
            rule="keep_own_entity",
            params=_facts(principal, initiative.entities),
        )
    # Co-owners: an editor of one owner may not take the initiative away from another (who
    # would no longer read it, if it is not public), nor publish what the others keep private.
    # A coordinator may, and so may an editor of every owner concerned.
    removed = owners - _entity_slugs(initiative)
    if removed and not _speaks_for(principal, removed):
        raise Forbidden(
            "only a coordinator, or an editor of that entity, removes an owner",
            rule="remove_owner",
            params=_facts(principal, sorted(removed)),
        )
    if not was_public and initiative.is_public and not _speaks_for(principal, owners):
        raise Forbidden(
            "only a coordinator, or an editor of every owner, makes it public",
            rule="publish_needs_every_owner",
            params=_facts(principal, sorted(owners)),
        )
    if {"title", "short_title"} & set(changed):
        uow.initiatives.lock_names()
    if "title" in changed and _taken(
        uow, uow.initiatives.slugs_of_title(initiative.title), principal, slug
    ):
        raise InvalidInput(
            "title", "an initiative with this title exists already", code="title_taken"
        )
    if "short_title" in changed:
        _short_title(uow, initiative.short_title, principal, besides=slug)
    if not changed:
        return initiative
    uow.initiatives.save(initiative, now=now)
    uow.initiatives.append_event(
        initiative,
        Event(
            EDIT,
            brussels_day(now),
            now,
            principal.name,
            initiative.state,
            initiative.state,
            note=", ".join([*changed, "lead_entity"] if lead_changed else changed),
            details={
                "before": {k: v for k, v in before.items() if k in changed},
                "after": metadata_values(initiative, changed),
            },
        ),
    )
    return initiative
