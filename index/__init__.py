"""Snapshot files to a Whoosh index: parsing, documents, analysis and the build.

Knows nothing of queries or user interfaces.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from . import _imports  # noqa: F401  (first: Whoosh without the imports it never uses)
from .build import BuildReport, build, build_sample_if_absent, find_snapshot_files
from .errors import (
    IndexBusyError,
    IndexDamagedError,
    IndexMissingError,
    IndexStateError,
    IndexUnsafeError,
    IndexWriteError,
    SnapsearchError,
    SnapshotError,
)
from .model import Quote, Rate, Snapshot
from .parse import parse_snapshot, read_snapshot
from .store import IndexDir, SnapshotInfo, default_root, list_snapshots

__all__ = [
    "BuildReport",
    "IndexBusyError",
    "IndexDamagedError",
    "IndexDir",
    "IndexMissingError",
    "IndexStateError",
    "IndexUnsafeError",
    "IndexWriteError",
    "Quote",
    "Rate",
    "SnapsearchError",
    "Snapshot",
    "SnapshotError",
    "SnapshotInfo",
    "build",
    "build_sample_if_absent",
    "default_root",
    "find_snapshot_files",
    "list_snapshots",
    "parse_snapshot",
    "read_snapshot",
    "sample_path",
]


def sample_path() -> Path:
    """The reference snapshot shipped inside the package, indexed on first run."""
    return Path(str(files(__name__) / "sample" / "prague-post-2026-11-24.txt"))
