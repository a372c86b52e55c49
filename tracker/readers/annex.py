"""Read an annex "Overzicht beleids- en regelgevingsinitiatieven" into initiative drafts + findings.

The annex template (DESIGN §1): a heading `Regelgeving - <title>`, the rationale, `Indicatieve
planning:` with one line per stage, and `Entiteiten betrokken bij dit initiatief:` with the list
of organisations. Anything that breaks the template is an AnnexError naming the line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from tracker.domain.bounds import year_within
from tracker.domain.model import (
    Finding,
    FindingKind,
    Initiative,
    Kind,
    LegalDeadline,
    Severity,
    Stage,
    Window,
)
from tracker.domain.short_titles import distinct, propose_short_title
from tracker.domain.slugs import fold, make_slug
from tracker.domain.windows import parse_window
from tracker.rules.procedure_rules import asks_advice, build_milestones, forecast_rules
from workflows.definitions import Catalogue, catalogue, closest_entities, entity_key

HEADING = re.compile(r"^Regelgeving\s*[-–—:]\s*(?P<title>\S.*)$")
PLANNING = re.compile(r"^Indicatieve planning\s*:?\s*$", re.IGNORECASE)
ENTITIES = re.compile(r"^Entiteiten betrokken bij (?:dit|het) initiatief\s*:?\s*$", re.IGNORECASE)
POLICY_AREA = re.compile(r"^\d+\.\s*Beleidsveld\s+(?P<area>.+)$", re.IGNORECASE)
KINDS = (
    (re.compile(r"^\(?(?:voor\)?)?ontwerp van decreet\b", re.IGNORECASE), Kind.DECREE),
    (
        re.compile(r"^\(?(?:voor\)?)?ontwerp van besluit van de vlaamse regering\b", re.I),
        Kind.ORDER,
    ),
)
DESCRIPTION_TAIL = re.compile(
    r"^\s*(?:(?:door|van)\s+de\s+)?(?:VR|Vlaamse\s+Regering|Vlaams\s+Parlement)\b", re.I
)
PURPOSE = re.compile(r"\s+met\s+(?:het\s+)?oog\s+op\s+", re.IGNORECASE)
_DAY = r"\d{1,2}\s+[a-z]+\s+\d{4}"
ABSOLUTE_DEADLINES = (
    re.compile(
        rf"van toepassing(?:\s+(?:zijn|worden|wordt|is|zal zijn))?\s+(?:met ingang\s+)?"
        rf"(?:van(?:af)?|op)\s+(?P<date>{_DAY})",
        re.I,
    ),
    re.compile(rf"\b(?:uiterlijk|ten laatste|tegen|vóór)\s+(?:op\s+)?(?P<date>{_DAY})", re.I),
    re.compile(rf"\bomgezet (?:zijn |worden )?(?:tegen|voor)\s+(?P<date>{_DAY})", re.I),
    re.compile(rf"\bvoor\s+(?P<date>{_DAY})\s+(?:omgezet|van toepassing|in werking)", re.I),
)
RELATIVE_DEADLINE = re.compile(
    r"\buiterlijk\s+(?P<count>een|één|twee|drie|vier|zes|\d+)\s+(?P<unit>jaar|jaren|maand|maanden)"
    r"\s+na\s+de\s+inwerkingtreding",
    re.IGNORECASE,
)
IN_FORCE_SINCE = re.compile(rf"\bop\s+(?P<date>{_DAY})\s+in werking getreden", re.IGNORECASE)
NUMBERS = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "zes": 6}


class AnnexError(Exception):
    """The file is not an annex, or a line breaks the template; `line` is 1-based."""

    def __init__(self, message: str, line: int | None = None, source: str | None = None) -> None:
        where = ": ".join(x for x in (source, f"line {line}" if line else None) if x)
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.line = line
        self.source = source


@dataclass(frozen=True, slots=True)
class StageLine:
    stage: Stage
    line: int
    text: str  # the whole planning line
    when: str  # the part that gives the date
    purpose: str | None
    window: Window


@dataclass(slots=True)
class Draft:
    """An initiative read from an annex, with where each piece came from."""

    initiative: Initiative
    line: int
    stage_lines: list[StageLine] = field(default_factory=list)


@dataclass(slots=True)
class Annex:
    drafts: list[Draft]
    policy_area: str | None
    source: str | None


def _clean(line: str) -> str:
    # NFC, so that a phrase matched on the folded line has the same length in the original.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", line)).strip()


def _paragraphs(lines: list[str]) -> list[str]:
    """Join lines into paragraphs, mending paragraphs broken by a page break mid-sentence."""
    paragraphs: list[str] = []
    for line in filter(None, lines):
        if paragraphs and line[0].islower() and not paragraphs[-1].endswith((".", "!", "?", ":")):
            glue = "" if re.search(r"\w-$", paragraphs[-1]) else " "
            paragraphs[-1] += glue + line
        else:
            paragraphs.append(line)
    return paragraphs


def _kind(title: str, line: int) -> Kind:
    for pattern, kind in KINDS:
        if pattern.match(title):
            return kind
    raise AnnexError(
        f"unknown kind of initiative '{title[:60]}': expected 'Voorontwerp van decreet' "
        "or '(Voor)ontwerp van besluit van de Vlaamse Regering'",
        line,
    )


def _entity_text(lines: list[str]) -> str:
    """One list from the entity lines; a line ending in ",", "-" or "en" runs on (page break)."""
    text = ""
    for line in lines:
        runs_on = not text or re.search(r"(?:,|-|\ben)$", text) or line[0].islower()
        text = f"{text} {line}" if runs_on else f"{text}, {line}"
    return text.strip()


def _stage_of(line: str, cat: Catalogue) -> tuple[Stage, str] | None:
    folded = fold(line)
    for phrase, stage in cat.annex_phrases:
        if folded.startswith(phrase):
            return stage, line[len(phrase) :]
    return None


def _split_when(line: str, rest: str) -> tuple[str, str | None]:
    """The date part of a planning line and the purpose that may follow it."""
    if ":" in line:
        when = line.rsplit(":", 1)[1]
    else:  # "Definitieve goedkeuring Vlaamse Regering medio april 2025": the longest date suffix
        rest = DESCRIPTION_TAIL.sub("", rest).strip()
        words = rest.split()
        when = next(
            (
                candidate
                for i in range(len(words))
                if parse_window(PURPOSE.split(candidate := " ".join(words[i:]))[0]).parsed
            ),
            rest,
        )
    date_text, *purpose = PURPOSE.split(when.strip(), maxsplit=1)
    return date_text.strip().rstrip("."), (purpose[0].strip().rstrip(".") if purpose else None)


def _bodies(text: str, cat: Catalogue) -> list[str]:
    found = []
    for code, body in cat.advisory_bodies.items():
        pattern = "|".join(re.escape(p) for p in body.patterns)
        m = re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE)
        if m:
            found.append((m.start(), code))
    return [code for _, code in sorted(found)]


def split_entities(text: str, aliases: Mapping[str, str] | None = None) -> list[str]:
    """Organisations of a comma/"en" list, keeping names such as "Informatie- en ICT-beleid".

    `aliases`: the register (workflows.definitions.load_entity_aliases, keyed by entity_key);
    a name it knows becomes its canonical name, one it does not is kept as written (capitalised).
    """
    # Known names that contain a separator ("Departement Cultuur, Jeugd en Media") are kept whole.
    protected: list[str] = []

    def protect(match: re.Match[str]) -> str:
        protected.append(match[0])
        return f"\x00{len(protected) - 1}\x00"

    if (whole := _known_lists(frozenset(aliases or ()))) is not None:
        text = whole.sub(protect, text)
    names: list[str] = []
    for item in (p.strip() for p in re.split(r"\s*[,;]\s*", text)):
        parts = re.split(r"\s+en\s+", item)
        merged = [parts[0]]
        for right in parts[1:]:
            if merged[-1].endswith("-") or _shared_head(merged[-1], right):
                merged[-1] = f"{merged[-1]} en {right}"
            else:
                merged.append(right)
        names += merged
    result: list[str] = []
    for raw in names:
        raw = re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m[1])], raw)
        name = re.sub(r"^(?:in voorkomend geval|eventueel|evt\.)\s+", "", raw.strip(" ."))
        name = re.sub(r"^(?:de|het)\s+", "", name)
        if not name:
            continue
        name = (aliases or {}).get(entity_key(name), name[0].upper() + name[1:])
        if name.casefold() not in (n.casefold() for n in result):
            result.append(name)
    return result


_GAP = r"[\s\-\u2010-\u2015]+"  # what entity_key reads as one space


@lru_cache(maxsize=8)
def _known_lists(keys: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for the register's names that contain a comma or "en", longest first, written
    with any hyphens and spacing that entity_key ignores."""

    def tolerant(key: str) -> str:
        parts = re.split(r"(, | )", key)
        return "".join(
            r"\s*,\s*" if p == ", " else _GAP if p == " " else re.escape(p) for p in parts
        )

    lists = sorted((k for k in keys if "," in k or " en " in k), key=lambda k: (-len(k), k))
    if not lists:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(tolerant, lists))})(?!\w)", re.IGNORECASE)


def entity_findings(names: list[str], aliases: Mapping[str, str]) -> list[Finding]:
    """An `unknown_entity` finding for each name the register does not know, with the closest
    names it does know. The name itself stays on the initiative as written, so that nothing of
    the annex is lost; a coordinator adds it to the register or merges it (`tracker entity
    merge`). Without a register (empty `aliases`) nothing is judged."""
    if not aliases:
        return []
    known = set(aliases.values())
    return [
        Finding(
            FindingKind.UNKNOWN_ENTITY,
            Severity.WARNING,
            None,
            {"name": name, "closest": ", ".join(closest_entities(name, aliases)) or "—"},
        )
        for name in names
        if name not in known and entity_key(name) not in aliases
    ]


def _shared_head(left: str, right: str) -> bool:
    """ "stakeholders GIPOD en KLIP": two acronyms sharing one lower-case head noun."""
    words = left.split()

    def acronym(w: str) -> bool:
        return len(w) > 1 and w.isupper()

    return len(words) > 1 and words[0].islower() and acronym(words[-1]) and acronym(right)


def _day(text: str) -> date | None:
    window = parse_window(text)
    return window.latest if window.parsed and window.earliest == window.latest else None


def legal_deadlines(rationale: str) -> tuple[list[LegalDeadline], list[Finding]]:
    """Dates by which the act must apply, read from the rationale's sentences."""
    deadlines: list[LegalDeadline] = []
    findings: list[Finding] = []
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z'\"(])", rationale)
    anchor = next((_day(m["date"]) for m in IN_FORCE_SINCE.finditer(rationale)), None)
    for sentence in sentences:
        due: date | None = None
        for pattern in ABSOLUTE_DEADLINES:
            if (m := pattern.search(sentence)) and (due := _day(m["date"])):
                break
        if due is None and (m := RELATIVE_DEADLINE.search(sentence)):
            if anchor is None:
                findings.append(
                    Finding(
                        FindingKind.UNRESOLVED_DEADLINE, Severity.WARNING, None, {"text": sentence}
                    )
                )
                deadlines.append(LegalDeadline(sentence, None))
                continue
            count = int(m["count"]) if m["count"].isdigit() else NUMBERS[m["count"].lower()]
            months = count * (12 if m["unit"].lower().startswith("ja") else 1)
            due = _add_months(anchor, months)
            if due is None:  # "uiterlijk 9000 jaar na ...": outside the accepted range
                findings.append(
                    Finding(
                        FindingKind.UNRESOLVED_DEADLINE, Severity.WARNING, None, {"text": sentence}
                    )
                )
                deadlines.append(LegalDeadline(sentence, None))
                continue
        if due is not None and all(d.due_on != due for d in deadlines):
            deadlines.append(LegalDeadline(sentence, due))
    return deadlines, findings


def _add_months(day: date, months: int) -> date | None:
    """`months` after `day`; None when that lies outside the range the tracker accepts."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not year_within(year):
        return None
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(slots=True)
class _Section:
    title: str
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)


def _sections(lines: list[str]) -> tuple[list[_Section], str | None]:
    sections: list[_Section] = []
    area = None
    for number, line in enumerate(lines, start=1):
        if m := HEADING.match(line):
            sections.append(_Section(m["title"], number))
        elif sections:
            sections[-1].body.append((number, line))
        elif m := POLICY_AREA.match(line):
            area = m["area"].strip()
    return sections, area


def parse_annex(
    text: str,
    *,
    source: str | None = None,
    aliases: Mapping[str, str] | None = None,
    cat: Catalogue | None = None,
) -> Annex:
    cat = cat or catalogue()
    aliases = cat.entity_aliases if aliases is None else aliases
    lines = [_clean(line) for line in text.splitlines()]
    sections, area = _sections(lines)
    if not sections:
        raise AnnexError("not an annex: no heading 'Regelgeving - <title>' found")
    taken: set[str] = set()
    drafts = [
        _draft(s, is_last=s is sections[-1], cat=cat, aliases=aliases, taken=taken)
        for s in sections
    ]
    shorts = distinct(propose_short_title(d.initiative.title, d.initiative.kind) for d in drafts)
    for draft, short in zip(drafts, shorts, strict=True):
        draft.initiative.short_title = short
        draft.initiative.policy_area = area
        draft.initiative.source = source
    return Annex(drafts, area, source)


def _draft(
    section: _Section,
    *,
    is_last: bool,
    cat: Catalogue,
    aliases: Mapping[str, str] | None,
    taken: set[str],
) -> Draft:
    kind = _kind(section.title, section.line)
    rationale: list[str] = []
    planning: list[tuple[int, str]] = []
    entity_lines: list[str] = []
    part = "rationale"
    for number, line in section.body:
        if PLANNING.match(line):
            part = "planning"
        elif ENTITIES.match(line):
            part = "entities"
        elif part == "rationale":
            rationale.append(line)
        elif part == "planning" and line:
            planning.append((number, line))
        elif part == "entities" and line:
            entity_lines.append(line)
    summary = "\n\n".join(_paragraphs(rationale))
    deadlines, findings = legal_deadlines(summary)
    entities = split_entities(_entity_text(entity_lines), aliases)
    initiative = Initiative(
        slug=make_slug(section.title, kind, taken),
        title=section.title,
        kind=kind,
        summary=summary,
        entities=entities,
        legal_deadlines=deadlines,
        findings=findings + entity_findings(entities, aliases or {}),
    )
    draft = Draft(initiative, section.line, _stage_lines(planning, kind, cat))
    _plan(draft, cat)
    last_line = max((n for n, line in section.body if line), default=section.line)
    if part != "entities" or not entity_lines:
        if is_last:
            initiative.findings.append(
                Finding(FindingKind.TRUNCATED, Severity.WARNING, None, {"line": last_line})
            )
        initiative.findings.append(Finding(FindingKind.MISSING_ENTITIES, Severity.WARNING))
    if not planning:
        initiative.findings.append(Finding(FindingKind.MISSING_PLANNING, Severity.WARNING))
    return draft


def _awaits_date(line: str, cat: Catalogue) -> bool:
    if line.endswith(":"):
        return True
    found = _stage_of(line, cat)
    return ":" not in line and found is not None and not _when_window(line, found[1]).parsed


def _when_window(line: str, rest: str) -> Window:
    return parse_window(_split_when(line, rest)[0])


def _stage_lines(planning: list[tuple[int, str]], kind: Kind, cat: Catalogue) -> list[StageLine]:
    workflow = cat.workflows[kind]
    joined: list[tuple[int, str]] = []
    for number, line in planning:
        # A page break may cut a planning line: a line that names no stage continues the previous
        # one if that one has not reached its date yet.
        if _stage_of(line, cat) is None and joined and _awaits_date(joined[-1][1], cat):
            joined[-1] = (joined[-1][0], f"{joined[-1][1]} {line}")
        else:
            joined.append((number, line))
    result: list[StageLine] = []
    seen: dict[Stage, int] = {}
    for number, line in joined:
        found = _stage_of(line, cat)
        if found is None:
            raise AnnexError(f"unknown stage in planning line '{line[:70]}'", number)
        stage, rest = found
        if stage not in workflow.stages:
            raise AnnexError(
                f"'{cat.stages[stage].label.nl}' is not a stage of the {kind.value} workflow",
                number,
            )
        if stage in seen:
            raise AnnexError(
                f"stage '{cat.stages[stage].label.nl}' is planned twice (also line {seen[stage]})",
                number,
            )
        seen[stage] = number
        when, purpose = _split_when(line, rest)
        result.append(StageLine(stage, number, line, when, purpose, parse_window(when)))
    return result


def _plan(draft: Draft, cat: Catalogue) -> None:
    """Milestones for every stage of the procedure, baselines from the planning lines."""
    initiative = draft.initiative
    bodies: list[str] = []
    for stage_line in draft.stage_lines:
        bodies += [b for b in _bodies(stage_line.text, cat) if b not in bodies]
    initiative.advisory_bodies = bodies
    initiative.milestones = build_milestones(
        initiative.kind,
        {sl.stage: sl.window for sl in draft.stage_lines},
        asks_advice=asks_advice(bodies, cat),
        cat=cat,
    )
    for sl in draft.stage_lines:
        if not sl.window.parsed:
            params = {"stage": sl.stage.value, "text": sl.when, "line": sl.line}
            initiative.findings.append(
                Finding(FindingKind.UNPARSED_DATE, Severity.WARNING, sl.stage, params)
            )
    initiative.refresh_plan_findings(forecast_rules(initiative, cat))


def read_annex(path: Path, *, aliases: Mapping[str, str] | None = None) -> Annex:
    """Read and parse an annex file; any problem is an AnnexError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnnexError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AnnexError(f"{path}: is a directory, not an annex file") from None
    except UnicodeDecodeError as exc:
        raise AnnexError(f"{path}: not a UTF-8 text file (byte {exc.start})") from None
    except OSError as exc:
        raise AnnexError(f"{path}: cannot read ({exc.strerror})") from None
    if "\x00" in text:
        raise AnnexError(f"{path}: a binary file, not an annex")
    try:
        return parse_annex(text, source=path.name, aliases=aliases)
    except AnnexError as exc:
        raise AnnexError(exc.message, exc.line, str(path)) from None
