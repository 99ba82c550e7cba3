"""The terminal UI: search as you type and a chat pane with cited answers.

Built over `search/` only. Importing this package imports Textual, so the command line
imports it inside the `tui` command alone.
"""

from __future__ import annotations

from index import IndexDir
from search.engine import Backend, WhooshEngine

from .app import SnapsearchApp

__all__ = ["SnapsearchApp", "make_app"]


def make_app(
    index_dir: IndexDir | None, engine: Backend | None = None, *, where: str | None = None
) -> SnapsearchApp:
    """The app on `index_dir` (which must hold an index), shared by the CLI and the tests;
    or, with no `index_dir`, on `engine` reaching an index elsewhere (`where`: a server or
    a database, shown in the status line)."""
    if engine is None:
        if index_dir is None:
            raise ValueError("make_app needs an index folder or an engine")
        engine = WhooshEngine(index_dir)
    return SnapsearchApp(index_dir, engine, where=where)
