"""Snapshots over time: the history of a rate or stock index, and what changed between
two snapshots; built on the backend seam only."""

from __future__ import annotations

from ._diff import Diff, Move, ParagraphChange, diff
from ._history import Point, Series, UnknownSeriesError, history, series_key, sparkline

__all__ = [
    "Diff",
    "Move",
    "ParagraphChange",
    "Point",
    "Series",
    "UnknownSeriesError",
    "diff",
    "history",
    "series_key",
    "sparkline",
]
