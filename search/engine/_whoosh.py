"""The embedded backend: the seam over a Whoosh index on disk, with highlight spans."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from whoosh.query import And, ConstantScoreQuery, NumericRange, Or, Prefix, Query, Term
from whoosh.sorting import FieldFacet
from whoosh.support.levenshtein import damerau_levenshtein

from index import IndexDir, SnapshotInfo, list_snapshots
from index.analysis import stop_words
from index.errors import SnapsearchError
from index.store import collect_leaked_files

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

__all__ = ["WhooshEngine"]

_OPEN_ATTEMPTS = 3
_REMEMBERED = 256  # searches remembered per searcher
_MAX_TIE_FETCH = 4096  # ties at the cut are resolved within this many hits
# Hits in order: by score then date (newest first on ties), or by date then score.
_ORDER: dict[str, Callable[[Hit], tuple[Any, ...]]] = {
    "relevance": lambda hit: (hit.score, hit.date),
    "newest": lambda hit: (hit.date, hit.score),
    "oldest": lambda hit: (hit.date, -hit.score),
}
SORTS = tuple(_ORDER)
_STOP_WORDS = stop_words("fr") | stop_words("en")
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

    def __init__(self, index_dir: IndexDir) -> None:
        self.index_dir = index_dir
        self._open()

    def _open(self) -> None:
        for attempt in range(1, _OPEN_ATTEMPTS + 1):
            self._ix = self.index_dir.open()
            # The generation this index object reads, not CURRENT read again: a rebuild
            # may switch CURRENT in between.
            self._generation = Path(self._ix.storage.folder)
            try:
                self._searcher = self._ix.searcher()
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

    def close(self) -> None:
        self._searcher.close()

    def refresh(self) -> None:
        """See the latest commit, or the new generation after a rebuild."""
        try:
            if self.index_dir.generation() == self._generation and self._searcher.up_to_date():
                return
        except Exception:  # CURRENT or the folder changing under us: open afresh below
            pass
        # Not `searcher.refresh()`: whoosh-reloaded 2.7.5 reuses the reader of every segment
        # whose id is unchanged, with the deletions it had, so after a snapshot is updated
        # the refreshed searcher shows its old and new documents together. A new searcher
        # costs a few milliseconds, and only after a commit.
        with contextlib.suppress(Exception):
            self._searcher.close()
        self._open()

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
        # Reading every title document took 30–90 ms at 1,000 snapshots, and a search
        # restricted to one snapshot resolves its id on every keystroke.
        if self._snapshots is None:
            self._snapshots = list_snapshots(self._searcher)
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
    ) -> Results:
        """Documents matching `text` (the query syntax of `parse_query`), best first,
        newest first on ties; or newest or oldest first by `sort`.

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
        where = {**parsed.filters, **request.filters()}
        snapshot = self.resolve_snapshot(where.get("snapshot"))
        filters = self._filters(where.get("kind"), snapshot, where.get("since"), where.get("until"))
        prefix = last_text(parsed.node) if request.prefix_last and parsed.ends_in_word else None
        run = functools.partial(
            self.run,
            limit=request.limit,
            filter=filters,
            collapse=snapshot is None,
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
                tokens = self.tokens(fields["text"], fields.get("lang"))
                return matches(node, tokens, self.words, prefix)

        shown = tree_query(without_exclusions(node), self.words, prefix)
        total, hits = run(query, accept=accept, highlight=shown)
        return Results(text, total, hits)

    @_reads_index
    def document(self, doc_id: str, highlight: str = "") -> Hit | None:
        """The document `doc_id` (e.g. `snapshot:p4`), with the words of `highlight` marked."""
        fields = self._searcher.document(id=doc_id)
        if fields is None:
            return None
        typed = self.words(highlight)
        # A question's `le`, `est`, `the` would mark half the text: only the words that
        # say something, unless there are none.
        marked = [w for w in typed if w.raw.casefold() not in _STOP_WORDS] or typed
        query = build_query(marked, prefix_last=True)
        terms = _matched_terms(query, self._searcher.reader()) if query is not None else {}
        return self._hit(fields, 0.0, terms)

    @_reads_index
    def documents(self, **terms: str) -> list[Hit]:
        """Every document whose indexed fields equal `terms` (e.g. `series="rate:GBP"`),
        oldest snapshot first."""
        found = [self._hit(fields, 0.0, {}) for fields in self._searcher.documents(**terms)]
        return sorted(found, key=lambda hit: (hit.date, hit.snapshot, hit.id))

    @_reads_index
    def newest(self, limit: int | None, **fields: str) -> list[Hit]:
        """The documents whose fields equal `fields`, newest snapshot first, at most `limit`.

        Sorted by day alone: `run` sorts by score, then day newest first, but Whoosh 2.7.5
        picks its top `limit` on that key before reversing the day, so among equal scores
        (one series term scores the same in every snapshot) it keeps the oldest.
        """
        query = And([Term(name, value) for name, value in fields.items()])
        found = self._searcher.search(query, limit=limit, sortedby=FieldFacet("day", reverse=True))
        return [self._hit(hit.fields(), 0.0, {}) for hit in found]

    @_reads_index
    def newest_copy(self, hit: Hit) -> Hit:
        """The same text of the same kind in the newest snapshot that holds it, with the
        score and highlights of `hit`."""
        fields = self._searcher.document(id=hit.id) or {}
        if not fields.get("digest"):
            return hit
        copies = self.newest(1, digest=fields["digest"], kind=hit.kind)
        if not copies or copies[0].id == hit.id:
            return hit
        return replace(copies[0], score=hit.score, highlights=hit.highlights)

    @_reads_index
    def values(self, field: str) -> list[str]:
        """Every value a keyword field holds in the index, from its lexicon."""
        terms = self._searcher.lexicon(field)
        return [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in terms]

    @_reads_index
    def frequency(self, field: str, term: str) -> int:
        """How many documents hold `term` in `field` (deleted ones included until merged)."""
        return int(self._searcher.doc_frequency(field, term))

    @_reads_index
    def document_count(self) -> int:
        """How many documents the index holds."""
        return int(self._searcher.doc_count())

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
        """Documents holding every one (or, not `every`, any) of `words` in any form."""
        query = build_query(words, prefix_last=False, conjunctive=every)
        if query is None:
            return 0, ()
        return self.run(query, limit=limit, filter=self._filters(kind, snapshot))

    @_reads_index
    def count(
        self, phrases: Sequence[Sequence[Word]], *, kind: str, since: str | None = None
    ) -> int:
        """How many documents of `kind` dated `since` or later hold every word of at least
        one of `phrases`."""
        queries = [q for phrase in phrases if (q := build_query(phrase, prefix_last=False))]
        if not queries:
            return 0
        parts: list[Query] = [Or(queries), Term("kind", kind)]
        if since is not None:
            parts.append(NumericRange("day", _day_number(since), None))
        return sum(1 for _ in self._searcher.docs_for_query(And(parts)))

    @_reads_index
    def within_one_typo(self, word: str) -> list[str]:
        """Index words one typo from `word`: a letter added, dropped, changed or two swapped.

        Whoosh's FuzzyTerm counts a swap of two letters as two edits (plain Levenshtein), yet
        it is the commonest typo; so candidates come from its fast automaton at distance 2,
        sharing the first letter, and are kept at Damerau-Levenshtein distance 1.
        """
        if len(word) > MAX_TYPO_WORD:
            return []
        reader = self._searcher.reader()
        candidates = reader.terms_within("plain", word, 2, prefix=1)
        return sorted(c for c in candidates if damerau_levenshtein(c, word, 1) <= 1)

    @_reads_index
    def run(
        self,
        query: Query,
        *,
        limit: int | None = 10,
        filter: Query | None = None,
        collapse: bool = False,
        offset: int = 0,
        sort: str = "relevance",
        accept: Callable[[dict[str, Any]], bool] | None = None,
        highlight: Query | None = None,
    ) -> tuple[int, tuple[Hit, ...]]:
        """Run a prepared Whoosh query; the count of matching documents and the top
        `limit` hits after `offset`, best first and newest first on equal scores (or by
        date, with `sort`). With `collapse`, a text found in several snapshots is one hit
        (its newest copy) listing every date it is on. `accept` keeps only the documents
        it approves (phrases); `highlight` marks the words of that query instead.
        """
        # Collapsing and the date tie-break are done here on the top hits: Whoosh's own
        # `collapse=` drops each duplicate with a linear scan, and sorting by a facet turns
        # off its block-max skipping (measured 8.6 s and 0.9 s p95 at 1,000 snapshots).
        if filter is not None:
            # A restriction joins the query as a part that scores (next to) nothing,
            # instead of Whoosh's `filter=`: counting filtered results tests the filter's
            # whole bit set for emptiness once per match (42 s for `dollar` in one
            # snapshot of 1,000), and an intersection skips through the short list.
            # Not `Require` (an AssertionError in its matcher here), and not a constant
            # score of 0.0: ListMatcher reads `if all_weights:` and scores 0.0 as 1.0.
            query, filter = And([query, ConstantScoreQuery(filter, _NO_SCORE)]), None
        want = None if limit is None else limit + offset
        if accept is not None or sort != "relevance":
            # Every match is needed: to check each one, or to order them all by date.
            found = [f for f in self._searcher.search(query, limit=None, filter=filter)]
            found = [f for f in found if accept is None or accept(f.fields())]
            total: int | None = len(found)
            hits = self._collapsed(found) if collapse else self._hits(found)
        else:
            total, hits = self._top(query, filter, want, collapse)
        hits.sort(key=_ORDER[sort], reverse=sort != "oldest")
        # Only the hits kept are highlighted: running the analyzers over a text costs
        # ~1.5 ms, and collapsing fetches three times the hits it keeps.
        terms = _matched_terms(highlight or query, self._searcher.reader())
        end = None if want is None else want
        kept = tuple(self._highlighted(hit, terms) for hit in hits[offset:end])
        return total or 0, kept

    def _top(
        self, query: Query, filter: Query | None, want: int | None, collapse: bool
    ) -> tuple[int, list[Hit]]:
        """The count of matches and at least the best `want` hits, ties at the cut included:
        which of several equal scores is shown must not depend on the limit.

        Ties are settled on (score, docnum) pairs and the `day` column alone; stored fields
        are read only for the hits kept (reading 4,096 tied rate documents to show 100 took
        a keystroke from 88 to 324 ms at 300 snapshots).
        """
        days = self._searcher.reader().column_reader("day")

        def ranked(limit: int | None) -> tuple[Any, list[int]]:
            results = self._searcher.search(query, limit=limit, filter=filter)
            # top_n holds (score, docnum), best first; not len(results), which re-runs the
            # whole query to count it (27% of a keystroke's CPU).
            top = results.top_n
            key = lambda i: (top[i][0], days[top[i][1]])  # noqa: E731
            return results, sorted(range(len(top)), key=key, reverse=True)

        if want is None:
            results, order = ranked(None)
            hits = self._kept(results, order, None, collapse)
        else:
            fetch = want * 3 if collapse else want
            while True:
                results, order = ranked(fetch)
                top = results.top_n
                complete = len(top) < fetch
                tied = not complete and len(top) >= want and top[-1][0] >= top[want - 1][0]
                if tied and fetch < _MAX_TIE_FETCH:
                    fetch *= 4  # equal scores run past what was fetched: look further
                    continue
                hits = self._kept(results, order, want, collapse)
                if complete or len(hits) >= want or fetch >= _MAX_TIE_FETCH:
                    break
                fetch *= 4  # many copies of the same text: look further down
        total = one_word_count(self._searcher, query, filter)
        return len(results) if total is None else total, hits

    def _kept(self, results: Any, order: list[int], want: int | None, collapse: bool) -> list[Hit]:
        """Hits for the first of `order` (positions in `results`), as many as `want` needs
        once copies of the same text are collapsed."""
        size = len(order) if want is None else (want * 3 if collapse else want)
        while True:
            found = [results[i] for i in order[:size]]
            hits = self._collapsed(found) if collapse else self._hits(found)
            if want is None or len(hits) >= want or size >= len(order):
                return hits
            size *= 4

    def _hits(self, found: list[Any]) -> list[Hit]:
        return [self._hit(f.fields(), f.score, {}) for f in found]

    def _collapsed(self, found: list[Any]) -> list[Hit]:
        terms: dict[str, set[str]] = {}  # highlighted later
        days = self._searcher.reader().column_reader("day")
        seen: set[str] = set()
        hits = []
        for f in found:
            digest = f.get("digest")
            if digest is None:  # a rate or a quote: never repeated
                hits.append(self._hit(f.fields(), f.score, terms))
                continue
            if digest in seen:
                continue
            seen.add(digest)
            copies = list(self._searcher.docs_for_query(Term("digest", digest)))
            newest = max(copies, key=lambda n: days[n])
            fields = f.fields() if newest == f.docnum else self._searcher.stored_fields(newest)
            hit = self._hit(fields, f.score, terms)
            if hit.kind in ("paragraph", "title"):
                hit = replace(hit, dates=tuple(sorted({_iso(days[n]) for n in copies})))
            hits.append(hit)
        return hits

    def _filters(
        self,
        kind: str | None,
        snapshot: str | None,
        since: str | None = None,
        until: str | None = None,
    ) -> Query | None:
        terms: list[Query] = [Term("kind", kind)] if kind else []
        terms += [Term("snapshot", snapshot)] if snapshot else []
        if since or until:
            low, high = (_day_number(d) if d else None for d in (since, until))
            terms.append(NumericRange("day", low, high))
        return And(terms) if terms else None

    def _highlighted(self, hit: Hit, terms: dict[str, set[str]]) -> Hit:
        langs = ("fr", "en") if hit.lang is None else (hit.lang,)
        highlights = self.highlight(hit.text, terms, langs)
        return replace(hit, highlights=highlights, path=self._path(hit.snapshot))

    def _path(self, snapshot: str) -> str | None:
        """The file of `snapshot`, from its title document: one stored read per snapshot
        shown, not a listing of every snapshot (thousands, on a cold start)."""
        if snapshot not in self._paths:
            title = self._searcher.document(id=f"{snapshot}:title") or {}
            self._paths[snapshot] = (title.get("info") or {}).get("path")
        return self._paths[snapshot]

    def _hit(self, fields: dict[str, Any], score: float, terms: dict[str, set[str]]) -> Hit:
        lang = fields.get("lang")
        day = fields["day"]
        return Hit(
            id=fields["id"],
            kind=fields["kind"],
            snapshot=fields["snapshot"],
            date=_iso(day),
            paragraph=fields.get("paragraph"),
            code=fields.get("code"),
            name=fields.get("name"),
            lang=lang,
            score=score,
            text=fields["text"],
            highlights=self.highlight(
                fields["text"], terms, ("fr", "en") if lang is None else (lang,)
            ),
            data=fields.get("data"),
            line=fields.get("line"),
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
            for token in self._analyzers[field](text, chars=True):
                if token.text in wanted:
                    spans.add((token.startchar, token.endchar))
        return merge_spans(sorted(spans))


def _iso(day: int) -> str:
    """YYYYMMDD as YYYY-MM-DD."""
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def _day_number(iso: str) -> int:
    """YYYY-MM-DD as the YYYYMMDD number the `day` field holds."""
    day = dt.date.fromisoformat(iso)
    return day.year * 10000 + day.month * 100 + day.day


def _matched_terms(query: Query, reader: Any) -> dict[str, set[str]]:
    """The index terms `query` matches (prefixes and typos expanded), by field.

    Not `Query.existing_terms`: in Whoosh 2.7.5 its inner loop rebinds its `fieldname`
    argument, so after the first leaf it silently skips every leaf of another field.
    """
    grouped: dict[str, set[str]] = {}
    for leaf in query.leaves():
        if leaf.field() == "start":  # a short prefix: the `plain` words it begins
            leaf = Prefix("plain", leaf.text)
        for field, term in leaf.expanded_terms(reader):
            if (field, term) in reader:
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                grouped.setdefault(field, set()).add(text)
    return grouped
