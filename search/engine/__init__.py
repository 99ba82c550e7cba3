"""The backend seam: one typed protocol (`Backend`) over an index, and its implementations.

`WhooshEngine` is the embedded default; nothing above this package imports Whoosh.
"""

from __future__ import annotations

from ._protocol import Backend
from ._snippet import label, snippet
from ._types import KINDS, Hit, Results, Span, Token, UnknownSnapshotError, Word
from ._visible import visible
from ._whoosh import WhooshEngine

__all__ = [
    "KINDS",
    "Backend",
    "Hit",
    "Results",
    "Span",
    "Token",
    "UnknownSnapshotError",
    "WhooshEngine",
    "Word",
    "label",
    "snippet",
    "visible",
]
