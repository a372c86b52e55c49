"""The one jinja2 environment of the project: the weekly report export and the web pages."""

from __future__ import annotations

from datetime import date
from functools import cache

import jinja2

from tracker.i18n import format_date, format_span
from tracker.outputs.weekly import Period
from tracker.store.db import PROJECT_ROOT
from tracker.views import WindowView

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


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["day"] = lambda d, lang: format_date(d, lang) if isinstance(d, date) else "—"
    env.filters["period"] = period_text
    env.filters["signed_days"] = signed_days
    return env
