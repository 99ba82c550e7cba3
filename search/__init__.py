"""The library that answers: queries, highlights and (soon) extractive answers.

Front ends (the `search` command, the terminal UI) only adapt it; nothing here imports
Textual.
"""

from __future__ import annotations

from .engine import KINDS, Engine, Hit, Results, UnknownSnapshotError
from .snippet import snippet

__all__ = ["KINDS", "Engine", "Hit", "Results", "UnknownSnapshotError", "snippet"]
