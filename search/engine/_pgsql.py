"""SQL for the PostgreSQL backend: query trees and words to conditions over the tsvector
columns, the ranking, filters and the order of hits. Builds text and parameters only: no
connection, no driver."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from index.analysis import LANGUAGES, START_LETTERS

from ._syntax import AnyOf, Exclude, Node, Phrase, Text
from ._types import Word

__all__ = [
    "COLUMNS",
    "ORDER",
    "TEXT_FIELDS",
    "Builder",
    "Match",
    "Page",
    "Rank",
    "Scored",
    "Sql",
    "build_match",
    "equal",
    "restrict",
    "keyword",
    "quoted",
    "score_sql",
]

COLUMNS = "d.id, d.kind, d.snapshot, d.day, d.paragraph, d.code, d.name, d.lang, d.text, d.data"
KEYWORDS = frozenset({"id", "kind", "snapshot", "code", "series", "digest", "lang"})
TEXT_FIELDS = ("plain", *LANGUAGES)
# One condition per analysis field; ORed per word, the words ANDed (or ORed).
WORD_MATCH = (
    "(d.tsv_plain @@ to_tsquery('snapsearch_plain', %s)"
    " OR d.tsv_fr @@ to_tsquery('snapsearch_fr', %s)"
    " OR d.tsv_en @@ to_tsquery('snapsearch_en', %s))"
)
# A prefix of 1–2 letters is one entry of `tsv_start` (Whoosh's `start` field), not the
# union of every word it begins. It covers the word as typed and its stems too (a stem
# begins with the word's first two letters), so it is the word's whole condition.
START_MATCH = "d.tsv_start @@ %s::tsquery"
# Whoosh's BM25F (whoosh.scoring.BM25F's defaults).
K1, B = 1.2, 0.75
# ts_rank with every weight 1 of a one-lexeme query is sum(1/i², i=1..tf) / (π²/6): this
# turns it back into tf, the term's frequency in the document (exact to tf ≈ 1000).
_ZETA2 = 1.6449340668482264
_TF = "round(1 / ({z} * (1 - ts_rank('{{1,1,1,1}}', d.tsv_{field}, %s::tsquery, 0)::float8)) - 0.5)"
# A prefix scores as Whoosh's Prefix query does: the sum of the BM25 of every word it
# begins that the document holds (their frequencies from the tsvector, IDFs from `terms`).
_PREFIX_BM25 = (
    "(SELECT coalesce(sum((ln({count} / (t.df + 1.0)) + 1) * cardinality(u.positions) * {k1p}"
    " / (cardinality(u.positions) + {k1} * ({b1} + {b} * d.rank_len_plain / {average}))), 0)"
    " FROM unnest(d.tsv_plain) u JOIN terms t ON t.field = 'plain' AND t.term = u.lexeme"
    " WHERE starts_with(u.lexeme, %s))"
)


@dataclass
class Sql:
    """A WHERE clause being built: its parts and their parameters, in order."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, part: str, *params: Any) -> None:
        self.parts.append(part)
        self.params.extend(params)

    def where(self) -> str:
        return " AND ".join(self.parts) if self.parts else "TRUE"


@dataclass(frozen=True)
class Match:
    """What a query matches, as SQL, and the terms to rank and highlight by."""

    condition: str
    params: tuple[Any, ...]
    scored: tuple[Scored, ...]
    plain: frozenset[str]
    prefixes: frozenset[str]
    stems: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Scored:
    """A term of the query that the ranking sums, as Whoosh's query has it: `text` as
    analysed by the configuration of `field` (`plain`, `fr`, `en`), a prefix of 1–2
    letters (`start`) or a longer one (`prefix`)."""

    field: str
    text: str


@dataclass(frozen=True)
class Rank:
    """One term of the ranking over a tsvector column (`plain`, `fr`, `en`, `start`):
    BM25 of the lexeme `query` with `idf`, or (`idf` None) the sum of the BM25 of the
    words of `plain` that begin with `query`."""

    field: str
    query: str
    idf: float | None


def score_sql(
    ranks: Sequence[Rank], documents: int, averages: dict[str, float]
) -> tuple[list[str], str, list[Any]]:
    """The columns of the ranks (`t0`, `t1`…, over `d`), the score summed over them (and
    over the columns `rank_len_<field>`), and the parameters of the columns."""
    columns, terms, params = [], [], []
    for number, rank in enumerate(ranks):
        average = averages.get(rank.field) or 1.0
        if rank.idf is None:
            column = _PREFIX_BM25.format(
                count=repr(float(max(documents, 1))),
                k1p=repr(K1 + 1),
                k1=repr(K1),
                b1=repr(1 - B),
                b=repr(B),
                average=repr(average),
            )
            terms.append(f"t{number}")
        else:
            column = _TF.format(z=repr(_ZETA2), field=rank.field)
            terms.append(
                f"{rank.idf!r} * t{number} * {K1 + 1!r} / (t{number} + {K1!r} * "
                f"({1 - B!r} + {B!r} * rank_len_{rank.field} / {average!r}))"
            )
        columns.append(f"{column} AS t{number}")
        params.append(rank.query)
    return columns, " + ".join(terms) or "0", params


def quoted(lexeme: str) -> str:
    """`lexeme` as one operand of to_tsquery's syntax."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class Builder:
    """Builds the SQL condition of a query tree or a list of words, collecting the words
    that are not excluded, to rank and highlight by."""

    def __init__(self, analyse: Callable[[str], list[Word]], typos: dict[str, list[str]]) -> None:
        self.analyse = analyse
        self.typos = typos
        self.plain: set[str] = set()
        self.prefixes: set[str] = set()
        self.stems: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
        self.scored: dict[Scored, None] = {}

    def words(
        self, typed: Sequence[Word], *, prefix_last: bool, every: bool = True, shown: bool = True
    ) -> tuple[str, list[Any]] | None:
        """Every word (or any) as typed, by stem, as a prefix for the last one, or one of
        its typos; None when there is no word."""
        if not typed:
            return None
        conditions, params = [], []
        for position, word in enumerate(typed):
            near = self.typos.get(word.plain, [])
            options = [quoted(word.plain), *map(quoted, near)]
            prefix = prefix_last and position == len(typed) - 1
            short = prefix and len(word.plain) <= START_LETTERS
            if short:
                conditions.append(START_MATCH)
                params.append(quoted(word.plain))
            else:
                if prefix:
                    options.append(quoted(word.plain) + ":*")
                conditions.append(WORD_MATCH)
                params += [" | ".join(options), quoted(word.plain), quoted(word.plain)]
            if shown:
                self._show(word, near, prefix)
        return "(" + (" AND " if every else " OR ").join(conditions) + ")", params

    def phrase(self, typed: Sequence[Word], *, shown: bool) -> tuple[str, list[Any]] | None:
        """The words next to each other in this order, as typed or by stem."""
        if not typed:
            return None
        if shown:
            for word in typed:
                self._show(word, [], False)
        text = " <-> ".join(quoted(word.plain) for word in typed)
        return WORD_MATCH, [text, text, text]

    def node(self, node: Node | None, prefix: Text | None, shown: bool = True) -> Part:
        """The condition of a parsed query tree (`prefix`: the text whose last word is
        being typed)."""
        if node is None:
            return None
        if isinstance(node, Text):
            return self.words(self.analyse(node.text), prefix_last=node is prefix, shown=shown)
        if isinstance(node, Phrase):
            return self.phrase(self.analyse(node.text), shown=shown)
        if isinstance(node, Exclude):
            inner = self.node(node.part, prefix, shown=False)
            return None if inner is None else (f"NOT {inner[0]}", inner[1])
        parts = [p for part in node.parts if (p := self.node(part, prefix, shown)) is not None]
        if isinstance(node, AnyOf) and len(parts) < len(node.parts):
            return "TRUE", []  # a part that is no condition (no word) could match anything
        if not parts:
            return None
        joiner = " OR " if isinstance(node, AnyOf) else " AND "
        return "(" + joiner.join(c for c, _ in parts) + ")", [p for _, ps in parts for p in ps]

    def _show(self, word: Word, near: list[str], prefix: bool) -> None:
        """Mark `word` for highlighting and ranking, as Whoosh's query for it scores: the
        word as typed and by stem, its typos, and the prefix (its `start` when short)."""
        self.plain.update([word.plain, *near])
        for name in TEXT_FIELDS:
            self.scored[Scored(name, word.plain)] = None
        for other in near:
            self.scored[Scored("plain", other)] = None
        if prefix:
            self.prefixes.add(word.plain)
            short = len(word.plain) <= START_LETTERS
            self.scored[Scored("start" if short else "prefix", word.plain)] = None
        for lang, stem in word.stems:
            self.stems[lang].add(stem)

    def finish(self, part: Part) -> Match | None:
        if part is None:
            return None
        return Match(
            condition=part[0],
            params=tuple(part[1]),
            scored=tuple(self.scored),
            plain=frozenset(self.plain),
            prefixes=frozenset(self.prefixes),
            stems={lang: frozenset(found) for lang, found in self.stems.items()},
        )


Part = tuple[str, list[Any]] | None


def build_match(
    typed: Sequence[Word],
    *,
    prefix_last: bool,
    typos: dict[str, list[str]] | None = None,
    every: bool = True,
) -> Match | None:
    """Every word (or any, not `every`) of `typed`; None when there is none."""
    builder = Builder(lambda text: [], typos or {})
    return builder.finish(builder.words(typed, prefix_last=prefix_last, every=every))


@dataclass(frozen=True)
class Page:
    """Which hits of a query to return, in which order."""

    limit: int | None
    offset: int = 0
    sort: str = "relevance"
    collapse: bool = False


# The order of hits (in the `top` CTE): by score then date, or by date then score.
ORDER = {
    "relevance": "{t}score DESC, {t}newest DESC",
    "newest": "{t}newest DESC, {t}score DESC",
    "oldest": "{t}newest ASC, {t}score DESC",
}


def restrict(
    kind: str | None, snapshot: str | None, since: str | None = None, until: str | None = None
) -> Sql:
    filters = Sql()
    if kind:
        filters.add("d.kind = %s", kind)
    if snapshot:
        filters.add("d.snapshot = %s", snapshot)
    if since:  # a range of days reads only the partitions it covers
        filters.add("d.day >= %s::date", since)
    if until:
        filters.add("d.day <= %s::date", until)
    return filters


def keyword(field: str) -> str:
    if field not in KEYWORDS:
        raise ValueError(f"not a keyword field: {field!r}")
    return field


def equal(fields: dict[str, str]) -> Sql:
    where = Sql()
    for name, value in fields.items():
        where.add(f"d.{keyword(name)} = %s", value)
    return where
