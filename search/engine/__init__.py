"""The backend seam: one typed protocol (`Backend`) over an index, and its implementations.

`WhooshEngine` is the embedded default; nothing above this package imports Whoosh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._protocol import Backend
from ._snippet import label, snippet
from ._syntax import AllOf, AnyOf, Exclude, Node, Parsed, Phrase, Text, matches, parse_query
from ._types import KINDS, Hit, Results, Span, Token, UnknownSnapshotError, Word
from ._visible import visible
from ._whoosh import SORTS, WhooshEngine

if TYPE_CHECKING:
    from ._http import HttpBackend
    from ._postgres import PostgresBackend

__all__ = [
    "AllOf",
    "AnyOf",
    "Exclude",
    "Node",
    "Phrase",
    "Text",
    "KINDS",
    "SORTS",
    "Backend",
    "Hit",
    "HttpBackend",
    "Parsed",
    "PostgresBackend",
    "Results",
    "Span",
    "Token",
    "UnknownSnapshotError",
    "WhooshEngine",
    "Word",
    "label",
    "matches",
    "parse_query",
    "snippet",
    "visible",
]


def __getattr__(name: str) -> Any:
    # `HttpBackend` imports httpx (~50 ms): loaded only when a command names a server.
    if name == "HttpBackend":
        from ._http import HttpBackend

        return HttpBackend
    if name == "PostgresBackend":  # psycopg: loaded only when a command names a database
        from ._postgres import PostgresBackend

        return PostgresBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
