"""Calendar events of initiatives (RFC 5545): one per milestone and per legal deadline.

Each event is built with `icalendar` once per change and stored as text; feeds are assembled
from the stored text (see tracker/outputs/feeds.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar

from tracker.domain.model import Initiative, Stage, Terminal, Window
from tracker.outputs.i18n import format_date
from tracker.outputs.read_models import STATUS_LABELS
from tracker.rules.procedure_rules import assessment
from workflows.definitions import Label, catalogue

TENTATIVE, CONFIRMED, CANCELLED = "TENTATIVE", "CONFIRMED", "CANCELLED"
LANGS = ("nl", "en")

TEXT = {
    "planning": Label("Planning", "Planning"),
    "baseline": Label("Oorspronkelijk gepland", "Baseline"),
    "forecast": Label("Verwacht", "Forecast"),
    "actual": Label("Gebeurd op", "Happened on"),
    "slippage": Label("Vertraging", "Slippage"),
    "days": Label("dagen", "days"),
    "status": Label("Status", "Status"),
    "deadline": Label("Wettelijke termijn", "Legal deadline"),
    "in_force": Label("Verwachte inwerkingtreding", "Expected entry into force"),
    "withdrawn": Label("Het initiatief is ingetrokken.", "The initiative was withdrawn."),
}


def base_url() -> str:
    return os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def uid_domain() -> str:
    """The right-hand side of every UID: set once, never change it (subscribers key on UIDs)."""
    return os.environ.get("TRACKER_UID_DOMAIN", "wetgevingsplanner.vlaanderen.be")


@dataclass(frozen=True, slots=True)
class EventContent:
    """What one calendar event shows; `fingerprint` covers the dates and the status."""

    key: str
    stage: Stage | None
    status: str
    start: date
    end: date  # exclusive
    summary: dict[str, str]
    description: dict[str, str]
    categories: dict[str, list[str]]
    url: str

    @property
    def fingerprint(self) -> str:
        return _hash([self.start.isoformat(), self.end.isoformat(), self.status])

    @property
    def content_hash(self) -> str:
        return _hash([self.fingerprint, self.summary, self.description, self.categories, self.url])


def _hash(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _window_text(window: Window | None, lang: str) -> str:
    if window is None or window.latest is None:
        return window.text if window else "—"
    if window.earliest is None:
        return f"{'tot' if lang == 'nl' else 'until'} {format_date(window.latest, lang)}"
    if window.earliest == window.latest:
        return format_date(window.latest, lang)
    return f"{format_date(window.earliest, lang)} – {format_date(window.latest, lang)}"


def initiative_url(initiative: Initiative) -> str:
    return f"{base_url()}/initiatives/{initiative.slug}"


def events(initiative: Initiative, today: date) -> list[EventContent]:
    """The events an initiative shows now (none once withdrawn: the stored ones are cancelled)."""
    if initiative.state == Terminal.WITHDRAWN.value or initiative.merged_into is not None:
        return []
    cat = catalogue()
    judged = assessment(initiative, today)
    url = initiative_url(initiative)
    kind = cat.workflows[initiative.kind].label
    title = initiative.short_title  # the full title is in the description
    result = []
    for stage in initiative.procedure:
        milestone = initiative.milestones[stage]
        window = milestone.forecast
        if milestone.actual is None and milestone.planned is None:
            continue  # only planned milestones (drafting, say, has no window of its own)
        if milestone.actual is not None:
            start, end, status = milestone.actual, milestone.actual, CONFIRMED
        elif window is not None and window.latest is not None:
            start, end, status = window.earliest or window.latest, window.latest, TENTATIVE
        else:
            continue
        label = cat.stages[stage].label
        slip = judged.stages[stage].slippage_days
        description = {}
        for lang in LANGS:
            lines = []
            if milestone.baseline is not None:
                lines.append(f"{TEXT['planning'].get(lang)}: {milestone.baseline.text}")
                lines.append(
                    f"{TEXT['baseline'].get(lang)}: {_window_text(milestone.baseline, lang)}"
                )
            if milestone.actual is not None:
                lines.append(f"{TEXT['actual'].get(lang)}: {format_date(milestone.actual, lang)}")
            else:
                lines.append(f"{TEXT['forecast'].get(lang)}: {_window_text(window, lang)}")
            if slip is not None:
                lines.append(f"{TEXT['slippage'].get(lang)}: {slip} {TEXT['days'].get(lang)}")
            status_label = STATUS_LABELS[judged.status].get(lang)
            lines += [f"{TEXT['status'].get(lang)}: {status_label}", initiative.title, url]
            description[lang] = "\n".join(lines)
        result.append(
            EventContent(
                key=stage.value,
                stage=stage,
                status=status,
                start=start,
                end=end + timedelta(days=1),
                summary={lang: f"{label.get(lang)}: {title}" for lang in LANGS},
                description=description,
                categories={
                    lang: [label.get(lang), kind.get(lang), *initiative.entities] for lang in LANGS
                },
                url=url,
            )
        )
    for position, deadline in enumerate(initiative.legal_deadlines):
        if deadline.due_on is None:
            continue
        result.append(
            EventContent(
                key=f"deadline-{position}",
                stage=None,
                status=CONFIRMED,
                start=deadline.due_on,
                end=deadline.due_on + timedelta(days=1),
                summary={lang: f"{TEXT['deadline'].get(lang)}: {title}" for lang in LANGS},
                description={
                    lang: _deadline_text(deadline.text, judged.entry_into_force, initiative, lang)
                    for lang in LANGS
                },
                categories={
                    lang: [TEXT["deadline"].get(lang), kind.get(lang), *initiative.entities]
                    for lang in LANGS
                },
                url=url,
            )
        )
    return result


def _deadline_text(text: str, in_force: date | None, initiative: Initiative, lang: str) -> str:
    lines = [text]
    if in_force is not None:
        lines.append(f"{TEXT['in_force'].get(lang)}: {format_date(in_force, lang)}")
    return "\n".join([*lines, initiative.title, initiative_url(initiative)])


def uid(initiative_id: int, key: str) -> str:
    return f"initiative-{initiative_id}-{key}@{uid_domain()}"


def vevent(
    initiative_id: int,
    content: EventContent,
    lang: str,
    *,
    sequence: int,
    changed_at: datetime,
    status: str | None = None,
) -> str:
    """The serialized VEVENT (CRLF, folded at 75 octets)."""
    event = icalendar.Event()
    event.add("uid", uid(initiative_id, content.key))
    event.add("dtstamp", changed_at)
    event.add("last-modified", changed_at)
    event.add("sequence", sequence)
    event.add("dtstart", content.start)
    event.add("dtend", content.end)
    event.add("summary", content.summary[lang])
    event.add("description", content.description[lang])
    event.add("categories", content.categories[lang])
    event.add("status", status or content.status)
    event.add("transp", "TRANSPARENT")
    event.add("url", content.url)
    return _serialized(event)


def cancelled(text: str, sequence: int, changed_at: datetime) -> str:
    """A stored event marked CANCELLED (the initiative was withdrawn)."""
    event = icalendar.Event.from_ical(text)
    for name in ("status", "sequence", "dtstamp", "last-modified"):
        event.pop(name, None)
    event.add("status", CANCELLED)
    event.add("sequence", sequence)
    event.add("dtstamp", changed_at)
    event.add("last-modified", changed_at)
    return _serialized(event)


def _serialized(event: icalendar.Component) -> str:
    """`event.to_ical()`, folded here: icalendar folds every line character by character, a
    sixth of the cost of an event. icalendar still writes and escapes each line."""
    return "".join(f"{fold(line)}\r\n" for line in event.content_lines() if line)


FOLD_AT = 74  # octets before each fold, as icalendar folds


def fold(line: str) -> str:
    """An unfolded content line folded as icalendar folds it (RFC 5545 3.1): at most 74 octets
    a line, never inside a UTF-8 character, and never right after a backslash or caret, which
    may start an escape that some clients would not rejoin."""
    data = line.encode()
    if len(data) <= FOLD_AT:
        return line
    parts = []
    start = 0
    while len(data) - start > FOLD_AT:
        end = start + FOLD_AT
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: end before its character
            end -= 1
        if data[end - 1] in b"\\^":
            end -= 1
        parts.append(data[start:end].decode())
        start = end
    parts.append(data[start:].decode())
    return "\r\n ".join(parts)
