"""The query syntax users bring from grep, web search and SQLite FTS5, parsed once for
every backend.

    Corée du Nord           every word (the last one may be the start of a word)
    "Corée du Nord"         a phrase: these words, next to each other, in this order
    Moscou -Pyongyang       exclusion: documents without Pyongyang (also -"a phrase")
    Moscou OR Prague        either (OR in capitals; binds tighter than the space)
    (Moscou OR Prague) gaz  parentheses group
    kind:rate  snapshot:ID  since:2026-11-01  until:2026-11-30   field filters

Nothing is ever a syntax error: a stray quote, a lone `-`, an unbalanced parenthesis or
an `OR` with nothing on one side is read as plain text or dropped, and an unknown
`field:` is a word.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ._types import KINDS, Token, Word

__all__ = [
    "AllOf",
    "AnyOf",
    "Exclude",
    "Node",
    "Parsed",
    "Phrase",
    "Text",
    "has_phrase",
    "last_text",
    "matches",
    "parse_query",
    "without_exclusions",
]


@dataclass(frozen=True)
class Text:
    """Plain text: each of its words must match (the backend splits and analyses it)."""

    text: str


@dataclass(frozen=True)
class Phrase:
    """Words that must stand next to each other, in this order."""

    text: str


@dataclass(frozen=True)
class Exclude:
    """Documents that do not match `part`."""

    part: Node


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


Node = Text | Phrase | Exclude | AllOf | AnyOf


@dataclass(frozen=True)
class Parsed:
    """A parsed query: what documents must hold, and the field filters it named."""

    node: Node | None
    filters: dict[str, str] = field(default_factory=dict)
    plain: bool = True  # words only: no phrase, exclusion, OR or group
    ends_in_word: bool = True  # the last thing typed is a word (a prefix while typing)


MAX_TOKENS = 128  # words, phrases and operators read; the engine keeps 64 words anyway
MAX_DEPTH = 8  # parentheses nested deeper read as nothing
_FILTERS = ("kind", "snapshot", "since", "until")
_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+|"')
_SYNTAX = re.compile(r'["()]|(?:^|\s)-[^\s\d]|\bOR\b|\b(?:kind|snapshot|since|until):\S')


def parse_query(text: str) -> Parsed:
    """`text` as a query tree and its field filters; plain words stay one `Text`."""
    if not _SYNTAX.search(text):
        stripped = text.strip()
        return Parsed(Text(stripped) if stripped else None, ends_in_word=not text[-1:].isspace())
    filters: dict[str, str] = {}
    tokens = _shallow([t for t in _TOKEN.findall(text) if not _filter(t, filters)])
    parts, at = [], 0
    while at < len(tokens):
        node, at = _expression(tokens, at)
        parts += [node] if node is not None else []
        at += 1  # past a `)` that closes nothing
    node = _all(parts) if parts else None
    last = tokens[-1] if tokens else ""
    ends_in_word = bool(last) and last not in ('"', "(", ")") and last[0] not in ('"', "-")
    plain = isinstance(node, Text) or (
        isinstance(node, AllOf) and all(isinstance(p, Text) for p in node.parts)
    )
    return Parsed(node, filters, plain, ends_in_word and not text[-1:].isspace())


def _shallow(tokens: list[str]) -> list[str]:
    """The first `MAX_TOKENS` tokens, with parentheses nested deeper than `MAX_DEPTH`
    dropped: the parser and Whoosh's matchers recurse once per level."""
    kept, depth, dropped = [], 0, 0
    for token in tokens[:MAX_TOKENS]:
        if token == "(":
            depth += 1
            if depth > MAX_DEPTH:
                dropped += 1
                continue
        elif token == ")" and depth:
            depth -= 1
            if dropped:
                dropped -= 1
                continue
        kept.append(token)
    return kept


def _filter(token: str, filters: dict[str, str]) -> bool:
    """Take `kind:rate`, `snapshot:ID`, `since:DATE`, `until:DATE` into `filters`."""
    name, colon, value = token.partition(":")
    if not colon or name not in _FILTERS or not value:
        return False
    if name == "kind" and value not in KINDS:
        return False
    if name in ("since", "until") and not _is_date(value):
        return False
    filters[name] = value
    return True


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _expression(tokens: list[str], at: int) -> tuple[Node | None, int]:
    """An OR of ANDs, up to a closing parenthesis or the end."""
    choices: list[Node] = []
    current: list[Node] = []
    while at < len(tokens) and tokens[at] != ")":
        token = tokens[at]
        if token == "OR":
            if current:
                choices.append(_all(current))
            current = []
            at += 1
            continue
        node, at = _unary(tokens, at)
        if node is not None:
            current.append(node)
    if current:
        choices.append(_all(current))
    if not choices:
        return None, at
    return (choices[0] if len(choices) == 1 else AnyOf(tuple(choices))), at


def _unary(tokens: list[str], at: int) -> tuple[Node | None, int]:
    token = tokens[at]
    if token.startswith("-") and len(token) > 1 and not token[1].isdigit():  # -5 is a number
        inner, after = _primary([token[1:], *tokens[at + 1 :]], 0)
        return (Exclude(inner) if inner is not None else None), at + after
    following = tokens[at + 1] if at + 1 < len(tokens) else ""
    if token == "-" and (following == "(" or (len(following) > 1 and following[0] == '"')):
        inner, after = _primary(tokens, at + 1)  # -(…) or -"a phrase"
        return (Exclude(inner) if inner is not None else None), after
    return _primary(tokens, at)


def _primary(tokens: list[str], at: int) -> tuple[Node | None, int]:
    token = tokens[at]
    if token == "(":
        inner, at = _expression(tokens, at + 1)
        return inner, at + 1  # past the `)`, or the end if it was never closed
    if len(token) > 1 and token.startswith('"') and token.endswith('"'):
        words = token[1:-1].strip()
        return (Phrase(words) if words else None), at + 1
    if token in ('"', "-"):  # a stray quote or minus: nothing
        return None, at + 1
    return Text(token), at + 1


def _all(parts: list[Node]) -> Node:
    """Consecutive words joined into one `Text`; one part stands alone."""
    merged: list[Node] = []
    for part in parts:
        if isinstance(part, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(f"{merged[-1].text} {part.text}")
        else:
            merged.append(part)
    return merged[0] if len(merged) == 1 else AllOf(tuple(merged))


# ------------------------------------------------------------------- for the backends

Analyse = Callable[[str], list[Word]]


def last_text(node: Node | None) -> Text | None:
    """The last `Text` in reading order: its last word is the one being typed."""
    if isinstance(node, Text):
        return node
    if isinstance(node, AllOf | AnyOf):
        return next((t for p in reversed(node.parts) if (t := last_text(p))), None)
    return None


def has_phrase(node: Node | None) -> bool:
    if isinstance(node, Phrase):
        return True
    if isinstance(node, Exclude):
        return has_phrase(node.part)
    return isinstance(node, AllOf | AnyOf) and any(has_phrase(p) for p in node.parts)


def without_exclusions(node: Node | None) -> Node | None:
    """What a document must hold, for highlighting: the tree less its exclusions."""
    if isinstance(node, Exclude):
        return None
    if isinstance(node, AllOf | AnyOf):
        parts = tuple(p for part in node.parts if (p := without_exclusions(part)))
        return type(node)(parts) if len(parts) > 1 else (parts[0] if parts else None)
    return node


def matches(node: Node, tokens: Sequence[Token], analyse: Analyse, prefix: Text | None) -> bool:
    """Whether a document's `tokens` satisfy the tree exactly (phrases in order); the last
    word of `prefix` may be the start of a word."""
    if isinstance(node, Text):
        words = analyse(node.text)
        last = len(words) - 1 if node is prefix else -1
        return all(any(_meets(w, t, i == last) for t in tokens) for i, w in enumerate(words))
    if isinstance(node, Phrase):
        return _in_order(analyse(node.text), tokens)
    if isinstance(node, Exclude):
        return not matches(node.part, tokens, analyse, prefix)
    found = (matches(p, tokens, analyse, prefix) for p in node.parts)
    return all(found) if isinstance(node, AllOf) else any(found)


def _meets(word: Word, token: Token, as_prefix: bool) -> bool:
    if token.plain == word.plain or token.stems & {stem for _, stem in word.stems}:
        return True
    return as_prefix and token.plain.startswith(word.plain)


def _in_order(words: list[Word], tokens: Sequence[Token]) -> bool:
    if not words:
        return False
    return any(
        all(_meets(w, tokens[start + i], False) for i, w in enumerate(words))
        for start in range(len(tokens) - len(words) + 1)
    )
