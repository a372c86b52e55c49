"""The annex reader (DESIGN §1-3): the seed annex, a second hand-written sample, bad input.

Every expected value below was worked out by hand from the annex text, DESIGN §3 (windows) and
§4 (minimal durations), not copied from the reader's output.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.domain.model import Finding, FindingKind, Kind, Severity, Span, Stage
from tracker.readers.annex import (
    Annex,
    AnnexError,
    Draft,
    legal_deadlines,
    parse_annex,
    read_annex,
    split_entities,
)
from workflows.definitions import load_entity_aliases as load_aliases

ROOT = Path(__file__).resolve().parents[2]
SEED_ANNEX = ROOT / "seed" / "bijlage-beleidsnota-digitalisering-2024-2029.txt"
ENTITIES_TOML = ROOT / "workflows" / "entities.toml"
SAMPLE_ANNEX = ROOT / "tests" / "data" / "bijlage-beleidsnota-omgeving-sample.txt"

D = date
DECREE, ORDER = Kind.DECREE, Kind.ORDER
ERROR, WARNING = Severity.ERROR, Severity.WARNING
STUURORGAAN = "Stuurorgaan Vlaams Informatie- en ICT-beleid"
ADV = "Agentschap Digitaal Vlaanderen"
VDB = "Vlaams Datanutsbedrijf"
VTC = "Vlaamse Toezichtcommissie voor de verwerking van persoonsgegevens"

DECREE_PROCEDURE = [
    "drafting", "first_approval", "advisory_opinions", "second_approval", "council_of_state",
    "final_approval", "parliament", "ratification", "publication",
]  # fmt: skip
ORDER_PROCEDURE = [
    "drafting", "first_approval", "advisory_opinions", "second_approval", "council_of_state",
    "final_approval", "publication",
]  # fmt: skip


@pytest.fixture(scope="module")
def aliases() -> dict[str, str]:
    return load_aliases(ENTITIES_TOML)


@pytest.fixture(scope="module")
def seed(aliases: dict[str, str]) -> Annex:
    return read_annex(SEED_ANNEX, aliases=aliases)


@pytest.fixture(scope="module")
def seed_plain() -> Annex:
    """The seed annex read without the alias file."""
    return read_annex(SEED_ANNEX, aliases={})


@pytest.fixture(scope="module")
def sample(aliases: dict[str, str]) -> Annex:
    return read_annex(SAMPLE_ANNEX, aliases=aliases)


@pytest.fixture(scope="module")
def sample_plain() -> Annex:
    return read_annex(SAMPLE_ANNEX, aliases={})


def drafts(annex: Annex) -> dict[str, Draft]:
    return {d.initiative.slug: d for d in annex.drafts}


def stage_whens(draft: Draft) -> list[tuple[int, str, str]]:
    return [(sl.line, sl.stage.value, sl.when) for sl in draft.stage_lines]


def windows(draft: Draft) -> dict[str, tuple[date | None, date | None]]:
    return {sl.stage.value: (sl.window.earliest, sl.window.latest) for sl in draft.stage_lines}


def finding_kinds(draft: Draft) -> list[tuple[str, str, str | None]]:
    return sorted(
        (f.kind.value, f.severity.value, f.stage.value if f.stage else None)
        for f in draft.initiative.findings
    )


def the_finding(draft: Draft, kind: FindingKind, stage: Stage | None = None) -> Finding:
    found = [f for f in draft.initiative.findings if f.kind is kind and f.stage == stage]
    assert len(found) == 1, draft.initiative.findings
    return found[0]


def expect_error(text: str) -> AnnexError:
    with pytest.raises(AnnexError) as info:
        parse_annex(text)
    return info.value


# --------------------------------------------------------------------------------------------
# The seed annex
# --------------------------------------------------------------------------------------------

KLIP = "decreet-klip-gipod-verordening"
DATA_AUTORITEIT = "decreet-elektronische-bestuurlijke-gegevensverkeer"
CRAB = "decreet-crab-omvorming-centraal"
DAO = "decreet-platform-digitale-aangifte"
VMS = "decreet-vlaams-mandatensysteem"
CENTRUM = "decreet-vlaams-centrum-digitale"
PROACTIEF = "decreet-proactieve-dienstverlening"
BEHEREN = "besluit-beheren-bewaren-bestuursdocumenten"
FUNCTIONARISSEN = "besluit-functionarissen-gegevensbescherming"
OPRICHTING_DV = "besluit-digitaal-vlaanderen-werking"
AUTHENTIEK = "besluit-erkenning-authentieke-gegevensbronnen"

SEED_INITIATIVES = [
    (KLIP, DECREE, 5),
    (DATA_AUTORITEIT, DECREE, 31),
    (CRAB, DECREE, 55),
    (DAO, DECREE, 83),
    (VMS, DECREE, 105),
    (CENTRUM, DECREE, 131),
    (PROACTIEF, DECREE, 157),
    (BEHEREN, ORDER, 181),
    (FUNCTIONARISSEN, ORDER, 205),
    (OPRICHTING_DV, ORDER, 223),
    (AUTHENTIEK, ORDER, 241),
]


def test_seed_has_eleven_initiatives_in_file_order(seed: Annex) -> None:
    assert [(d.initiative.slug, d.initiative.kind, d.line) for d in seed.drafts] == SEED_INITIATIVES


def test_seed_has_seven_decrees_and_four_orders(seed: Annex) -> None:
    kinds = [d.initiative.kind for d in seed.drafts]
    assert len(kinds) == 11
    assert kinds.count(DECREE) == 7
    assert kinds.count(ORDER) == 4


def test_seed_slugs_are_unique(seed: Annex) -> None:
    slugs = [d.initiative.slug for d in seed.drafts]
    assert len(set(slugs)) == len(slugs) == 11


def test_seed_titles_kinds_policy_area_and_source(seed: Annex) -> None:
    assert seed.policy_area == "Digitalisering"
    assert seed.source == SEED_ANNEX.name
    first, last = seed.drafts[0].initiative, seed.drafts[-1].initiative
    assert first.title.startswith("Voorontwerp van decreet tot wijziging van het KLIP-decreet")
    assert first.title.endswith("(gigabitinfrastructuurverordening)")
    assert last.title == (
        "Voorontwerp van besluit van de Vlaamse Regering tot wijziging van het besluit van de "
        "Vlaamse Regering van 15 mei 2009 omtrent de procedure tot erkenning van authentieke "
        "gegevensbronnen"
    )
    for draft in seed.drafts:
        assert draft.initiative.policy_area == "Digitalisering"
        assert draft.initiative.source == SEED_ANNEX.name


SEED_ENTITIES = {
    KLIP: [
        VDB, ADV, "Departement Kanselarij en Buitenlandse Zaken",
        "Departement Mobiliteit en Openbare Werken", "Departement Omgeving",
        "Stakeholders GIPOD en KLIP",
    ],
    DATA_AUTORITEIT: [ADV, VTC],
    CRAB: [ADV, VDB, "Vlaams Energie- en Klimaatagentschap", "VVSG", STUURORGAAN],
    DAO: [VDB, ADV, "VVSG", "Uitvaartsector", "Departement Zorg", "Agentschap Binnenlands Bestuur"],
    VMS: [ADV, "VVSG", STUURORGAAN],
    CENTRUM: [ADV, VDB, "VVSG", STUURORGAAN],
    PROACTIEF: [ADV, VDB, "VVSG", STUURORGAAN],
    BEHEREN: [ADV, "Het Facilitair Bedrijf", "Selectiecommissies", "Betrokken administraties"],
    FUNCTIONARISSEN: [ADV, "VVSG", STUURORGAAN],
    OPRICHTING_DV: [ADV],
    AUTHENTIEK: [],
}  # fmt: skip


@pytest.mark.parametrize(("slug", "expected"), SEED_ENTITIES.items())
def test_seed_entities_with_the_alias_file(seed: Annex, slug: str, expected: list[str]) -> None:
    assert drafts(seed)[slug].initiative.entities == expected


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        (DATA_AUTORITEIT, [ADV, "VTC"]),
        (CRAB, [ADV, VDB, "VEKA", "VVSG", "Stuurorgaan"]),
        (VMS, [ADV, "VVSG", "Stuurorgaan"]),
        # written out in full in the annex: "Informatie- en ICT-beleid" is one name
        (FUNCTIONARISSEN, [ADV, "VVSG", STUURORGAAN]),
        (
            KLIP,
            [
                VDB,
                ADV,
                "Vlaams DKBUZA",
                "Departement MOW",
                "Departement Omgeving",
                "Stakeholders GIPOD en KLIP",
            ],
        ),
        (BEHEREN, SEED_ENTITIES[BEHEREN]),
    ],
)
def test_seed_entities_without_aliases(seed_plain: Annex, slug: str, expected: list[str]) -> None:
    assert drafts(seed_plain)[slug].initiative.entities == expected


def test_alias_file_maps_stuurorgaan_to_its_full_name(aliases: dict[str, str]) -> None:
    assert aliases["stuurorgaan"] == STUURORGAAN
    assert split_entities("VVSG, stuurorgaan", aliases) == ["VVSG", STUURORGAAN]
    assert split_entities("VVSG, Stuurorgaan", aliases) == ["VVSG", STUURORGAAN]


def test_load_aliases_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert load_aliases(tmp_path / "nope.toml") == {}


SEED_STAGE_LINES = {
    KLIP: [
        (15, "first_approval", "medio januari 2025"),
        (17, "second_approval", "begin maart 2025"),
        (19, "final_approval", "medio april 2025"),  # no colon on this line
        (21, "parliament", "vlak voor zomerreces 2025 ofwel uiterlijk oktober 2025"),
        (23, "ratification", "juli of november 2025"),
        (25, "publication", "najaar 2025"),
    ],
    DATA_AUTORITEIT: [
        (39, "first_approval", "februari 2025"),
        (41, "second_approval", "april 2025"),
        (43, "final_approval", "medio 2025"),
        (45, "parliament", "najaar 2025"),
        (47, "ratification", "eind 2025"),
        (49, "publication", "eind 2025, begin 2026"),
    ],
    BEHEREN: [
        (193, "first_approval", "voorjaar 2025"),
        (195, "second_approval", "voorjaar of medio 2025"),
        (197, "final_approval", "medio of begin najaar 2025"),
        (199, "publication", "najaar 2025"),
    ],
    AUTHENTIEK: [
        (247, "first_approval", "eind 2025"),
        (249, "second_approval", "voorjaar 2026"),
        (251, "final_approval", "najaar 2025"),
        (253, "publication", "medio 2026"),
    ],
}


@pytest.mark.parametrize(("slug", "expected"), SEED_STAGE_LINES.items())
def test_seed_stage_lines(seed: Annex, slug: str, expected: list[tuple[int, str, str]]) -> None:
    assert stage_whens(drafts(seed)[slug]) == expected


def test_seed_klip_windows(seed: Annex) -> None:
    draft = drafts(seed)[KLIP]
    assert windows(draft) == {
        "first_approval": (D(2025, 1, 11), D(2025, 1, 20)),
        "second_approval": (D(2025, 3, 1), D(2025, 3, 10)),
        "final_approval": (D(2025, 4, 11), D(2025, 4, 20)),
        "parliament": (D(2025, 7, 1), D(2025, 10, 31)),
        "ratification": (D(2025, 7, 1), D(2025, 11, 30)),
        "publication": (D(2025, 9, 1), D(2025, 11, 30)),
    }
    lines = {sl.stage: sl for sl in draft.stage_lines}
    assert lines[Stage.PARLIAMENT].window.alternatives == (
        Span(D(2025, 7, 1), D(2025, 7, 20)),
        Span(None, D(2025, 10, 31)),  # "uiterlijk": open start
    )
    assert lines[Stage.RATIFICATION].window.alternatives == (
        Span(D(2025, 7, 1), D(2025, 7, 31)),
        Span(D(2025, 11, 1), D(2025, 11, 30)),
    )
    # the "(november 2024)" of a sub-step is not the date of the first approval
    assert "(november 2024)" in lines[Stage.FIRST_APPROVAL].text
    assert lines[Stage.FIRST_APPROVAL].window.latest == D(2025, 1, 20)


def test_seed_windows_with_alternatives_and_year_taken_from_a_neighbour(seed: Annex) -> None:
    assert windows(drafts(seed)[DATA_AUTORITEIT])["publication"] == (D(2025, 10, 1), D(2026, 3, 31))
    beheren = windows(drafts(seed)[BEHEREN])
    assert beheren["second_approval"] == (D(2025, 3, 1), D(2025, 8, 31))
    assert beheren["final_approval"] == (D(2025, 5, 1), D(2025, 9, 30))


def test_seed_purpose_after_the_date_is_not_part_of_the_date(seed: Annex) -> None:
    by_stage = {sl.stage: sl for sl in drafts(seed)[DATA_AUTORITEIT].stage_lines}
    assert by_stage[Stage.FIRST_APPROVAL].purpose == "het inwinnen van het advies van de VTC"
    assert by_stage[Stage.SECOND_APPROVAL].purpose is None
    second = {sl.stage: sl for sl in drafts(seed)[BEHEREN].stage_lines}[Stage.SECOND_APPROVAL]
    assert (second.when, second.purpose) == (
        "voorjaar of medio 2025",
        "inwinnen advies Raad van State",
    )


def test_seed_klip_advisory_bodies_and_legal_deadline(seed: Annex) -> None:
    klip = drafts(seed)[KLIP].initiative
    assert klip.advisory_bodies == ["SERV", "VTC", "RvS"]
    assert [(d.due_on, d.text) for d in klip.legal_deadlines] == [
        (
            D(2025, 11, 12),
            "De gigabitinfrastructuurverordening is van toepassing met ingang van "
            "12 november 2025.",
        )
    ]


@pytest.mark.parametrize(
    ("slug", "bodies"),
    [(DATA_AUTORITEIT, ["VTC", "RvS"]), (VMS, ["VTC", "RvS"]), (AUTHENTIEK, ["VTC", "RvS"])],
)
def test_seed_other_advisory_bodies(seed: Annex, slug: str, bodies: list[str]) -> None:
    assert drafts(seed)[slug].initiative.advisory_bodies == bodies


def test_seed_relative_legal_deadline_counts_from_the_entry_into_force(seed: Annex) -> None:
    beheren = drafts(seed)[BEHEREN].initiative
    assert [(d.due_on, d.text) for d in beheren.legal_deadlines] == [
        (
            D(2025, 6, 21),  # "op 21 juni 2024 in werking getreden" + "uiterlijk een jaar"
            "De bekendgemaakte selectieregels worden uiterlijk een jaar na de inwerkingtreding "
            "van dit decreet aangepast.",
        )
    ]
    for slug in (DATA_AUTORITEIT, CRAB, DAO, VMS, CENTRUM, PROACTIEF, AUTHENTIEK):
        assert drafts(seed)[slug].initiative.legal_deadlines == [], slug


def test_seed_procedures(seed: Annex) -> None:
    for draft in seed.drafts:
        # every seed initiative asks the VTC (or SERV) for advice and plans a second approval
        expected = DECREE_PROCEDURE if draft.initiative.kind is DECREE else ORDER_PROCEDURE
        assert [s.value for s in draft.initiative.procedure] == expected, draft.initiative.slug


SEED_FINDINGS = {
    KLIP: [("deadline_risk", "warning", "publication")],
    DATA_AUTORITEIT: [],
    CRAB: [],
    DAO: [],
    VMS: [("tight_schedule", "warning", "publication")],
    CENTRUM: [
        ("tight_schedule", "warning", "final_approval"),
        ("tight_schedule", "warning", "ratification"),
    ],
    PROACTIEF: [
        ("tight_schedule", "warning", "parliament"),
        ("tight_schedule", "warning", "publication"),
        ("tight_schedule", "warning", "second_approval"),
    ],
    BEHEREN: [("deadline_risk", "error", "publication")],
    FUNCTIONARISSEN: [("tight_schedule", "warning", "publication")],
    OPRICHTING_DV: [("tight_schedule", "warning", "publication")],
    AUTHENTIEK: [
        ("missing_entities", "warning", None),
        ("stage_order", "error", "final_approval"),
        ("truncated", "warning", None),
    ],
}


@pytest.mark.parametrize(("slug", "expected"), SEED_FINDINGS.items())
def test_seed_findings(seed: Annex, slug: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert finding_kinds(drafts(seed)[slug]) == expected


def test_seed_last_initiative_is_out_of_order_and_cut_off(seed: Annex) -> None:
    draft = drafts(seed)[AUTHENTIEK]
    order = the_finding(draft, FindingKind.STAGE_ORDER, Stage.FINAL_APPROVAL)
    assert order.severity is ERROR
    assert order.params == {
        "stage": "final_approval",
        "text": "najaar 2025",
        "previous": "second_approval",
        "previous_text": "voorjaar 2026",
    }
    assert the_finding(draft, FindingKind.TRUNCATED).params == {"line": 255}  # last text line
    assert the_finding(draft, FindingKind.MISSING_ENTITIES).severity is WARNING
    assert draft.initiative.entities == []


def test_seed_tight_schedules_name_the_planned_and_needed_days(seed: Annex) -> None:
    # Centrum: second and final approval both "voorjaar 2026" (target 15 April 2026); the
    # Council of State needs 30 days: Friday 15 May 2026.
    centrum = drafts(seed)[CENTRUM]
    final = the_finding(centrum, FindingKind.TIGHT_SCHEDULE, Stage.FINAL_APPROVAL)
    assert final.params == {
        "stage": "final_approval",
        "text": "voorjaar 2026",
        "previous": "second_approval",
        "previous_text": "voorjaar 2026",
        "planned_days": 0,
        "needed_days": 30,
    }
    # parliament and ratification both "najaar 2026" (target Friday 16 October): 2 days, then
    # the next government Friday, 23 October
    ratification = the_finding(centrum, FindingKind.TIGHT_SCHEDULE, Stage.RATIFICATION)
    assert (ratification.params["planned_days"], ratification.params["needed_days"]) == (0, 7)
    # Proactief: first and second approval both "najaar 2026": 30 days of advice from 16 October
    # is Sunday 15 November, then Friday 20 November
    second = the_finding(drafts(seed)[PROACTIEF], FindingKind.TIGHT_SCHEDULE, Stage.SECOND_APPROVAL)
    assert (second.params["planned_days"], second.params["needed_days"]) == (0, 35)
    parliament = the_finding(drafts(seed)[PROACTIEF], FindingKind.TIGHT_SCHEDULE, Stage.PARLIAMENT)
    assert (parliament.params["planned_days"], parliament.params["needed_days"]) == (0, 42)


def test_seed_deadline_risks(seed: Annex) -> None:
    # najaar 2025 ends 30 November; + 10 days is 10 December, after 12 November: a warning
    klip = the_finding(drafts(seed)[KLIP], FindingKind.DEADLINE_RISK, Stage.PUBLICATION)
    assert klip.severity is WARNING
    assert klip.params == {
        "deadline": "2025-11-12",
        "text": "najaar 2025",
        "entry_into_force": "2025-12-10",
    }
    # even the first day of najaar 2025 is after 21 June 2025: an error
    beheren = the_finding(drafts(seed)[BEHEREN], FindingKind.DEADLINE_RISK, Stage.PUBLICATION)
    assert beheren.severity is ERROR
    assert beheren.params["deadline"] == "2025-06-21"


def test_seed_summary_mends_page_breaks(seed: Annex) -> None:
    summary = drafts(seed)[DATA_AUTORITEIT].initiative.summary
    assert "ten aanzien van de DB-diensten en DA-organisaties. Na onderzoek" in summary
    assert "DA- organisaties" not in summary
    assert "DA-\n" not in summary
    assert "\n" not in summary  # one paragraph, broken only by the page
    crab = drafts(seed)[CRAB].initiative.summary
    assert "zoals leidend ambtenaren, woordvoerders, enz." in crab
    centrum = drafts(seed)[CENTRUM].initiative.summary
    assert "het stroomlijnen van procedures, kennis en begrippen" in centrum


def test_seed_summary_keeps_paragraphs(seed: Annex) -> None:
    summary = drafts(seed)[KLIP].initiative.summary
    paragraphs = summary.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("De gigabitinfrastructuurverordening heeft als doel")
    assert paragraphs[2] == (
        "De gigabitinfrastructuurverordening is van toepassing met ingang van 12 november 2025. "
        "De voormelde decreten worden dus best tegen die datum aangepast aan de "
        "gigabitinfrastructuurverordening."
    )
    assert "Indicatieve planning" not in summary


def test_parse_annex_of_the_seed_text_equals_read_annex(seed: Annex) -> None:
    text = SEED_ANNEX.read_text(encoding="utf-8")
    parsed = parse_annex(text, source="bijlage.txt", aliases=load_aliases(ENTITIES_TOML))
    assert parsed.source == "bijlage.txt"
    assert [d.initiative.slug for d in parsed.drafts] == [s for s, _, _ in SEED_INITIATIVES]
    assert [d.initiative.entities for d in parsed.drafts] == [
        d.initiative.entities for d in seed.drafts
    ]


# --------------------------------------------------------------------------------------------
# The second sample: tests/data/bijlage-beleidsnota-omgeving-sample.txt
# --------------------------------------------------------------------------------------------

EPB = "decreet-energiedecreet-omzetting-richtlijn"
OMV = "besluit-omgevingsvergunning-digitale-indiening"
KERKEN = "decreet-onroerenderfgoeddecreet-herbestemming-erfgoedkerken"
WATER = "decreet-bepalingen-integraal-waterbeleid"
PREMIES = "besluit-energiebesluit-premies-warmtepompen"
VEKA = "Vlaams Energie- en Klimaatagentschap"


def test_sample_initiatives_in_file_order(sample: Annex) -> None:
    assert [(d.initiative.slug, d.initiative.kind, d.line) for d in sample.drafts] == [
        (EPB, DECREE, 5),
        (OMV, ORDER, 33),  # "Ontwerp van besluit van de Vlaamse Regering"
        (KERKEN, DECREE, 51),
        (WATER, DECREE, 77),
        (PREMIES, ORDER, 99),
    ]
    assert sample.policy_area == "Omgeving"
    assert sample.source == SAMPLE_ANNEX.name


SAMPLE_ENTITIES = {
    EPB: [VEKA, "Departement Omgeving", "Vlaamse Milieumaatschappij", "VVSG",
          "Stakeholders VEB en VITO"],
    OMV: ["Departement Omgeving", ADV, "VVSG"],  # "Digitaal Vlaanderen" through the alias file
    KERKEN: ["Agentschap Onroerend Erfgoed", "Departement Cultuur, Jeugd en Media", "VVSG",
             "Centrale besturen van de erkende erediensten"],
    WATER: [],
    # the VREG is the Vlaamse Nutsregulator since it also regulates water
    PREMIES: [VEKA, "Vlaamse Nutsregulator", "Fluvius System Operator"],
}  # fmt: skip


@pytest.mark.parametrize(("slug", "expected"), SAMPLE_ENTITIES.items())
def test_sample_entities(sample: Annex, slug: str, expected: list[str]) -> None:
    assert drafts(sample)[slug].initiative.entities == expected


def test_sample_entities_without_aliases(sample_plain: Annex) -> None:
    assert drafts(sample_plain)[OMV].initiative.entities == [
        "Departement Omgeving",
        "Digitaal Vlaanderen",
        "VVSG",
    ]


SAMPLE_PLANS = {
    EPB: [
        (15, "first_approval", "Q3 2026", D(2026, 7, 1), D(2026, 9, 30)),
        (17, "advisory_opinions", "winter 2026", D(2026, 12, 1), D(2027, 2, 28)),
        (19, "second_approval", "tussen januari en maart 2027", D(2027, 1, 1), D(2027, 3, 31)),
        (21, "final_approval", "juni 2027", D(2027, 6, 1), D(2027, 6, 30)),
        (23, "parliament", "tweede helft 2027", D(2027, 7, 1), D(2027, 12, 31)),
        (25, "ratification", "uiterlijk december 2027", None, D(2027, 12, 31)),
        (27, "publication", "begin 2028", D(2028, 1, 1), D(2028, 3, 31)),
    ],
    OMV: [
        (39, "first_approval", "begin maart 2026", D(2026, 3, 1), D(2026, 3, 10)),
        (41, "council_of_state", "april 2026", D(2026, 4, 1), D(2026, 4, 30)),
        # "Definitieve goedkeuring Vlaamse Regering eind mei 2026": no colon
        (43, "final_approval", "eind mei 2026", D(2026, 5, 21), D(2026, 5, 31)),
        (45, "publication", "begin juni 2026", D(2026, 6, 1), D(2026, 6, 10)),
    ],
    KERKEN: [
        (59, "first_approval", "begin najaar 2025", D(2025, 9, 1), D(2025, 9, 30)),
        (61, "advisory_opinions", "november 2025", D(2025, 11, 1), D(2025, 11, 30)),
        (63, "second_approval", "na advies van de SERV", None, None),  # kept, not a date
        (65, "final_approval", "voorjaar 2026", D(2026, 3, 1), D(2026, 5, 31)),
        (67, "parliament", "najaar 2026", D(2026, 9, 1), D(2026, 11, 30)),
        (69, "ratification", "eind november 2026", D(2026, 11, 21), D(2026, 11, 30)),
        (71, "publication", "december 2026", D(2026, 12, 1), D(2026, 12, 31)),
    ],
    WATER: [
        # the first line is broken by a page after "advies IF en": one line, from line 83
        (83, "first_approval", "januari 2026", D(2026, 1, 1), D(2026, 1, 31)),
        (87, "second_approval", "eind juni 2026", D(2026, 6, 21), D(2026, 6, 30)),
        (89, "final_approval", "voorjaar of zomer 2026", D(2026, 3, 1), D(2026, 8, 31)),
        (91, "parliament", "najaar 2026", D(2026, 9, 1), D(2026, 11, 30)),
        (93, "ratification", "december 2026", D(2026, 12, 1), D(2026, 12, 31)),
        (95, "publication", "begin 2027", D(2027, 1, 1), D(2027, 3, 31)),
    ],
    PREMIES: [
        (105, "first_approval", "begin april 2026", D(2026, 4, 1), D(2026, 4, 10)),
        (107, "second_approval", "medio april 2026", D(2026, 4, 11), D(2026, 4, 20)),
        (109, "final_approval", "juni 2026", D(2026, 6, 1), D(2026, 6, 30)),
        (111, "publication", "juli 2026", D(2026, 7, 1), D(2026, 7, 31)),
    ],
}


@pytest.mark.parametrize(("slug", "expected"), SAMPLE_PLANS.items())
def test_sample_stage_lines_and_windows(sample: Annex, slug: str, expected: list) -> None:  # type: ignore[type-arg]
    got = [
        (sl.line, sl.stage.value, sl.when, sl.window.earliest, sl.window.latest)
        for sl in drafts(sample)[slug].stage_lines
    ]
    assert got == expected


def test_sample_alternatives_are_kept(sample: Annex) -> None:
    water = {sl.stage: sl.window for sl in drafts(sample)[WATER].stage_lines}
    assert water[Stage.FINAL_APPROVAL].alternatives == (
        Span(D(2026, 3, 1), D(2026, 5, 31)),
        Span(D(2026, 6, 1), D(2026, 8, 31)),
    )
    epb = {sl.stage: sl.window for sl in drafts(sample)[EPB].stage_lines}
    assert epb[Stage.RATIFICATION].alternatives == (Span(None, D(2027, 12, 31)),)
    assert epb[Stage.RATIFICATION].target == D(2027, 12, 31)


def test_sample_continued_stage_line_keeps_its_whole_text(sample: Annex) -> None:
    first = drafts(sample)[WATER].stage_lines[0]
    assert first.text.startswith("Eerste principiële goedkeuring Vlaamse Regering met oog op")
    assert first.text.endswith(
        "advies IF en begrotingsakkoord (telkens 12 werkdagen): januari 2026"
    )


def test_sample_purposes(sample: Annex) -> None:
    premies = {sl.stage: sl.purpose for sl in drafts(sample)[PREMIES].stage_lines}
    assert premies[Stage.FIRST_APPROVAL] == "het inwinnen van het advies van de VTC"
    assert premies[Stage.SECOND_APPROVAL] is None  # "met het oog op" before the colon
    assert all(sl.purpose is None for sl in drafts(sample)[EPB].stage_lines)


@pytest.mark.parametrize(
    ("slug", "bodies"),
    [
        (EPB, ["SERV", "Minaraad", "RvS"]),
        (OMV, ["RvS"]),
        (KERKEN, ["SERV", "SARC"]),
        (WATER, ["Minaraad", "SERV", "RvS"]),
        (PREMIES, ["VTC", "RvS"]),
    ],
)
def test_sample_advisory_bodies(sample: Annex, slug: str, bodies: list[str]) -> None:
    assert drafts(sample)[slug].initiative.advisory_bodies == bodies


@pytest.mark.parametrize(
    ("slug", "procedure"),
    [
        (EPB, DECREE_PROCEDURE),
        # a single "principiële goedkeuring", only the Council of State named: no advice round,
        # no second approval
        (OMV, ["drafting", "first_approval", "council_of_state", "final_approval", "publication"]),
        (KERKEN, DECREE_PROCEDURE),
        (WATER, DECREE_PROCEDURE),  # advice asked on the first approval line: Minaraad, SERV
        (PREMIES, ORDER_PROCEDURE),
    ],
)
def test_sample_procedures(sample: Annex, slug: str, procedure: list[str]) -> None:
    initiative = drafts(sample)[slug].initiative
    assert [s.value for s in initiative.procedure] == procedure


def test_sample_single_approval_order_has_no_second_approval(sample: Annex) -> None:
    omv = drafts(sample)[OMV].initiative
    assert omv.plans(Stage.FIRST_APPROVAL)
    assert not omv.plans(Stage.SECOND_APPROVAL)
    assert not omv.plans(Stage.ADVISORY_OPINIONS)
    assert not omv.plans(Stage.PARLIAMENT)
    first = omv.milestones[Stage.FIRST_APPROVAL].baseline
    assert first is not None
    assert (first.text, first.latest) == ("begin maart 2026", D(2026, 3, 10))
    assert omv.milestones[Stage.DRAFTING].baseline is None


def test_sample_legal_deadlines(sample: Annex) -> None:
    by_slug = drafts(sample)
    assert [(d.due_on, d.text) for d in by_slug[EPB].initiative.legal_deadlines] == [
        (D(2026, 5, 29), "De richtlijn moet uiterlijk 29 mei 2026 omgezet zijn.")
    ]
    assert [(d.due_on, d.text) for d in by_slug[KERKEN].initiative.legal_deadlines] == [
        (
            D(2027, 1, 1),
            "De nieuwe regels zijn van toepassing vanaf 1 januari 2027, zodat de "
            "kerkenbeleidsplannen van de volgende generatie ermee rekening kunnen houden.",
        )
    ]
    # "op 1 januari 2025 in werking getreden" + "uiterlijk twee jaar na de inwerkingtreding"
    assert [d.due_on for d in by_slug[PREMIES].initiative.legal_deadlines] == [D(2027, 1, 1)]
    # "tegen 2050" is a year, not a deadline day; "Sinds 1 januari 2018" is no deadline
    assert by_slug[OMV].initiative.legal_deadlines == []
    assert by_slug[WATER].initiative.legal_deadlines == []


SAMPLE_FINDINGS = {
    # "stakeholders VEB en VITO" and "de centrale besturen van de erkende erediensten" are no
    # organisations of the register
    EPB: [("deadline_risk", "error", "publication"), ("unknown_entity", "warning", None)],
    OMV: [("tight_schedule", "warning", "publication")],
    KERKEN: [("deadline_risk", "warning", "publication"), ("unknown_entity", "warning", None),
             ("unparsed_date", "warning", "second_approval")],
    WATER: [("missing_entities", "warning", None), ("stage_order", "warning", "final_approval")],
    PREMIES: [("tight_schedule", "error", "second_approval")],
}  # fmt: skip


@pytest.mark.parametrize(("slug", "expected"), SAMPLE_FINDINGS.items())
def test_sample_findings(sample: Annex, slug: str, expected: list) -> None:  # type: ignore[type-arg]
    assert finding_kinds(drafts(sample)[slug]) == expected


def test_sample_unreadable_date_is_flagged_and_kept(sample: Annex) -> None:
    kerken = drafts(sample)[KERKEN]
    finding = the_finding(kerken, FindingKind.UNPARSED_DATE, Stage.SECOND_APPROVAL)
    assert finding.params == {
        "stage": "second_approval",
        "text": "na advies van de SERV",
        "line": 63,
    }
    baseline = kerken.initiative.milestones[Stage.SECOND_APPROVAL].baseline
    assert baseline is not None
    assert (baseline.text, baseline.parsed, baseline.earliest, baseline.latest) == (
        "na advies van de SERV",
        False,
        None,
        None,
    )


def test_sample_deadline_risks(sample: Annex) -> None:
    # publication "begin 2028" starts after 29 May 2026: an error
    epb = the_finding(drafts(sample)[EPB], FindingKind.DEADLINE_RISK, Stage.PUBLICATION)
    assert epb.severity is ERROR
    assert epb.params == {
        "deadline": "2026-05-29",
        "text": "begin 2028",
        "entry_into_force": "2028-04-10",
    }
    # "december 2026": 11 December is in time, 10 January 2027 is not: a warning
    kerken = the_finding(drafts(sample)[KERKEN], FindingKind.DEADLINE_RISK, Stage.PUBLICATION)
    assert kerken.severity is WARNING
    assert kerken.params["entry_into_force"] == "2027-01-10"


def test_sample_tight_schedules(sample: Annex) -> None:
    # final approval "eind mei" (target 26 May), publication "begin juni" (target 5 June):
    # 10 days planned, 14 needed; from 21 May the 14 days still fit before 10 June: a warning
    omv = the_finding(drafts(sample)[OMV], FindingKind.TIGHT_SCHEDULE, Stage.PUBLICATION)
    assert omv.severity is WARNING
    assert omv.params == {
        "stage": "publication",
        "text": "begin juni 2026",
        "previous": "final_approval",
        "previous_text": "eind mei 2026",
        "planned_days": 10,
        "needed_days": 14,
    }
    # first approval "begin april 2026" (target 5 April), VTC advice 30 days: 5 May, then the
    # next government Friday 8 May; even from 1 April the advice ends 1 May, a holiday, so the
    # second approval can come 8 May at the soonest, after "medio april" ends: an error
    premies = the_finding(
        drafts(sample)[PREMIES], FindingKind.TIGHT_SCHEDULE, Stage.SECOND_APPROVAL
    )
    assert premies.severity is ERROR
    assert (premies.params["planned_days"], premies.params["needed_days"]) == (10, 33)


def test_sample_stage_order_warning(sample: Annex) -> None:
    # "voorjaar of zomer 2026" (target 31 May) before "eind juni 2026" (target 25 June), but
    # its window still reaches past the previous one's start: a warning, not an error
    water = the_finding(drafts(sample)[WATER], FindingKind.STAGE_ORDER, Stage.FINAL_APPROVAL)
    assert water.severity is WARNING
    assert water.params == {
        "stage": "final_approval",
        "text": "voorjaar of zomer 2026",
        "previous": "second_approval",
        "previous_text": "eind juni 2026",
    }


def test_sample_empty_entity_list_in_the_middle_is_not_truncation(sample: Annex) -> None:
    kinds = [f.kind for f in drafts(sample)[WATER].initiative.findings]
    assert FindingKind.MISSING_ENTITIES in kinds
    assert FindingKind.TRUNCATED not in kinds
    for slug in (EPB, OMV, KERKEN, PREMIES):
        kinds = [f.kind for f in drafts(sample)[slug].initiative.findings]
        assert FindingKind.TRUNCATED not in kinds, slug
        assert FindingKind.MISSING_ENTITIES not in kinds, slug


def test_sample_summaries_mend_page_breaks(sample: Annex) -> None:
    epb = drafts(sample)[EPB].initiative.summary
    assert "worden de EPB-eisen voor nieuwe gebouwen aangescherpt" in epb
    assert epb.count("\n\n") == 1  # two paragraphs
    kerken = drafts(sample)[KERKEN].initiative.summary
    assert "de financiële draagkracht van de lokale besturen. De nieuwe regels" in kerken
    assert "\n" not in kerken


def test_sample_slugs_are_unique(sample: Annex) -> None:
    slugs = [d.initiative.slug for d in sample.drafts]
    assert len(set(slugs)) == len(slugs) == 5


# --------------------------------------------------------------------------------------------
# Small annexes
# --------------------------------------------------------------------------------------------

DECREE_HEADING = (
    "Regelgeving - Voorontwerp van decreet houdende de oprichting van een Vlaams Klimaatfonds"
)
ORDER_HEADING = (
    "Regelgeving - Voorontwerp van besluit van de Vlaamse Regering tot wijziging van het "
    "Klimaatbesluit"
)


def annex(heading: str, *planning: str, entities: str | None = "VVSG") -> str:
    """Lines: 1 heading, 3 rationale, 5 'Indicatieve planning:', 7, 9, ... the planning lines."""
    lines = [heading, "", "De Vlaamse Regering richt een fonds op.", "", "Indicatieve planning:"]
    for line in planning:
        lines += ["", line]
    if entities is not None:
        lines += ["", "Entiteiten betrokken bij dit initiatief:", "", entities]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Voorontwerp van decreet houdende de oprichting van een Vlaams Klimaatfonds", DECREE),
        ("Ontwerp van decreet houdende de oprichting van een Vlaams Klimaatfonds", DECREE),
        ("Voorontwerp van besluit van de Vlaamse Regering tot wijziging van X", ORDER),
        ("Ontwerp van besluit van de Vlaamse Regering tot wijziging van X", ORDER),
        ("(Voor)ontwerp van besluit van de Vlaamse Regering tot wijziging van X", ORDER),
    ],
)
def test_kind_from_the_title(title: str, kind: Kind) -> None:
    parsed = parse_annex(annex(f"Regelgeving - {title}", "Principiële goedkeuring VR: maart 2025"))
    assert parsed.drafts[0].initiative.kind is kind


def test_same_titles_get_distinct_slugs() -> None:
    text = annex(DECREE_HEADING, "Eerste principiële goedkeuring VR: maart 2025") * 2
    slugs = [d.initiative.slug for d in parse_annex(text).drafts]
    assert slugs == ["decreet-vlaams-klimaatfonds", "decreet-vlaams-klimaatfonds-2"]


def test_initiative_without_planning_is_flagged() -> None:
    draft = parse_annex(annex(DECREE_HEADING)).drafts[0]
    assert draft.stage_lines == []
    assert finding_kinds(draft) == [("missing_planning", "warning", None)]


def test_last_initiative_without_entity_heading_is_truncated() -> None:
    text = annex(ORDER_HEADING, "Principiële goedkeuring VR: maart 2025", entities=None)
    draft = parse_annex(text).drafts[0]
    assert finding_kinds(draft) == [
        ("missing_entities", "warning", None),
        ("truncated", "warning", None),
    ]
    assert the_finding(draft, FindingKind.TRUNCATED).params == {"line": 7}


def test_stage_line_without_colon_and_unreadable_date_keeps_the_text() -> None:
    text = annex(
        DECREE_HEADING,
        "Eerste principiële goedkeuring VR: maart 2025",
        "Definitieve goedkeuring VR na advies van de Raad van State",
    )
    draft = parse_annex(text).drafts[0]
    final = draft.stage_lines[1]
    assert final.stage is Stage.FINAL_APPROVAL
    assert final.line == 9
    assert "na advies van de Raad van State" in final.when
    assert not final.window.parsed
    assert the_finding(draft, FindingKind.UNPARSED_DATE, Stage.FINAL_APPROVAL).params["line"] == 9


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n\t\n",
        "IV. BIJLAGE 'OVERZICHT BELEIDS- EN REGELGEVINGSINITIATIEVEN'\n\n1. Beleidsveld Omgeving\n",
        "Indicatieve planning:\n\nEerste principiële goedkeuring VR: maart 2025\n",
        "Regelgeving\n\nVoorontwerp van decreet houdende x\n",
    ],
    ids=["empty", "blank", "no-heading", "planning-only", "heading-without-title"],
)
def test_not_an_annex(text: str) -> None:
    error = expect_error(text)
    assert error.line is None
    assert "Regelgeving - <title>" in str(error)
    assert "\n" not in str(error)


def test_unknown_kind_of_initiative_names_the_line() -> None:
    text = (
        "1. Beleidsveld Omgeving\n\nRegelgeving - Voorstel van resolutie betreffende het klimaat\n"
    )
    error = expect_error(text)
    assert error.line == 3
    assert str(error).startswith("line 3: ")
    assert "Voorstel van resolutie" in str(error)


def test_unknown_kind_in_a_later_initiative_names_its_heading() -> None:
    text = annex(DECREE_HEADING, "Eerste principiële goedkeuring VR: maart 2025")
    text += "\nRegelgeving - Ontwerp van ministerieel besluit tot vaststelling van de modellen\n"
    error = expect_error(text)
    assert error.line == 13
    assert "ministerieel besluit" in str(error)


def test_unknown_stage_line_names_the_line() -> None:
    text = annex(
        DECREE_HEADING,
        "Eerste principiële goedkeuring VR: maart 2025",
        "Lancering website: mei 2025",
    )
    error = expect_error(text)
    assert error.line == 9
    assert str(error).startswith("line 9: ")
    assert "Lancering website: mei 2025" in str(error)


def test_unknown_first_stage_line_names_the_line() -> None:
    error = expect_error(annex(DECREE_HEADING, "Lancering website: mei 2025"))
    assert error.line == 7


def test_unknown_stage_line_after_a_stage_line_without_colon_is_refused() -> None:
    """A line without colon whose date is readable is complete: the next line is no sequel.

    Otherwise "Lancering website: mei 2025" is swallowed and the final approval silently
    becomes "mei 2025" instead of "medio april 2025".
    """
    text = annex(
        DECREE_HEADING,
        "Eerste principiële goedkeuring VR: maart 2025",
        "Definitieve goedkeuring VR medio april 2025",
        "Lancering website: mei 2025",
    )
    error = expect_error(text)
    assert error.line == 11
    assert "Lancering website" in str(error)


def test_date_on_the_line_after_a_page_break_belongs_to_the_stage() -> None:
    """ "Eerste principiële goedkeuring VR:" then, after a page break, "maart 2025"."""
    text = annex(DECREE_HEADING, "Eerste principiële goedkeuring VR:", "maart 2025")
    draft = parse_annex(text).drafts[0]
    assert stage_whens(draft) == [(7, "first_approval", "maart 2025")]


def test_stage_planned_twice_names_both_lines() -> None:
    text = annex(
        DECREE_HEADING,
        "Eerste principiële goedkeuring VR: maart 2025",
        "Definitieve goedkeuring VR: mei 2025",
        "Definitieve goedkeuring Vlaamse Regering: juni 2025",
    )
    error = expect_error(text)
    assert error.line == 11
    assert "also line 9" in str(error)


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("Behandeling Vlaams Parlement: juni 2025", "Behandeling Vlaams Parlement"),
        ("Parlementaire behandeling: juni 2025", "Behandeling Vlaams Parlement"),
        ("Bekrachtiging en afkondiging VR: juli 2025", "Bekrachtiging en afkondiging VR"),
    ],
)
def test_order_has_no_parliament_or_ratification(line: str, label: str) -> None:
    error = expect_error(annex(ORDER_HEADING, "Principiële goedkeuring VR: maart 2025", line))
    assert error.line == 9
    assert label in str(error)


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "nul": tmp_path / "nul.txt",
        "invalid-utf8": tmp_path / "invalid.txt",
        "latin1": tmp_path / "latin1.txt",
        "directory": tmp_path / "a-directory",
        "missing": tmp_path / "missing.txt",
    }
    files["nul"].write_bytes(b"Regelgeving - Voorontwerp van decreet\x00\x00\x01\x02\n")
    files["invalid-utf8"].write_bytes(b"\xff\xfe\x00R\x00e\xc3\x28\x80\x81")
    files["latin1"].write_bytes("Regelgeving - Voorontwerp van decreet één\n".encode("latin-1"))
    files["directory"].mkdir()
    return files


@pytest.mark.parametrize(
    ("which", "words"),
    [
        ("missing", "no such file"),
        ("directory", "directory"),
        ("nul", "binary"),
        ("invalid-utf8", "UTF-8"),
        ("latin1", "UTF-8"),
    ],
)
def test_read_annex_refuses_unreadable_files(
    bad_files: dict[str, Path], which: str, words: str
) -> None:
    path = bad_files[which]
    with pytest.raises(AnnexError) as info:
        read_annex(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert words in message


def test_read_annex_names_file_and_line_of_a_template_error(tmp_path: Path) -> None:
    path = tmp_path / "bijlage.txt"
    path.write_text(annex(DECREE_HEADING, "Lancering website: mei 2025"), encoding="utf-8")
    with pytest.raises(AnnexError) as info:
        read_annex(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line 7: ")
    assert "\n" not in message


def test_read_annex_keeps_the_line_number(tmp_path: Path) -> None:
    """`AnnexError.line` is what callers (the API, an editor) use to point at the line."""
    path = tmp_path / "bijlage.txt"
    path.write_text(annex(DECREE_HEADING, "Lancering website: mei 2025"), encoding="utf-8")
    with pytest.raises(AnnexError) as info:
        read_annex(path)
    assert info.value.line == 7


# --------------------------------------------------------------------------------------------
# split_entities
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        (" , ;", []),
        ("VVSG", ["VVSG"]),
        ("A, B en C", ["A", "B", "C"]),
        ("A; B.", ["A", "B"]),
        ("Agentschap Digitaal Vlaanderen en de VTC", [ADV, "VTC"]),
        ("de VTC en de VVSG", ["VTC", "VVSG"]),
        # a hyphen before "en" joins the two halves of one name
        ("Stuurorgaan Vlaams Informatie- en ICT-beleid", [STUURORGAAN]),
        (f"{VEKA} en Fluvius", [VEKA, "Fluvius"]),
        (
            "VEKA, Vlaamse Regulator van de Elektriciteits- en Gasmarkt en Fluvius",
            ["VEKA", "Vlaamse Regulator van de Elektriciteits- en Gasmarkt", "Fluvius"],
        ),
        # two acronyms sharing a lower-case head noun are one entity
        ("stakeholders GIPOD en KLIP", ["Stakeholders GIPOD en KLIP"]),
        ("VVSG en stakeholders VEB en VITO", ["VVSG", "Stakeholders VEB en VITO"]),
        # ... but two full names are two
        ("departement Omgeving en departement MOW", ["Departement Omgeving", "Departement MOW"]),
        ("VEKA en VMM", ["VEKA", "VMM"]),
        # hedges and lower-case articles go; a capitalised "Het" is part of the name
        ("in voorkomend geval de betrokken administraties", ["Betrokken administraties"]),
        ("eventueel het Rekenhof", ["Rekenhof"]),
        ("evt. de VVSG", ["VVSG"]),
        ("Het Facilitair Bedrijf", ["Het Facilitair Bedrijf"]),
        ("het Facilitair Bedrijf", ["Facilitair Bedrijf"]),
        # the first letter is capitalised, the rest kept
        ("uitvaartsector, departement Zorg", ["Uitvaartsector", "Departement Zorg"]),
        # duplicates (case-insensitive) are dropped, the first spelling kept
        ("VVSG, vvsg, de VVSG", ["VVSG"]),
        ("VTC, Vlaamse Toezichtcommissie", ["VTC", "Vlaamse Toezichtcommissie"]),
    ],
)
def test_split_entities(text: str, expected: list[str]) -> None:
    assert split_entities(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stuurorgaan", [STUURORGAAN]),
        ("Digitaal Vlaanderen en het Facilitair Bedrijf", [ADV, "Het Facilitair Bedrijf"]),
        # two spellings of one entity become one
        ("VTC, Vlaamse Toezichtcommissie", [VTC]),
        ("agentschap Digitaal Vlaanderen, Digitaal Vlaanderen", [ADV]),
        # unknown names are kept as written
        ("VVSG", ["VVSG"]),
    ],
)
def test_split_entities_with_aliases(
    aliases: dict[str, str], text: str, expected: list[str]
) -> None:
    assert split_entities(text, aliases) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Departement Cultuur, Jeugd en Media", ["Departement Cultuur", "Jeugd", "Media"]),
        ("Agentschap Natuur en Bos", ["Agentschap Natuur", "Bos"]),
    ],
)
def test_split_entities_without_known_names(text: str, expected: list[str]) -> None:
    """The comma and "en" are the list's separators, so without a list of known names a name
    that contains a comma or a plain " en " (no hyphen before it, not two acronyms) is split."""
    assert split_entities(text) == expected


def test_known_names_of_the_alias_file_are_kept_whole() -> None:
    aliases = load_aliases(ENTITIES_TOML)
    text = "Departement Cultuur, Jeugd en Media, agentschap natuur en bos en VVSG"
    assert split_entities(text, aliases) == [
        "Departement Cultuur, Jeugd en Media",
        "Agentschap Natuur en Bos",
        "VVSG",
    ]


def test_entity_list_continued_after_a_trailing_comma() -> None:
    text = annex(
        DECREE_HEADING,
        "Eerste principiële goedkeuring VR: maart 2025",
        entities="Departement Omgeving, VVSG,\n\nAgentschap Digitaal Vlaanderen",
    )
    entities = parse_annex(text).drafts[0].initiative.entities
    assert entities == ["Departement Omgeving", "VVSG", ADV]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("Departement Omgeving, VVSG en", ADV, ["Departement Omgeving", "VVSG", ADV]),
        (
            "Departement Omgeving, Vlaams Energie-",
            "en Klimaatagentschap",
            ["Departement Omgeving", VEKA],
        ),
    ],
    ids=["line-ends-with-en", "name-broken-at-hyphen"],
)
def test_entity_list_broken_by_a_page_break(first: str, second: str, expected: list[str]) -> None:
    """A page break inside the entity list must not change it (as in the rationale)."""
    text = annex(
        DECREE_HEADING,
        "Eerste principiële goedkeuring VR: maart 2025",
        entities=f"{first}\n\n{second}",
    )
    assert parse_annex(text).drafts[0].initiative.entities == expected


# --------------------------------------------------------------------------------------------
# legal_deadlines
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        ("De richtlijn moet uiterlijk 31 december 2026 omgezet zijn.", [D(2026, 12, 31)]),
        ("De regels zijn van toepassing vanaf 1 januari 2027.", [D(2027, 1, 1)]),
        ("De verordening is van toepassing met ingang van 12 november 2025.", [D(2025, 11, 12)]),
        ("De richtlijn moet omgezet zijn tegen 31 december 2026.", [D(2026, 12, 31)]),
        ("De richtlijn moet ten laatste op 31 december 2026 omgezet worden.", [D(2026, 12, 31)]),
        (
            "Het decreet is op 1 maart 2024 in werking getreden. Het wordt uiterlijk zes maanden "
            "na de inwerkingtreding geëvalueerd.",
            [D(2024, 9, 1)],
        ),
        (  # 31 August + 6 months: the last day of February
            "Het decreet is op 31 augustus 2024 in werking getreden. Het wordt uiterlijk zes "
            "maanden na de inwerkingtreding geëvalueerd.",
            [D(2025, 2, 28)],
        ),
        (  # the same day twice is one deadline
            "De verordening is van toepassing met ingang van 12 november 2025. De decreten "
            "moeten uiterlijk 12 november 2025 aangepast zijn.",
            [D(2025, 11, 12)],
        ),
        ("De decreten worden best tegen die datum aangepast.", []),
        ("In 2017 werden het KLIP-decreet en het GIPOD-decreet gewijzigd.", []),
        ("Het gebouwenpark moet tegen 2050 emissievrij zijn.", []),
    ],
)
def test_legal_deadlines(rationale: str, expected: list[date]) -> None:
    deadlines, findings = legal_deadlines(rationale)
    assert [d.due_on for d in deadlines] == expected
    assert findings == []


def test_relative_deadline_without_entry_into_force_is_unresolved() -> None:
    sentence = "De regeling wordt uiterlijk een jaar na de inwerkingtreding geëvalueerd."
    deadlines, findings = legal_deadlines(sentence)
    assert [(d.text, d.due_on) for d in deadlines] == [(sentence, None)]
    assert [(f.kind, f.severity, f.params) for f in findings] == [
        (FindingKind.UNRESOLVED_DEADLINE, WARNING, {"text": sentence})
    ]


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        ("De nieuwe regels moeten van toepassing zijn vanaf 1 januari 2027.", [D(2027, 1, 1)]),
        ("De richtlijn moet vóór 31 december 2026 omgezet zijn.", [D(2026, 12, 31)]),
    ],
)
def test_legal_deadline_phrasings_with_words_in_between(
    rationale: str, expected: list[date]
) -> None:
    """Common variants of DESIGN §1's phrasings; a missed deadline is silent (no risk flagged)."""
    deadlines, _ = legal_deadlines(rationale)
    assert [d.due_on for d in deadlines] == expected


def test_an_unreadable_date_without_colon_keeps_only_the_date_text() -> None:
    text = annex(
        DECREE_HEADING,
        "Eerste principiële goedkeuring VR: maart 2025",
        "Definitieve goedkeuring VR na advies van de Raad van State",
        entities="VVSG",
    )
    (draft,) = parse_annex(text).drafts
    final = draft.stage_lines[1]
    assert (final.stage, final.when, final.window.parsed) == (
        Stage.FINAL_APPROVAL,
        "na advies van de Raad van State",
        False,
    )
