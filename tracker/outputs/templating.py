"""The one jinja2 environment of the project: the weekly report export and the web pages."""

from __future__ import annotations

from datetime import date
from functools import cache

import jinja2

from tracker.outputs.i18n import format_date, format_span
from tracker.outputs.read_models import WindowView
from tracker.outputs.weekly import Period
from tracker.store.db import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"


def period_text(period: Period | WindowView | None, lang: str) -> str:
    """A window's dates the Flemish way; its text when it has none."""
    if period is None or period.latest is None:
        return "—" if period is None else period.text
    return format_span(period.earliest, period.latest, lang)


def signed_days(days: int | None, lang: str) -> str:
    """'+12 dagen' late, '−3 dagen' early, '0 dagen'; '—' when unknown."""
    if days is None:
        return "—"
    sign = "+" if days > 0 else "−" if days < 0 else ""
    one, many = ("dag", "dagen") if lang == "nl" else ("day", "days")
    word = one if abs(days) == 1 else many
    return f"{sign}{abs(days)} {word}"


# Characters by which a value could become Markdown of its own (emphasis, code, a link or an
# image, a table cell) or HTML that a Markdown renderer passes through (`<script>`, `<a
# href="javascript:...">`): each is written as the character itself, never as markup.
_MARKDOWN = {c: f"\\{c}" for c in "\\`*_[]|~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MARKDOWN_TABLE = str.maketrans(_MARKDOWN)


def markdown_text(value: object) -> object:
    """Every value a Markdown template writes (its `finalize`): text that reads as written, so a
    title such as `<script>` or `[x](javascript:alert(1))` stays text and never a tag or a link.
    The template's own markup is not a value and stays as it is."""
    return value.translate(_MARKDOWN_TABLE) if isinstance(value, str) else value


def _environment(*, markdown: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False if markdown else jinja2.select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=markdown_text if markdown else None,
    )
    env.filters["day"] = lambda d, lang: format_date(d, lang) if isinstance(d, date) else "—"
    env.filters["period"] = period_text
    env.filters["signed_days"] = signed_days
    return env


@cache
def environment() -> jinja2.Environment:
    """The environment of the pages and the HTML report (HTML escaped)."""
    return _environment(markdown=False)


@cache
def markdown_environment() -> jinja2.Environment:
    """The environment of the Markdown report: every value escaped for Markdown."""
    return _environment(markdown=True)
