"""Table documents without reading the whole archive: the newest of a series
(`rate:GBP`, `quote:AEX`), and the values a field takes."""

from __future__ import annotations

from whoosh.query import Query
from whoosh.sorting import FieldFacet

from .engine import Engine, Hit

__all__ = ["field_values", "newest"]


def newest(engine: Engine, query: Query, limit: int | None) -> list[Hit]:
    """The documents `query` matches, newest snapshot first, at most `limit` of them.

    Sorted by day alone: `Engine.run` sorts by score, then day newest first, but Whoosh
    2.7.5 picks its top `limit` on that key before reversing the day, so among equal scores
    (one series term scores the same in every snapshot) it keeps the oldest.
    """
    found = engine.searcher.search(query, limit=limit, sortedby=FieldFacet("day", reverse=True))
    hits = (engine.document(fields["id"]) for fields in found)
    return [hit for hit in hits if hit is not None]


def field_values(engine: Engine, field: str) -> list[str]:
    """Every value an ID field holds in the index (`GBP`, `quote:AEX`…), from its lexicon."""
    terms = engine.searcher.lexicon(field)
    return [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in terms]
