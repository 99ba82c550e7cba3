"""The terminal UI: search as you type and a chat pane with cited answers.

Built over `search/` only. Importing this package imports Textual, so the command line
imports it inside the `tui` command alone.
"""

from __future__ import annotations

from index import IndexDir
from search.engine import Backend, WhooshEngine

from .app import SnapsearchApp

__all__ = ["SnapsearchApp", "make_app"]


def make_app(index_dir: IndexDir, engine: Backend | None = None) -> SnapsearchApp:
    """The app on `index_dir` (which must hold an index), shared by the CLI and the tests."""
    return SnapsearchApp(index_dir, engine or WhooshEngine(index_dir))
