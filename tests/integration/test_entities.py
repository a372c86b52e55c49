"""The register of entities on a database: an annex's unknown entity stored with its finding,
`tracker token create` refusing an unregistered entity, `tracker entity merge`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import BACKENDS, NOW, POSTGRES_URL, postgres_schema
from tracker.app.cli import main
from tracker.domain.access import Role
from tracker.domain.model import FindingKind
from tracker.services.feeds import create_feed_token
from tracker.store.db import make_engine
from tracker.store.repository import InitiativeFilter
from tracker.store.tables import FeedTokenRow
from tracker.store.uow import Database

ADV = "Agentschap Digitaal Vlaanderen"
VTC = "Vlaamse Toezichtcommissie voor de verwerking van persoonsgegevens"
STRAY = "Vlaamse data-autoriteit"
ANNEX = """Regelgeving - Voorontwerp van decreet houdende de oprichting van de Vlaamse data-autoriteit

De Vlaamse Regering richt een data-autoriteit op.

Indicatieve planning:

Eerste principiële goedkeuring VR: maart 2026

Entiteiten betrokken bij dit initiatief:

de VTC, de Vlaamse data-autoriteit en Agentschap Digitaal Vlaanderen

Regelgeving - Voorontwerp van besluit van de Vlaamse Regering tot uitvoering van het decreet over de Vlaamse data-autoriteit

De Vlaamse Regering voert het decreet uit.

Indicatieve planning:

Eerste principiële goedkeuring VR: juni 2026

Entiteiten betrokken bij dit initiatief:

Vlaamse data-autoriteit
"""  # noqa: E501


@pytest.fixture(params=BACKENDS)
def url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A migrated database with the annex above imported, as TRACKER_DATABASE_URL."""
    folder = tmp_path / "annexes"
    folder.mkdir()
    (folder / "bijlage-data-autoriteit.txt").write_text(ANNEX, encoding="utf-8")

    def prepare(url: str) -> str:
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        assert main(["db", "upgrade"]) == 0
        assert main(["seed", "--dir", str(folder), "--actor", "test"]) == 0
        return url

    if request.param == "sqlite":
        yield prepare(f"sqlite:///{tmp_path / 'entities.sqlite3'}")
        return
    with postgres_schema() as schema:
        yield prepare(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")


@pytest.fixture
def database(url: str) -> Iterator[Database]:
    database = Database(make_engine(url))
    yield database
    database.dispose()


def _initiatives(database: Database) -> dict[str, list[str]]:
    with database.uow() as uow:
        return {i.slug: i.entities for i in uow.initiatives.all(InitiativeFilter())}


def test_an_unknown_entity_is_stored_as_written_with_a_finding(database: Database) -> None:
    with database.uow() as uow:
        initiatives = uow.initiatives.all(InitiativeFilter())
        assert [i.entities for i in initiatives] == [[VTC, STRAY, ADV], [STRAY]]
        for initiative in initiatives:
            unknown = [f for f in initiative.findings if f.kind is FindingKind.UNKNOWN_ENTITY]
            assert [f.params for f in unknown] == [{"name": STRAY, "closest": "—"}]
        names = [name for _, name, _ in uow.initiatives.entities(None)]
    assert names == [ADV, VTC, STRAY]  # by name, upper case first


def test_token_create_refuses_an_unregistered_entity(
    url: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = ["token", "create", "--name", "team", "--role", "editor", "--entity"]
    assert main([*argv, "Digitaal Vlaandren"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "tracker: error: entity: 'Digitaal Vlaandren' staat niet in het register van "
        f"entiteiten (workflows/entities.toml); bedoelde u '{ADV}'?\n"
    )
    assert main([*argv, STRAY]) == 1  # stored, but not in the register
    assert capsys.readouterr().err.startswith(f"tracker: error: entity: '{STRAY}' staat niet")
    assert main(["token", "list"]) == 0
    assert capsys.readouterr().out == ""  # no token was made
    assert main([*argv, "vtc"]) == 0
    capsys.readouterr()
    assert main(["token", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed == (
        "team\teditor\tvlaamse-toezichtcommissie-voor-de-verwerking-van-persoonsgegevens\tactive\n"
    )


def test_merge_moves_initiatives_and_tokens_and_records_it(
    url: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with database.uow() as uow:
        # tokens made before the register, scoped to the stray entity
        uow.tokens.add(
            name="oud", role=Role.EDITOR, entities=["vlaamse-data-autoriteit"],
            token_hash="0" * 64, now=NOW,
        )  # fmt: skip
        create_feed_token(uow, name="abonnee", entities=[STRAY, "VVSG"], now=NOW)
        uow.commit()
    slugs = list(_initiatives(database))
    capsys.readouterr()
    assert main(["entity", "merge", STRAY, "VTC", "--actor", "coördinator"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out == (
        f"'{STRAY}' samengevoegd met '{VTC}': 2 initiatieven, 2 tokens\n"
        + "".join(f"  {slug}\n" for slug in slugs)
        + "  token 'abonnee'\n  token 'oud'\n"
    )
    assert list(_initiatives(database).values()) == [[VTC, ADV], [VTC]]
    with database.uow() as uow:
        for slug in slugs:
            initiative = uow.initiatives.get(slug)
            assert initiative is not None
            assert initiative.version == 2
            assert FindingKind.UNKNOWN_ENTITY not in {f.kind for f in initiative.findings}
        edit = uow.initiatives.events(slugs[0])[-1]
        assert (edit.name, edit.actor, edit.note) == ("edit", "coördinator", "entities")
        assert edit.details == {
            "before": {"entities": [VTC, STRAY, ADV]},
            "after": {"entities": [VTC, ADV]},
            "merge": {"source": STRAY, "target": VTC},
        }
        assert [name for _, name, _ in uow.initiatives.entities(None)] == [ADV, VTC]
        assert uow.initiatives.entity_names(["vlaamse-data-autoriteit"]) == {}
        vtc = "vlaamse-toezichtcommissie-voor-de-verwerking-van-persoonsgegevens"
        assert uow.initiatives.entity_tokens(vtc) == ["abonnee", "oud"]
        assert uow.initiatives.entity_tokens("vlaamse-data-autoriteit") == []
        feed = uow.session.scalars(select(FeedTokenRow.entities)).one()
        assert feed == [vtc, "vvsg"]
    # done: the stray entity is gone
    assert main(["entity", "merge", STRAY, "VTC"]) == 1
    assert capsys.readouterr().err == (
        f"tracker: error: source: geen initiatief of token heeft de entiteit '{STRAY}'\n"
    )


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (STRAY, "Vlaamse toezichtscomissie",
         "target: 'Vlaamse toezichtscomissie' staat niet in het register van entiteiten "
         f"(workflows/entities.toml); bedoelde u '{VTC}'?"),
        (VTC, "VTC",
         f"source: '{VTC}' is '{VTC}' zelf: een entiteit wordt niet met zichzelf samengevoegd"),
    ],
)  # fmt: skip
def test_merge_refusals(
    url: str,
    database: Database,
    capsys: pytest.CaptureFixture[str],
    source: str,
    target: str,
    message: str,
) -> None:
    before = _initiatives(database)
    capsys.readouterr()
    assert main(["entity", "merge", source, target]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"tracker: error: {message}\n")
    assert _initiatives(database) == before
