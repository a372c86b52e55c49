"""Short titles proposed from an annex's full titles (tracker.domain.short_titles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.domain.model import Kind
from tracker.domain.short_titles import MAX_SHORT_TITLE, distinct, first_free, propose_short_title
from tracker.readers.annex import read_annex

SEED = Path(__file__).resolve().parents[2] / "seed"
ANNEX = SEED / "bijlage-beleidsnota-digitalisering-2024-2029.txt"


def test_the_seed_annex_gets_short_titles_that_read_naturally_and_differ():
    annex = read_annex(ANNEX)
    shorts = {d.initiative.slug: d.initiative.short_title for d in annex.drafts}
    assert list(shorts.values()) == [
        "Decreet gigabitinfrastructuurverordening",
        "Wijziging decreet Vlaamse data-autoriteit",
        "Wijziging CRAB-decreet",
        "DAO-decreet",
        "Decreet Vlaams Mandatensysteem",
        "Decreet Vlaams Centrum voor Digitale Veiligheid",
        "Decreet proactieve dienstverlening",
        "Besluit beheren en bewaren van bestuursdocumenten",
        "Wijziging besluit functionarissen voor gegevensbescherming",
        "Wijziging besluit IVA Digitaal Vlaanderen",
        "Wijziging besluit authentieke gegevensbronnen",
    ]
    assert len({s.casefold() for s in shorts.values()}) == len(shorts)
    assert all(len(s) <= MAX_SHORT_TITLE for s in shorts.values())


@pytest.mark.parametrize(
    ("title", "kind", "short"),
    [
        # The acts it amends, by their own names.
        ("Voorontwerp van decreet tot wijziging van het KLIP-decreet van 14 maart 2008 en het "
         "GIPOD-decreet van 4 april 2018", Kind.DECREE, "Wijziging KLIP- en GIPOD-decreet"),
        ("Voorontwerp van decreet tot wijziging van het Onderwijsdecreet, het Bestuursdecreet "
         "en het Archiefdecreet", Kind.DECREE, "Wijziging Onderwijsdecreet, Bestuursdecreet e.a."),
        # A citation name that does not say what it is gets the kind before it.
        ("Voorontwerp van decreet houdende diverse bepalingen (verzameldecreet digitalisering)",
         Kind.DECREE, "Verzameldecreet digitalisering"),
        ("Voorontwerp van besluit van de Vlaamse Regering betreffende de kluis (kluisbesluit)",
         Kind.ORDER, "Kluisbesluit"),
        ("Voorontwerp van decreet tot wijziging van diverse bepalingen (Codex Digitaal)",
         Kind.DECREE, "Decreet Codex Digitaal"),
        # The subject, said in fewer words.
        ("Voorontwerp van besluit van de Vlaamse Regering tot vaststelling van de regels voor "
         "het beheer en de bewaring van de archieven van de provincies en de gemeenten en de "
         "OCMW's", Kind.ORDER, "Besluit regels voor beheer"),
        ("Voorontwerp van decreet over de digitale kluis", Kind.DECREE,
         "Decreet over de digitale kluis"),
        ("Iets heel anders", Kind.DECREE, "Iets heel anders"),
    ],
)  # fmt: skip
def test_a_short_title_is_taken_from_what_a_reader_would_call_the_act(title, kind, short):
    assert propose_short_title(title, kind) == short


def test_a_long_subject_is_cut_at_a_word_without_a_dangling_word():
    short = propose_short_title(
        "Voorontwerp van decreet betreffende de organisatie van het toezicht op de naleving "
        "van de regelgeving inzake de digitale toegankelijkheid van websites",
        Kind.DECREE,
    )
    assert len(short) <= MAX_SHORT_TITLE
    assert short.startswith("Decreet organisatie")
    assert not short.endswith((" van", " de", " op", ","))


def test_alike_proposals_are_numbered_and_stay_within_the_limit():
    long = "Wijziging besluit functionarissen voor gegevensbescherming"  # 58 characters
    assert distinct(["DAO-decreet", "dao-decreet", long, long, long]) == [
        "DAO-decreet", "dao-decreet (2)", long, "Wijziging besluit functionarissen (2)",
        "Wijziging besluit functionarissen (3)",
    ]  # fmt: skip
    assert first_free("DAO-decreet", lambda s: s in {"DAO-decreet", "DAO-decreet (2)"}) == (
        "DAO-decreet (3)"
    )
