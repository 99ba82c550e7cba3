"""How many documents a query matches, without visiting each one where the index can tell.

Whoosh counts the matches of a query with a limit by walking its matcher over every
matching document (`len(results)`): ~4 µs a document through a union, 0.7 s for a one-
letter word on 1,000 snapshots. A one-word query is a union of a few posting lists (the
word, its stems, its prefix), and nearly all its documents are in the biggest list, whose
length the term dictionary stores: so the count is that length plus the documents of
the other lists that the biggest one lacks, found by skipping through it.
"""

from __future__ import annotations

from typing import Any

from whoosh.query import Or, Prefix, Query, Term

__all__ = ["one_word_count"]

Posting = tuple[str, bytes]


def one_word_count(searcher: Any, query: Query, filter: Query | None = None) -> int | None:
    """The number of documents that match the one-word `query`, exactly; None for other
    queries (several words: Whoosh's intersection already skips through the rarest) or
    with a `filter`."""
    if filter is not None or not _is_one_word(query):
        return None
    return sum(
        _union_size(reader, _postings(reader, query))
        for reader, _ in searcher.reader().leaf_readers()
    )


def _is_one_word(query: Query) -> bool:
    leaves = query.subqueries if isinstance(query, Or) else [query]
    return all(isinstance(leaf, Term | Prefix) for leaf in leaves)


def _postings(reader: Any, query: Query) -> list[Posting]:
    """The (field, term) posting lists of one segment whose union `query` matches."""
    found: list[Posting] = []
    for leaf in query.subqueries if isinstance(query, Or) else [query]:
        field = leaf.fieldname
        if isinstance(leaf, Prefix):
            found += [(field, term) for term in reader.expand_prefix(field, leaf.text)]
        else:
            term = reader.schema[field].to_bytes(leaf.text)
            if (field, term) in reader:
                found.append((field, term))
    return found


def _union_size(reader: Any, postings: list[Posting]) -> int:
    if not postings:
        return 0
    if reader.has_deletions():
        # doc_frequency counts deleted documents too; postings() leaves them out.
        return len(_ids(reader, postings))
    frequency = {posting: int(reader.doc_frequency(*posting)) for posting in postings}
    biggest = max(postings, key=frequency.__getitem__)
    others = sorted(_ids(reader, [p for p in postings if p != biggest]))
    return frequency[biggest] + _missing_from(reader.postings(*biggest), others)


def _ids(reader: Any, postings: list[Posting]) -> set[int]:
    ids: set[int] = set()
    for posting in postings:
        ids.update(reader.postings(*posting).all_ids())
    return ids


def _missing_from(matcher: Any, ids: list[int]) -> int:
    """How many of the sorted `ids` the matcher's documents lack (blocks are skipped)."""
    missing = 0
    for docnum in ids:
        if matcher.is_active():
            matcher.skip_to(docnum)
        if not matcher.is_active() or matcher.id() != docnum:
            missing += 1
    return missing
