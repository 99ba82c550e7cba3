"""The newest documents of a series (`rate:GBP`, `quote:AEX`), read without the archive."""

from __future__ import annotations

from whoosh.query import Query
from whoosh.sorting import FieldFacet

from .engine import Engine, Hit

__all__ = ["newest"]


def newest(engine: Engine, query: Query, limit: int | None) -> list[Hit]:
    """The documents `query` matches, newest snapshot first, at most `limit` of them.

    Sorted by day alone: `Engine.run` sorts by score, then day newest first, but Whoosh
    2.7.5 picks its top `limit` on that key before reversing the day, so among equal scores
    (one series term scores the same in every snapshot) it keeps the oldest.
    """
    found = engine.searcher.search(query, limit=limit, sortedby=FieldFacet("day", reverse=True))
    hits = (engine.document(fields["id"]) for fields in found)
    return [hit for hit in hits if hit is not None]
