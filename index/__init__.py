"""Snapshot files to a Whoosh index: parsing, documents, analysis and the build, and
with the `semantic` extra the text vectors a build stores (`index.vectors`).

Knows nothing of queries or user interfaces.
"""

from __future__ import annotations

import importlib
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from .builder import BuildReport, build, build_sample_if_absent, find_snapshot_files
    from .embedding import Embedder, available_embedder
    from .parse import parse_snapshot, read_snapshot
    from .store import IndexDir, SnapshotInfo, default_root, list_snapshots
    from .vectors import VectorStore

# The rest loads on first use: a command that only talks to a service, or only reports an
# error, does not pay for Whoosh.
_LAZY = {
    "BuildReport": "builder",
    "build": "builder",
    "build_sample_if_absent": "builder",
    "find_snapshot_files": "builder",
    "parse_snapshot": "parse",
    "read_snapshot": "parse",
    "IndexDir": "store",
    "SnapshotInfo": "store",
    "default_root": "store",
    "list_snapshots": "store",
    "Embedder": "embedding",
    "available_embedder": "embedding",
    "VectorStore": "vectors",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BuildReport",
    "Embedder",
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
    "VectorStore",
    "available_embedder",
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
