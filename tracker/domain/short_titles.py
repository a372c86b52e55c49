"""Short titles: a name of at most 60 characters that tells an initiative apart from the others
of its programme, where a calendar, a list or a report has room for a few words only.

An annex's titles are the drafts' full legal titles ("Voorontwerp van besluit van de Vlaamse
Regering tot wijziging van het besluit van ...") and begin alike. A short title is taken from
what a reader would call the act: its citation name in brackets ("(DAO-decreet)"), the named
acts it amends ("KLIP-decreet en GIPOD-decreet"), else its subject (after "houdende",
"betreffende", "wat ... betreft", ...), said in fewer words until it fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from tracker.domain.model import Kind

MAX_SHORT_TITLE = 60

_DRAFT = re.compile(
    r"^(?:voorontwerp|ontwerp)\s+van\s+(?:decreet|besluit(?:\s+van\s+de\s+vlaamse\s+regering)?)\s*",
    re.IGNORECASE,
)
# A citation name closes the title: "(gigabitinfrastructuurverordening)", "(DAO-decreet)".
_CITATION = re.compile(r"\(([^()]{2,60})\)\s*\.?\s*$")
# An act cited by its own name: "KLIP-decreet", "Bestuursdecreet", "Onderwijsdecreet".
_NAMED_ACT = re.compile(r"\b((?:[A-Z][\w-]*-|[A-Z]\w+)decreet)\b")
_AMENDS = re.compile(r"^tot\s+wijziging\s+van\s+", re.IGNORECASE)
# The subject of an unnamed act or of the draft itself, most telling first.
_SUBJECTS = (
    re.compile(r",?\s+wat\s+betreft\s+(.+?)(?:,\s+tot\s+wijziging\s+van\b|$)", re.IGNORECASE),
    re.compile(r",?\s+wat\s+(.+?)\s+betreft\b", re.IGNORECASE),
    re.compile(
        r"\b(?:houdende|betreffende|omtrent|inzake|tot\s+oprichting\s+van|tot\s+bepaling\s+van"
        r"|tot\s+regeling\s+van|tot\s+vaststelling\s+van)\s+(.+)$",
        re.IGNORECASE,
    ),
)
_DATED = re.compile(r"\s+van\s+\d{1,2}\s+\w+\s+\d{4}")
_ARTICLES = re.compile(r"\b(?:de|het|een)\s+", re.IGNORECASE)
_ABBREVIATIONS = (
    (re.compile(r"\bintern verzelfstandigd agentschap\b", re.IGNORECASE), "IVA"),
    (re.compile(r"\bextern verzelfstandigd agentschap\b", re.IGNORECASE), "EVA"),
    (re.compile(r"\bprivaatrechtelijk vormgegeven\s+", re.IGNORECASE), ""),
    (re.compile(r"\bVlaamse Regering\b"), "VR"),
)
# A noun made of a verb, and what leads up to it, says little: "de oprichting van een Vlaams
# Centrum" is the Vlaams Centrum; "het kader voor de verwezenlijking van" comes to its object.
_LEADING_ACTION = re.compile(r"^(?:(?:\w+ing|kader|procedure)\s+(?:van|voor|tot)\s+)+", re.I)
_BECOMES = re.compile(r"^\w+ing\s+van\s+.+\s+tot\s+(.+)$", re.IGNORECASE)
_ACTION_OF = re.compile(r"\b(\w+ing)\s+van\s+", re.IGNORECASE)
_TRAILING = re.compile(r"[\s,;:]+(?:van|voor|tot|en|de|het|een|in|op|met|wat)?$", re.IGNORECASE)


def propose_short_title(title: str, kind: Kind) -> str:
    """A short title for a draft with this full title (at most MAX_SHORT_TITLE characters)."""
    text = " ".join(title.split())
    noun = "Decreet" if kind is Kind.DECREE else "Besluit"
    rest = _DRAFT.sub("", text)
    citation = _CITATION.search(rest)
    if citation:
        name = citation[1].strip()
        if not re.search(r"decreet|besluit", name, re.IGNORECASE):
            name = f"{noun} {name}"
        return _fitted(_capitalised(name))
    subject = _subject(rest)
    if _AMENDS.match(rest):
        named = _named_acts(rest)
        if named:
            return _fitted(f"Wijziging {named}")
        if subject:
            what = (
                "decreet"
                if re.match(r"tot wijziging van (?:het )?decreet", rest, re.I)
                else ("besluit")
            )
            return _fitted(f"Wijziging {what} {subject}")
    if subject:
        return _fitted(f"{noun} {subject}")
    if rest and rest != text:  # "Voorontwerp van decreet over de digitale kluis"
        return _fitted(f"{noun} {rest}")
    return _fitted(_capitalised(text))


def distinct(proposed: Iterable[str]) -> list[str]:
    """The proposals in order, each made unlike the ones before it (first_free)."""
    seen: set[str] = set()
    result = []
    for title in proposed:
        free = first_free(title, lambda candidate: candidate.casefold() in seen)
        seen.add(free.casefold())
        result.append(free)
    return result


def first_free(title: str, taken: Callable[[str], bool]) -> str:
    """`title`, or if it is `taken`, the first of "title (2)", "title (3)", ... that is not,
    shortened where needed to keep within MAX_SHORT_TITLE."""
    candidate, number = title, 1
    while taken(candidate):
        number += 1
        suffix = f" ({number})"
        candidate = _fitted(title, MAX_SHORT_TITLE - len(suffix)) + suffix
    return candidate


def _named_acts(rest: str) -> str:
    """The acts the draft amends by their own names: "KLIP- en GIPOD-decreet"."""
    amended = re.split(r"\s+(?:naar\s+aanleiding|wat\s+betreft|met\s+het\s+oog)\b", rest)[0]
    names = list(dict.fromkeys(_NAMED_ACT.findall(amended)))
    if not names:
        return ""
    if len(names) == 2 and all(n.endswith("-decreet") for n in names):
        return f"{names[0].removesuffix('decreet')} en {names[1]}"
    if len(names) > 2:
        return f"{', '.join(names[:2])} e.a."
    return " en ".join(names)


def _subject(rest: str) -> str:
    """What the draft (or the unnamed act it amends or carries out) is about, in few words."""
    for pattern in _SUBJECTS:
        found = pattern.search(rest)
        if found:
            return _said_shorter(found[1])
    return ""


def _said_shorter(subject: str) -> str:
    text = _DATED.sub("", subject.strip(" ,."))
    for pattern, short in _ABBREVIATIONS:
        text = pattern.sub(short, text)
    text = " ".join(_ARTICLES.sub("", text).split())
    room = MAX_SHORT_TITLE - len("Wijziging besluit ")
    # A body made into another is known by what it becomes: "omvorming van X tot Y" is Y.
    becomes = _BECOMES.match(text)
    if becomes and len(text) > room:
        text = becomes[1]
    text = _LEADING_ACTION.sub("", text)
    # Of several things, the first: "beheren en bewaren van bestuursdocumenten en ..."
    while len(text) > room and " en " in text:
        text = text.rsplit(" en ", 1)[0]
    if len(text) > room:
        text = _ACTION_OF.sub(r"\1 ", text)
    return text.strip(" ,")


def _fitted(text: str, limit: int = MAX_SHORT_TITLE) -> str:
    """`text` cut at a word so that it fits, without a dangling "van" or comma."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    previous = None
    while previous != cut:
        previous, cut = cut, _TRAILING.sub("", cut)
    return cut[:limit]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
