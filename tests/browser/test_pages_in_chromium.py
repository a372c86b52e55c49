"""The web pages in a real browser: Debian's chromium, driven by Playwright (never a downloaded
browser), against `tracker serve` on a free local port with the seed imported.

Screenshots of every page at desktop and phone width go to test-output/screenshots/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import NOW, ROOT, token_for
from tests.npm import npm_file, unavailable
from tests.server import seeded_database_url, serve
from tracker.store.db import make_engine
from tracker.store.uow import Database

CHROMIUM = Path(os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags chromium keeps calling Google's hosts, which this
# closed network refuses.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = ROOT / "test-output" / "screenshots"
KLIP = "decreet-klip-gipod-verordening"
DAO = "decreet-platform-digitale-aangifte"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGES = {
    "programme": "/",
    "programme-en": "/?lang=en",
    "initiative": f"/initiatives/{KLIP}",
    "entity": "/entities/agentschap-digitaal-vlaanderen",
    "report": "/reports/weekly",
    "signin": "/signin",
    "not-found": "/initiatives/bestaat-niet",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A seeded SQLite database behind a real server, and an editor's and a coordinator's
    token for it."""
    folder = tmp_path_factory.mktemp("browser")
    with ExitStack() as stack:
        url = seeded_database_url(stack, "sqlite", folder)
        database = Database(make_engine(url))
        stack.callback(database.dispose)
        # An editor of DAO's lead entity (Vlaams Datanutsbedrijf): it records the decisions.
        editor = token_for(
            database, "juristen-adv", "editor",
            ("vlaams-datanutsbedrijf", "agentschap-digitaal-vlaanderen"),
        )  # fmt: skip
        coordinator = token_for(database, "juridische-dienst", "coordinator")
        base = serve(stack, url, folder).base
        yield {
            "base": base,
            "token": editor["Authorization"].removeprefix("Bearer "),
            "coordinator": coordinator["Authorization"].removeprefix("Bearer "),
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, server: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(base_url=server["base"], locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Content-Security-Policy violations are reported on the console. Statuses are checked on
    # the responses: a page may answer 404 or 409 on purpose, its stylesheet and script may not.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.request.resource_type != "document" and r.status >= 400
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"errors in the browser: {errors}"


def _sign_in(page: Page, token: str) -> None:
    page.goto(f"/signin?next=/initiatives/{DAO}")
    page.get_by_label("API-token").fill(token)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page).to_have_url(f"{page.url.split('/initiatives')[0]}/initiatives/{DAO}")


def test_timeline_shows_every_seed_initiative(page: Page):
    page.goto("/")
    expect(page.locator("svg.chart g.row")).to_have_count(11)
    expect(page.locator("svg.chart a")).to_have_count(11)
    expect(page.locator("table.programme tbody tr")).to_have_count(11)
    expect(page.locator("svg.chart line.today")).to_have_count(1)
    # Every row of the timeline names and links to one initiative of the table.
    rows = page.locator("table.programme tbody tr")
    table = set(rows.evaluate_all("rows => rows.map(r => r.dataset.slug)"))
    links = page.locator("svg.chart a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    chart = {href.split("?")[0].rsplit("/", 1)[1] for href in hrefs}
    assert chart == table
    assert len(table) == 11


def test_switching_language_and_back(page: Page):
    page.goto("/")  # the browser asks for English: the pages stay Dutch until switched
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programma regelgevingsinitiatieven")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme of regulatory initiatives")
    page.get_by_role("link", name="Weekly report").click()  # the choice follows the links
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Weekly report on regulatory initiatives")
    page.get_by_role("link", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_filtering_by_entity(page: Page):
    page.goto("/")
    page.get_by_label("Organisatie").select_option(label="Departement Zorg")
    expect(page).to_have_url(re.compile(r"entity=departement-zorg"))
    expect(page.locator("table.programme tbody tr")).to_have_count(1)
    expect(page.locator("svg.chart g.row")).to_have_count(1)
    expect(page.locator("#result-count")).to_have_text("1 initiatieven")


def test_recording_an_event_through_the_form(page: Page, server: dict[str, Any]):
    _sign_in(page, server["token"])
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(1)
    form = page.locator("form.record")
    form.get_by_label("Stap").select_option("complete_drafting")
    form.get_by_label("Datum").fill(str(NOW.date()))  # the seed day: never in the future
    form.get_by_role("button", name="Registreren").click()
    expect(page.locator(".notice")).to_contain_text("Geregistreerd")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("juristen-adv")
    expect(page.locator("tr[aria-current=step] th")).to_contain_text("Eerste principiële")


def test_a_refused_event_shows_the_reason_and_changes_nothing(page: Page, server: dict[str, Any]):
    _sign_in(page, server["token"])
    history = page.locator("table.history tbody tr")
    before = history.count()
    version = page.locator("form.record input[name=version]").input_value()
    form = page.locator("form.record")
    form.get_by_label("Referentie").fill("VR 2099 1501 DOC.0001/1")
    form.get_by_label("Datum").fill("2099-01-15")
    form.get_by_role("button", name="Registreren").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Niet geregistreerd")
    expect(alert).to_contain_text("toekomst")
    expect(history).to_have_count(before)
    expect(page.locator("form.record input[name=version]")).to_have_value(version)


def test_correcting_a_step_through_its_history_row(page: Page, server: dict[str, Any]):
    _sign_in(page, server["coordinator"])
    corrections = page.locator("table.history details.correct")
    if corrections.count() == 0:  # run on its own: a step to correct first
        form = page.locator("form.record")
        form.get_by_label("Stap").select_option("complete_drafting")
        form.get_by_label("Datum").fill(str(NOW.date()))
        form.get_by_role("button", name="Registreren").click()
    row = page.locator("table.history tbody tr", has=page.locator("details.correct")).first
    row.locator("summary").click()  # a disclosure: no script needed
    form = row.locator("form.correction")
    expect(form).to_be_visible()
    form.get_by_label("Toelichting").fill("Ontwerp afgerond na overleg")
    form.get_by_role("button", name="Verbetering opslaan").click()
    alert = page.get_by_role("alert")  # the reason is required
    expect(alert).to_contain_text("zeg waarom")
    row = page.locator("table.history tbody tr", has=page.locator("details.correct[open]"))
    row.get_by_label("Reden").fill("Toelichting vergeten")
    row.get_by_role("button", name="Verbetering opslaan").click()
    expect(page.locator(".notice")).to_contain_text("Stap verbeterd")
    expect(page.locator("table.history")).to_contain_text("verbeterd op")
    expect(page.locator("table.history")).to_contain_text("Ontwerp afgerond na overleg")


def test_unknown_initiative_gets_a_friendly_page_with_a_way_back(page: Page):
    response = page.goto("/initiatives/bestaat-niet")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    page.get_by_role("link", name="← Terug naar het programma").click()
    expect(page.locator("svg.chart g.row")).to_have_count(11)


def test_keyboard_reaches_the_content_and_the_timeline(page: Page):
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Naar de inhoud")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_id("main")
    page.locator("svg.chart a").first.focus()
    expect(page.locator("svg.chart a").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/initiatives/"))


def test_print_leaves_out_navigation_and_forms(page: Page):
    page.goto(f"/initiatives/{KLIP}")
    page.emulate_media(media="print")
    assert page.locator("header nav").evaluate("n => getComputedStyle(n).display") == "none"
    assert page.locator("footer").evaluate("n => getComputedStyle(n).display") == "none"
    expect(page.locator("svg.chart")).to_be_visible()


@pytest.mark.parametrize("name", PAGES)
def test_pages_pass_axe_accessibility_checks(browser: Browser, server: dict[str, Any], name: str):
    axe = npm_file("axe-core@4", "axe-core", "axe.min.js")
    # axe is injected as an inline script, which the pages' own policy rightly forbids.
    context = browser.new_context(base_url=server["base"], bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(PAGES[name])
        page.add_script_tag(path=str(axe))
        result = page.evaluate(
            "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        )
    finally:
        context.close()
    violations = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['html'][:120]})"
        for v in result["violations"]
    ]
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_screenshots(browser: Browser, server: dict[str, Any], name: str, width: str):
    context = browser.new_context(base_url=server["base"], viewport=WIDTHS[width])
    page = context.new_page()
    try:
        page.goto(PAGES[name])
        # Nothing may stick out sideways on a phone but the scrollable timeline and tables.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than the {width} screen"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    finally:
        context.close()
