"""The `search index status --json` document, shared by the CLI and the service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index import IndexDir, SnapshotInfo

__all__ = ["status_document"]


def status_document(
    index_dir: IndexDir, snapshots: list[SnapshotInfo], documents: int
) -> dict[str, Any]:
    """The index folder, its documents, bytes a next build reclaims, and its snapshots."""
    reclaimable = index_dir.reclaimable_bytes() if index_dir.root.is_dir() else 0
    return {
        "index": str(index_dir.root),
        "documents": documents,
        "reclaimable_bytes": reclaimable,
        "snapshots": [vars(s) for s in snapshots],
    }
