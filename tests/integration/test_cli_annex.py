"""`tracker annex parse FILE --json [--lang en]`: its JSON, its errors, the entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tracker.app.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED_ANNEX = ROOT / "seed" / "bijlage-beleidsnota-digitalisering-2024-2029.txt"
SAMPLE_ANNEX = ROOT / "tests" / "data" / "bijlage-beleidsnota-omgeving-sample.txt"
TRACKER = Path(sys.executable).parent / "tracker"  # the console script of this virtualenv

KLIP = "decreet-klip-gipod-verordening"
CENTRUM = "decreet-vlaams-centrum-digitale"
AUTHENTIEK = "besluit-erkenning-authentieke-gegevensbronnen"

INITIATIVE_KEYS = {
    "slug", "title", "kind", "summary", "entities", "advisory_bodies", "legal_deadlines",
    "stages", "findings",
}  # fmt: skip
STAGE_KEYS = {"stage", "text", "earliest", "latest", "alternatives"}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code = main(["annex", "parse", *argv, "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    return result


def initiative(body: dict[str, Any], slug: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [i for i in body["initiatives"] if i["slug"] == slug]
    assert len(found) == 1
    return found[0]


def stage(item: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in item["stages"] if s["stage"] == name]
    assert len(found) == 1
    return found[0]


@pytest.fixture
def seed_json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return run_json(capsys, str(SEED_ANNEX))


def test_seed_json_shape(seed_json: dict[str, Any]) -> None:
    assert {"initiatives", "findings"} <= seed_json.keys()
    assert len(seed_json["initiatives"]) == 11
    assert [i["kind"] for i in seed_json["initiatives"]] == ["decree"] * 7 + ["order"] * 4
    for item in seed_json["initiatives"]:
        assert item.keys() >= INITIATIVE_KEYS, item["slug"]
        assert isinstance(item["entities"], list)
        assert all(isinstance(e, str) for e in item["entities"])
        for deadline in item["legal_deadlines"]:
            assert set(deadline) == {"date", "text"}
        for planned in item["stages"]:
            assert planned.keys() >= STAGE_KEYS
            for alternative in planned["alternatives"]:
                assert set(alternative) == {"earliest", "latest"}
        for finding in item["findings"]:
            assert {"kind", "message"} <= finding.keys()
            assert finding["message"]
    for finding in seed_json["findings"]:
        assert {"kind", "message"} <= finding.keys()


def test_seed_json_klip(seed_json: dict[str, Any]) -> None:
    klip = initiative(seed_json, KLIP)
    assert klip is seed_json["initiatives"][0]
    assert klip["kind"] == "decree"
    assert klip["advisory_bodies"] == ["SERV", "VTC", "RvS"]
    assert [d["date"] for d in klip["legal_deadlines"]] == ["2025-11-12"]
    first = stage(klip, "first_approval")
    assert first["text"] == "medio januari 2025"
    assert (first["earliest"], first["latest"]) == ("2025-01-11", "2025-01-20")
    assert first["alternatives"] == [{"earliest": "2025-01-11", "latest": "2025-01-20"}]
    parliament = stage(klip, "parliament")
    assert parliament["text"] == "vlak voor zomerreces 2025 ofwel uiterlijk oktober 2025"
    assert parliament["alternatives"] == [
        {"earliest": "2025-07-01", "latest": "2025-07-20"},
        {"earliest": None, "latest": "2025-10-31"},
    ]
    assert [s["stage"] for s in klip["stages"]] == [
        "first_approval", "second_approval", "final_approval", "parliament", "ratification",
        "publication",
    ]  # fmt: skip


def test_seed_json_uses_the_default_alias_file(seed_json: dict[str, Any]) -> None:
    crab = initiative(seed_json, "decreet-crab-omvorming-centraal")
    assert crab["entities"][-1] == "Stuurorgaan Vlaams Informatie- en ICT-beleid"
    assert initiative(seed_json, KLIP)["entities"][-1] == "Stakeholders GIPOD en KLIP"


def test_seed_json_findings_are_dutch_by_default(seed_json: dict[str, Any]) -> None:
    last = initiative(seed_json, AUTHENTIEK)
    assert sorted(f["kind"] for f in last["findings"]) == [
        "missing_entities",
        "stage_order",
        "truncated",
    ]
    order = next(f for f in last["findings"] if f["kind"] == "stage_order")
    assert order["message"] == (
        "Definitieve goedkeuring VR (najaar 2025) is gepland vóór de vorige stap, "
        "Tweede principiële goedkeuring VR (voorjaar 2026)."
    )
    missing = next(f for f in last["findings"] if f["kind"] == "missing_entities")
    assert missing["message"] == "Er zijn geen betrokken entiteiten vermeld."
    # the flat list repeats every initiative's findings, naming the initiative
    flat = [(f["initiative"], f["kind"]) for f in seed_json["findings"]]
    assert (AUTHENTIEK, "stage_order") in flat
    assert (CENTRUM, "tight_schedule") in flat
    assert len(flat) == sum(len(i["findings"]) for i in seed_json["initiatives"])


def test_seed_json_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    body = run_json(capsys, str(SEED_ANNEX), "--lang", "en")
    last = initiative(body, AUTHENTIEK)
    messages = {f["kind"]: f["message"] for f in last["findings"]}
    assert messages["stage_order"] == (
        "Final approval by the Flemish Government (najaar 2025) is planned before the previous "
        "step, Second approval in principle by the Flemish Government (voorjaar 2026)."
    )
    assert messages["missing_entities"] == "No entities involved are listed."
    tight = next(
        f
        for f in initiative(body, CENTRUM)["findings"]
        if f["kind"] == "tight_schedule" and f["stage"] == "final_approval"
    )
    assert tight["message"] == (
        "Final approval by the Flemish Government (voorjaar 2026) follows Second approval in "
        "principle by the Flemish Government (voorjaar 2026) by 0 days; the minimal duration is "
        "30 days."
    )
    # the planning texts stay as the annex wrote them
    first = stage(initiative(body, KLIP), "first_approval")
    assert first["text"] == "medio januari 2025"


def test_sample_json(capsys: pytest.CaptureFixture[str]) -> None:
    body = run_json(capsys, str(SAMPLE_ANNEX), "--lang", "en")
    assert [i["slug"] for i in body["initiatives"]] == [
        "decreet-energiedecreet-omzetting-richtlijn",
        "besluit-omgevingsvergunning-digitale-indiening",
        "decreet-onroerenderfgoeddecreet-herbestemming-erfgoedkerken",
        "decreet-bepalingen-integraal-waterbeleid",
        "besluit-energiebesluit-premies-warmtepompen",
    ]
    kerken = body["initiatives"][2]
    second = stage(kerken, "second_approval")
    assert (second["text"], second["earliest"], second["latest"], second["alternatives"]) == (
        "na advies van de SERV",
        None,
        None,
        [],
    )
    unparsed = next(f for f in kerken["findings"] if f["kind"] == "unparsed_date")
    assert unparsed["message"] == (
        "Line 63: the planning of Second approval in principle by the Flemish Government "
        "('na advies van de SERV') is not a recognisable date; the text is kept without a date."
    )
    ratification = stage(body["initiatives"][0], "ratification")
    assert ratification["text"] == "uiterlijk december 2027"
    assert (ratification["earliest"], ratification["latest"]) == (None, "2027-12-31")


def test_bad_kind_is_one_error_line_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bijlage.txt"
    path.write_text(
        "1. Beleidsveld Omgeving\n\nRegelgeving - Voorstel van resolutie over het klimaat\n",
        encoding="utf-8",
    )
    code = main(["annex", "parse", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"tracker: error: {path}: line 3: ")
    assert "Voorstel van resolutie" in lines[0]


def test_unknown_stage_is_one_error_line_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bijlage.txt"
    path.write_text(
        "Regelgeving - Voorontwerp van decreet houdende de oprichting van een Klimaatfonds\n"
        "\n"
        "Indicatieve planning:\n"
        "\n"
        "Lancering website: mei 2025\n",
        encoding="utf-8",
    )
    code = main(["annex", "parse", str(path), "--json"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert err.startswith("tracker: error: ")
    assert "line 5" in err
    assert "Lancering website" in err


@pytest.mark.parametrize("which", ["missing", "directory", "binary", "not-an-annex"])
def test_unreadable_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    path = tmp_path / "bijlage.txt"
    if which == "directory":
        path.mkdir()
    elif which == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    elif which == "not-an-annex":
        path.write_text("Een boodschappenlijstje.\n\nBrood, kaas en melk.\n", encoding="utf-8")
    code = main(["annex", "parse", str(path), "--json"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"tracker: error: {path}: ")


def test_console_script(tmp_path: Path) -> None:
    assert TRACKER.exists(), f"{TRACKER} is not installed: pip install -e .[dev]"
    done = subprocess.run(
        [str(TRACKER), "annex", "parse", str(SEED_ANNEX), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # the default alias file is found from the package, not the cwd
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    body = json.loads(done.stdout)
    assert len(body["initiatives"]) == 11
    first = stage(body["initiatives"][0], "first_approval")
    assert (first["text"], first["earliest"], first["latest"]) == (
        "medio januari 2025",
        "2025-01-11",
        "2025-01-20",
    )
    crab = initiative(body, "decreet-crab-omvorming-centraal")
    assert crab["entities"][-1] == "Stuurorgaan Vlaams Informatie- en ICT-beleid"


def test_console_script_error_exit(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(TRACKER), "annex", "parse", str(tmp_path / "missing.txt"), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"tracker: error: {tmp_path / 'missing.txt'}: no such file",
    ]
