"""User text to Whoosh queries, without Whoosh's query language.

Whatever a user types is only ever split into words: quotes, brackets, `*`, `AND` or
`field:` are plain characters here, so no input can be a syntax error.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

from whoosh.analysis import Analyzer
from whoosh.query import And, Every, Not, Or, Prefix, Query, Term

from index.analysis import LANGUAGES, START_LETTERS, TOKEN

from ._syntax import AnyOf, Exclude, Node, Phrase, Text, has_phrase
from ._types import Span, Token, Word

__all__ = [
    "FUZZY_MIN_LENGTH",
    "MAX_QUERY_WORDS",
    "MAX_TYPO_WORD",
    "build_query",
    "merge_spans",
    "prefix",
    "query_words",
    "text_tokens",
    "tree_query",
    "words",
]

FUZZY_MIN_LENGTH = 5  # shorter words have too many neighbours at one edit
# Words after these are ignored, in searches and questions alike: Whoosh nests the
# matchers of an AND or an OR by pairs and recursed past Python's limit on ~1,000 words,
# and every word costs time.
MAX_QUERY_WORDS = 64
# Longer words get no typo forgiven: Whoosh's automaton grows with the word (a word of
# 8,000 letters took 8 s), and nobody types a word that long by hand.
MAX_TYPO_WORD = 40


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
            dict.fromkeys(
                (lang, stem)
                for lang in LANGUAGES
                for form in _NUMBERS[lang](raw)
                if (stem := _first_token(analyzers[lang], form))
            )
        )
        found.append(Word(raw, plain, stems))
    return found


def _french_numbers(raw: str) -> tuple[str, ...]:
    """`raw` and its other grammatical number, for the French stemmer's sake.

    Snowball's French stemmer keeps a plural `s` after a vowel it protects (`métros` stays
    `metros`, `euros` stays `euros`), so a singular never meets its plural; the query
    looks for both stems instead (the index is left as it is).
    """
    if len(raw) < 3:
        return (raw,)
    other = raw[:-1] if raw[-1] in "sxSX" else raw + "s"
    return (raw, other)


_NUMBERS: dict[str, Callable[[str], tuple[str, ...]]] = {
    "fr": _french_numbers,
    "en": lambda raw: (raw,),
}


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


def tree_query(
    node: Node | None, analyse: Callable[[str], list[Word]], prefix: Text | None
) -> Query | None:
    """A Whoosh query that every document matching the tree matches.

    Exact but for phrases: Whoosh is given the phrase's words (the fields keep no
    positions), and an exclusion of a phrase is left out; the engine then checks each
    candidate with `matches` when the tree has a phrase.
    """
    if node is None:
        return None
    if isinstance(node, Text | Phrase):
        words = analyse(node.text)
        return build_query(words, prefix_last=node is prefix) if words else None
    if isinstance(node, Exclude):
        inner = None if has_phrase(node.part) else tree_query(node.part, analyse, prefix)
        return Not(inner) if inner is not None else None
    parts = [q for part in node.parts if (q := tree_query(part, analyse, prefix)) is not None]
    if isinstance(node, AnyOf):
        # A part that is not a query here (an excluded phrase) could match anything.
        return Or(parts) if len(parts) == len(node.parts) else Every()
    if parts and all(isinstance(q, Not) for q in parts):
        parts.insert(0, Every())  # only exclusions: everything else
    return And(parts) if len(parts) > 1 else (parts[0] if parts else None)


def query_words(text: str, analyzers: Mapping[str, Analyzer]) -> list[Word]:
    """The first `MAX_QUERY_WORDS` words of user `text`, analysed (every backend's
    `Backend.words`)."""
    ends = [m.end() for m in itertools.islice(TOKEN.finditer(text), MAX_QUERY_WORDS)]
    cut = text[: ends[-1]] if len(ends) == MAX_QUERY_WORDS else text
    return words(cut, analyzers)[:MAX_QUERY_WORDS]


def text_tokens(text: str, lang: str | None, analyzers: Mapping[str, Analyzer]) -> list[Token]:
    """Every word of a document's `text` with its stems in `lang` (French and English when
    None): every backend's `Backend.tokens`."""
    stems: dict[int, set[str]] = {}
    for name in (lang,) if lang else LANGUAGES:
        for token in analyzers[name](text, chars=True):
            stems.setdefault(token.startchar, set()).add(token.text)
    return [
        Token(t.startchar, t.endchar, t.text, frozenset(stems.get(t.startchar, ())))
        for t in analyzers["plain"](text, chars=True)
    ]


def merge_spans(spans: list[Span]) -> tuple[Span, ...]:
    """Sorted highlight spans with the overlapping ones joined."""
    merged: list[Span] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
