"""User text to Whoosh queries, without Whoosh's query language.

Whatever a user types is only ever split into words: quotes, brackets, `*`, `AND` or
`field:` are plain characters here, so no input can be a syntax error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from whoosh.analysis import Analyzer
from whoosh.query import And, Or, Prefix, Query, Term

from index.analysis import LANGUAGES, START_LETTERS, TOKEN

from ._types import Word

__all__ = ["FUZZY_MIN_LENGTH", "build_query", "prefix", "words"]

FUZZY_MIN_LENGTH = 5  # shorter words have too many neighbours at one edit


def _first_token(analyzer: Analyzer, text: str) -> str:
    return next((t.text for t in analyzer(text)), "")


def words(text: str, analyzers: Mapping[str, Analyzer]) -> list[Word]:
    """The words of `text`, analysed by the index's own analyzers."""
    found = []
    for match in TOKEN.finditer(text):
        raw = match.group()
        plain = _first_token(analyzers["plain"], raw)
        if not plain:
            continue
        stems = tuple(
            (lang, stem) for lang in LANGUAGES if (stem := _first_token(analyzers[lang], raw))
        )
        found.append(Word(raw, plain, stems))
    return found


def prefix(plain: str) -> Query:
    """Documents with a `plain` word that begins with `plain`.

    A short prefix is one term of the `start` field, so one posting list whose top hits
    Whoosh finds by skipping blocks, not the union of every word it begins; it scores by
    that term rather than by the sum of the words it stands for.
    """
    if len(plain) <= START_LETTERS:
        return Term("start", plain)
    return Prefix("plain", plain)


def build_query(
    typed: Sequence[Word],
    *,
    prefix_last: bool = True,
    typos: Callable[[str], list[str]] | None = None,
    conjunctive: bool = True,
) -> Query | None:
    """Every word must match (or any, when not `conjunctive`) as typed, by stem, or as a
    prefix for the last one; `typos` lists the index words one typo away from a word."""
    clauses: list[Query] = []
    for position, word in enumerate(typed):
        options: list[Query] = [Term("plain", word.plain)]
        options += [Term(lang, stem) for lang, stem in word.stems]
        if prefix_last and position == len(typed) - 1:
            options.append(prefix(word.plain))
        if typos is not None and len(word.plain) >= FUZZY_MIN_LENGTH:
            options += [Term("plain", near) for near in typos(word.plain)]
        clauses.append(Or(options))
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    return And(clauses) if conjunctive else Or(clauses)
