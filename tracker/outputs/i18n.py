"""Dates and labels written the Flemish way (default) or in English."""

from __future__ import annotations

from datetime import date

LANGUAGES = ("nl", "en")
MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip


def language(requested: str | None) -> str:
    """The language to answer in: English on request, Dutch otherwise."""
    return "en" if (requested or "").lower().startswith("en") else "nl"


def format_date(day: date, lang: str = "nl") -> str:
    """'17 januari 2025' / '17 January 2025'."""
    return f"{day.day} {MONTHS[language(lang)][day.month - 1]} {day.year}"


def format_span(earliest: date | None, latest: date, lang: str = "nl") -> str:
    """'17 januari 2025 – 31 januari 2025', 'tot 31 januari 2025', or one day."""
    if earliest is None:
        return f"{'tot' if language(lang) == 'nl' else 'until'} {format_date(latest, lang)}"
    if earliest == latest:
        return format_date(latest, lang)
    return f"{format_date(earliest, lang)} – {format_date(latest, lang)}"


def format_window(earliest: date | None, latest: date | None, text: str, lang: str = "nl") -> str:
    """'17 januari 2025 – 31 januari 2025 (eind januari 2025)'; the text alone when unread."""
    if latest is None:
        return text
    return f"{format_span(earliest, latest, lang)} ({text})"
