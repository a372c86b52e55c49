"""Load the workflow data files into plain, immutable definitions (no state-machine library here).

The transitions of a workflow are derived from its ordered stages: the event that completes a stage
leads to the next stage the initiative plans (optional stages are skipped when not planned), the
last one to the `done` state; every open stage can be put on hold (and resumed where it was) or
withdrawn.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import holidays
from dateutil.easter import easter
from rapidfuzz import fuzz, process

from tracker.domain.access import EVERY_EVENT, RecordRights, Relation, Role
from tracker.domain.calendar import Duration, ParliamentCalendar, Recess, WorkingCalendar
from tracker.domain.model import Initiative, Kind, Stage, Terminal
from tracker.domain.slugs import fold, slugify

DATA_DIR = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class Label:
    nl: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True, slots=True)
class StageDef:
    id: Stage
    label: Label
    completed_by: str
    government_decision: bool
    annex_phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventDef:
    id: str
    label: Label
    requires: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Guard:
    """A pure condition on the initiative: `plans` a stage, or was `held_in` a stage."""

    name: str
    stage: Stage

    def __call__(self, initiative: Initiative) -> bool:
        if self.name == "plans":
            return initiative.plans(self.stage)
        return initiative.held_stage == self.stage

    def describe(self) -> str:
        return f"{self.name}({self.stage.value})"


@dataclass(frozen=True, slots=True)
class TransitionDef:
    event: str
    source: str
    dest: str
    guard: Guard | None = None


@dataclass(frozen=True, slots=True)
class WorkflowDef:
    kind: Kind
    label: Label
    stages: tuple[Stage, ...]
    optional: frozenset[Stage]
    done: str
    transitions: tuple[TransitionDef, ...]

    @property
    def states(self) -> tuple[str, ...]:
        return (
            *(s.value for s in self.stages),
            self.done,
            Terminal.ON_HOLD.value,
            Terminal.WITHDRAWN.value,
        )

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.event for t in self.transitions))

    @property
    def open_states(self) -> tuple[str, ...]:
        return tuple(s.value for s in self.stages)


@dataclass(frozen=True, slots=True)
class AdvisoryBody:
    code: str
    label: Label
    patterns: tuple[str, ...]
    council_of_state: bool


@dataclass(frozen=True, slots=True)
class CouncilTerm:
    id: str
    label: Label
    duration: Duration


# eq=False: there is one catalogue per process (catalogue() is cached); hashed by identity, it
# keys the calendar and rules worked out from it once (tracker.rules.procedure_rules.rules_for).
@dataclass(frozen=True, slots=True, eq=False)
class Catalogue:
    stages: Mapping[Stage, StageDef]
    events: Mapping[str, EventDef]
    system_events: Mapping[str, Label]
    states: Mapping[str, Label]
    workflows: Mapping[Kind, WorkflowDef]
    minimum: Mapping[Stage, Duration | None]  # None: the initiative's Council of State term
    council_terms: Mapping[str, CouncilTerm]
    advisory_bodies: Mapping[str, AdvisoryBody]
    days_off: Mapping[tuple[int, int], Label]  # (month, day) -> name
    entity_aliases: Mapping[str, str]  # lower-case variant -> canonical name
    parliament: ParliamentCalendar  # from parliament.toml
    annex_phrases: tuple[tuple[str, Stage], ...]  # folded phrase, stage; longest first
    record_rights: RecordRights = field(default_factory=dict)  # from permissions.toml

    def state_label(self, state: str, lang: str = "nl") -> str:
        if state in self.states:
            return self.states[state].get(lang)
        return self.stages[Stage(state)].label.get(lang)

    def event_label(self, event: str, lang: str = "nl") -> str:
        if event in self.events:
            return self.events[event].label.get(lang)
        return self.system_events[event].get(lang) if event in self.system_events else event

    def canonical_entity(self, name: str) -> str:
        """The register's name for `name` (a name, alias or slug), else `name` as given."""
        name = name.strip()
        return self.registered_entity(name) or name

    def registered_entity(self, name: str) -> str | None:
        """The register's name for a name, alias or slug; None when the register lacks it."""
        found = self.entity_aliases.get(entity_key(name))
        return found if found is not None else _entity_slugs(self).get(slugify(name))

    def closest_entities(self, name: str, limit: int = 3) -> list[str]:
        return closest_entities(name, self.entity_aliases, limit)

    def government_decisions(self) -> frozenset[Stage]:
        return frozenset(s for s, d in self.stages.items() if d.government_decision)

    def calendar(self) -> WorkingCalendar:
        """One calendar per catalogue: it remembers the working-day sums it has done."""
        return _calendar(self)

    def is_day_off(self, day: date) -> bool:
        return (day.month, day.day) in self.days_off or _belgian_holiday(day)


@cache
def _calendar(cat: Catalogue) -> WorkingCalendar:
    return WorkingCalendar(cat.is_day_off)


@cache
def _belgian_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays("BE")


@lru_cache(maxsize=16384)
def _belgian_holiday(day: date) -> bool:
    # Forecasts ask about the same days thousands of times; the holidays lookup is not cheap.
    return day in _belgian_holidays()


def _rule_day(rule: Mapping[str, Any], year: int) -> date:
    if "easter" in rule:
        day: date = easter(year) + timedelta(days=rule["easter"])
    elif "week_of" in rule:
        anchor = date(year, rule["week_of"]["month"], rule["week_of"]["day"])
        day = anchor - timedelta(days=anchor.weekday())
    elif "weekday" in rule:
        first = date(year, rule["month"], 1)
        day = first + timedelta(
            days=(rule["weekday"] - first.weekday()) % 7 + 7 * (rule["nth"] - 1)
        )
    else:
        day = date(year, rule["month"], rule["day"])
    return day + timedelta(days=int(rule.get("offset", 0)))


def _recess(rule: Mapping[str, Any], year: int) -> Recess:
    start = _rule_day(rule["start"], year)
    if "days" in rule:
        end = start + timedelta(days=rule["days"] - 1)
    else:
        end = _rule_day(rule["end"], year)
    return Recess(rule["nl"], start, end, name_en=rule["en"])


def _parliament(raw: Mapping[str, Any]) -> ParliamentCalendar:
    rules = raw["recess"]
    return ParliamentCalendar(
        raw["plenary_weekday"], lambda year: [_recess(rule, year) for rule in rules]
    )


def _read(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open("rb") as f:
        return tomllib.load(f)


def _label(raw: Mapping[str, Any]) -> Label:
    return Label(nl=raw["nl"], en=raw["en"])


def _duration(raw: Mapping[str, Any]) -> Duration:
    return Duration(days=raw.get("days", 0), working_days=raw.get("working_days", 0))


def derive_transitions(
    stages: tuple[Stage, ...],
    optional: frozenset[Stage],
    done: str,
    completed_by: Callable[[Stage], str],
) -> tuple[TransitionDef, ...]:
    result: list[TransitionDef] = []
    for i, stage in enumerate(stages):
        event = completed_by(stage)
        for candidate in stages[i + 1 :]:
            if candidate in optional:
                guard = Guard("plans", candidate)
                result.append(TransitionDef(event, stage.value, candidate.value, guard))
                continue
            result.append(TransitionDef(event, stage.value, candidate.value))
            break
        else:
            result.append(TransitionDef(event, stage.value, done))
    hold, withdrawn = Terminal.ON_HOLD.value, Terminal.WITHDRAWN.value
    result += [TransitionDef("hold", s.value, hold) for s in stages]
    result += [TransitionDef("resume", hold, s.value, Guard("held_in", s)) for s in stages]
    result += [TransitionDef("withdraw", s, withdrawn) for s in (*(s.value for s in stages), hold)]
    return tuple(result)


def _workflow(raw: Mapping[str, Any], stage_defs: Mapping[Stage, StageDef]) -> WorkflowDef:
    stages = tuple(Stage(s) for s in raw["stages"])
    optional = frozenset(Stage(s) for s in raw.get("optional", ()))
    return WorkflowDef(
        kind=Kind(raw["kind"]),
        label=_label(raw),
        stages=stages,
        optional=optional,
        done=raw["done"],
        transitions=derive_transitions(
            stages, optional, raw["done"], lambda s: stage_defs[s].completed_by
        ),
    )


# How the register classes its entries (documentation, checked on loading).
ENTITY_KINDS = frozenset({
    "departement", "agentschap", "adviesorgaan", "instelling", "vereniging", "onderneming",
    "groep",
})  # fmt: skip
_DASHES = re.compile(r"[-\u2010-\u2015]+")


def entity_key(name: str) -> str:
    """How an entity name is matched against the register: case-insensitively, and whatever
    the hyphens, dashes, spaces and the spacing around commas ("Informatie- en ICT-beleid",
    "informatie en ict beleid"); a slug's hyphens are spaces too."""
    text = _DASHES.sub(" ", unicodedata.normalize("NFC", name).casefold())
    text = re.sub(r"\s*,\s*", ", ", text)
    return re.sub(r"\s+", " ", text).strip(" .;:")


def load_entity_aliases(path: Path) -> dict[str, str]:
    """The register of entities (workflows/entities.toml): each canonical name keyed by the
    entity_key of itself and of each of its aliases. A variant that names two entities, or an
    unknown kind, is an error in the register."""
    if not path.is_file():
        return {}
    with path.open("rb") as f:
        raw = tomllib.load(f)
    aliases: dict[str, str] = {}
    for entry in raw.get("entity", []):
        name = entry["name"]
        if entry.get("kind") not in ENTITY_KINDS:
            raise ValueError(f"{path}: {name}: kind must be one of {sorted(ENTITY_KINDS)}")
        for variant in (name, *entry.get("aliases", ())):
            key = entity_key(variant)
            if aliases.setdefault(key, name) != name:
                raise ValueError(f"{path}: '{variant}' names both {aliases[key]} and {name}")
    return aliases


def closest_entities(name: str, aliases: Mapping[str, str], limit: int = 3) -> list[str]:
    """The canonical names of the register entries whose names or aliases look most like
    `name` (a misspelling), best first; none when nothing is close.

    A plain edit distance (fuzz.ratio): the partial-match scorers rank any name that shares
    "Vlaamse" or "Departement" with `name` as close. Matches well behind the best are left out.
    """
    found: list[str] = []
    matches = process.extract(
        entity_key(name), list(aliases), scorer=fuzz.ratio, score_cutoff=70, limit=4 * limit
    )
    best = matches[0][1] if matches else 0
    for key, score, _ in matches:
        if score >= best - 10 and aliases[key] not in found:
            found.append(aliases[key])
    return found[:limit]


@lru_cache(maxsize=4)
def _entity_slugs(cat: Catalogue) -> dict[str, str]:
    """The register's names by the slug of each name and alias (a token names entities by
    slug)."""
    return {slugify(variant): name for variant, name in cat.entity_aliases.items()}


def load_record_rights(raw: Mapping[str, Any], events: Mapping[str, EventDef]) -> RecordRights:
    """Who may record which event (permissions.toml): every role and relation listed, each
    with known events or "*"; an omission or a misspelt event is an error in the file, never
    a right silently given or taken."""
    rights: dict[tuple[Role, Relation], frozenset[str]] = {}
    unknown_roles = set(raw) - {r.value for r in Role}
    if unknown_roles:
        raise ValueError(f"permissions.toml: unknown roles {sorted(unknown_roles)}")
    for role in Role:
        for relation in Relation:
            listed = raw.get(role.value, {}).get(relation.value)
            if listed is None:
                raise ValueError(f"permissions.toml: [{role}] has no '{relation}'")
            unknown = set(listed) - set(events) - {EVERY_EVENT}
            if unknown:
                raise ValueError(f"permissions.toml: [{role}] {relation}: unknown {unknown}")
            rights[role, relation] = frozenset(listed)
    return rights


def prepare() -> None:
    """Load the catalogue and the Belgian holidays its working calendar asks about (0.13 s):
    a server loads them before its first request. Its request threads otherwise missed the
    cache together and each loaded them: six threads of one worker at the start of a burst of
    steps (py-spy)."""
    catalogue()
    _belgian_holidays()


@cache
def catalogue() -> Catalogue:
    """The workflow data, read once per process."""
    raw = _read("stages.toml")
    stages = {
        Stage(k): StageDef(
            id=Stage(k),
            label=_label(v),
            completed_by=v["completed_by"],
            government_decision=v.get("government_decision", False),
            annex_phrases=tuple(v.get("annex_phrases", ())),
        )
        for k, v in raw["stages"].items()
    }
    events = {
        k: EventDef(k, _label(v), tuple(v.get("requires", ("occurred_on",))))
        for k, v in raw["events"].items()
    }
    durations = _read("durations.toml")
    bodies = _read("advisory_bodies.toml")["bodies"]
    days_off = {
        (d["month"], day): _label(d)
        for d in _read("calendar.toml")["days_off"]
        for day in range(d["day"], d.get("until_day", d["day"]) + 1)
    }
    phrases = sorted(
        ((fold(p), s.id) for s in stages.values() for p in s.annex_phrases),
        key=lambda item: -len(item[0]),
    )
    return Catalogue(
        stages=stages,
        events=events,
        system_events={k: _label(v) for k, v in raw.get("system_events", {}).items()},
        states={k: _label(v) for k, v in raw["states"].items()},
        workflows={
            wf.kind: wf for wf in (_workflow(_read(f"{k.value}.toml"), stages) for k in Kind)
        },
        minimum={
            Stage(k): None if v.get("term") else _duration(v)
            for k, v in durations["minimum"].items()
        },
        council_terms={
            k: CouncilTerm(k, _label(v), _duration(v))
            for k, v in durations["council_of_state_terms"].items()
        },
        advisory_bodies={
            k: AdvisoryBody(k, _label(v), tuple(v["patterns"]), v.get("council_of_state", False))
            for k, v in bodies.items()
        },
        days_off=days_off,
        entity_aliases=load_entity_aliases(DATA_DIR / "entities.toml"),
        parliament=_parliament(_read("parliament.toml")),
        annex_phrases=tuple(phrases),
        record_rights=load_record_rights(_read("permissions.toml"), events),
    )
