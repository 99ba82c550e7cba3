"""The library that answers: queries, highlights and extractive answers.

Front ends (the `search` command, the terminal UI) only adapt it; nothing here imports
Textual.
"""

from __future__ import annotations

from .answer import Answer, answer
from .engine import KINDS, Engine, Hit, Results, UnknownSnapshotError
from .snippet import snippet

__all__ = [
    "KINDS",
    "Answer",
    "Engine",
    "Hit",
    "Results",
    "UnknownSnapshotError",
    "answer",
    "snippet",
]
