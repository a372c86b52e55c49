"""Readable, stable URL names for initiatives and entities."""

from __future__ import annotations

import re
import unicodedata

from tracker.domain.model import Kind

SLUG_STOPWORDS = frozenset(
    """
    aan als bij de den der des die dit door een en het in inzake met na naar of om onder op over
    te ten ter tot uit van voor wat betreft betreffende houdende omtrent tot wijziging
    aanleiding diverse vlaamse regering besluit decreet decreten voorontwerp ontwerp zake
    uitvoering bepaling oprichting inrichting kader verwezenlijking procedure intern
    verzelfstandigd agentschap vaststelling januari februari maart april mei juni juli augustus
    september oktober november december
    """.split()  # noqa: SIM905
)


MAX_SLUG = 100  # the database keeps 120, room for a "-NN" suffix


def fold(text: str) -> str:
    """Lower case without accents, for matching phrases."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str, limit: int = 190) -> str:
    """Lower-case ASCII words joined by hyphens, at most `limit` characters (entity slugs: 200)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text))[:limit].strip("-")


def make_slug(title: str, kind: Kind, taken: set[str]) -> str:
    """The kind and the first three significant words of the title, unique among `taken`."""
    words = [
        w.removesuffix("-decreet")
        for w in re.findall(r"[\w-]+", fold(title))
        if w not in SLUG_STOPWORDS and not re.fullmatch(r"[\d/-]+", w)
    ]
    base = slugify(" ".join([("decreet" if kind is Kind.DECREE else "besluit"), *words[:3]]))
    base = base[:MAX_SLUG].rstrip("-")
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug
