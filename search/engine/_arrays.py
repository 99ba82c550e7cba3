"""BM25 over whole posting lists as numpy arrays: the top hits of a plain query without
walking Whoosh's matchers one document at a time.

Whoosh scores every document a query visits in Python, through a few method calls each
(~5 µs a document): a first keystroke such as `Con` or `Corée du N` at 1,000 daily pages
visits thousands. Here each posting list is read block by block into arrays, scored with
Whoosh's own BM25F formula and statistics (the same idf, average length, B and K1, and
the same quantised field lengths), and unions and intersections are array operations; the
count of matches comes with it. Scoring the keystroke mix's first-time searches at 1,000
pages took ~2 ms each instead of ~14.

Only trees of `Term`, `Prefix`, `Or` and `And` are taken, within an optional restriction;
anything else (`Not`, `Every`, an unscorable field, another weighting) is left to Whoosh.
Scores equal Whoosh's to the last bit or within one rounding: an intersection of three
or more parts adds their scores left to right, where Whoosh nests them by size.

It reads whoosh-reloaded 2.7.5's posting blocks (`W3LeafMatcher`, `ListMatcher`) and
length columns directly; the version is pinned exactly, and an unknown matcher type
falls back to Whoosh.

numpy takes ~60 ms to import, more than a one-shot command's search, so only long-lived
engines (the TUI, the service) use this.
"""

from __future__ import annotations

import bisect
import functools
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.mcore import ListMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import (
    And,
    ConstantScoreQuery,
    NullQuery,
    NumericRange,
    Or,
    Prefix,
    Query,
    Term,
    TermRange,
)
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.util.numeric import _length_byte_cache

__all__ = ["ArrayScorer"]

_BYTE_TO_LENGTH = np.asarray(_length_byte_cache, dtype=np.float64)
_NullQuery = type(NullQuery)

# (document numbers, ascending) and their scores.
Scored = tuple[np.ndarray, np.ndarray]


class _Unsupported(Exception):
    """A query this scorer leaves to Whoosh."""


class _Kept:
    """What the scorers of one commit read once: field lengths, the `day` column, the
    posting lists read last, the documents of restrictions. Shared by the engines of a
    process (the service keeps two per worker), which answer from several threads."""

    def __init__(self) -> None:
        self.lengths: dict[tuple[int, str], np.ndarray] = {}
        self.days: np.ndarray | None = None
        self.within: dict[str, np.ndarray] = {}
        # Posting lists read, newest last: the words before the one being typed are read
        # again at every keystroke.
        self.postings: OrderedDict[tuple[str, bytes], tuple[np.ndarray, ...]] = OrderedDict()
        self.postings_bytes = 0
        self.words: dict[str, _Words] = {}
        self.idf: dict[tuple[str, bytes], float] = {}
        self.lock = threading.Lock()


class _Words:
    """The words of a field in one commit: each segment's, and all of them sorted.

    Whoosh expands a prefix and tells whether a word is indexed by walking each
    segment's on-disk term table in Python, again at every keystroke: that was a quarter
    of a first-time search in the service. A field's words are a few thousand (6,825 in
    `plain` at 3,650 pages, read in ~10 ms once per commit); here a prefix is two
    bisections and a word a set lookup.
    """

    def __init__(self, segments: list[frozenset[bytes]]) -> None:
        self.segments = segments
        self.sorted = sorted(frozenset().union(*segments))
        self.all = frozenset(self.sorted)

    def prefixed(self, prefix: bytes) -> list[bytes]:
        """The words that begin with `prefix`, in order (as `expand_prefix` gives them)."""
        # UTF-8 never holds 0xFF: every word beginning with `prefix` sorts below this.
        low = bisect.bisect_left(self.sorted, prefix)
        return self.sorted[low : bisect.bisect_left(self.sorted, prefix + b"\xff", low)]


@functools.lru_cache(maxsize=4)  # a commit and the ones before it, while they are read
def _kept(commit: tuple[object, ...]) -> _Kept:
    return _Kept()


class ArrayScorer:
    """Top hits of plain queries over one searcher (the searcher of one commit)."""

    def __init__(self, searcher: Any, generation: object = None) -> None:
        """`generation` names the index folder the searcher reads; with its segments
        and their deletions it tells a commit apart, so that engines on the same commit
        share what they read."""
        self._searcher = searcher
        self._reader = searcher.reader()
        weighting = searcher.weighting
        self._bm25 = weighting if type(weighting) is BM25F else None
        self._leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        segments = tuple(
            (reader._segment.segment_id(), reader._segment.deleted_count(), offset)
            for reader, offset in self._leaves
        )
        self._kept = _kept((generation, segments)) if generation is not None else _Kept()

    def top(
        self, query: Query, want: int | None, within: Query | None = None
    ) -> tuple[int, list[tuple[float, int]]] | None:
        """The number of documents `query` matches (among those `within` matches, when
        given) and the best `want` (all, for None) as (score, docnum) pairs: by score,
        then the newest `day`, then the lowest docnum, as `WhooshEngine._top` orders
        Whoosh's. None when the query is not one this scorer takes."""
        if self._bm25 is None:
            return None
        try:
            ids, scores = self._scored(query)
            if within is not None:
                keep = np.isin(ids, self._members(within), assume_unique=True)
                ids, scores = ids[keep], scores[keep]
        except _Unsupported:
            return None
        total = len(ids)
        if want is not None and want < total:
            if want <= 0:
                return total, []
            # Every document scoring at least the want-th best: ties at the cut included.
            cut = np.partition(scores, total - want)[total - want]
            keep = scores >= cut
            ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -self._day_column()[ids], -scores))[:want]
        return total, list(zip(scores[order].tolist(), ids[order].tolist(), strict=True))

    # ----------------------------------------------------------------- query trees

    def _scored(self, query: Query) -> Scored:
        if isinstance(query, Term):
            return self._term(query.fieldname, query.text, query.boost)
        if isinstance(query, Prefix):
            texts = self.prefixed(query.fieldname, query.text)
            return self._union([Term(query.fieldname, text) for text in texts], 1.0)
        if type(query) is Or and not query.minmatch and not query.scale:
            return self._union(query.subqueries, query.boost)
        if type(query) is And:
            return self._intersection(query.subqueries, query.boost)
        if isinstance(query, _NullQuery):
            return _empty()
        raise _Unsupported(type(query).__name__)

    def _union(self, parts: list[Query], boost: float) -> Scored:
        """Scores added in the order of `parts`, each times `boost`, as Whoosh's
        ArrayUnionMatcher adds them."""
        scored = [self._scored(part) for part in parts]
        if not scored:
            return _empty()
        ids = np.concatenate([found for found, _ in scored])
        if not len(ids):
            return _empty()
        scores = np.concatenate([s * boost if boost != 1.0 else s for _, s in scored])
        # Added into one slot per document number, in order: bincount is linear where
        # np.unique sorts (11% of a first-time search in the service).
        size = int(ids.max()) + 1
        matched = np.flatnonzero(np.bincount(ids, minlength=size))
        return matched, np.bincount(ids, weights=scores, minlength=size)[matched]

    def _intersection(self, parts: list[Query], boost: float) -> Scored:
        if not parts:
            return _empty()
        ids, scores = self._scored(parts[0])
        for part in parts[1:]:
            other, other_scores = self._scored(part)
            ids, mine, theirs = np.intersect1d(ids, other, assume_unique=True, return_indices=True)
            scores = scores[mine] + other_scores[theirs]
        return ids, scores * boost if boost != 1.0 else scores

    def _term(self, field: str, text: str | bytes, boost: float) -> Scored:
        """One posting list, scored as Whoosh's BM25FScorer scores it."""
        schema = self._searcher.schema
        if field not in schema:
            return _empty()
        if not schema[field].scorable:
            raise _Unsupported(f"unscorable field {field}")
        term = self._bytes(field, text)
        ids, weights, lengths = self._postings(field, term)
        if not len(ids):
            return ids, weights
        bm25 = self._bm25
        assert bm25 is not None
        idf = self._idf(field, term)
        average = self._searcher.avg_field_length(field) or 1
        b = bm25._field_B.get(field, bm25.B)
        k1 = bm25.K1
        # bm25() of whoosh.scoring, term by term in the same order.
        scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / average)))
        return ids, scores * boost if boost != 1.0 else scores

    def prepare(self, fields: tuple[str, ...]) -> None:
        """Read now what the first searches over `fields` would: the `day` column, each
        segment's lengths of the fields and their words."""
        self._day_column()
        for field in fields:
            if field in self._searcher.schema:
                self.words(field)
                for number in range(len(self._leaves)):
                    self._field_lengths(number, field)

    # ----------------------------------------------------------------- words

    def words(self, field: str) -> _Words:
        """The words of `field` in this commit, read once for every engine on it."""
        found = self._kept.words.get(field)
        if found is None:
            segments = [frozenset(reader.lexicon(field)) for reader, _ in self._leaves]
            found = self._kept.words.setdefault(field, _Words(segments))
        return found

    def prefixed(self, field: str, prefix: str | bytes) -> list[bytes]:
        """The words of `field` beginning with `prefix` (Prefix._btexts, from memory)."""
        if field not in self._searcher.schema:
            return []
        return self.words(field).prefixed(self._bytes(field, prefix))

    def indexed(self, field: str, term: str | bytes) -> bool:
        """Whether `term` is a word of `field` (`(field, term) in reader`, from memory)."""
        if field not in self._searcher.schema:
            return False
        return self._bytes(field, term) in self.words(field).all

    def _idf(self, field: str, term: bytes) -> float:
        key = (field, term)
        found = self._kept.idf.get(key)
        if found is None:
            found = self._kept.idf[key] = self._searcher.idf(field, term)
        return found

    def _bytes(self, field: str, text: str | bytes) -> bytes:
        """`text` as `field` stores its terms."""
        term: bytes = self._searcher.schema[field].to_bytes(text)
        return term

    # ----------------------------------------------------------------- reading

    def _postings(self, field: str, term: bytes) -> tuple[np.ndarray, ...]:
        """The documents holding `term` (global numbers, ascending), its weight in each
        and each one's quantised length of `field`, from every segment; the lists read
        last are kept, up to `KEPT_BYTES`."""
        key, kept = (field, term), self._kept
        with kept.lock:
            found = kept.postings.get(key)
            if found is not None:
                kept.postings.move_to_end(key)
                return found
        found = self._read_postings(field, term)
        with kept.lock:
            if key not in kept.postings:
                kept.postings[key] = found
                kept.postings_bytes += sum(array.nbytes for array in found)
            while kept.postings_bytes > KEPT_BYTES and len(kept.postings) > 1:
                _, dropped = kept.postings.popitem(last=False)
                kept.postings_bytes -= sum(array.nbytes for array in dropped)
        return found

    def _read_postings(self, field: str, term: bytes) -> tuple[np.ndarray, ...]:
        ids, weights, lengths = [], [], []
        held = self._kept.words.get(field)
        for number, (reader, offset) in enumerate(self._leaves):
            if held is not None and term not in held.segments[number]:
                continue  # not in this segment: no lookup in its term table
            try:
                matcher = reader.postings(field, term)
            except TermNotFound:
                continue
            deleted = None
            if isinstance(matcher, FilterMatcher):  # a segment with deleted documents
                deleted, matcher = matcher._ids, matcher.child
            found, weight = _read(matcher)
            if deleted:
                keep = ~np.isin(found, np.fromiter(deleted, dtype=np.int64))
                found, weight = found[keep], weight[keep]
            ids.append(found + offset)
            weights.append(weight)
            lengths.append(self._field_lengths(number, field)[found])
        if not ids:
            return _empty() + (np.empty(0),)
        return np.concatenate(ids), np.concatenate(weights), np.concatenate(lengths)

    def _field_lengths(self, number: int, field: str) -> np.ndarray:
        """A segment's length of `field` in each document, as `doc_field_length(docnum,
        field, 1)` gives it (1 where the segment keeps no lengths)."""
        key = (number, field)
        found = self._kept.lengths.get(key)
        if found is None:
            reader = self._leaves[number][0]
            count = reader.doc_count_all()
            column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            if column is None:
                found = np.ones(count, dtype=np.float64)
            else:
                found = _BYTE_TO_LENGTH[np.fromiter(column, dtype=np.int64, count=count)]
            self._kept.lengths[key] = found
        return found

    def _day_column(self) -> np.ndarray:
        if self._kept.days is None:
            column = self._reader.column_reader("day")
            count = self._reader.doc_count_all()
            self._kept.days = np.fromiter(column, dtype=np.int64, count=count)
        return self._kept.days

    def _members(self, within: Query) -> np.ndarray:
        """The documents a restriction matches (ascending), kept per restriction."""
        key = repr(within)
        within_kept = self._kept.within
        found = within_kept.get(key)
        if found is None:
            if len(within_kept) >= _KEPT_RESTRICTIONS:
                within_kept.clear()
            try:
                found = self._matching(within)
            except _Unsupported:
                found = np.fromiter(within.docs(self._searcher), dtype=np.int64)
                found.sort()
            within_kept[key] = found
        return found

    def _matching(self, query: Query) -> np.ndarray:
        """The documents `query` matches (ascending), unscored.

        A date restriction is a `NumericRange` over every day a document is on: Whoosh
        walks it as a union of its tiered terms, a Python call per level per document
        (1.3 s for `since` at 1,000 pages); read as arrays, ~10 ms.
        """
        if isinstance(query, Term):
            if query.fieldname not in self._searcher.schema:
                return _empty()[0]
            return self._postings(query.fieldname, self._bytes(query.fieldname, query.text))[0]
        if isinstance(query, NumericRange):
            return self._matching(query._compile_query(self._reader))
        if isinstance(query, Prefix | TermRange):
            field = query.fieldname
            terms = (
                self.prefixed(field, query.text)
                if isinstance(query, Prefix)
                else query._btexts(self._reader)
            )
            found = [self._postings(field, term)[0] for term in terms]
            return np.unique(np.concatenate(found)) if found else _empty()[0]
        if isinstance(query, ConstantScoreQuery):
            return self._matching(query.child)
        if isinstance(query, Or) and not query.minmatch:
            found = [self._matching(part) for part in query.subqueries]
            return np.unique(np.concatenate(found)) if found else _empty()[0]
        if isinstance(query, And):
            parts = [self._matching(part) for part in query.subqueries]
            if not parts:
                return _empty()[0]
            common = parts[0]
            for part in parts[1:]:
                common = np.intersect1d(common, part, assume_unique=True)
            return common
        if isinstance(query, _NullQuery):
            return _empty()[0]
        raise _Unsupported(type(query).__name__)


_KEPT_RESTRICTIONS = 64
KEPT_BYTES = 16 << 20  # posting lists kept per commit (24 bytes a posting)


def _read(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """A segment's posting list: document numbers and weights, a block at a time."""
    if isinstance(matcher, ListMatcher):  # a short list, kept inline with its term
        ids = np.asarray(matcher._ids, dtype=np.int64)
        # As ListMatcher.weight() reads them: one weight for all, each its own, or 1.0.
        if matcher._all_weights:
            return ids, np.full(len(ids), float(matcher._all_weights))
        if matcher._weights:
            return ids, np.asarray(matcher._weights, dtype=np.float64)
        return ids, np.ones(len(ids))
    if not isinstance(matcher, W3LeafMatcher):
        raise _Unsupported(type(matcher).__name__)
    if matcher._byteids:
        raise _Unsupported("byte ids")
    blocks: list[np.ndarray] = []
    block_weights: list[np.ndarray] = []
    while matcher.is_active():
        # A block's data is (ids as deltas, weights minified, values): decoded here as
        # W3LeafMatcher._read_ids and _read_weights decode it, the deltas summed by numpy
        # rather than by a Python generator (40% of reading a list).
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        blocks.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        if weights is None:
            block_weights.append(np.ones(count))
        elif isinstance(weights, float):
            block_weights.append(np.full(count, weights))
        else:
            block_weights.append(np.asarray(weights, dtype=np.float64))
        matcher._next_block()
    if not blocks:
        return _empty()
    return np.concatenate(blocks), np.concatenate(block_weights)


def _empty() -> Scored:
    return np.empty(0, dtype=np.int64), np.empty(0)
