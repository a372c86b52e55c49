"""The weekly report as JSON, HTML (jinja2), Markdown or CSV."""

from __future__ import annotations

import csv
import io

import msgspec

from tracker.outputs.collector import full_collections_postponed
from tracker.outputs.read_models import STATUS_LABELS, STATUS_ORDER
from tracker.outputs.templating import environment, markdown_environment
from tracker.outputs.weekly import WeeklyReport

FORMATS = ("json", "html", "md", "csv")
MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html",
    "md": "text/markdown",
    "csv": "text/csv",
}

TEXT = {
    "nl": {
        "title": "Weekrapport regelgevingsinitiatieven",
        "week": "Week",
        "as_of": "Stand van zaken op",
        "provisional": "Voorlopig: de week is nog niet voorbij.",
        "summary": "Samenvatting",
        "initiatives": "Initiatieven",
        "biggest": "Grootste vertragingen",
        "slipped": "Vertraagd",
        "overdue": "Over tijd",
        "due": "Verwacht in de komende 4 weken",
        "changes": "Wijzigingen deze week",
        "deadlines": "Wettelijke termijnen in gevaar",
        "findings": "Opmerkingen bij de planning",
        "initiative": "Initiatief",
        "stage": "Stap",
        "status": "Status",
        "slip": "Vertraging (dagen)",
        "days_overdue": "Dagen over tijd",
        "baseline": "Oorspronkelijk gepland",
        "forecast": "Verwacht",
        "when": "Geregistreerd",
        "what": "Wat",
        "actor": "Door",
        "details": "Details",
        "deadline": "Termijn",
        "in_force": "Verwachte inwerkingtreding",
        "days_late": "Dagen te laat",
        "none": "Geen.",
        "rebaseline": "nieuwe basislijn",
        "occurred": "op",
        "reference": "beslissing",
        "entity": "Entiteit",
        "current": "Huidige stap",
    },
    "en": {
        "title": "Weekly report on regulatory initiatives",
        "week": "Week",
        "as_of": "As of",
        "provisional": "Provisional: the week is not over yet.",
        "summary": "Summary",
        "initiatives": "Initiatives",
        "biggest": "Biggest slips",
        "slipped": "Slipped",
        "overdue": "Overdue",
        "due": "Due in the next 4 weeks",
        "changes": "Changes this week",
        "deadlines": "Legal deadlines at risk",
        "findings": "Plan findings",
        "initiative": "Initiative",
        "stage": "Step",
        "status": "Status",
        "slip": "Slip (days)",
        "days_overdue": "Days overdue",
        "baseline": "Baseline",
        "forecast": "Forecast",
        "when": "Recorded",
        "what": "What",
        "actor": "By",
        "details": "Details",
        "deadline": "Deadline",
        "in_force": "Expected entry into force",
        "days_late": "Days late",
        "none": "None.",
        "rebaseline": "re-baselined",
        "occurred": "on",
        "reference": "decision",
        "entity": "Entity",
        "current": "Current step",
    },
}

CSV_COLUMNS = (
    "initiative", "title", "short_title", "stage", "stage_label", "status", "baseline_text",
    "baseline_earliest", "baseline_latest", "forecast_earliest", "forecast_latest", "actual",
    "slippage_days", "overdue",
)  # fmt: skip


def render(report: WeeklyReport, fmt: str) -> bytes:
    """The report in `fmt`, as UTF-8, in one buffer."""
    return b"".join(render_parts(report, fmt))


def render_parts(report: WeeklyReport, fmt: str) -> list[bytes]:
    """The report in `fmt`, as UTF-8 in pieces to be written one after the other, as a server
    sends them and a file takes them: the JSON of 10,000 initiatives runs to 55 MB, and one
    buffer that size, new to the process, took 27 ms just to fill with what was already made."""
    # As while the report was built (tracker.outputs.collector): rendering leaves no cyclic garbage,
    # and a full collection starting here scanned a server's whole memo of reports (measured:
    # the HTML of 10,000 initiatives in 0.36 s instead of 0.06 s).
    with full_collections_postponed():
        if fmt == "json":
            return _json(report)
        return [_text(report, fmt).encode()]


# Stage lines formatted at a time: about 270 KB of JSON, which stays in the CPU's caches.
STAGES_AT_A_TIME = 500
_OPENING, _CLOSING = len(b'{\n  "stages": ['), len(b"\n  ]\n}")


def _json(report: WeeklyReport) -> list[bytes]:
    """msgspec.json.format(msgspec.json.encode(report)) + b"\n", in pieces: the stage lines
    (nine tenths of the bytes) a few hundred at a time. Made whole, the JSON of 10,000
    initiatives took 0.16 s in three buffers of 42-55 MB (8 ms for 1,000 initiatives)."""
    rest = msgspec.json.format(msgspec.json.encode(msgspec.structs.replace(report, stages=[])))
    if not report.stages:
        return [rest, b"\n"]
    # The stage lines are the report's last field; its test compares the bytes with the whole.
    assert rest.endswith(b'"stages": []\n}'), "stages must stay WeeklyReport's last field"
    parts = [rest.removesuffix(b"[]\n}"), b"["]
    stages = report.stages
    for start in range(0, len(stages), STAGES_AT_A_TIME):
        # Formatted at the depth they have in the report: `{\n  "stages": [\n    {...}\n  ]\n}`.
        piece = {"stages": stages[start : start + STAGES_AT_A_TIME]}
        formatted = msgspec.json.format(msgspec.json.encode(piece))
        parts.append((b"," if start else b"") + formatted[_OPENING:-_CLOSING])
    parts.append(b"\n  ]\n}\n")
    return parts


def _text(report: WeeklyReport, fmt: str) -> str:
    if fmt in ("html", "md"):
        env = markdown_environment() if fmt == "md" else environment()
        template = env.get_template(f"report_weekly.{fmt}")
        return template.render(
            r=report,
            t=TEXT[report.lang],
            status_order=[s.value for s in STATUS_ORDER],
            status_labels={s.value: label.get(report.lang) for s, label in STATUS_LABELS.items()},
        )
    if fmt == "csv":
        return _csv(report)
    raise ValueError(f"unknown format {fmt}")


# A spreadsheet takes a cell that begins with one of these as a formula (=HYPERLINK(...),
# +cmd|...): OWASP's advice (CSV injection) is to put a single quote before it, so that it
# shows as the text it is. Numbers (a negative slippage) are numbers, not text, and stay so.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(report: WeeklyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in report.stages:
        baseline, forecast = s.baseline, s.forecast
        row = [
            s.slug, s.title, s.short_title, s.stage, s.stage_label, s.status,
            baseline.text if baseline else "",
            baseline.earliest or "" if baseline else "",
            baseline.latest or "" if baseline else "",
            forecast.earliest or "" if forecast else "",
            forecast.latest or "" if forecast else "",
            s.actual or "",
            "" if s.slippage_days is None else s.slippage_days,
            "yes" if s.overdue else "no",
        ]  # fmt: skip
        writer.writerow([spreadsheet_text(cell) for cell in row])
    return out.getvalue()
