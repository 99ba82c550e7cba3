"""The PostgreSQL backend: the seam over the tables `index.postgres` builds.

Words are analysed in Python as the Whoosh index analyses them (`words`, `tokens`, the
highlights), and in SQL by the text search configurations `index.postgres` creates, over
the same pre-normalised text: a word matches as typed (`plain`), by its French or English
stem, as a prefix when it is the last one, or one typo away. Every answer's hits and count
are one SQL statement, so they come from one committed state however builds commit
meanwhile. Hits are ranked by Whoosh's BM25F computed in that statement, from document
frequencies and field lengths that the build keeps (read once per build generation).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import psycopg
from whoosh.support.levenshtein import damerau_levenshtein

from index import SnapshotInfo
from index.analysis import LANGUAGES, analyzer_for
from index.errors import IndexDamagedError, IndexMissingError
from index.postgres import SCHEMA_VERSION, connect, describe, mapped_errors

from ._pgsql import (
    COLUMNS,
    ORDER,
    TEXT_FIELDS,
    Builder,
    Match,
    Page,
    Rank,
    Scored,
    Sql,
    build_match,
    equal,
    keyword,
    quoted,
    restrict,
    score_sql,
)
from ._query import (
    FUZZY_MIN_LENGTH,
    MAX_TYPO_WORD,
    merge_spans,
    query_words,
    text_tokens,
)
from ._syntax import Text, last_text, parse_query
from ._types import Hit, Results, Span, Token, Word, resolve

if TYPE_CHECKING:
    from index.vectors import VectorStore

__all__ = ["PostgresBackend"]

# A prefix standing for at most this many words is ranked as these words.
_MAX_EXPANDED = 32
# What one hit stands for when hits are collapsed: every copy of a text (its digest),
# every point of a series (a currency, a stock index), else one document.
_GROUP = "coalesce(d.digest, d.series, d.id)"


class PostgresBackend:
    """The `Backend` over a PostgreSQL database built by `index.postgres.build`.

    Reads go to `read_url` when given (a streaming replica), else to `url`.
    """

    def __init__(self, url: str, read_url: str | None = None) -> None:
        self.url = url
        self.read_url = read_url or url
        self.where = describe(self.read_url)
        self._analyzers = {name: analyzer_for(name) for name in TEXT_FIELDS}
        self._lock = threading.Lock()
        self._conn = connect(self.read_url, autocommit=True)
        self._snapshots: list[SnapshotInfo] | None = None
        # The ranking's statistics, read once per generation: (documents, average length
        # per field), and each scored term's ranks.
        self._totals: tuple[int, dict[str, float]] | None = None
        self._ranks: dict[Scored, tuple[Rank, ...]] = {}
        try:
            self._generation = self._check_schema()
        except BaseException:
            self._conn.close()
            raise

    # ------------------------------------------------------------------ lifecycle

    def _check_schema(self) -> int:
        row = self._one("SELECT to_regclass('schema_version') IS NOT NULL")
        if not (row and row[0]):
            raise IndexMissingError(
                f"no snapsearch index in {self.where} yet; build one with "
                "`search --backend URL index build PATH…`"
            )
        version = self._one("SELECT max(version) FROM schema_version")
        if not version or version[0] != SCHEMA_VERSION:
            raise IndexDamagedError(
                f"{self.where}: the index has schema {version and version[0]}, this snapsearch "
                f"reads {SCHEMA_VERSION}; rebuild it with `search --backend URL index build "
                "--rebuild PATH…` (or upgrade snapsearch)"
            )
        generation = self._one("SELECT generation FROM state")
        return int(generation[0]) if generation else 0

    def prepare(self) -> None:
        """Nothing to read ahead: the database keeps what its queries read."""

    def refresh(self) -> None:
        """See the latest commit: every query already does; after a build, forget the
        snapshot list (one small query when nothing changed)."""
        row = self._one("SELECT generation FROM state")
        generation = int(row[0]) if row else 0
        if generation != self._generation:
            self._generation, self._snapshots = generation, None
            self._totals, self._ranks = None, {}

    def close(self) -> None:
        self._conn.close()

    def _rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (one consistent state) and fetch its rows; a connection the
        server dropped (a restart, a failover) is opened again once."""
        with self._lock, mapped_errors(self.read_url):
            for attempt in (1, 2):
                if self._conn.closed or self._conn.broken:
                    self._conn = connect(self.read_url, autocommit=True)
                try:
                    return self._conn.execute(query.encode(), params).fetchall()
                except psycopg.OperationalError:
                    if attempt == 2 or not self._conn.broken:
                        raise
            raise AssertionError("unreachable")

    def _one(self, query: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self._rows(query, params)
        return rows[0] if rows else None

    # ------------------------------------------------------------------ snapshots

    def snapshots(self) -> list[SnapshotInfo]:
        """The snapshots in the database, oldest first (read once per refresh)."""
        if self._snapshots is None:
            rows = self._rows(
                "SELECT id, info->>'date', documents, sha256, path, headline FROM snapshots "
                "ORDER BY info->>'date', id"
            )
            self._snapshots = [SnapshotInfo(*row) for row in rows]
        return list(self._snapshots)

    def resolve_snapshot(self, snapshot: str | None) -> str | None:
        """The id `snapshot` stands for (`latest` is the newest), or raise if unknown."""
        return resolve(snapshot, self.snapshots) if snapshot is not None else None

    def document_count(self) -> int:
        """How many documents the database holds."""
        row = self._one("SELECT coalesce(sum(documents), 0) FROM snapshots")
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ analysis

    def words(self, text: str) -> list[Word]:
        """`text` split into words and analysed as the index analyses documents; only the
        first `MAX_QUERY_WORDS` count."""
        return query_words(text, self._analyzers)

    def tokens(self, text: str, lang: str | None) -> list[Token]:
        """Every word of `text` with its stems in `lang` (French and English when None)."""
        return text_tokens(text, lang, self._analyzers)

    # ------------------------------------------------------------------ searching

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
        """Documents matching `text` (the query syntax of `parse_query`), best first and
        newest first on ties, or by date (`sort`); one typo is forgiven on words of 5+
        letters when a query of plain words matches nothing exactly. The total is always
        counted (`exact` is accepted for the seam): the grouping query counts anyway."""
        if sort not in ORDER:
            raise ValueError(f"sort must be one of {', '.join(ORDER)}, not {sort!r}")
        parsed = parse_query(text)
        given = {"kind": kind, "snapshot": snapshot, "since": since, "until": until}
        where = {**parsed.filters, **{name: value for name, value in given.items() if value}}
        resolved = self.resolve_snapshot(where.get("snapshot"))
        filters = restrict(where.get("kind"), resolved, where.get("since"), where.get("until"))
        prefix = last_text(parsed.node) if prefix_last and parsed.ends_in_word else None
        page = Page(limit, offset, sort, collapse=resolved is None)
        builder = Builder(self.words, {})
        match = builder.finish(builder.node(parsed.node, prefix))
        if match is None:
            return Results(text, 0, ())
        total, hits = self._run(match, filters, page)
        typed = self.words(parsed.node.text) if isinstance(parsed.node, Text) else []
        if total or not any(len(w.plain) >= FUZZY_MIN_LENGTH for w in typed):
            return Results(text, total, hits)
        typos = {
            w.plain: self.within_one_typo(w.plain)
            for w in typed
            if len(w.plain) >= FUZZY_MIN_LENGTH
        }
        builder = Builder(self.words, typos)
        match = builder.finish(builder.node(parsed.node, prefix))
        assert match is not None
        total, hits = self._run(match, filters, page)
        return Results(text, total, hits, fuzzy=bool(total))

    def match(
        self,
        words: Sequence[Word],
        *,
        every: bool = True,
        limit: int | None = 10,
        kind: str | None = None,
        snapshot: str | None = None,
    ) -> tuple[int, tuple[Hit, ...]]:
        """Documents holding every one (or, not `every`, any) of `words` in any form; a
        text repeated across snapshots, or a series, is one hit unless `snapshot` is given."""
        match = build_match(words, prefix_last=False, every=every)
        if match is None:
            return 0, ()
        page = Page(limit, collapse=snapshot is None)
        return self._run(match, restrict(kind, snapshot), page)

    def count(
        self, phrases: Sequence[Sequence[Word]], *, kind: str, since: str | None = None
    ) -> int:
        """How many documents of `kind` dated `since` or later hold every word of at least
        one of `phrases`."""
        matches = [m for phrase in phrases if (m := build_match(phrase, prefix_last=False))]
        if not matches:
            return 0
        filters = restrict(kind, None, since)
        filters.add(
            "(" + " OR ".join(m.condition for m in matches) + ")",
            *itertools.chain.from_iterable(m.params for m in matches),
        )
        row = self._one(f"SELECT count(*) FROM documents d WHERE {filters.where()}", filters.params)
        return int(row[0]) if row else 0

    def frequency(self, field: str, term: str) -> int:
        """How many distinct documents hold `term` in `field` (`plain`, `fr`, `en`,
        `kind`…): a text repeated across snapshots counts once, and so does a series."""
        if field in TEXT_FIELDS:
            condition = f"d.tsv_{field} @@ %s::tsquery"
            param = quoted(term)
        else:
            condition, param = f"d.{keyword(field)} = %s", term
        row = self._one(
            f"SELECT count(*) FROM (SELECT {_GROUP} FROM documents d WHERE {condition} "
            "GROUP BY 1) g",
            (param,),
        )
        return int(row[0]) if row else 0

    def within_one_typo(self, word: str) -> list[str]:
        """Indexed words one typo from `word` (a letter added, dropped, changed or two
        swapped), sharing its first letter, as the Whoosh engine forgives them."""
        if len(word) > MAX_TYPO_WORD:
            return []
        rows = self._rows(
            "SELECT word FROM words WHERE word LIKE %s AND length(word) BETWEEN %s AND %s "
            "AND levenshtein_less_equal(word, %s, 2) <= 2",
            (word[0] + "%", len(word) - 1, len(word) + 1, word),
        )
        return sorted(w for (w,) in rows if damerau_levenshtein(w, word, 1) <= 1)

    def _run(self, match: Match, filters: Sql, page: Page) -> tuple[int, tuple[Hit, ...]]:
        """The count of hits and the hits of `page`, best first and newest first on equal
        scores (or by date). When collapsing, the copies of a text and the points of a
        series are one hit each (their `_GROUP`): the newest matching copy, scored by the
        best, a text listing every date it is on; the count is of these hits."""
        self._resolve([s for s in match.scored if s not in self._ranks])
        ranks = [rank for scored in match.scored for rank in self._rank(scored)]
        columns, score, rank_params = score_sql(ranks, *self._statistics())
        lengths = ", ".join(f"d.rank_len_{field}" for field in ("plain", "fr", "en", "start"))
        order = ORDER[page.sort]
        where = f"{filters.where()} AND {match.condition}"
        if page.collapse:
            # Every group is counted, so every matching row is grouped; the newest copy
            # and the days of a top hit are read through the digest's or the series'
            # index, not by scanning every match again.
            groups = (
                "MATERIALIZED (SELECT grp, max(score) AS score, max(day) AS newest "
                "FROM m GROUP BY grp)"
            )
            hit_rows = f"""
                CROSS JOIN LATERAL (
                    SELECT array_agg(DISTINCT d.day ORDER BY d.day) AS days
                    FROM documents d WHERE d.digest = top.grp AND {filters.where()}
                ) copies
                CROSS JOIN LATERAL (
                    SELECT d.id FROM documents d
                    WHERE (d.digest = top.grp OR d.series = top.grp OR d.id = top.grp)
                      AND d.day = top.newest AND {where}
                    ORDER BY d.snapshot DESC, d.id DESC LIMIT 1
                ) pick
                JOIN documents d ON d.id = pick.id AND d.day = top.newest"""
            hit_params = [*filters.params, *filters.params, *match.params]
            days = "copies.days"
        else:
            groups = "NOT MATERIALIZED (SELECT grp, score, day AS newest FROM m)"
            hit_rows = "JOIN documents d ON d.id = top.grp AND d.day = top.newest"
            hit_params, days = [], "NULL::date[]"
        query = f"""
            WITH m AS MATERIALIZED (
                SELECT id, day, grp, {score} AS score FROM (
                    SELECT d.id, d.day, {_GROUP if page.collapse else "d.id"} AS grp, {lengths}
                           {"".join(", " + column for column in columns)}
                    FROM documents d WHERE {where}
                    OFFSET 0
                ) f
            ), g AS {groups}, top AS (
                SELECT grp, score, newest
                FROM g ORDER BY {order.format(t="")}, grp LIMIT %s OFFSET %s
            )
            SELECT (SELECT count(*) FROM g), top.score, {days}, {COLUMNS}
            FROM top {hit_rows}
            ORDER BY {order.format(t="top.")}, top.grp
        """
        params = [
            *rank_params,
            *filters.params,
            *match.params,
            page.limit,
            page.offset,
            *hit_params,
        ]
        rows = self._rows(query, params)
        if not rows:
            total = 0 if page.offset == 0 else self._count(match, filters, page.collapse)
            return total, ()
        hits = []
        for _, score, dates, *fields in rows:
            hit = self._hit(fields, float(score), match)
            if dates:
                hit = replace(hit, dates=tuple(day.isoformat() for day in dates))
            hits.append(hit)
        return int(rows[0][0]), tuple(hits)

    def _statistics(self) -> tuple[int, dict[str, float]]:
        """How many documents there are and the average length of each field."""
        if self._totals is None:
            row = self._one("SELECT documents, len_plain, len_fr, len_en, len_start FROM state")
            count, *lengths = row if row else (0, 0, 0, 0, 0)
            fields = ("plain", "fr", "en", "start")
            self._totals = (
                int(count),
                {
                    field: float(length) / count if count else 1.0
                    for field, length in zip(fields, lengths, strict=True)
                },
            )
        return self._totals

    def _resolve(self, scored: Sequence[Scored]) -> None:
        """Look up the words of `scored` analysed in their fields, all in one statement."""
        exact = [s for s in scored if s.field in TEXT_FIELDS]
        if not exact:
            return
        count = self._statistics()[0]
        rows = self._rows(
            "SELECT x.i, l.lexeme, coalesce(t.df, 0) "
            "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS x(field, word, i) "
            "CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector("
            "('snapsearch_' || x.field)::regconfig, x.word))) AS l(lexeme) "
            "LEFT JOIN terms t ON t.field = x.field AND t.term = l.lexeme",
            ([s.field for s in exact], [s.text for s in exact]),
        )
        found: dict[int, list[Rank]] = {}
        for number, lexeme, df in rows:
            if df:
                rank = Rank(exact[number - 1].field, quoted(lexeme), _idf(count, df))
                found.setdefault(number, []).append(rank)
        for number, one in enumerate(exact, 1):
            self._ranks[one] = tuple(found.get(number, ()))

    def _rank(self, scored: Scored) -> tuple[Rank, ...]:
        """How `scored` ranks, as Whoosh scores it: each lexeme of the word in its field by
        BM25 with Whoosh's IDF; a short prefix by BM25 over `start`; a longer prefix by the
        sum of the BM25 of the words it begins (each a rank of its own when they are few:
        ts_rank costs ~1 µs a row, reading the words of every row ~30 µs)."""
        found = self._ranks.get(scored)
        if found is not None:
            return found
        count = self._statistics()[0]
        if scored.field == "prefix":
            rows = self._rows(
                "SELECT w.word, coalesce(t.df, 0) FROM (SELECT word FROM words "
                "WHERE word LIKE %s ORDER BY word LIMIT %s) w "
                "LEFT JOIN terms t ON t.field = 'plain' AND t.term = w.word",
                (scored.text + "%", _MAX_EXPANDED + 1),
            )
            if len(rows) > _MAX_EXPANDED:
                found = (Rank("plain", scored.text, None),)
            else:
                found = tuple(Rank("plain", quoted(w), _idf(count, df)) for w, df in rows if df)
        elif scored.field == "start":
            row = self._one(
                "SELECT df FROM terms WHERE field = 'start' AND term = %s", (scored.text,)
            )
            found = (Rank("start", quoted(scored.text), _idf(count, row[0] if row else 0)),)
        else:
            rows = self._rows(
                "SELECT x.lexeme, coalesce(t.df, 0) FROM unnest(tsvector_to_array("
                "to_tsvector(%s::regconfig, %s))) AS x(lexeme) "
                "LEFT JOIN terms t ON t.field = %s AND t.term = x.lexeme",
                (f"snapsearch_{scored.field}", scored.text, scored.field),
            )
            found = tuple(Rank(scored.field, quoted(w), _idf(count, df)) for w, df in rows if df)
        self._ranks[scored] = found
        return found

    def _count(self, match: Match, filters: Sql, collapse: bool) -> int:
        """How many hits `match` has: documents, or (`collapse`) their groups."""
        where = f"{filters.where()} AND {match.condition}"
        query = (
            f"SELECT count(*) FROM (SELECT {_GROUP} FROM documents d WHERE {where} GROUP BY 1) g"
            if collapse
            else f"SELECT count(*) FROM documents d WHERE {where}"
        )
        row = self._one(query, [*filters.params, *match.params])
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ documents

    def document(self, doc_id: str, highlight: str = "") -> Hit | None:
        """The document `doc_id` (e.g. `snapshot:p4`), the words of `highlight` marked."""
        row = self._one(f"SELECT {COLUMNS} FROM documents d WHERE d.id = %s LIMIT 1", (doc_id,))
        if row is None:
            return None
        return self._hit(row, 0.0, build_match(self.words(highlight), prefix_last=True))

    def documents(self, **fields: str) -> list[Hit]:
        """Every document whose fields equal `fields`, oldest snapshot first."""
        where = equal(fields)
        rows = self._rows(
            f"SELECT {COLUMNS} FROM documents d WHERE {where.where()} "
            "ORDER BY d.day, d.snapshot, d.id",
            where.params,
        )
        return [self._hit(row, 0.0, None) for row in rows]

    def newest(self, limit: int | None, **fields: str) -> list[Hit]:
        """The documents whose fields equal `fields`, newest snapshot first, at most `limit`."""
        where = equal(fields)
        rows = self._rows(
            f"SELECT {COLUMNS} FROM documents d WHERE {where.where()} "
            "ORDER BY d.day DESC, d.snapshot DESC, d.id LIMIT %s",
            [*where.params, limit],
        )
        return [self._hit(row, 0.0, None) for row in rows]

    def newest_copy(self, hit: Hit) -> Hit:
        """The same text of the same kind in the newest snapshot that holds it, with the
        score and highlights of `hit`."""
        row = self._one(
            f"SELECT {COLUMNS} FROM documents d WHERE d.kind = %s AND d.digest = "
            "(SELECT digest FROM documents WHERE id = %s LIMIT 1) "
            "ORDER BY d.day DESC, d.snapshot DESC LIMIT 1",
            (hit.kind, hit.id),
        )
        if row is None or row[0] == hit.id:
            return hit
        return replace(self._hit(row, hit.score, None), highlights=hit.highlights)

    def text_hit(self, kind: str, digest: str, snapshot: str | None = None) -> Hit | None:
        """The newest occurrence of a text by its digest (`documents_digest_day`), within
        `snapshot` if given; the first copy on a page that repeats it."""
        where = equal(
            {"kind": kind, "digest": digest} | ({"snapshot": snapshot} if snapshot else {})
        )
        row = self._one(
            f"SELECT {COLUMNS} FROM documents d WHERE {where.where()} "
            "ORDER BY d.day DESC, d.snapshot DESC, d.paragraph LIMIT 1",
            where.params,
        )
        return None if row is None else self._hit(row, 0.0, None)

    def vectors(self) -> VectorStore | None:
        """None: the PostgreSQL build stores no vectors; answering computes them lazily."""
        return None

    def values(self, field: str) -> list[str]:
        """Every value a keyword field holds (`code`, `series`…), sorted."""
        if field == "plain":
            return [w for (w,) in self._rows("SELECT word FROM words ORDER BY word")]
        column = keyword(field)
        rows = self._rows(
            f'SELECT DISTINCT {column} COLLATE "C" FROM documents WHERE {column} IS NOT NULL '
            "ORDER BY 1"
        )
        return [str(value) for (value,) in rows]

    # ------------------------------------------------------------------ hits

    def _hit(self, row: Sequence[Any], score: float, match: Match | None) -> Hit:
        doc_id, kind, snapshot, day, paragraph, code, name, lang, text, data = row
        langs = LANGUAGES if lang is None else (lang,)
        return Hit(
            id=doc_id,
            kind=kind,
            snapshot=snapshot,
            date=day.isoformat(),
            paragraph=paragraph,
            code=code,
            name=name,
            lang=lang,
            score=score,
            text=text,
            highlights=self.highlight(text, match, langs) if match else (),
            data=data,
        )

    def highlight(self, text: str, match: Match, langs: Iterable[str]) -> tuple[Span, ...]:
        """Spans of `text` whose words are a matched word, begin with a matched prefix, or
        share a matched stem, as the Whoosh engine marks them; merged."""
        spans: set[Span] = set()
        for token in self._analyzers["plain"](text, chars=True):
            if token.text in match.plain or token.text.startswith(tuple(match.prefixes)):
                spans.add((token.startchar, token.endchar))
        for lang in langs:
            wanted = match.stems.get(lang)
            if wanted:
                for token in self._analyzers[lang](text, chars=True):
                    if token.text in wanted:
                        spans.add((token.startchar, token.endchar))
        return merge_spans(sorted(spans))


def _idf(documents: int, frequency: int) -> float:
    """Whoosh's inverse document frequency (`WeightingModel.idf`)."""
    return math.log(max(documents, 1) / (frequency + 1)) + 1
