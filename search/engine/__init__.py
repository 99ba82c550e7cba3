"""The backend seam: one typed protocol (`Backend`) over an index, and its implementations.

`WhooshEngine` is the embedded default; nothing above this package imports Whoosh.

Only the plain values (hits, results, words, snippets) load with the package. The protocol,
the query syntax and every backend load on first use: `WhooshEngine` brings Whoosh and the
`index` package, `HttpBackend` h11, `PostgresBackend` psycopg. A command that talks to a
running service thus never imports Whoosh.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._snippet import label, snippet
from ._types import KINDS, SORTS, Hit, Results, Span, Token, Word
from ._visible import visible

if TYPE_CHECKING:
    from ._http import HttpBackend
    from ._postgres import PostgresBackend
    from ._protocol import Backend
    from ._syntax import (
        AllOf,
        AnyOf,
        Exclude,
        Node,
        Parsed,
        Phrase,
        Text,
        matches,
        parse_query,
    )
    from ._types import UnknownSnapshotError
    from ._whoosh import WhooshEngine

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

# The names loaded on first use, and the module of this package each comes from.
_LAZY = {
    "Backend": "_protocol",  # the `index` package (Whoosh) for `SnapshotInfo`
    "UnknownSnapshotError": "_types",  # a `SnapsearchError`: the `index` package too
    "WhooshEngine": "_whoosh",
    "HttpBackend": "_http",  # h11
    "PostgresBackend": "_postgres",  # psycopg
    **dict.fromkeys(("AllOf", "AnyOf", "Exclude", "Node", "Parsed", "Phrase", "Text"), "_syntax"),
    "matches": "_syntax",
    "parse_query": "_syntax",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
