"""Calendar feeds (issue 5, DESIGN §6) over HTTP, on SQLite and PostgreSQL.

Every feed is read by two strict parsers this project does not write: the Python `ical`
package and Mozilla's ical.js under node (installed from npm into .cache/npm on first use; in CI,
where CI=true, a missing node or npm fails the run instead of skipping that check).

Expected values are written by hand from the seed annex
(seed/bijlage-beleidsnota-digitalisering-2024-2029.txt). Its 11 entries plan, after the first
draft, these stages (the Council of State and the advisory opinions are purposes "met het oog
op ...", not planned stages of their own):
- 7 decrees: first, second and final approval, parliament, ratification, publication: 6 each;
- 4 orders: first, second and final approval, publication: 4 each;
so 7 x 6 + 4 x 4 = 58 planned milestones, plus 2 legal deadlines: the KLIP decree's
"van toepassing met ingang van 12 november 2025" and the retention order's selection rules,
adapted "uiterlijk een jaar na de inwerkingtreding" of the decree in force on 21 June 2024,
so by 21 June 2025. The seed programme feed therefore has exactly 60 events.

The seed is imported at the fixtures' fixed instant (NOW, 2026-11-23 00:30 UTC), so every seed
event has DTSTAMP and LAST-MODIFIED 20261123T003000Z, and every test lives on that day: its clock
starts at NOW and ticks on (ON_THE_SEED_DAY), so that what a feed says of the seed (slipped, at
risk, on track) is what it says on the seed day, whatever the real date. The API stamps its
changes with that ticking clock: those stamps are compared with the time of the request, and the
tests that change data first refresh the stored events as of today, so that only the change
under test differs.

Three tests state what the issue and the RFCs ask and the code does not do yet (see their
docstrings): a public entity feed that reveals an entity known only from non-public initiatives,
a 304 to If-Modified-Since after events left a feed, and unescaped commas in calendar names.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from granian.log import DEFAULT_ACCESSLOG_FMT, log_request_builder
from ical.calendar_stream import IcsCalendarStream
from litestar.testing import TestClient
from sqlalchemy import inspect, update
from sqlalchemy import text as sql

from api.app import create_app
from tests.conftest import (
    BACKENDS,
    NOW,
    ON_THE_SEED_DAY,
    ROOT,
    clock_env,
    token_for,
)
from tests.npm import NPM_CACHE, npm_file, unavailable
from tests.server import TRACKER, seeded_database_url, serve, stop
from tracker.domain.clock import today, utc_now
from tracker.domain.errors import NotFound
from tracker.services.feeds import create_feed_token, feed, revoke_feed_token
from tracker.services.forecasts import refresh_all
from tracker.store.db import make_engine
from tracker.store.tables import FeedEventRow
from tracker.store.uow import Database

pytestmark = ON_THE_SEED_DAY

CALENDAR = "text/calendar; charset=utf-8"
SEEDED_AT = "20261123T003000Z"  # NOW of the fixtures
SEEDED_HTTP_DATE = "Mon, 23 Nov 2026 00:30:00 GMT"
UID_DOMAIN = os.environ.get("TRACKER_UID_DOMAIN", "wetgevingsplanner.vlaanderen.be")
ICALJS = NPM_CACHE / "node_modules" / "ical.js" / "dist" / "ical.js"

KLIP = "decreet-klip-gipod-verordening"
DAO = "decreet-platform-digitale-aangifte"
VMS = "decreet-vlaams-mandatensysteem"
RETENTION = "besluit-beheren-bewaren-bestuursdocumenten"

# The seed's initiatives in annex order: their ids (1, 2, ... as imported) and kinds.
INITIATIVES = {
    KLIP: (1, "decree"),
    "decreet-elektronische-bestuurlijke-gegevensverkeer": (2, "decree"),
    "decreet-crab-omvorming-centraal": (3, "decree"),
    DAO: (4, "decree"),
    VMS: (5, "decree"),
    "decreet-vlaams-centrum-digitale": (6, "decree"),
    "decreet-proactieve-dienstverlening": (7, "decree"),
    RETENTION: (8, "order"),
    "besluit-functionarissen-gegevensbescherming": (9, "order"),
    "besluit-digitaal-vlaanderen-werking": (10, "order"),
    "besluit-erkenning-authentieke-gegevensbronnen": (11, "order"),
}
PLANNED = {
    "decree": [
        "first_approval", "second_approval", "final_approval",
        "parliament", "ratification", "publication",
    ],
    "order": ["first_approval", "second_approval", "final_approval", "publication"],
}  # fmt: skip
DEADLINES = {KLIP: date(2025, 11, 12), RETENTION: date(2025, 6, 21)}
STAGES = [
    "drafting", "first_approval", "advisory_opinions", "second_approval", "council_of_state",
    "final_approval", "parliament", "ratification", "publication",
]  # fmt: skip
STAGE_LABELS = {
    "drafting": ("Voorbereiding", "Drafting"),
    "first_approval": (
        "Eerste principiële goedkeuring VR",
        "First approval in principle by the Flemish Government",
    ),
    "second_approval": (
        "Tweede principiële goedkeuring VR",
        "Second approval in principle by the Flemish Government",
    ),
    "final_approval": ("Definitieve goedkeuring VR", "Final approval by the Flemish Government"),
    "parliament": ("Behandeling Vlaams Parlement", "Flemish Parliament"),
    "ratification": (
        "Bekrachtiging en afkondiging VR",
        "Ratification and promulgation by the Flemish Government",
    ),
    "publication": (
        "Publicatie Belgisch Staatsblad",
        "Publication in the Belgian Official Gazette",
    ),
}
DEADLINE_LABEL = ("Wettelijke termijn", "Legal deadline")
KIND_LABELS = {
    "decree": ("Decreet", "Decree"),
    "order": ("Besluit van de Vlaamse Regering", "Order of the Flemish Government"),
}
MONTHS = {
    "nl": [
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ],
    "en": [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ],
}  # fmt: skip
# The annex's planning text of each of the KLIP decree's stages.
KLIP_PLANNING = {
    "first_approval": "medio januari 2025",
    "second_approval": "begin maart 2025",
    "final_approval": "medio april 2025",
    "parliament": "vlak voor zomerreces 2025 ofwel uiterlijk oktober 2025",
    "ratification": "juli of november 2025",
    "publication": "najaar 2025",
}
KLIP_SHORT = "Decreet gigabitinfrastructuurverordening"


def _uid(slug: str, key: str) -> str:
    return f"initiative-{INITIATIVES[slug][0]}-{key}@{UID_DOMAIN}"


def _expected_uids(slugs: list[str] | None = None) -> set[str]:
    result = set()
    for slug in slugs if slugs is not None else INITIATIVES:
        result |= {_uid(slug, stage) for stage in PLANNED[INITIATIVES[slug][1]]}
        if slug in DEADLINES:
            result.add(_uid(slug, "deadline-0"))
    return result


# --- reading feeds ------------------------------------------------------------------------------


def _unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text (RFC 5545 §3.1)."""
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def _name(line: str) -> str:
    return re.split(r"[;:]", line, maxsplit=1)[0].upper()


def _value(line: str) -> str:
    return line.split(":", 1)[1]


def _blocks(text: str) -> dict[str, str]:
    """The raw (folded) VEVENT blocks of a feed by UID, in feed order."""
    blocks = re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, flags=re.S)
    result = {}
    for block in blocks:
        uids = [_value(line) for line in _unfold(block) if _name(line) == "UID"]
        assert len(uids) == 1, block
        assert uids[0] not in result, f"UID {uids[0]} twice in one feed"
        result[uids[0]] = block
    return result


def _props(block: str) -> dict[str, str]:
    """The content lines of one VEVENT by property name (each must occur once)."""
    lines = [line for line in _unfold(block) if _name(line) not in ("BEGIN", "END")]
    names = [_name(line) for line in lines]
    assert len(names) == len(set(names)), f"a property repeated in {block}"
    return {_name(line): line for line in lines}


def _check_structure(body: bytes) -> str:
    """RFC 5545 framing of a whole feed: CRLF only, 75-octet lines, the calendar properties."""
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in body.replace(b"\r\n", b""), "a bare CR"
    for raw in body.split(b"\r\n")[:-1]:
        assert len(raw) <= 75, f"{len(raw)} octets: {raw!r}"
        raw.decode("utf-8")  # folding never splits a UTF-8 sequence (RFC 5545 §3.1)
    text = body.decode("utf-8")
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    head = lines[: lines.index("BEGIN:VEVENT")] if "BEGIN:VEVENT" in lines else lines
    names = [_name(line) for line in head]
    for name in ("VERSION", "PRODID", "NAME", "X-WR-CALNAME", "DESCRIPTION", "REFRESH-INTERVAL"):
        assert names.count(name) == 1, f"{name} in {head}"
    assert "VERSION:2.0" in head
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in head
    assert "X-PUBLISHED-TTL:PT6H" in head
    name = next(_value(line) for line in head if _name(line) == "NAME")
    assert next(_value(line) for line in head if _name(line) == "X-WR-CALNAME") == name
    assert name
    assert _value(next(line for line in head if _name(line) == "DESCRIPTION"))
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT")
    return text


# RFC 5545 §3.3.11 TEXT: a comma, a semicolon and a backslash only escaped (NAME: RFC 7986 §5.1).
TEXT_VALUE = re.compile(r"(?:[^\\,;]|\\[\\;,nN])*")


def _check_event(block: str) -> dict[str, str]:
    """The properties every VEVENT has (RFC 5545 + issue 5); returns them by name."""
    props = _props(block)
    for name in ("UID", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY"):
        assert name in props, f"{name} missing in {block}"
    for name in ("DESCRIPTION", "CATEGORIES", "STATUS", "TRANSP", "URL"):
        assert name in props, f"{name} missing in {block}"
    assert re.fullmatch(r"DTSTART;VALUE=DATE:\d{8}", props["DTSTART"]), props["DTSTART"]
    assert re.fullmatch(r"DTEND;VALUE=DATE:\d{8}", props["DTEND"]), props["DTEND"]
    assert _day(props["DTEND"]) > _day(props["DTSTART"])  # exclusive end of an all-day event
    assert re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", props["DTSTAMP"])
    assert _value(props["LAST-MODIFIED"]) == _value(props["DTSTAMP"])
    assert re.fullmatch(r"SEQUENCE:\d+", props["SEQUENCE"])
    assert props["TRANSP"] == "TRANSP:TRANSPARENT"
    assert _value(props["STATUS"]) in ("TENTATIVE", "CONFIRMED", "CANCELLED")
    if _value(props["STATUS"]) == "CONFIRMED" and "-deadline-" not in props["UID"]:
        assert _day(props["DTEND"]) == _day(props["DTSTART"]) + timedelta(days=1)
    assert re.fullmatch(rf"UID:initiative-\d+-[a-z0-9_-]+@{re.escape(UID_DOMAIN)}", props["UID"])
    return props


def _day(line: str) -> date:
    return datetime.strptime(_value(line), "%Y%m%d").date()


def _stamp(line: str) -> datetime:
    return datetime.strptime(_value(line), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _python_summary(text: str) -> list[dict[str, Any]]:
    """What the `ical` package reads in a feed (it refuses what does not follow RFC 5545)."""
    calendar = IcsCalendarStream.calendar_from_ics(text)
    return [
        {
            "uid": e.uid,
            "sequence": e.sequence,
            "status": e.status.value if e.status else None,
            "start": e.dtstart.isoformat(),
            "end": e.dtend.isoformat() if e.dtend else None,
            "summary": e.summary,
            "categories": list(e.categories),
        }
        for e in calendar.events
    ]


NODE_SCRIPT = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const ICAL = (await import(pathToFileURL(process.argv[2]).href)).default;
const feeds = JSON.parse(readFileSync(0, "utf8"));
const result = feeds.map((text) => {
  try {
    const calendar = new ICAL.Component(ICAL.parse(text));
    if (calendar.name !== "vcalendar") return { error: "not a vcalendar: " + calendar.name };
    return calendar.getAllSubcomponents("vevent").map((e) => {
      const start = e.getFirstPropertyValue("dtstart");
      const end = e.getFirstPropertyValue("dtend");
      return {
        uid: e.getFirstPropertyValue("uid"),
        sequence: e.getFirstPropertyValue("sequence"),
        status: e.getFirstPropertyValue("status"),
        start: start.toString(),
        end: end.toString(),
        all_day: start.isDate && end.isDate,
        summary: e.getFirstPropertyValue("summary"),
        categories: e.getFirstProperty("categories").getValues(),
      };
    });
  } catch (error) {
    return { error: String(error) };
  }
});
process.stdout.write(JSON.stringify(result));
"""


@pytest.fixture(scope="session")
def icaljs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node script that parses feeds with ical.js (installed once into .cache/npm)."""
    if shutil.which("node") is None:
        unavailable("node is not on PATH")
    npm_file("ical.js@2", "ical.js", "dist/ical.js")
    script = tmp_path_factory.mktemp("icaljs") / "parse.mjs"
    script.write_text(NODE_SCRIPT, encoding="utf-8")
    return script


def _icaljs_summaries(script: Path, texts: list[str]) -> list[Any]:
    done = subprocess.run(
        ["node", str(script), str(ICALJS)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: list[Any] = json.loads(done.stdout)
    return result


# --- fixtures and HTTP helpers ------------------------------------------------------------------


@pytest.fixture
def client(seeded: Database) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(seeded)) as client:
        yield client


@pytest.fixture
def coordinator(seeded: Database) -> dict[str, str]:
    return token_for(seeded, "coordinator", "coordinator")


def _get(client: TestClient[Any], url: str, **headers: str) -> httpx.Response:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
    assert response.headers["content-type"] == CALENDAR, url
    return response


def _feed(client: TestClient[Any], url: str) -> str:
    return _check_structure(_get(client, url).content)


def _feed_urls(client: TestClient[Any]) -> list[str]:
    """Every feed the seed offers, in both languages, with filters, and one empty selection."""
    links = client.get("/api/calendars").json()
    entities = [link["https"] for link in links if link["kind"] == "entity"]
    assert len(entities) == 16  # counted by hand in the annex
    paths = [httpx.URL(url).path for url in entities]
    paths += [f"/calendars/stages/{stage}.ics" for stage in STAGES]
    paths += [f"/calendars/initiatives/{slug}.ics" for slug in INITIATIVES]
    urls = [u for p in paths for u in (p, f"{p}?lang=en")]
    return [
        "/calendars/programme.ics",
        "/calendars/programme.ics?lang=en",
        "/calendars/programme.ics?kind=decree",
        "/calendars/programme.ics?kind=order&lang=en",
        "/calendars/programme.ics?status=slipped",
        "/calendars/programme.ics?status=at_risk&lang=en",
        "/calendars/programme.ics?status=on_track",
        "/calendars/entities/vvsg.ics?kind=order",
        "/calendars/stages/parliament.ics?kind=order",
        *urls,
    ]


def _detail(client: TestClient[Any], slug: str, lang: str = "nl") -> dict[str, Any]:
    response = client.get(f"/api/initiatives/{slug}", params={"lang": lang})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _date_text(day: str, lang: str) -> str:
    value = date.fromisoformat(day)
    return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"


def _window_text(window: dict[str, Any], lang: str) -> str:
    if window["earliest"] is None:
        return f"{'tot' if lang == 'nl' else 'until'} {_date_text(window['latest'], lang)}"
    if window["earliest"] == window["latest"]:
        return _date_text(window["latest"], lang)
    return f"{_date_text(window['earliest'], lang)} – {_date_text(window['latest'], lang)}"


def _short_title_ok(short: str, detail: dict[str, Any]) -> bool:
    """A SUMMARY names the initiative by its short title; the full one is in the description."""
    return short == detail["short_title"] and 3 <= len(short) <= 60


# --- 1. two independent parsers -----------------------------------------------------------------


def test_every_feed_parses_with_the_python_ical_package(client):
    programme = _blocks(_feed(client, "/calendars/programme.ics"))
    assert set(programme) == _expected_uids()
    counts = {}
    for url in _feed_urls(client):
        text = _feed(client, url)
        blocks = _blocks(text)
        for block in blocks.values():
            _check_event(block)
        events = _python_summary(text)
        assert [e["uid"] for e in events] == list(blocks), url
        assert set(blocks) <= set(programme), url
        counts[url] = len(events)

    assert counts["/calendars/programme.ics"] == counts["/calendars/programme.ics?lang=en"] == 60
    assert counts["/calendars/programme.ics?kind=decree"] == 7 * 6 + 1
    assert counts["/calendars/programme.ics?kind=order&lang=en"] == 4 * 4 + 1
    assert counts["/calendars/stages/parliament.ics?kind=order"] == 0  # a valid empty calendar
    for stage, expected in {
        "drafting": 0, "first_approval": 11, "advisory_opinions": 0, "second_approval": 11,
        "council_of_state": 0, "final_approval": 11, "parliament": 7, "ratification": 7,
        "publication": 11,
    }.items():  # fmt: skip
        for lang in ("", "?lang=en"):
            assert counts[f"/calendars/stages/{stage}.ics{lang}"] == expected, stage
    for slug, (_, kind) in INITIATIVES.items():
        expected = len(PLANNED[kind]) + (slug in DEADLINES)
        assert counts[f"/calendars/initiatives/{slug}.ics"] == expected, slug
        assert counts[f"/calendars/initiatives/{slug}.ics?lang=en"] == expected, slug
    # VVSG is in the CRAB, DAO, VMS, cyber-security and proactive decrees and the order on data
    # protection officers; Digitaal Vlaanderen in all but the cut-off last order.
    assert counts["/calendars/entities/vvsg.ics"] == 5 * 6 + 4
    assert counts["/calendars/entities/vvsg.ics?kind=order"] == 4
    assert counts["/calendars/entities/agentschap-digitaal-vlaanderen.ics"] == 60 - 4
    assert (
        counts["/calendars/programme.ics?status=slipped"]
        + counts["/calendars/programme.ics?status=at_risk&lang=en"]
        + counts["/calendars/programme.ics?status=on_track"]
        <= 60
    )


def test_every_feed_parses_with_icaljs_as_with_the_ical_package(client, icaljs):
    urls = _feed_urls(client)
    texts = [_feed(client, url) for url in urls]
    parsed = _icaljs_summaries(icaljs, texts)
    assert len(parsed) == len(urls)
    for url, text, events in zip(urls, texts, parsed, strict=True):
        assert isinstance(events, list), f"{url}: ical.js refused it: {events}"
        python = _python_summary(text)
        assert len(events) == len(python) == text.count("BEGIN:VEVENT"), url
        assert all(e.pop("all_day") for e in events), url
        assert events == python, url


# --- 2. structure and content -------------------------------------------------------------------


def test_the_programme_has_one_event_per_planned_milestone_and_legal_deadline(client):
    for lang in ("nl", "en"):
        text = _feed(client, f"/calendars/programme.ics?lang={lang}")
        head = _unfold(text)[: _unfold(text).index("BEGIN:VEVENT")]
        expected_name = {
            "nl": "Wetgevingsplanner: alle initiatieven",
            "en": "Wetgevingsplanner: all initiatives",
        }[lang]
        assert f"NAME:{expected_name}" in head
        assert f"X-WR-CALNAME:{expected_name}" in head
        blocks = _blocks(text)
        assert len(blocks) == 60
        assert set(blocks) == _expected_uids()
        parsed = {e.uid: e for e in IcsCalendarStream.calendar_from_ics(text).events}
        at = 0 if lang == "nl" else 1
        for slug, (_, kind) in INITIATIVES.items():
            detail = _detail(client, slug, lang)
            stages = {s["stage"]: s for s in detail["stages"]}
            entities = [e["name"] for e in detail["entities"]]
            for stage in PLANNED[kind]:
                props = _check_event(blocks[_uid(slug, stage)])
                event = parsed[_uid(slug, stage)]
                _check_milestone(props, event, slug, stage, stages[stage], detail, entities, lang)
            if slug in DEADLINES:
                props = _check_event(blocks[_uid(slug, "deadline-0")])
                assert _day(props["DTSTART"]) == DEADLINES[slug]
                assert _day(props["DTEND"]) == DEADLINES[slug] + timedelta(days=1)
                assert props["STATUS"] == "STATUS:CONFIRMED"
                assert props["SEQUENCE"] == "SEQUENCE:0"
                deadline = parsed[_uid(slug, "deadline-0")]
                kind_label = KIND_LABELS[kind][at]
                assert list(deadline.categories) == [DEADLINE_LABEL[at], kind_label, *entities]
                assert (deadline.summary or "").startswith(f"{DEADLINE_LABEL[at]}: ")
                assert (_value(props["DTSTAMP"]), _value(props["LAST-MODIFIED"])) == (
                    SEEDED_AT,
                    SEEDED_AT,
                )
            event = next(
                e for e in _python_summary(text) if e["uid"] == _uid(slug, PLANNED[kind][0])
            )
            assert event["categories"] == [
                STAGE_LABELS["first_approval"][at],
                KIND_LABELS[kind][at],
                *entities,
            ]

    # The KLIP decree, as the annex plans it (Dutch by default).
    events = {
        e["uid"]: e for e in _python_summary(_feed(client, f"/calendars/initiatives/{KLIP}.ics"))
    }
    deadline = events[_uid(KLIP, "deadline-0")]
    assert (deadline["start"], deadline["end"]) == ("2025-11-12", "2025-11-13")
    assert deadline["summary"] == f"Wettelijke termijn: {KLIP_SHORT}"
    assert deadline["categories"][:2] == ["Wettelijke termijn", "Decreet"]
    first = events[_uid(KLIP, "first_approval")]
    assert first["summary"] == f"Eerste principiële goedkeuring VR: {KLIP_SHORT}"
    assert first["categories"] == [
        "Eerste principiële goedkeuring VR", "Decreet", "Vlaams Datanutsbedrijf",
        "Agentschap Digitaal Vlaanderen", "Departement Kanselarij en Buitenlandse Zaken",
        "Departement Mobiliteit en Openbare Werken", "Departement Omgeving",
        "Stakeholders GIPOD en KLIP",
    ]  # fmt: skip
    calendar = IcsCalendarStream.calendar_from_ics(
        _feed(client, f"/calendars/initiatives/{KLIP}.ics")
    )
    descriptions = {e.uid: e.description or "" for e in calendar.events}
    for stage, planning in KLIP_PLANNING.items():
        assert f"Planning: {planning}\n" in descriptions[_uid(KLIP, stage)]
    assert descriptions[_uid(KLIP, "deadline-0")].startswith(
        "De gigabitinfrastructuurverordening is van toepassing met ingang van 12 november 2025"
    )
    assert f"/initiatives/{KLIP}" in descriptions[_uid(KLIP, "deadline-0")]
    retention = _python_summary(_feed(client, f"/calendars/initiatives/{RETENTION}.ics"))
    assert [(e["start"], e["end"]) for e in retention if "deadline" in e["uid"]] == [
        ("2025-06-21", "2025-06-22")
    ]


def _check_milestone(
    props: dict[str, str],
    event: Any,
    slug: str,
    stage: str,
    view: dict[str, Any],
    detail: dict[str, Any],
    entities: list[str],
    lang: str,
) -> None:
    """One seed milestone against the initiative's API view: dates, texts, categories."""
    at = 0 if lang == "nl" else 1
    label = STAGE_LABELS[stage][at]
    assert view["actual"] is None  # nothing happened in the seed
    forecast = view["forecast"]
    assert props["STATUS"] == "STATUS:TENTATIVE"
    assert _day(props["DTSTART"]) == date.fromisoformat(forecast["earliest"] or forecast["latest"])
    assert _day(props["DTEND"]) == date.fromisoformat(forecast["latest"]) + timedelta(days=1)
    assert props["SEQUENCE"] == "SEQUENCE:0"
    assert (_value(props["DTSTAMP"]), _value(props["LAST-MODIFIED"])) == (SEEDED_AT, SEEDED_AT)
    assert props["URL"].endswith(f"/initiatives/{slug}")
    short = (event.summary or "").removeprefix(f"{label}: ")
    assert short != event.summary, event.summary
    assert _short_title_ok(short, detail), short
    assert list(event.categories) == [label, KIND_LABELS[INITIATIVES[slug][1]][at], *entities]
    words = {
        "nl": ("Planning", "Oorspronkelijk gepland", "Verwacht", "Vertraging", "dagen"),
        "en": ("Planning", "Baseline", "Forecast", "Slippage", "days"),
    }[lang]
    lines = (event.description or "").split("\n")
    baseline = view["baseline"]
    assert lines[0] == f"{words[0]}: {baseline['text']}"
    assert lines[1] == f"{words[1]}: {_window_text(baseline, lang)}"
    assert lines[2] == f"{words[2]}: {_window_text(forecast, lang)}"
    assert lines[3] == f"{words[3]}: {view['slippage_days']} {words[4]}"
    assert lines[4] == f"Status: {detail['status_label']}"
    assert lines[5] == detail["title"]
    assert lines[6].endswith(f"/initiatives/{slug}")


def test_a_milestone_is_the_same_event_in_every_feed(client):
    for lang in ("nl", "en"):
        programme = _blocks(_feed(client, f"/calendars/programme.ics?lang={lang}"))
        seen: dict[str, set[str]] = {"initiatives": set(), "stages": set()}
        for url in _feed_urls(client):
            if ("lang=en" in url) != (lang == "en"):
                continue
            for uid, block in _blocks(_feed(client, url)).items():
                assert block == programme[uid], f"{uid} differs in {url}"
                for collection in seen:
                    if f"/{collection}/" in url:
                        seen[collection].add(uid)
        assert seen["initiatives"] == set(programme)
        assert seen["stages"] == {uid for uid in programme if "-deadline-" not in uid}
    # the English and Dutch events are the same milestones, so they share their UIDs
    dutch = _blocks(_feed(client, "/calendars/entities/vvsg.ics"))
    english = _blocks(_feed(client, "/calendars/entities/vvsg.ics?lang=en"))
    assert list(dutch) == list(english)
    assert dutch != english


def test_the_filters_select_by_kind_and_status(client):
    statuses: dict[str, list[str]] = {}
    for slug in INITIATIVES:
        statuses.setdefault(_detail(client, slug)["status"], []).append(slug)
    for status in ("on_track", "at_risk", "slipped", "done", "withdrawn", "on_hold"):
        uids = set(_blocks(_feed(client, f"/calendars/programme.ics?status={status}")))
        assert uids == _expected_uids(statuses.get(status, [])), status
    decrees = [slug for slug, (_, kind) in INITIATIVES.items() if kind == "decree"]
    assert set(_blocks(_feed(client, "/calendars/programme.ics?kind=decree"))) == _expected_uids(
        decrees
    )
    stage = _blocks(_feed(client, "/calendars/stages/ratification.ics?kind=decree"))
    assert set(stage) == {_uid(slug, "ratification") for slug in decrees}
    assert _blocks(_feed(client, "/calendars/stages/ratification.ics?kind=order")) == {}


def test_api_calendars_lists_https_and_webcal_links(client):
    links = client.get("/api/calendars").json()
    assert links[0]["kind"] == "programme"
    assert links[0]["https"].endswith("/calendars/programme.ics")
    assert links[0]["https"].startswith("http")
    kinds = [link["kind"] for link in links]
    assert kinds.count("entity") == 16
    assert [link["name"] for link in links if link["kind"] == "stage"] == STAGES
    names = {link["name"] for link in links}
    assert {"VVSG", "Vlaams Datanutsbedrijf", "Het Facilitair Bedrijf", "Departement Zorg"} <= (
        names
    )
    for link in links:
        scheme, rest = link["https"].split("://", 1)
        assert scheme in ("http", "https")
        assert link["webcal"] == f"webcal://{rest}"
        assert _get(client, httpx.URL(link["https"]).path).content.startswith(b"BEGIN:VCALENDAR")


# --- 3. stability ---------------------------------------------------------------------------------


def test_the_same_data_gives_the_same_bytes(seeded, client):
    urls = _feed_urls(client)
    first = {url: _get(client, url).content for url in urls}
    assert {url: _get(client, url).content for url in urls} == first
    with TestClient(create_app(seeded)) as other:
        assert {url: _get(other, url).content for url in urls} == first
    # Regenerating every event later the same day (the daily refresh) changes no byte either.
    with seeded.uow() as uow:
        refresh_all(uow, NOW + timedelta(hours=2))
        uow.commit()
    assert {url: _get(client, url).content for url in urls} == first
    # DTSTAMP and LAST-MODIFIED are the milestones' last change (the import), not now.
    stamps = {
        (_value(p["DTSTAMP"]), _value(p["LAST-MODIFIED"]))
        for p in map(_props, _blocks(first["/calendars/programme.ics"].decode()).values())
    }
    assert stamps == {(SEEDED_AT, SEEDED_AT)}
    assert _get(client, "/calendars/programme.ics").headers["last-modified"] == SEEDED_HTTP_DATE


# --- 4. changes: re-plan, events, withdrawal ------------------------------------------------------


def _align_with_today(database: Database) -> None:
    """The API computes with the real clock: bring the stored events to today's forecasts first,
    so that a change seen afterwards is the change under test only."""
    with database.uow() as uow:
        refresh_all(uow, max(utc_now(), NOW))
        uow.commit()


def test_replanning_one_stage_changes_only_that_event(seeded, client, coordinator):
    _align_with_today(seeded)
    before_response = _get(client, "/calendars/programme.ics")
    before = _check_structure(before_response.content)
    blocks = _blocks(before)
    target = _uid(DAO, "publication")
    old = _check_event(blocks[target])

    start = utc_now().replace(microsecond=0)
    response = client.put(
        f"/api/initiatives/{DAO}/plan/publication",
        json={"reason": "Publicatie later dan verwacht", "text": "december 2027"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    end = utc_now()

    after_response = _get(client, "/calendars/programme.ics")
    after = _check_structure(after_response.content)
    changed = _blocks(after)
    assert list(changed) == list(blocks)  # same events, same order
    assert {uid for uid in blocks if blocks[uid] != changed[uid]} == {target}
    assert before.split("BEGIN:VEVENT")[0] == after.split("BEGIN:VEVENT")[0]
    new = _check_event(changed[target])
    assert new["UID"] == old["UID"]
    assert _value(new["SEQUENCE"]) == str(int(_value(old["SEQUENCE"])) + 1) == "1"
    assert new["DTSTART"] == "DTSTART;VALUE=DATE:20271201"
    assert new["DTEND"] == "DTEND;VALUE=DATE:20280101"
    assert new["STATUS"] == "STATUS:TENTATIVE"
    assert start <= _stamp(new["DTSTAMP"]) <= end
    assert new["LAST-MODIFIED"].split(":")[1] == new["DTSTAMP"].split(":")[1]
    description = next(
        e.description for e in IcsCalendarStream.calendar_from_ics(after).events if e.uid == target
    )
    assert "Verwacht: 1 december 2027 – 31 december 2027" in (description or "")
    assert [e["uid"] for e in _python_summary(after)] == list(blocks)

    # HTTP: a new body has a new strong ETag; Last-Modified is the latest change in the feed.
    assert after_response.headers["etag"] != before_response.headers["etag"]
    old_etag = before_response.headers["etag"]
    assert (
        client.get("/calendars/programme.ics", headers={"If-None-Match": old_etag}).status_code
        == 200
    )
    latest = max(
        NOW, _stamp(new["DTSTAMP"]), *(_stamp(_props(b)["DTSTAMP"]) for b in blocks.values())
    )
    assert after_response.headers["last-modified"] == format_datetime(latest, usegmt=True)

    # Every other feed of that milestone shows the same new event.
    for url in (
        f"/calendars/initiatives/{DAO}.ics",
        "/calendars/stages/publication.ics",
        "/calendars/entities/uitvaartsector.ics",
    ):
        assert _blocks(_feed(client, url))[target] == changed[target]

    # A new title is not a new date: the UID and SEQUENCE stay, only the texts and stamps move.
    renamed = client.patch(
        f"/api/initiatives/{DAO}",
        json={
            "title": "Voorontwerp van decreet over de digitale aangifte van een overlijden",
            "short_title": "Decreet digitale aangifte van een overlijden",
        },
        headers={**coordinator, "If-Match": '"2"'},
    )
    assert renamed.status_code == 200, renamed.text
    again = _blocks(_feed(client, "/calendars/programme.ics"))
    retitled = _check_event(again[target])
    assert retitled["SEQUENCE"] == "SEQUENCE:1"
    assert retitled["DTSTART"] == new["DTSTART"]
    assert "digitale aangifte van een overlijden" in retitled["SUMMARY"]
    assert {uid for uid in again if again[uid] != changed[uid]} == {
        _uid(DAO, stage) for stage in PLANNED["decree"]
    }


def test_recording_the_first_approval_confirms_its_event(seeded, client, coordinator):
    events = f"/api/initiatives/{KLIP}/events"
    done = client.post(
        events,
        json={"event": "complete_drafting", "occurred_on": "2025-01-06"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert done.status_code == 201, done.text
    drafted = _blocks(_feed(client, "/calendars/programme.ics"))
    # The drafting stage is a milestone now that it happened: CONFIRMED on its actual day.
    drafting = _check_event(drafted[_uid(KLIP, "drafting")])
    assert drafting["STATUS"] == "STATUS:CONFIRMED"
    assert (drafting["DTSTART"], drafting["DTEND"]) == (
        "DTSTART;VALUE=DATE:20250106",
        "DTEND;VALUE=DATE:20250107",
    )
    before = _check_event(drafted[_uid(KLIP, "first_approval")])
    assert before["STATUS"] == "STATUS:TENTATIVE"

    approved = client.post(
        events,
        json={"event": "approve_first", "occurred_on": "2025-01-17", "reference": "VR 2025 1701"},
        headers={**coordinator, "If-Match": '"2"'},
    )
    assert approved.status_code == 201, approved.text
    text = _feed(client, "/calendars/programme.ics")
    after = _check_event(_blocks(text)[_uid(KLIP, "first_approval")])
    assert after["UID"] == before["UID"]
    assert after["STATUS"] == "STATUS:CONFIRMED"
    assert after["DTSTART"] == "DTSTART;VALUE=DATE:20250117"  # a Friday
    assert after["DTEND"] == "DTEND;VALUE=DATE:20250118"
    assert int(_value(after["SEQUENCE"])) == int(_value(before["SEQUENCE"])) + 1
    event = next(
        e for e in IcsCalendarStream.calendar_from_ics(text).events if e.uid == after["UID"][4:]
    )
    assert "Gebeurd op: 17 januari 2025" in (event.description or "")
    english = _feed(client, f"/calendars/initiatives/{KLIP}.ics?lang=en")
    assert "Happened on: 17 January 2025" in (
        next(
            e.description or ""
            for e in IcsCalendarStream.calendar_from_ics(english).events
            if e.uid == after["UID"][4:]
        )
    )
    assert len(_blocks(text)) == 61  # the 60 of the seed and the drafting done


def test_a_withdrawn_initiative_is_cancelled_then_left_out_after_30_days(
    seeded, client, coordinator
):
    _align_with_today(seeded)
    before = _blocks(_feed(client, "/calendars/programme.ics"))
    ours = _expected_uids([VMS])
    assert len(ours) == 6
    response = client.post(
        f"/api/initiatives/{VMS}/events",
        json={"event": "withdraw", "occurred_on": today().isoformat(), "note": "Niet meer nodig"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert response.status_code == 201, response.text
    text = _feed(client, "/calendars/programme.ics")
    after = _blocks(text)
    assert list(after) == list(before)  # still there, in place
    assert {uid for uid in before if before[uid] != after[uid]} == ours
    for uid in ours:
        old, new = _props(before[uid]), _check_event(after[uid])
        assert new["STATUS"] == "STATUS:CANCELLED"
        assert _value(new["SEQUENCE"]) == str(int(_value(old["SEQUENCE"])) + 1)
        assert (new["DTSTART"], new["DTEND"], new["SUMMARY"]) == (
            old["DTSTART"],
            old["DTEND"],
            old["SUMMARY"],
        )
    assert {e["status"] for e in _python_summary(text) if e["uid"] in ours} == {"CANCELLED"}
    assert set(_blocks(_feed(client, "/calendars/programme.ics?status=withdrawn"))) == ours
    assert set(_blocks(_feed(client, f"/calendars/initiatives/{VMS}.ics"))) == ours

    # More than 30 days later they are left out; until then they stay.
    def shown(now: datetime) -> set[str]:
        with seeded.uow() as uow:
            result = feed(uow, "programme", None, audience=frozenset(), lang="nl", now=now)
        return {uid for event in result.events for uid in _blocks(event.decode())}

    assert shown(utc_now() + timedelta(days=29)) == set(before)
    assert shown(utc_now() + timedelta(days=31)) == set(before) - ours

    # The same through HTTP, with the withdrawal moved 31 days into the past.
    with seeded.uow() as uow:
        initiative = uow.initiatives.get(VMS)
        assert initiative is not None
        uow.session.execute(
            update(FeedEventRow)
            .where(FeedEventRow.initiative_id == initiative.id)
            .values(changed_at=utc_now() - timedelta(days=31))
        )
        uow.commit()
    gone = _feed(client, "/calendars/programme.ics")
    assert set(_blocks(gone)) == set(before) - ours
    assert len(_python_summary(gone)) == 54
    assert _blocks(_feed(client, f"/calendars/initiatives/{VMS}.ics")) == {}
    for uid, block in _blocks(gone).items():
        assert block == before[uid]


# --- 5. HTTP ----------------------------------------------------------------------------------


def test_conditional_get_and_head(client):
    url = "/calendars/programme.ics"
    response = _get(client, url)
    body = response.content
    etag = response.headers["etag"]
    assert re.fullmatch(r'"[^"\s]+"', etag), etag  # strong: no W/ prefix
    assert response.headers["last-modified"] == SEEDED_HTTP_DATE
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-length"] == str(len(body))
    assert _get(client, url).headers["etag"] == etag
    english = _get(client, f"{url}?lang=en")
    assert english.headers["etag"] != etag  # another body, another tag

    def status(**headers: str) -> int:
        answer = client.get(url, headers=headers)
        if answer.status_code == 304:
            assert answer.content == b""
            assert answer.headers["etag"] == etag
        else:
            assert answer.content == body
        return answer.status_code

    assert status(**{"If-None-Match": etag}) == 304
    assert status(**{"If-None-Match": f'"elders", {etag}'}) == 304
    assert status(**{"If-None-Match": f'{etag},"x"'}) == 304
    assert status(**{"If-None-Match": '"elders"'}) == 200
    assert status(**{"If-Modified-Since": SEEDED_HTTP_DATE}) == 304
    assert status(**{"If-Modified-Since": "Mon, 23 Nov 2026 12:00:00 GMT"}) == 304
    assert status(**{"If-Modified-Since": "Mon, 23 Nov 2026 00:29:59 GMT"}) == 200
    assert status(**{"If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT"}) == 200
    assert status(**{"If-Modified-Since": "gisteren"}) == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
    assert status(**{"If-None-Match": '"elders"', "If-Modified-Since": SEEDED_HTTP_DATE}) == 200

    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(body))
    assert head.headers["etag"] == etag
    assert head.headers["last-modified"] == SEEDED_HTTP_DATE
    assert head.headers["content-type"] == CALENDAR
    assert head.headers["referrer-policy"] == "no-referrer"
    assert client.head(url, headers={"If-None-Match": etag}).status_code == 304

    scoped = f"/calendars/initiatives/{KLIP}.ics"
    first = _get(client, scoped)
    assert client.get(scoped, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert client.head(scoped).headers["content-length"] == str(len(first.content))
    assert first.headers["referrer-policy"] == "no-referrer"


# --- 6. private feeds -----------------------------------------------------------------------------


def _hide_retention_order(client: TestClient[Any], coordinator: dict[str, str]) -> None:
    response = client.patch(
        f"/api/initiatives/{RETENTION}",
        json={"is_public": False},
        headers={**coordinator, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text


def _not_found(response: httpx.Response) -> str:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    assert len(body) < 120
    assert body.startswith("Not found")
    assert "<" not in body
    assert "{" not in body
    return body


def test_a_non_public_initiative_is_only_in_private_feeds(seeded, client, coordinator):
    retention = _expected_uids([RETENTION])
    _hide_retention_order(client, coordinator)
    public = set(_blocks(_feed(client, "/calendars/programme.ics")))
    assert public == _expected_uids() - retention
    assert len(public) == 55
    _not_found(client.get(f"/calendars/initiatives/{RETENTION}.ics"))
    hidden = client.head(f"/calendars/initiatives/{RETENTION}.ics")
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("text/plain")
    assert retention.isdisjoint(_blocks(_feed(client, "/calendars/stages/publication.ics")))

    with seeded.uow() as uow:
        facilitair = create_feed_token(
            uow, name="facilitair bedrijf", entities=["Het Facilitair Bedrijf"], now=NOW
        )
        other = create_feed_token(uow, name="vvsg", entities=["VVSG"], now=NOW)
        uow.commit()

    # capability URLs: a prefix and at least 128 random bits
    for token in (facilitair, other):
        assert token.startswith("wgf_")
        secret = token.removeprefix("wgf_")
        assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) >= 16
    assert facilitair != other

    private = f"/calendars/private/{facilitair}"
    seen = _get(client, f"{private}/programme.ics")
    assert seen.headers["referrer-policy"] == "no-referrer"
    assert set(_blocks(_check_structure(seen.content))) == _expected_uids()
    mine = _feed(client, f"{private}/initiatives/{RETENTION}.ics")
    assert set(_blocks(mine)) == retention
    assert len(_python_summary(mine)) == 5
    assert retention <= set(
        _blocks(_feed(client, f"{private}/entities/het-facilitair-bedrijf.ics"))
    )
    assert _uid(RETENTION, "publication") in _blocks(
        _feed(client, f"{private}/stages/publication.ics?lang=en")
    )
    head = client.head(f"{private}/programme.ics")
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(seen.content))

    # another entity's token does not see it
    assert set(_blocks(_feed(client, f"/calendars/private/{other}/programme.ics"))) == public
    _not_found(client.get(f"/calendars/private/{other}/initiatives/{RETENTION}.ics"))

    # the token is kept only as a digest: its text is in no table
    with seeded.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        assert "feed_token" in tables
        for table in tables:
            for row in connection.execute(sql(f'SELECT * FROM "{table}"')):
                for value in row:
                    for token in (facilitair, other):
                        assert token.removeprefix("wgf_") not in str(value), table

    # revoked and unknown tokens: 404, with nothing said about why
    with seeded.uow() as uow:
        revoke_feed_token(uow, "facilitair bedrijf", now=NOW + timedelta(hours=1))
        uow.commit()
    for url in (
        f"{private}/programme.ics",
        f"{private}/initiatives/{RETENTION}.ics",
        f"{private}/initiatives/{KLIP}.ics",
        f"{private}/stages/publication.ics",
        "/calendars/private/wgf_onbekend/programme.ics",
        f"/calendars/private/wgf_{'A' * 43}/entities/vvsg.ics",
    ):
        assert _not_found(client.get(url)) == "Not found\n", url
        response = client.get(url)
        assert response.headers["referrer-policy"] == "no-referrer"
        assert client.head(url).status_code == 404
    with seeded.uow() as uow, pytest.raises(NotFound):
        revoke_feed_token(uow, "facilitair bedrijf", now=NOW + timedelta(hours=2))
    assert set(_blocks(_feed(client, f"/calendars/private/{other}/programme.ics"))) == public


def test_an_entity_known_only_from_non_public_initiatives_has_no_public_feed(
    seeded, client, coordinator
):
    """As /api/entities and /api/calendars, the public entity feed leaves no trace of an entity
    that only non-public initiatives involve (here: the retention order's own entities)."""
    _hide_retention_order(client, coordinator)
    names = {link["name"] for link in client.get("/api/calendars").json()}
    assert "Het Facilitair Bedrijf" not in names
    assert _not_found(client.get("/calendars/entities/het-facilitair-bedrijf.ics")).startswith(
        "Not found"
    )


def test_if_modified_since_is_not_304_once_an_initiative_leaves_the_feed(
    seeded, client, coordinator
):
    """A client that revalidates with If-Modified-Since only (no ETag kept) must get the new
    body when events left the feed: a 304 would keep showing them."""
    before = _get(client, "/calendars/programme.ics")
    _hide_retention_order(client, coordinator)
    answer = client.get(
        "/calendars/programme.ics",
        headers={"If-Modified-Since": before.headers["last-modified"]},
    )
    assert answer.status_code == 200
    assert _uid(RETENTION, "publication") not in answer.text


def test_calendar_names_are_escaped_text_values(client, coordinator):
    """NAME and X-WR-CALNAME are TEXT (RFC 7986 §5.1, RFC 5545 §3.3.11): a comma or semicolon in
    them is escaped, as in SUMMARY. The seed's advisory-opinions stage feed is named
    "Wetgevingsplanner: Adviezen (VTC, SERV, SARC, VVSG, ...)"; titles have commas too."""
    title = "Voorontwerp van decreet over archieven, registers; en andere lijsten"
    created = client.post(
        "/api/initiatives",
        json={
            "title": title,
            "kind": "decree",
            "entities": ["VVSG"],
            "plan": {"first_approval": {"text": "juni 2027"}},
        },
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    escaped = title.replace(",", "\\,").replace(";", "\\;").replace("Voorontwerp van d", "D")
    text = _feed(client, f"/calendars/initiatives/{slug}.ics")
    summary = _props(_blocks(text)[f"initiative-12-first_approval@{UID_DOMAIN}"])["SUMMARY"]
    assert summary == f"SUMMARY:Eerste principiële goedkeuring VR: {escaped}"
    names = {}
    for url in [*_feed_urls(client), f"/calendars/initiatives/{slug}.ics"]:
        for line in _unfold(_feed(client, url)):
            if _name(line) in ("NAME", "X-WR-CALNAME", "DESCRIPTION", "X-WR-CALDESC"):
                names[line] = url
    assert [line for line in names if not TEXT_VALUE.fullmatch(_value(line))] == []
    assert "NAME:Wetgevingsplanner: Adviezen (VTC\\, SERV\\, SARC\\, VVSG\\, ...)" in names
    assert f"NAME:{escaped}" in names


# --- 7. bad input -----------------------------------------------------------------------------


def test_unknown_names_and_bad_filters_are_short_text_errors(client):
    for url in (
        "/calendars/initiatives/bestaat-niet.ics",
        "/calendars/entities/bestaat-niet.ics",
        "/calendars/stages/bestaat-niet.ics",
        "/calendars/stages/published.ics",  # a state, not a stage
        f"/calendars/initiatives/{KLIP}",  # without .ics
        f"/calendars/initiatives/{KLIP}.ical",
        "/calendars/entities/vvsg.json",
        "/calendars/stages/parliament",
        "/calendars/kalender/vvsg.ics",
    ):
        _not_found(client.get(url))
        assert client.head(url).status_code == 404
    assert "bestaat-niet" in _not_found(client.get("/calendars/initiatives/bestaat-niet.ics"))
    for url in (
        "/calendars/programme.ics?status=vertraagd",
        "/calendars/stages/parliament.ics?status=bogus",
        f"/calendars/initiatives/{KLIP}.ics?status=late",
        "/calendars/programme.ics?kind=wet",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.headers["content-type"].startswith("text/plain"), url
        assert len(response.text) < 200
        assert "<" not in response.text
        assert "{" not in response.text
    assert "status" in client.get("/calendars/programme.ics?status=vertraagd").text


# --- 8. logs ------------------------------------------------------------------------------------


def test_feed_tokens_are_redacted_from_access_log_records():
    """The access lines as granian logs them (granian.log): on `granian.access`, its format
    with the request's fields as a mapping. The app's filter, which create_app installs,
    redacts them before any handler sees them: the line and every field."""
    database = Database(make_engine("sqlite://"))
    create_app(database)
    database.dispose()
    token = "wgf_" + "s3cr3t-T0ken_" * 3
    requests = [
        ("GET", f"/calendars/private/{token}/programme.ics", "lang=en"),
        ("HEAD", f"/calendars/private/{token}/entities/vvsg.ics", ""),
        ("GET", "/calendars/private/niet-meer-geldig/programme.ics", ""),
        ("GET", "/signin", f"next=%2Fcalendars%2Fprivate%2F{token}%2Fprogramme.ics"),
        ("GET", "/calendars/programme.ics", ""),
    ]
    access_line = log_request_builder(DEFAULT_ACCESSLOG_FMT)
    with _records("granian.access") as records:
        for method, path, query in requests:
            fields = {"addr_remote": "127.0.0.1", "path": path, "qs": query, "method": method,
                      "scheme": "http", "protocol": "HTTP/1.1"}  # fmt: skip
            access_line(NOW.timestamp(), time.perf_counter(), fields, 200)
    assert len(records) == len(requests)
    for record in records:
        assert isinstance(record.args, Mapping), record.args  # the shape the filter must read
        assert token not in record.getMessage()
        assert token.removeprefix("wgf_") not in repr(record.args)
    lines = [re.sub(r"^\[[^]]+\] | [\d.]+$", "", r.getMessage()) for r in records]
    assert lines == [
        '127.0.0.1 - "GET /calendars/private/***/programme.ics HTTP/1.1" 200',
        '127.0.0.1 - "HEAD /calendars/private/***/entities/vvsg.ics HTTP/1.1" 200',
        '127.0.0.1 - "GET /calendars/private/***/programme.ics HTTP/1.1" 200',
        '127.0.0.1 - "GET /signin HTTP/1.1" 200',
        '127.0.0.1 - "GET /calendars/programme.ics HTTP/1.1" 200',
    ]
    assert [r.args["query_string"] for r in records] == [
        "lang=en", "", "", "next=%2Fcalendars%2Fprivate%2Fwgf_***%2Fprogramme.ics", "",
    ]  # fmt: skip
    # The app's own loggers, with positional arguments or none.
    with _records("api") as records:
        logging.getLogger("api").warning("fetched /calendars/private/%s/stages/x.ics", token)
        logging.getLogger("api").warning(f"fetched /calendars/private/{token}/stages/x.ics")
    assert [r.getMessage() for r in records] == ["fetched /calendars/private/***/stages/x.ics"] * 2


@contextmanager
def _records(name: str) -> Iterator[list[logging.LogRecord]]:
    """The records that `name` hands its handlers meanwhile, at INFO and above."""
    logger = logging.getLogger(name)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_real_server_never_logs_a_feed_token(backend, tmp_path):
    """`tracker feed-token create` and `revoke`, and `tracker serve`'s access log."""
    with ExitStack() as stack:
        url = seeded_database_url(stack, backend, tmp_path)
        env = {**os.environ, **clock_env(), "TRACKER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}

        def tracker(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(TRACKER), *args],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )

        created = tracker("feed-token", "create", "--name", "redactie", "--entity", "VVSG")
        address = created.stdout.strip()
        match = re.fullmatch(
            r"https?://[^/]+/calendars/private/(wgf_[^/]+)/programme\.ics", address
        )
        assert match, address
        token = match.group(1)
        assert token not in created.stderr

        served = serve(stack, url, tmp_path)
        with httpx.Client(base_url=served.base, timeout=30) as http:
            answer = http.get(f"/calendars/private/{token}/programme.ics?lang=en")
            assert answer.status_code == 200
            assert answer.headers["content-type"] == CALENDAR
            assert answer.content.count(b"BEGIN:VEVENT") == 60
            head = http.head(f"/calendars/private/{token}/programme.ics?lang=en")
            assert (head.status_code, head.content) == (200, b"")
            assert head.headers["content-length"] == str(len(answer.content))
            assert http.get(f"/calendars/private/{token}/entities/vvsg.ics").status_code == 200
            tracker("feed-token", "revoke", "redactie")
            gone = http.get(f"/calendars/private/{token}/programme.ics")
            assert (gone.status_code, gone.text) == (404, "Not found\n")
        stop(served.process)  # its log complete
        logged = served.log.read_text(errors="replace")
        assert token not in logged
        assert token.removeprefix("wgf_") not in logged
        assert logged.count("/calendars/private/***/programme.ics") >= 3, logged
        assert "/calendars/private/***/entities/vvsg.ics" in logged, logged
        # The HEAD is logged as one, though the app answered it as a GET (api.head).
        assert '"HEAD /calendars/private/***/programme.ics HTTP/1.1" 200' in logged, logged
