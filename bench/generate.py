"""Synthetic programmes: annexes written like the ministers' policy notes, and their histories.

Everything is drawn from one `random.Random(seed)`, so a seed gives the same programme every
time. Annex text goes through the project's own reader and import service; histories through
`record_event` and `replan`, exactly as the API would apply them.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from tracker.domain.access import Principal, Role
from tracker.domain.errors import TrackerError
from tracker.domain.model import Stage
from tracker.domain.windows import parse_window
from tracker.readers.annex import Annex, parse_annex
from tracker.rules.procedure_rules import gazette_calendar
from tracker.services.feed_catch_up import catch_up_feeds
from tracker.services.importing import import_annex
from tracker.services.planning import replan
from tracker.services.steps import options, record_event
from tracker.store.uow import Database, UnitOfWork
from workflows.definitions import catalogue

# Histories end on this Friday, so that the programme is the same whatever day it is generated;
# the benchmark's own writes happen later, on the real day.
REFERENCE_DAY = date(2026, 11, 20)
CREATED_AT = datetime(2024, 12, 2, 9, 0, tzinfo=UTC)  # the policy notes were filed then
ACTOR = Principal("bench generator", Role.ADMIN)
ANNEX_SIZE = 400  # initiatives per annex (one per policy area, as one minister's note)

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)  # fmt: skip
SEASONS = {3: "voorjaar", 6: "zomer", 9: "najaar"}
AREAS = (
    "Digitalisering", "Onderwijs", "Welzijn", "Omgeving", "Mobiliteit", "Economie", "Cultuur",
    "Wonen", "Energie", "Landbouw", "Justitie en Handhaving", "Financiën en Begroting",
    "Binnenlands Bestuur", "Sport", "Media", "Werk", "Toerisme", "Buitenlandse Zaken",
)  # fmt: skip
SUBJECTS = (
    "het elektronische bestuurlijke gegevensverkeer", "de erkenning van kinderopvang",
    "de omgevingsvergunning", "het basisbereikbaarheidsnetwerk", "de premie voor renovatie",
    "het agentschap voor innoveren", "het cultureel erfgoed", "de sociale huur",
    "de energieprestatie van gebouwen", "het mestbeleid", "de bestuurlijke handhaving",
    "de Vlaamse Codex Fiscaliteit", "het lokaal bestuur", "de topsport", "de mediadiensten",
    "de dienstencheques", "de logiesuitbating", "de internationale samenwerking",
    "de leerlingenbegeleiding", "de woonzorgcentra", "de natuurbeheerplannen",
    "de gegevensdeling tussen overheden", "het datanutsbedrijf", "de adressenregisters",
)  # fmt: skip
PURPOSES = (
    "tot wijziging van het decreet over", "houdende de organisatie van",
    "tot regeling van", "betreffende", "tot uitvoering van het decreet over",
)  # fmt: skip
RATIONALES = (
    "Het initiatief vereenvoudigt de regelgeving en vermindert de planlast voor lokale besturen.",
    "De Europese regelgeving vereist een aanpassing van het bestaande kader.",
    "Na evaluatie blijkt een decretale grondslag nodig voor de verwerking van persoonsgegevens.",
    "Het Rekenhof en de stakeholders vroegen om een duidelijker rolverdeling.",
)  # fmt: skip
DEADLINES = (
    "De verordening is van toepassing met ingang van {day} {month} {year}.",
    "De richtlijn moet uiterlijk op {day} {month} {year} omgezet zijn.",
)
ADVICE = (
    "met het oog op het inwinnen van het advies van de VTC",
    "met oog op inwinnen adviezen (evt. SERV en VTC)",
    "met het oog op het inwinnen van het advies van de SARC",
)
# Words that make a synthetic entity look real; none contains "en", which separates entities.
ENTITY_KINDS = ("Agentschap", "Departement", "Dienst", "Fonds", "Raad", "Instituut")


def _known_entities() -> list[str]:
    cat = catalogue()
    names = {cat.canonical_entity(alias) for alias in ("digitaal vlaanderen", "vtc", "stuurorgaan")}
    names |= {"Vlaams Datanutsbedrijf", "VVSG", "VEKA", "Departement Omgeving"}
    names |= {
        "Departement Cultuur, Jeugd en Media",
        "Agentschap Natuur en Bos",
        "Departement Mobiliteit en Openbare Werken",
        "Agentschap Wegen en Verkeer",
    }  # multi-word names the entity list must not split (workflows/entities.toml)
    return sorted(names)


@dataclass(frozen=True, slots=True)
class Month:
    """A month counted from year 0, so that stages can be planned months apart."""

    index: int

    @property
    def year(self) -> int:
        return self.index // 12

    @property
    def number(self) -> int:
        return self.index % 12 + 1

    @property
    def name(self) -> str:
        return MONTHS[self.number - 1]

    def plus(self, months: int) -> Month:
        return Month(self.index + months)


def phrase(rng: random.Random, month: Month) -> str:
    """A planning date in one of the annexes' phrasings, around `month`."""
    y, name = month.year, month.name
    season = {m: s for s, months in ((3, (3, 4, 5)), (6, (6, 7, 8)), (9, (9, 10, 11)))
              for m in months}.get(month.number)  # fmt: skip
    choices = [
        f"{name} {y}",
        f"begin {name} {y}",
        f"medio {name} {y}",
        f"eind {name} {y}",
        f"Q{(month.number - 1) // 3 + 1} {y}",
        f"{('eerste', 'tweede', 'derde', 'vierde')[(month.number - 1) // 3]} kwartaal {y}",
        f"{'eerste' if month.number <= 6 else 'tweede'} helft {y}",
        f"{rng.randint(1, 28)} {name} {y}",
        f"uiterlijk {name} {y}",
        f"{name} of {month.plus(2).name} {month.plus(2).year}"
        if month.plus(2).year == y
        else f"{name} {y}",
        f"tussen {name} en {month.plus(1).name} {y}"
        if month.plus(1).year == y
        else f"tussen {name} {y} en {month.plus(1).name} {month.plus(1).year}",
    ]
    if season is not None:
        choices += [f"{SEASONS[season]} {y}", f"begin {SEASONS[season]} {y}"]
    if month.number == 7:
        choices.append(f"vlak voor zomerreces {y}")
    if month.number in (1, 2):
        choices.append(f"begin {y}")
    if month.number == 12:
        choices.append(f"eind {y}")
    return rng.choice(choices)


@dataclass(slots=True)
class Programme:
    """A synthetic programme: its annexes' text, one per policy area."""

    seed: int
    size: int
    annexes: list[str] = field(default_factory=list)


def programme(size: int, seed: int) -> Programme:
    """`size` initiatives, both kinds, spread over annexes of at most ANNEX_SIZE entries."""
    rng = random.Random(seed)
    entities = _known_entities()
    synthetic = [
        f"{rng.choice(ENTITY_KINDS)} {rng.choice(AREAS).split()[0]} {i}"
        for i in range(max(8, size // 25))
    ]
    result = Programme(seed, size)
    for start in range(0, size, ANNEX_SIZE):
        area = AREAS[(start // ANNEX_SIZE) % len(AREAS)]
        lines = [
            "IV. BIJLAGE 'OVERZICHT BELEIDS- EN REGELGEVINGSINITIATIEVEN'",
            "",
            f"{start // ANNEX_SIZE + 1}. Beleidsveld {area}",
            "",
        ]
        for number in range(start, min(size, start + ANNEX_SIZE)):
            lines += _entry(rng, number, entities, synthetic)
        result.annexes.append("\n".join(lines) + "\n")
    return result


def _entry(rng: random.Random, number: int, entities: list[str], synthetic: list[str]) -> list[str]:
    decree = rng.random() < 0.55
    subject = f"{rng.choice(PURPOSES)} {rng.choice(SUBJECTS)} (initiatief {number + 1})"
    title = (
        f"Voorontwerp van decreet {subject}"
        if decree
        else f"Ontwerp van besluit van de Vlaamse Regering {subject}"
    )
    first = Month(2025 * 12 + rng.randint(0, 41))  # first approval from 2025 to mid 2028
    rationale = rng.choice(RATIONALES)
    if rng.random() < 0.15:
        due = first.plus(rng.randint(8, 30))
        rationale += " " + rng.choice(DEADLINES).format(
            day=rng.randint(1, 28), month=due.name, year=due.year
        )
    advice = rng.random() < 0.6
    second = advice or rng.random() < 0.3
    planning = [
        "Eerste principiële goedkeuring VR na wetgevingstechnisch en taalkundig advies, advies IF "
        f"en Begrotingsakkoord (telkens 12 werkdagen): {phrase(rng, first)}"
        + (f" {rng.choice(ADVICE)}" if advice else "")
    ]
    month = first
    if second:
        month = month.plus(rng.randint(2, 3))
        planning.append(
            "Tweede principiële goedkeuring VR met het oog op het inwinnen van het advies van de "
            f"RvS: {phrase(rng, month)}"
        )
    month = month.plus(rng.randint(2, 4))
    planning.append(f"Definitieve goedkeuring VR: {phrase(rng, month)}")
    if decree:
        month = month.plus(rng.randint(2, 5))
        planning.append(f"Parlementaire behandeling: {phrase(rng, month)}")
        month = month.plus(rng.randint(1, 2))
        planning.append(f"Bekrachtiging en afkondiging VR: {phrase(rng, month)}")
    month = month.plus(rng.randint(1, 2))
    planning.append(f"Publicatie Belgisch Staatsblad: {phrase(rng, month)}")
    involved = rng.sample(entities, rng.randint(1, 3)) + rng.sample(synthetic, rng.randint(0, 2))
    return [
        f"Regelgeving - {title}",
        "",
        rationale,
        "",
        "Indicatieve planning:",
        "",
        *[line for p in planning for line in (p, "")],
        "Entiteiten betrokken bij dit initiatief:",
        "",
        ", ".join(involved[:-1]) + (" en " if len(involved) > 1 else "") + involved[-1],
        "",
    ]


def parse(text: str, number: int) -> Annex:
    return parse_annex(text, source=f"bench-{number + 1}.txt")


@dataclass(slots=True)
class Loaded:
    """What loading put in the database, and how long each part took."""

    initiatives: int = 0
    events: int = 0  # workflow steps recorded (creation not counted)
    replans: int = 0
    refused: int = 0  # generated steps the services refused (a bug in the generator if many)
    import_seconds: float = 0.0
    history_seconds: float = 0.0
    slugs: list[str] = field(default_factory=list)


def load(database: Database, prog: Programme, *, chunk: int = 250) -> Loaded:
    """Import the annexes, then give each initiative a history; one transaction per chunk; then
    bring the calendar events up to date."""
    loaded = Loaded()
    started = time.perf_counter()
    for number, text in enumerate(prog.annexes):
        annex = parse(text, number)
        with database.uow() as uow:
            report = import_annex(uow, annex, actor=ACTOR.name, now=CREATED_AT)
            uow.commit()
        loaded.slugs += report.created
    loaded.initiatives = len(loaded.slugs)
    loaded.import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rng = random.Random(prog.seed + 1)
    for first in range(0, len(loaded.slugs), chunk):
        with database.uow() as uow:
            for slug in loaded.slugs[first : first + chunk]:
                _history(uow, slug, rng, loaded)
            uow.commit()
    # As a server leaves it: each commit's calendar events caught up (the server's Background).
    catch_up_feeds(database, _moment(REFERENCE_DAY, 9))
    loaded.history_seconds = time.perf_counter() - started
    return loaded


def _moment(day: date, hours: int) -> datetime:
    return datetime.combine(day, clock_time(8 + hours % 9), tzinfo=UTC)


def _history(uow: UnitOfWork, slug: str, rng: random.Random, loaded: Loaded) -> None:
    """Record what happened to one initiative up to REFERENCE_DAY: steps a little after their
    planned window (sometimes early, sometimes much later), some re-plans, holds and
    withdrawals."""
    cat = catalogue()
    working = cat.calendar()
    gazette = gazette_calendar()
    initiative = uow.initiatives.get(slug)
    assert initiative is not None
    lateness = rng.choice((-10, 0, 5, 15, 30, 60, 120))
    previous = date(2024, 12, 9)
    version = initiative.version
    replanned = False
    while True:
        state = initiative.state
        if state not in {s.value for s in Stage}:
            return
        stage = Stage(state)
        milestone = initiative.milestones[stage]
        planned = milestone.plan or milestone.forecast
        target = (
            planned.latest
            if planned is not None and planned.latest is not None
            else previous + timedelta(days=rng.randint(20, 60))
        )
        day = max(previous, target + timedelta(days=lateness + rng.randint(-5, 10)))
        if cat.stages[stage].government_decision:
            day = working.government_friday_on_or_after(day)
        elif stage is Stage.PUBLICATION:  # the Belgisch Staatsblad appears on working days
            while not gazette.is_working_day(day):
                day += timedelta(days=1)
        if day > REFERENCE_DAY:
            if not replanned and rng.random() < 0.25 and planned is not None:
                later = Month(target.year * 12 + target.month - 1).plus(rng.randint(1, 4))
                window = parse_window(phrase(rng, later))
                if window.parsed:
                    moment = _moment(min(REFERENCE_DAY, previous + timedelta(days=14)), 3)
                    done = replan(
                        uow, slug, stage.value, window, reason="vertraging in de voorbereiding",
                        rebaseline=False, principal=ACTOR, expected_version=version, now=moment,
                    )  # fmt: skip
                    version = done.initiative.version
                    loaded.replans += 1
            return
        event = cat.stages[stage].completed_by
        note = None
        roll = rng.random()
        if roll < 0.02:
            event, note = "withdraw", "niet langer prioritair"
        elif roll < 0.05:
            event, note = "hold", "wacht op Europese regelgeving"
        allowed = {o.event.id for o in options(initiative)}
        if event not in allowed:
            return
        try:
            step = record_event(
                uow, slug, event=event, occurred_on=day, principal=ACTOR,
                reference=f"VR {day.year} {day:%d%m} DOC.{rng.randint(1, 1999):04d}",
                note=note, expected_version=version,
                now=_moment(min(day + timedelta(days=rng.randint(0, 3)), REFERENCE_DAY), 2),
            )  # fmt: skip
        except TrackerError:
            loaded.refused += 1
            return
        loaded.events += 1
        initiative, version, previous = step.initiative, step.initiative.version, day
        if event == "hold":
            return
