"""The register of entities (workflows/entities.toml): matching, unknown names as findings,
tokens only for registered entities, and merging a stray entity into a registered one."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.domain.access import Principal, Role
from tracker.domain.errors import InvalidInput
from tracker.domain.model import Finding, FindingKind, Initiative, Kind, Severity
from tracker.outputs.messages import finding_message
from tracker.readers.annex import entity_findings, parse_annex, split_entities
from tracker.services.entities import merge_entity
from tracker.services.tokens import authenticate, create_token
from tracker.store.repository import InitiativeFilter
from workflows.definitions import catalogue, entity_key, load_entity_aliases

from .fakes import FakeUnitOfWork

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ADV = "Agentschap Digitaal Vlaanderen"
VTC = "Vlaamse Toezichtcommissie voor de verwerking van persoonsgegevens"
STUURORGAAN = "Stuurorgaan Vlaams Informatie- en ICT-beleid"
KBBJ = "Departement Kanselarij, Bestuur, Buitenlandse Zaken en Justitie"
STRAY = "Vlaamse data-autoriteit"


@pytest.fixture(scope="module")
def register() -> dict[str, str]:
    return load_entity_aliases(ROOT / "workflows" / "entities.toml")


# -- the register ------------------------------------------------------------------------------


def test_the_catalogue_loads_the_register(register: dict[str, str]) -> None:
    assert catalogue().entity_aliases == register


@pytest.mark.parametrize(
    "name",
    [
        "Departement Kanselarij, Bestuur, Buitenlandse Zaken en Justitie",
        "Departement Financiën en Begroting",
        "Departement Economie, Wetenschap en Innovatie",
        "Departement Onderwijs en Vorming",
        "Departement Zorg",
        "Departement Cultuur, Jeugd en Media",
        "Departement Werk en Sociale Economie",
        "Departement Landbouw en Visserij",
        "Departement Omgeving",
        "Departement Mobiliteit en Openbare Werken",
        "Departement Kanselarij en Buitenlandse Zaken",
        ADV,
        "Het Facilitair Bedrijf",
        VTC,
        "Sociaal-Economische Raad van Vlaanderen",
        "Strategische Adviesraad Cultuur, Jeugd, Sport en Media",
        "VVSG",
        "Raad van State",
        "Vlaamse Ombudsdienst",
    ],
)
def test_the_register_holds_the_administration(register: dict[str, str], name: str) -> None:
    assert register[entity_key(name)] == name  # a canonical name is its own alias


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("VTC", VTC),
        ("vlaamse toezichtcommissie", VTC),
        ("Vlaamse Toezichtcommissie (VTC)", VTC),  # the former canonical name
        ("SERV", "Sociaal-Economische Raad van Vlaanderen"),
        ("SARC", "Strategische Adviesraad Cultuur, Jeugd, Sport en Media"),
        ("Vereniging van Vlaamse Steden en Gemeenten", "VVSG"),
        ("Informatie Vlaanderen", ADV),  # renamed: the former name is an alias
        ("AIV", ADV),
        ("Vlaams DKBUZA", "Departement Kanselarij en Buitenlandse Zaken"),
        ("departement MOW", "Departement Mobiliteit en Openbare Werken"),
        ("VEKA", "Vlaams Energie- en Klimaatagentschap"),
        ("facilitair bedrijf", "Het Facilitair Bedrijf"),
        # case, hyphens, dashes, spaces and commas as written differ
        ("STUURORGAAN VLAAMS INFORMATIE EN ICT BELEID", STUURORGAAN),
        ("Stuurorgaan Vlaams Informatie–en ICT–beleid", STUURORGAAN),
        ("departement  kanselarij ,bestuur, buitenlandse zaken en justitie", KBBJ),
        ("Sociaal Economische Raad van Vlaanderen", "Sociaal-Economische Raad van Vlaanderen"),
        # a slug
        ("departement-cultuur-jeugd-en-media", "Departement Cultuur, Jeugd en Media"),
        ("het-facilitair-bedrijf", "Het Facilitair Bedrijf"),
    ],
)  # fmt: skip
def test_names_aliases_and_slugs_resolve(written: str, canonical: str) -> None:
    assert catalogue().registered_entity(written) == canonical
    assert catalogue().canonical_entity(f" {written} ") == canonical


def test_an_unknown_name_is_kept_by_canonical_entity_and_unknown_to_the_register() -> None:
    assert catalogue().registered_entity(STRAY) is None
    assert catalogue().canonical_entity(STRAY) == STRAY


@pytest.mark.parametrize(
    ("misspelt", "closest"),
    [
        ("Digitaal Vlaandren", [ADV]),
        ("VVGS", ["VVSG"]),
        ("Departement Omgevng", ["Departement Omgeving"]),
        ("Vlaamse toezichtscommissie", [VTC]),
        ("Geheime Dienst Vlaanderen", []),  # nothing is close
    ],
)
def test_closest_known_names(misspelt: str, closest: list[str]) -> None:
    assert catalogue().closest_entities(misspelt) == closest


def test_a_variant_that_names_two_entities_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "entities.toml"
    path.write_text(
        '[[entity]]\nname = "A"\nkind = "groep"\naliases = ["X"]\n'
        '[[entity]]\nname = "B"\nkind = "groep"\naliases = ["x"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="'x' names both A and B"):
        load_entity_aliases(path)


def test_an_entry_of_an_unknown_kind_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "entities.toml"
    path.write_text('[[entity]]\nname = "A"\nkind = "club"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="A: kind must be one of"):
        load_entity_aliases(path)


# -- splitting an entity list ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one entity, never four
        (f"{KBBJ}, VVSG", [KBBJ, "VVSG"]),
        ("departement Kanselarij, Bestuur, Buitenlandse Zaken en Justitie en de VTC", [KBBJ, VTC]),
        # written with other hyphens and spacing, still kept whole
        ("VVSG en Vlaams Energie -en Klimaatagentschap",
         ["VVSG", "Vlaams Energie- en Klimaatagentschap"]),
        ("Agentschap Wegen en Verkeer en departement MOW",
         ["Agentschap Wegen en Verkeer", "Departement Mobiliteit en Openbare Werken"]),
        # one entity by two names
        (f"VTC en {VTC}", [VTC]),
        # an unknown name is kept as written
        (f"{STRAY} en VVSG", [STRAY, "VVSG"]),
    ],
)  # fmt: skip
def test_split_entities_with_the_register(
    register: dict[str, str], text: str, expected: list[str]
) -> None:
    assert split_entities(text, register) == expected


def _annex(entities: str) -> str:
    return (
        "Regelgeving - Voorontwerp van decreet houdende de oprichting van een Vlaams "
        "Klimaatfonds\n\nDe Vlaamse Regering richt een fonds op.\n\nIndicatieve planning:\n\n"
        "Eerste principiële goedkeuring VR: maart 2025\n\n"
        f"Entiteiten betrokken bij dit initiatief:\n\n{entities}\n"
    )


def test_an_unknown_entity_is_a_finding_and_kept() -> None:
    initiative = parse_annex(_annex(f"VTC, {STRAY}, Digitaal Vlaandren")).drafts[0].initiative
    assert initiative.entities == [VTC, STRAY, "Digitaal Vlaandren"]
    unknown = [f for f in initiative.findings if f.kind is FindingKind.UNKNOWN_ENTITY]
    assert unknown == [
        Finding(
            FindingKind.UNKNOWN_ENTITY, Severity.WARNING, None, {"name": STRAY, "closest": "—"}
        ),
        Finding(
            FindingKind.UNKNOWN_ENTITY, Severity.WARNING, None,
            {"name": "Digitaal Vlaandren", "closest": ADV},
        ),
    ]  # fmt: skip
    assert finding_message(unknown[1]) == (
        "'Digitaal Vlaandren' staat niet in het register van entiteiten en is bewaard zoals "
        f"geschreven; bekende namen die erop lijken: {ADV}. Voeg de naam toe aan het register "
        "of voeg de entiteit samen met een bekende (tracker entity merge)."
    )
    assert finding_message(unknown[0], "en") == (
        f"'{STRAY}' is not in the register of entities and is kept as written; known names "
        "that look like it: —. Add the name to the register or merge the entity into a known "
        "one (tracker entity merge)."
    )


def test_known_entities_make_no_finding_and_no_register_judges_nothing() -> None:
    initiative = parse_annex(_annex(f"{KBBJ} en de VTC")).drafts[0].initiative
    assert FindingKind.UNKNOWN_ENTITY not in {f.kind for f in initiative.findings}
    assert entity_findings([STRAY], {}) == []


def test_every_entity_of_the_seed_annexes_is_registered(register: dict[str, str]) -> None:
    for path in sorted((ROOT / "seed").glob("bijlage-*.txt")):
        annex = parse_annex(path.read_text(encoding="utf-8"), aliases=register)
        for draft in annex.drafts:
            assert draft.initiative.entities == [
                register[entity_key(e)] for e in draft.initiative.entities
            ]
            kinds = {f.kind for f in draft.initiative.findings}
            assert FindingKind.UNKNOWN_ENTITY not in kinds, draft.initiative.slug


# -- tokens ------------------------------------------------------------------------------------


def test_a_token_names_registered_entities_by_name_alias_or_slug() -> None:
    uow = FakeUnitOfWork()
    with uow:
        entities = ["VTC", "agentschap digitaal vlaanderen", "het-facilitair-bedrijf", VTC]
        secret = create_token(uow, name="anna", role=Role.EDITOR, entities=entities, now=NOW)
        uow.commit()
    with uow:
        assert authenticate(uow, secret) == Principal(
            "anna",
            Role.EDITOR,
            frozenset({"agentschap-digitaal-vlaanderen", "het-facilitair-bedrijf", _slug(VTC)}),
        )


def test_a_token_for_an_unknown_entity_is_refused_naming_the_closest() -> None:
    uow = FakeUnitOfWork()
    with uow, pytest.raises(InvalidInput) as info:
        create_token(uow, name="anna", role=Role.EDITOR, entities=["Digitaal Vlaandren"], now=NOW)
    assert str(info.value) == (
        "entity: 'Digitaal Vlaandren' staat niet in het register van entiteiten "
        f"(workflows/entities.toml); bedoelde u '{ADV}'?"
    )
    with uow, pytest.raises(InvalidInput) as info:
        create_token(uow, name="anna", role=Role.VIEWER, entities=[STRAY], now=NOW)
    assert str(info.value) == (
        f"entity: '{STRAY}' staat niet in het register van entiteiten (workflows/entities.toml)"
    )
    assert "\n" not in str(info.value)
    assert uow.data.tokens == {}


# -- merging -----------------------------------------------------------------------------------


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _with_stray() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for slug, entities in (
            ("decreet-a", [STRAY, ADV]),
            ("decreet-b", [VTC, "VVSG", STRAY]),
            ("decreet-c", ["VVSG"]),
        ):
            initiative = Initiative(slug=slug, title=slug, kind=Kind.DECREE, entities=entities)
            initiative.findings = entity_findings(entities, catalogue().entity_aliases)
            uow.initiatives.add(initiative, now=NOW)
        # a token made before the register, scoped to the stray entity
        uow.tokens.add(
            name="oud", role=Role.EDITOR, entities=[_slug(STRAY), "vvsg"], token_hash="h", now=NOW
        )
        uow.commit()
    return uow


def test_merge_moves_initiatives_and_tokens_and_records_the_edit() -> None:
    uow = _with_stray()
    with uow:
        merged = merge_entity(uow, STRAY, "VTC", actor="coördinator", now=NOW)
        uow.commit()
    assert (merged.source, merged.target) == (STRAY, VTC)
    assert merged.initiatives == ["decreet-a", "decreet-b"]
    assert merged.tokens == ["oud"]
    stored = uow.data.initiatives
    assert stored["decreet-a"].entities == [VTC, ADV]  # in the stray entity's place
    assert stored["decreet-b"].entities == [VTC, "VVSG"]  # once, where it was first
    assert stored["decreet-c"].entities == ["VVSG"]
    assert [f for i in stored.values() for f in i.findings] == []  # the finding went with it
    assert (stored["decreet-a"].version, stored["decreet-c"].version) == (2, 1)
    edit = uow.data.events["decreet-b"][-1]
    assert (edit.name, edit.actor, edit.note) == ("edit", "coördinator", "entities")
    assert edit.details == {
        "before": {"entities": [VTC, "VVSG", STRAY]},
        "after": {"entities": [VTC, "VVSG"]},
        "merge": {"source": STRAY, "target": VTC},
    }
    assert uow.data.tokens["oud"][1].entities == frozenset({_slug(VTC), "vvsg"})
    with uow:
        assert uow.initiatives.entity_names([_slug(STRAY)]) == {}
        assert uow.initiatives.all(InitiativeFilter(entity=_slug(STRAY))) == []


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (STRAY, "Vlaamse toezichtscomissie",
         "target: 'Vlaamse toezichtscomissie' staat niet in het register van entiteiten "
         f"(workflows/entities.toml); bedoelde u '{VTC}'?"),
        (STRAY, STRAY,
         f"target: '{STRAY}' staat niet in het register van entiteiten (workflows/entities.toml)"),
        # the source is a stored entity: an alias of the target that none stores is none
        ("vtc", VTC, "source: geen initiatief of token heeft de entiteit 'vtc'"),
        (VTC, "VTC",
         f"source: '{VTC}' is '{VTC}' zelf: een entiteit wordt niet met zichzelf samengevoegd"),
        ("Verzonnen Dienst", "VTC",
         "source: geen initiatief of token heeft de entiteit 'Verzonnen Dienst'"),
    ],
)  # fmt: skip
def test_merge_refusals(source: str, target: str, message: str) -> None:
    uow = _with_stray()
    before = copy.deepcopy(uow.data)
    with uow, pytest.raises(InvalidInput) as info:
        merge_entity(uow, source, target, actor="coördinator", now=NOW)
    assert str(info.value) == message
    assert uow.data == before
