"""The embedded backend: the seam over a Whoosh index on disk, with highlight spans."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from whoosh.collectors import TopCollector
from whoosh.query import (
    And,
    ConstantScoreQuery,
    NullQuery,
    NumericRange,
    Or,
    Prefix,
    Query,
    Term,
)
from whoosh.support.levenshtein import damerau_levenshtein

from index import IndexDir, SnapshotInfo
from index.analysis import TOKEN, stop_words
from index.errors import SnapsearchError
from index.side import SIDE_NAME, TEXT_KINDS, Row, SideReader, iso_day
from index.store import collect_leaked_files
from index.vectors import ChunkError, VectorStore, chunk_names

from ._count import one_word_count
from ._query import (
    FUZZY_MIN_LENGTH,
    MAX_TYPO_WORD,
    build_query,
    merge_spans,
    query_words,
    text_tokens,
    tree_query,
)
from ._syntax import (
    Node,
    Text,
    has_phrase,
    last_text,
    matches,
    parse_query,
    without_exclusions,
)
from ._types import Hit, Results, Span, Token, Word, resolve

if TYPE_CHECKING:
    from ._arrays import ArrayScorer

__all__ = ["WhooshEngine"]

_OPEN_ATTEMPTS = 3
_REMEMBERED = 256  # searches remembered per searcher
# Texts kept analysed for highlighting (WhooshEngine._words_of), by every engine of the
# process: the analyzers are those of index.analysis, the same for every index.
_ANALYSED: dict[tuple[str, str], tuple[tuple[str, int, int], ...]] = {}
_ANALYSED_MAX = 4096
# Each word's terms by field (WhooshEngine._words_of): the filters after the tokenizer
# take one token at a time, so a word analyses alike wherever it stands.
_WORD_TERMS: dict[tuple[str, str], tuple[str, ...]] = {}
_WORD_TERMS_MAX = 65_536
# A commit's side-store answers (WhooshEngine._kept), shared by the engines of a process.
_SIDE_KEPT: dict[tuple[object, ...], Any] = {}
_SIDE_KEPT_MAX = 16_384
_MISSING = object()
_WORD_FIELDS = ("plain", "start", "fr", "en")  # the fields of the words typed
_MAX_TIE_FETCH = 4096  # ties at the cut are resolved within this many hits
# Hits in order: by score then date (newest first on ties), or by date then score.
_ORDER: dict[str, Callable[[Hit], tuple[Any, ...]]] = {
    "relevance": lambda hit: (hit.score, hit.date),
    "newest": lambda hit: (hit.date, hit.score),
    "oldest": lambda hit: (hit.date, -hit.score),
}
SORTS = tuple(_ORDER)
_STOP_WORDS = stop_words("fr") | stop_words("en")
_SKIP_RATIO = 2  # see _preloaded: keystroke and question p99 at 3,650 snapshots 158 -> 115 ms
_NO_SCORE = 1e-300  # added to a BM25 score, leaves it unchanged to the last bit


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _reads_index(method: _Method) -> _Method:
    """Report a Whoosh failure while reading the index as a damaged index.

    A damaged segment can open cleanly and fail only when a query reaches the bad bytes,
    with whatever Whoosh raises there (a bare `Exception("Block tag error")`, zlib.error,
    struct.error, UnpicklingError…), so nearly every exception counts. Running out of
    memory or stack is not damage, and neither is a name or import error, which is a bug
    in the code: telling the user to rebuild the index would send them the wrong way.
    """

    @functools.wraps(method)
    def guarded(self: WhooshEngine, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (SnapsearchError, RecursionError, MemoryError, NameError, ImportError):
            raise
        except Exception as exc:
            error = self.index_dir.damaged(exc)
        collect_leaked_files()
        raise error

    return cast(_Method, guarded)


@dataclass(frozen=True)
class _Where:
    """What a search is restricted to: a kind, a snapshot, days YYYYMMDD (inclusive)."""

    kind: str | None = None
    snapshot: str | None = None
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class _Request:
    """One search, as `WhooshEngine.search` takes it (and remembers its answer by)."""

    text: str
    limit: int | None
    kind: str | None
    snapshot: str | None
    prefix_last: bool
    offset: int
    since: str | None
    until: str | None
    sort: str

    def filters(self) -> dict[str, str]:
        """The filters given as options; they override the same ones in the text."""
        given = {"kind": self.kind, "snapshot": self.snapshot}
        given |= {"since": self.since, "until": self.until}
        return {name: value for name, value in given.items() if value}


class WhooshEngine:
    """The `Backend` over one Whoosh index folder: a long-lived searcher that `refresh()`
    moves to new commits."""

    def __init__(self, index_dir: IndexDir, *, arrays: bool | None = True) -> None:
        """With `arrays`, plain queries are scored over whole posting lists with numpy
        (`_arrays`): a first-time keystroke at 1,000 pages in 3.4 ms instead of 20.5 (with
        the kept lists and texts), for ~60 ms of import at the first one, which a
        long-lived engine (the TUI, the service) wins back. With None, only searches
        within dates use them (see `_top_arrays`); with False, none."""
        self.index_dir = index_dir
        self._use_arrays = arrays
        # The text vectors of a generation, read on first use (`vectors()`), kept while
        # refreshes find the same generation.
        self._vectors: tuple[Path, VectorStore | None] | None = None
        self._open()

    def _open(self) -> None:
        for attempt in range(1, _OPEN_ATTEMPTS + 1):
            self._ix = self.index_dir.open()
            # The generation this index object reads, not CURRENT read again: a rebuild
            # may switch CURRENT in between.
            self._generation = Path(self._ix.storage.folder)
            self._commit = _commit_of(self._generation)
            try:
                self._searcher = self._ix.searcher()
                self._side = SideReader(self._generation / SIDE_NAME)
                break
            except Exception as exc:
                # A rebuild deleted the generation just opened: open the new one.
                if attempt == _OPEN_ATTEMPTS or self.index_dir.generation() == self._generation:
                    raise self.index_dir.damaged(exc) from None
        # The searcher's schema, not `ix.schema`: that property rereads the table of
        # contents, which a commit may have deleted meanwhile (Whoosh retries only reader()).
        schema = self._searcher.schema
        self._analyzers = {name: schema[name].analyzer for name in ("plain", "fr", "en")}
        self._recent: dict[_Request, Results] = {}
        self._snapshots: list[SnapshotInfo] | None = None
        self._paths: dict[str, str | None] = {}
        self._members: dict[str, Query] = {}
        self._arrays: ArrayScorer | None = None  # made at the first search that takes it
        self._closed = False

    def close(self) -> None:
        self._closed = True
        self._searcher.close()
        self._side.close()

    def refresh(self) -> None:
        """See the latest commit, or the new generation after a rebuild; or, after a
        refresh that found the index damaged, the repaired one."""
        try:
            # A closed searcher still says it is up to date: without `_closed`, an index
            # damaged for one refresh (CURRENT naming a missing generation) left the
            # engine closed on its old generation for good once CURRENT was put back.
            if (
                not self._closed
                and self.index_dir.generation() == self._generation
                and self._searcher.up_to_date()
            ):
                return
        except Exception:  # CURRENT or the folder changing under us: open afresh below
            pass
        # Not `searcher.refresh()`: whoosh-reloaded 2.7.5 reuses the reader of every segment
        # whose id is unchanged, with the deletions it had, so after a snapshot is updated
        # the refreshed searcher shows its old and new documents together. A new searcher
        # costs a few milliseconds, and only after a commit.
        with contextlib.suppress(Exception):
            self.close()
        self._open()

    @_reads_index
    def prepare(self) -> None:
        """Read now what the first searches of this commit would read (a long-lived
        engine's scoring columns and words), so that they do not wait for it."""
        if self._use_arrays:
            self._scorer().prepare(_WORD_FIELDS)

    @property
    def searcher(self) -> Any:
        """The current Whoosh searcher (for modules of this package that need it)."""
        return self._searcher

    def words(self, text: str) -> list[Word]:
        """`text` split into words and analysed as the index analyses documents; only the
        first `MAX_QUERY_WORDS` count."""
        return query_words(text, self._analyzers)

    @_reads_index
    def snapshots(self) -> list[SnapshotInfo]:
        """The snapshots in the index, oldest first (read once per searcher)."""
        # A search restricted to one snapshot resolves its id on every keystroke.
        if self._snapshots is None:
            self._snapshots = [SnapshotInfo(*row) for row in self._side.snapshots()]
        return list(self._snapshots)

    def resolve_snapshot(self, snapshot: str | None) -> str | None:
        """The id `snapshot` stands for (`latest` is the newest), or raise if unknown."""
        return resolve(snapshot, self.snapshots) if snapshot is not None else None

    def search(
        self,
        text: str,
        *,
        limit: int | None = 10,
        kind: str | None = None,
        snapshot: str | None = None,
        prefix_last: bool = True,
        offset: int = 0,
        since: str | None = None,
        until: str | None = None,
        sort: str = "relevance",
        exact: bool = True,
    ) -> Results:
        """Documents matching `text` (the query syntax of `parse_query`), best first,
        newest first on ties; or newest or oldest first by `sort`. Totals are exact
        whatever `exact` says (the seam's leave to estimate them): they come with the
        hits, whether scored as arrays or collected by Whoosh.

        When nothing matches exactly, one typo is forgiven on words of 5+ letters. The
        answers of the current searcher are remembered: typing back (a backspace, a word
        typed again) finds them again at once; a refresh that sees a commit forgets them.
        """
        request = _Request(text, limit, kind, snapshot, prefix_last, offset, since, until, sort)
        recent = self._recent
        found = recent.get(request)
        if found is None:
            found = self._search(request)
            if len(recent) >= _REMEMBERED:
                recent.clear()
            recent[request] = found
        return found

    def _search(self, request: _Request) -> Results:
        parsed = parse_query(request.text)
        given = {**parsed.filters, **request.filters()}
        since, until = given.get("since"), given.get("until")
        where = _Where(
            given.get("kind"),
            self.resolve_snapshot(given.get("snapshot")),
            _day_number(since) if since else None,
            _day_number(until) if until else None,
        )
        prefix = last_text(parsed.node) if request.prefix_last and parsed.ends_in_word else None
        run = functools.partial(
            self._run,
            limit=request.limit,
            where=where,
            offset=request.offset,
            sort=request.sort,
        )
        if not parsed.plain:
            return self._search_tree(request.text, parsed.node, prefix, run)
        typed = self.words(parsed.node.text) if isinstance(parsed.node, Text) else []
        query = build_query(typed, prefix_last=prefix is not None)
        if query is None:
            return Results(request.text, 0, ())
        total, hits = run(query)
        if total or not any(len(w.plain) >= FUZZY_MIN_LENGTH for w in typed):
            return Results(request.text, total, hits)
        query = build_query(typed, prefix_last=prefix is not None, typos=self.within_one_typo)
        assert query is not None
        total, hits = run(query)
        return Results(request.text, total, hits, fuzzy=bool(total))

    def _search_tree(
        self, text: str, node: Node | None, prefix: Text | None, run: Callable[..., Any]
    ) -> Results:
        """A query with phrases, exclusions, OR or groups (no typo is forgiven there)."""
        query = tree_query(node, self.words, prefix)
        if query is None or node is None:
            return Results(text, 0, ())
        accept = None
        if has_phrase(node):

            def accept(fields: dict[str, Any]) -> bool:
                words, lang = self._indexed(fields)
                return matches(node, self.tokens(words, lang), self.words, prefix)

        shown = tree_query(without_exclusions(node), self.words, prefix)
        total, hits = run(query, accept=accept, highlight=shown)
        return Results(text, total, hits)

    def _indexed(self, fields: dict[str, Any]) -> tuple[str, str | None]:
        """The words an index document holds, and their language."""
        if fields.get("digest"):
            found = self._side.text_of(fields["kind"], fields["digest"])
            return found if found is not None else ("", None)
        return fields.get("text") or "", fields.get("lang")

    @_reads_index
    def document(self, doc_id: str, highlight: str = "") -> Hit | None:
        """The document `doc_id` (e.g. `snapshot:p4`), with the words of `highlight` marked."""
        rows = self._side.rows({"id": doc_id})
        if not rows:
            return None
        typed = self.words(highlight)
        # A question's `le`, `est`, `the` would mark half the text: only the words that
        # say something, unless there are none.
        marked = [w for w in typed if w.raw.casefold() not in _STOP_WORDS] or typed
        query = build_query(marked, prefix_last=True)
        reader = self._searcher.reader()
        terms = _matched_terms(query, reader, self._lexicon()) if query is not None else {}
        return self._hit(rows[0], 0.0, terms)

    @_reads_index
    def documents(self, **terms: str) -> list[Hit]:
        """Every document whose fields equal `terms` (e.g. `series="rate:GBP"`), oldest
        snapshot first."""
        return [self._hit(row, 0.0, {}) for row in self._side.rows(terms)]

    @_reads_index
    def newest(self, limit: int | None, **fields: str) -> list[Hit]:
        """The documents whose fields equal `fields`, newest snapshot first, at most `limit`."""
        return [self._hit(row, 0.0, {}) for row in self._side.rows(fields, limit, newest=True)]

    @_reads_index
    def newest_copy(self, hit: Hit) -> Hit:
        """The same text of the same kind (or point of the same series) in the newest
        snapshot that holds it, with the score and highlights of `hit`."""
        rows = self._side.rows({"id": hit.id})
        if not rows:
            return hit
        row = rows[0]
        key = row.digest if row.kind in TEXT_KINDS else row.series
        assert key is not None
        newest = self._side.newest_of(row.kind, key)
        if newest is None or newest.id == hit.id:
            return hit
        return replace(self._hit(newest, hit.score, {}), highlights=hit.highlights, dates=hit.dates)

    @_reads_index
    def text_hit(self, kind: str, digest: str, snapshot: str | None = None) -> Hit | None:
        """The newest occurrence of a text by its digest, within `snapshot` if given."""
        if kind not in TEXT_KINDS:
            return None
        row = self._side.newest_of(kind, digest, snapshot)
        return (
            None if row is None else replace(self._hit(row, 0.0, {}), path=self._path(row.snapshot))
        )

    def vectors(self) -> VectorStore | None:
        """The text vectors of the generation this engine reads, None when it has none:
        read on first use (~N × 1.5 kB), again only after `refresh()` opens a newer
        generation, and shared by the engines of a process (the service's workers keep
        several). A chunk that cannot be read is a damaged index."""
        opened = self._vectors
        if opened is None or opened[0] != self._generation:
            try:
                store = _vector_store(self._generation, _chunks_identity(self._generation))
            except ChunkError as exc:
                raise self.index_dir.vectors_damaged(exc) from None
            except OSError as exc:
                raise self.index_dir.damaged(exc) from None
            opened = self._vectors = (self._generation, store)
        return opened[1]

    @_reads_index
    def values(self, field: str) -> list[str]:
        """Every value a keyword field of the documents holds."""
        return self._side.values(field)

    @_reads_index
    def frequency(self, field: str, term: str) -> int:
        """How many index documents hold `term` in `field`: distinct texts and series (a
        paragraph repeated on 300 pages counts once); `snapshot` and `id` count the
        snapshots' documents."""
        if field in ("snapshot", "id"):
            return self._side.frequency(field, term)
        return int(self._searcher.doc_frequency(field, term))

    @_reads_index
    def document_count(self) -> int:
        """How many documents the snapshots hold (a paragraph repeated counts each time)."""
        return self._side.document_count()

    def tokens(self, text: str, lang: str | None) -> list[Token]:
        """Every word of `text` with its stems in `lang` (French and English when None)."""
        return text_tokens(text, lang, self._analyzers)

    def match(
        self,
        words: Sequence[Word],
        *,
        every: bool = True,
        limit: int | None = 10,
        kind: str | None = None,
        snapshot: str | None = None,
    ) -> tuple[int, tuple[Hit, ...]]:
        """Documents holding every one (or, not `every`, any) of `words` in any form: one
        hit per distinct text or series (its newest copy), unless `snapshot` is given."""
        query = build_query(words, prefix_last=False, conjunctive=every)
        if query is None:
            return 0, ()
        return self.run(query, limit=limit, where=_Where(kind, snapshot))

    @_reads_index
    def count(
        self, phrases: Sequence[Sequence[Word]], *, kind: str, since: str | None = None
    ) -> int:
        """How many documents of `kind` dated `since` or later hold every word of at least
        one of `phrases` (every snapshot's copy counts)."""
        queries = [q for phrase in phrases if (q := build_query(phrase, prefix_last=False))]
        if not queries:
            return 0
        query = Or(queries)
        if since is not None and kind in TEXT_KINDS:
            # Only the texts on a page in range (from the side store) are tried: a week of
            # 3,650 days is ~50 texts, where walking the matches read the 17,829 that name
            # Russia (0.9 s).
            recent = self._side.texts_since(kind, _day_number(since))
            found: Iterable[int] = _among(query, self._searcher, recent, kind)
        else:
            found = self._searcher.docs_for_query(And([query, Term("kind", kind)]))
        keys = [
            fields.get("digest") or fields.get("series")
            for fields in map(self._searcher.stored_fields, found)
        ]
        return self._side.count(kind, [k for k in keys if k], _day_number(since) if since else None)

    @_reads_index
    def within_one_typo(self, word: str) -> list[str]:
        """Index words one typo from `word`: a letter added, dropped, changed or two swapped.

        Whoosh's FuzzyTerm counts a swap of two letters as two edits (plain Levenshtein), yet
        it is the commonest typo; so candidates sharing the first letter come from its fast
        automaton at distance 2 (or, in a long-lived engine, from the words in memory within
        one letter of the length), and are kept at Damerau-Levenshtein distance 1.
        """
        if not word or len(word) > MAX_TYPO_WORD:
            return []
        known = self._lexicon()
        if known is None:
            candidates = self._searcher.reader().terms_within("plain", word, 2, prefix=1)
        else:
            # The words sharing the first letter and within one letter of the length:
            # what the automaton gives, less those more than one typo away anyway.
            size = len(word)
            candidates = [
                text
                for term in known.prefixed("plain", word[:1])
                if abs(len(text := term.decode("utf-8")) - size) <= 1
            ]
        return sorted(c for c in candidates if damerau_levenshtein(c, word, 1) <= 1)

    def run(
        self,
        query: Query,
        *,
        limit: int | None = 10,
        where: _Where | None = None,
        offset: int = 0,
        sort: str = "relevance",
    ) -> tuple[int, tuple[Hit, ...]]:
        """Run a prepared Whoosh query within `where`; the count of matching documents
        and the top `limit` hits after `offset` (see `_run`)."""
        return self._run(query, limit=limit, where=where, offset=offset, sort=sort)

    @_reads_index
    def _run(
        self,
        query: Query,
        *,
        limit: int | None = 10,
        where: _Where | None = None,
        offset: int = 0,
        sort: str = "relevance",
        accept: Callable[[dict[str, Any]], bool] | None = None,
        highlight: Query | None = None,
    ) -> tuple[int, tuple[Hit, ...]]:
        """Run a prepared Whoosh query within `where`; the count of matching documents,
        the top `limit` hits after `offset`, best first and newest first on equal scores
        (or by date, with `sort`). Each hit is a text or a series as its newest snapshot
        within `where` shows it; without a snapshot, a text lists every date it is on.
        `accept` keeps only the documents it approves (phrases); `highlight` marks the
        words of that query instead.
        """
        where = where or _Where()
        words = query
        filter = self._restriction(where)
        if filter is not None:
            # A restriction joins the query as a part that scores (next to) nothing,
            # instead of Whoosh's `filter=`: counting filtered results tests the filter's
            # whole bit set for emptiness once per match, and an intersection skips
            # through the short list.
            # Not `Require` (an AssertionError in its matcher here), and not a constant
            # score of 0.0: ListMatcher reads `if all_weights:` and scores 0.0 as 1.0.
            query = And([query, ConstantScoreQuery(filter, _NO_SCORE)])
        want = None if limit is None else limit + offset
        # Every match is needed: to check each one, or to order them all by date; in one
        # snapshot, there are at most its few hundred documents.
        every = accept is not None or sort != "relevance" or where.snapshot is not None
        dated = where.low is not None or where.high is not None
        total: int | None
        ranked = self._top_arrays(words, None if every else want, filter, dated)
        if ranked is not None:
            total, top = ranked
            stored = self._searcher.stored_fields
            kept = [(stored(docnum), score) for score, docnum in top]
            if accept is not None:
                kept = [(fields, score) for fields, score in kept if accept(fields)]
                total = len(kept)
            hits = self._hits(kept, where)
        elif every:
            query = _preloaded(query, self._searcher.reader())
            days = self._searcher.reader().column_reader("day")
            # In the order of `_top` and the array scorer: equal scores newest first, then
            # by document number (Whoosh's own order kept document numbers only: within
            # one snapshot, `couronne` listed its tied rates unlike the TUI).
            found = sorted(
                self._searcher.search(query, limit=None),
                key=lambda f: (-f.score, -days[f.docnum], f.docnum),
            )
            found = [f for f in found if accept is None or accept(f.fields())]
            total = len(found)
            hits = self._hits([(f.fields(), f.score) for f in found], where)
        else:
            counted = None if filter is not None else one_word_count(self._searcher, words)
            preloaded = _preloaded(query, self._searcher.reader())
            total, hits = self._top(preloaded, counted, want, where)
        hits.sort(key=_ORDER[sort], reverse=sort != "oldest")
        # Only the hits kept are highlighted: running the analyzers over a text costs
        # ~1.5 ms.
        # The words alone: a restriction's terms are never marked.
        terms = _matched_terms(highlight or words, self._searcher.reader(), self._lexicon())
        shown = tuple(self._highlighted(hit, terms) for hit in hits[offset:want])
        return total or 0, shown

    def _top_arrays(
        self, query: Query, want: int | None, within: Query | None, dated: bool = False
    ) -> tuple[int, list[tuple[float, int]]] | None:
        """The count and the best `want` (score, docnum) pairs from the array scorer, in
        `_top`'s order; None where it does not take the query, or without arrays.

        Within dates, arrays are used even by an engine without them: Whoosh walks a
        date range as a union of its tiered terms, 1.3 s at 1,000 pages for `since`,
        against numpy's import (~60 ms) and ~70 ms."""
        if not (self._use_arrays or (dated and self._use_arrays is None)):
            return None
        return self._scorer().top(query, want, within)

    def _scorer(self) -> ArrayScorer:
        if self._arrays is None:
            from ._arrays import ArrayScorer  # numpy: ~60 ms, once

            self._arrays = ArrayScorer(self._searcher, self._commit)
        return self._arrays

    def _lexicon(self) -> ArrayScorer | None:
        """What knows this commit's words from memory: a long-lived engine's scorer; a
        one-shot command looks its few words up on disk instead."""
        return self._scorer() if self._use_arrays else None

    def _top(
        self,
        query: Query,
        counted: int | None,
        want: int | None,
        where: _Where,
    ) -> tuple[int, list[Hit]]:
        """The count of matches (`counted` when known) and the best `want` hits, ties at
        the cut included: which of several equal scores is shown must not depend on the
        limit.

        Ties are settled on (score, docnum) pairs and the `day` column alone; stored fields
        are read only for the hits kept (reading 4,096 tied documents to show 100 took a
        keystroke from 88 to 324 ms).
        """
        days = self._searcher.reader().column_reader("day")

        def ranked(limit: int | None) -> tuple[Any, list[tuple[float, int]]]:
            # Every match scored: Whoosh's shortcuts for the top hits lose some of them.
            # Its `replace` drops a part of an intersection once the bounds of its parts
            # say it cannot reach the top hits; but an array union (a preloaded OR)
            # bounds its scores by the best of its parts where it adds them, and
            # forgets the ones read ahead (`Koursk d` at 1,000 pages showed 12.7 first
            # while a hit scoring 15.0 was never read). Block qualities of two parts of
            # an intersection are compared over blocks that do not line up
            # (`programme spatial` lost its 4th hit). Collected in full, the count
            # comes with the hits (`len(results)`), where a shortcut needs a second
            # pass to count, which also undercounted: 681 of 979 paragraphs for
            # `missiles balistique`.
            if limit is None:
                results = self._searcher.search(query, limit=None)
            else:
                collector = TopCollector(limit=limit, usequality=False, replace=0)
                self._searcher.search_with_collector(query, collector)
                results = collector.results()
            top = sorted(results.top_n, key=lambda pair: (pair[0], days[pair[1]]), reverse=True)
            return results, top

        if want is None:
            results, top = ranked(None)
            counted = len(top)
        else:
            # One more than wanted: when it scores below the last one wanted, no tie runs
            # past the cut and one pass is enough (fetching 4× more up front made the
            # keystroke p95 at 1,000 snapshots 54 ms instead of 40: less to skip).
            fetch = want + 1
            while True:
                results, top = ranked(fetch)
                tied = want > 0 and len(top) >= fetch and top[-1][0] >= top[want - 1][0]
                if not tied or fetch >= _MAX_TIE_FETCH:
                    break
                fetch *= 4  # equal scores run past what was fetched: look further
            if counted is None and len(top) < fetch:
                counted = len(top)  # every match was collected: no second pass to count
            top = top[:want]
        stored = self._searcher.stored_fields
        hits = self._hits([(stored(docnum), score) for score, docnum in top], where)
        return len(results) if counted is None else counted, hits

    def _hits(self, found: list[tuple[dict[str, Any], float]], where: _Where) -> list[Hit]:
        """The hits of index documents: each text or series as its newest snapshot within
        `where` shows it."""
        hits = []
        for fields, score in found:
            kind = fields["kind"]
            key = fields.get("digest") or fields["series"]
            if where.snapshot is not None:
                # Within one snapshot each copy is a hit: a page may repeat a paragraph.
                hits += [
                    self._hit(row, score, {})
                    for row in self._side.copies(kind, key, where.snapshot)
                    if where.low is None or row.day >= where.low
                    if where.high is None or row.day <= where.high
                ]
                continue
            newest = functools.partial(self._side.newest_of, kind, key, None, where.low, where.high)
            row = self._kept(("newest", kind, key, where.low, where.high), newest)
            if row is None:  # not within `where` (an index document without its rows)
                continue
            hit = self._hit(row, score, {})
            if kind in TEXT_KINDS:
                dates = functools.partial(self._dates_of, kind, key)
                hit = replace(hit, dates=self._kept(("dates", kind, key), dates))
            hits.append(hit)
        return hits

    def _dates_of(self, kind: str, text_digest: str) -> tuple[str, ...]:
        return tuple(map(iso_day, self._side.days_of(kind, text_digest)))

    def _kept(self, key: tuple[object, ...], read: Callable[[], Any]) -> Any:
        """What `read()` gives from this commit's side store, kept by `key` for every
        engine of the process on the same commit: a hit's newest row and its days were
        a quarter of the service's CPU for a first-time search (two queries a hit, and a
        date string for each day a text is on)."""
        return _remembered(_SIDE_KEPT, (self._commit, *key), _SIDE_KEPT_MAX, read)

    def _restriction(self, where: _Where) -> Query | None:
        """The index documents within `where`, as a query that scores nothing."""
        terms: list[Query] = [Term("kind", where.kind)] if where.kind else []
        if where.snapshot:
            terms.append(self._members_of(where.snapshot))
        if where.low is not None or where.high is not None:
            series = [Term("id", key) for key in self._side.series_between(where.low, where.high)]
            terms.append(Or([NumericRange("days", where.low, where.high), *series]))
        return And(terms) if terms else None

    def _members_of(self, snapshot: str) -> Query:
        """The index documents of the texts and series `snapshot` holds."""

        def members() -> Query:
            ids = self._side.members(snapshot)
            return Or([Term("id", i) for i in ids]) if ids else NullQuery

        found: Query = _remembered(self._members, snapshot, _REMEMBERED, members)
        return found

    def _highlighted(self, hit: Hit, terms: dict[str, set[str]]) -> Hit:
        langs = ("fr", "en") if hit.lang is None else (hit.lang,)
        highlights = self.highlight(hit.text, terms, langs)
        return replace(hit, highlights=highlights, path=self._path(hit.snapshot))

    def _path(self, snapshot: str) -> str | None:
        """The file of `snapshot`."""
        if snapshot not in self._paths:
            self._paths[snapshot] = self._side.path(snapshot)
        return self._paths[snapshot]

    def _hit(self, row: Row, score: float, terms: dict[str, set[str]]) -> Hit:
        langs = ("fr", "en") if row.lang is None else (row.lang,)
        return Hit(
            id=row.id,
            kind=row.kind,
            snapshot=row.snapshot,
            date=row.date,
            paragraph=row.paragraph,
            code=row.code,
            name=row.name,
            lang=row.lang,
            score=score,
            text=row.text,
            highlights=self.highlight(row.text, terms, langs),
            data=row.data,
            line=row.line,
        )

    def highlight(
        self, text: str, terms: dict[str, set[str]], langs: Iterable[str]
    ) -> tuple[Span, ...]:
        """Spans of `text` whose words analyse to one of `terms` (by field), merged."""
        spans: set[Span] = set()
        for field in ("plain", *langs):
            wanted = terms.get(field)
            if not wanted:
                continue
            spans.update(
                (start, end) for word, start, end in self._words_of(field, text) if word in wanted
            )
        return merge_spans(sorted(spans))

    def _words_of(self, field: str, text: str) -> tuple[tuple[str, int, int], ...]:
        """`text` analysed as `field` is: each word with its start and end. The texts
        analysed last are kept: a hit shown at one keystroke is often shown at the next,
        and analysing it (tokens, stemmers) was 38% of a first-time search."""

        def analysed() -> tuple[tuple[str, int, int], ...]:
            analyzer = self._analyzers[field]
            if not self._use_arrays:  # a one-shot command: few texts, each word new
                tokens = analyzer(text, chars=True)
                return tuple((t.text, t.startchar, t.endchar) for t in tokens)
            # The analyzer's tokenizer, then each word's terms analysed once: running
            # the whole chain over every hit's text was a fifth of a first-time search
            # in a long-lived engine (in a new process, it is 2 ms faster than this).
            found = []
            for match in TOKEN.finditer(text):
                word = match[0]
                terms = _WORD_TERMS.get((field, word))
                if terms is None:
                    terms = tuple(token.text for token in analyzer(word))
                    if len(_WORD_TERMS) >= _WORD_TERMS_MAX:
                        _WORD_TERMS.clear()
                    _WORD_TERMS[field, word] = terms
                found += [(term, match.start(), match.end()) for term in terms]
            return tuple(found)

        found: tuple[tuple[str, int, int], ...] = _remembered(
            _ANALYSED, (field, text), _ANALYSED_MAX, analysed
        )
        return found


def _day_number(iso: str) -> int:
    """YYYY-MM-DD as the YYYYMMDD number the `day` field holds."""
    day = dt.date.fromisoformat(iso)
    return day.year * 10000 + day.month * 100 + day.day


def _matching(query: Query, searcher: Any, numbers: Sequence[int]) -> list[int]:
    """Those of the sorted document `numbers` that `query` matches, each tried by skipping
    the query's matcher to it."""
    matcher = query.matcher(searcher)
    found = []
    for number in numbers:
        if not matcher.is_active():
            break
        if matcher.id() < number:
            matcher.skip_to(number)
        if matcher.is_active() and matcher.id() == number:
            found.append(number)
    return found


def _among(query: Query, searcher: Any, digests: Sequence[str], kind: str) -> list[int]:
    """The documents of the texts `digests` (of `kind`) that `query` matches."""
    numbers = sorted(
        n for key in digests if (n := searcher.document_number(id=f"{kind}:{key}")) is not None
    )
    return _matching(query, searcher, numbers)


def _preloaded(query: Query, reader: Any, bound: float | None = None) -> Query:
    """`query` with its unions read into arrays block by block (Whoosh's PreloadedOr)
    instead of a binary tree of union matchers, prefixes expanded to such unions.

    Whoosh picks the tree whenever a parent needs the current match, which a search for
    the top hits always does; walking the tree costs a Python call per level per
    document. Preloaded, `Con` at 1,000 snapshots (6,372 matches) takes 31 ms instead of
    115, `Corée du Nord` 14 instead of 46. But a preloaded union reads all its documents,
    where a tree skips to the few an intersection's rarest part leaves: within an `And`,
    a union more than `_SKIP_RATIO` times bigger than the rarest part stays a tree (a
    question's `livre Moscou Corée Nord` at 3,650 snapshots: 78 ms, preloaded 177).
    """
    if isinstance(query, Prefix):
        terms: list[Query] = [Term(query.fieldname, w) for w in query._btexts(reader)]
        query = terms[0] if len(terms) == 1 else Or(terms) if terms else NullQuery
    if isinstance(query, And):
        rarest = min((q.estimate_size(reader) for q in query.subqueries), default=0)
        bound = _SKIP_RATIO * rarest
        return And([_preloaded(q, reader, bound) for q in query.subqueries], boost=query.boost)
    if isinstance(query, Or):
        query = Or([_preloaded(q, reader) for q in query.subqueries], boost=query.boost)
        if bound is None or query.estimate_size(reader) <= bound:
            query.matcher_type = Or.ARRAY_MATCHER
    return query


def _matched_terms(
    query: Query, reader: Any, lexicon: ArrayScorer | None = None
) -> dict[str, set[str]]:
    """The index terms `query` matches (prefixes and typos expanded), by field; `lexicon`
    knows a commit's words from memory, where the reader looks them up on disk.

    Not `Query.existing_terms`: in Whoosh 2.7.5 its inner loop rebinds its `fieldname`
    argument, so after the first leaf it silently skips every leaf of another field.
    """
    grouped: dict[str, set[str]] = {}
    for leaf in query.leaves():
        if leaf.field() == "start":  # a short prefix: the `plain` words it begins
            leaf = Prefix("plain", leaf.text)
        field = leaf.field()
        if lexicon is not None and type(leaf) is Prefix:
            found: Iterable[bytes | str] = lexicon.prefixed(field, leaf.text)
        elif lexicon is not None and type(leaf) is Term:
            found = [leaf.text] if lexicon.indexed(field, leaf.text) else []
        else:
            found = [term for _, term in leaf.expanded_terms(reader) if (field, term) in reader]
        for term in found:
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            grouped.setdefault(field, set()).add(text)
    return grouped


@functools.lru_cache(maxsize=2)  # the live generation, and the one before while it is read
def _vector_store(generation: Path, identity: tuple[object, ...]) -> VectorStore | None:
    """The vectors of a generation, read once per process: a generation never changes
    once published (a failed read raises, and is not remembered). `identity` tells a
    folder deleted and built again under the same name from the one read before."""
    return VectorStore.open(generation)


def _remembered(kept: dict[Any, Any], key: Any, most: int, read: Callable[[], Any]) -> Any:
    """`kept[key]`, read and kept when absent; `kept` is emptied once it holds `most`."""
    found = kept.get(key, _MISSING)
    if found is _MISSING:
        found = read()
        if len(kept) >= most:
            kept.clear()
        kept[key] = found
    return found


def _commit_of(generation: Path) -> tuple[object, ...]:
    """A generation folder, told apart from one built again under the same name."""
    try:
        stat = generation.stat()
    except OSError:
        return (str(generation),)
    return (str(generation), stat.st_ino, stat.st_mtime_ns)


def _chunks_identity(generation: Path) -> tuple[object, ...]:
    """The chunk files of a generation as (name, inode, mtime, size)."""
    found = []
    for name in chunk_names(generation):
        stat = (generation / name).stat()
        found.append((name, stat.st_ino, stat.st_mtime_ns, stat.st_size))
    return tuple(found)
