"""Build the index from snapshot files: incremental by content hash, atomic, one writer."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import lang
from .documents import documents
from .errors import SnapshotError
from .parse import DEFAULT_MAX_BYTES, parse_snapshot, read_file
from .store import IndexDir, list_snapshots

__all__ = ["BuildReport", "build", "find_snapshot_files"]

SNAPSHOT_SUFFIX = ".txt"
DEFAULT_LOCK_WAIT = 10.0

Progress = Callable[[int, int], None]


@dataclass
class BuildReport:
    """What one build did; `failed` holds (path, reason) pairs."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "documents": self.documents,
        }


def find_snapshot_files(paths: Iterable[Path]) -> tuple[list[Path], list[SnapshotError]]:
    """Files named directly, plus every `*.txt` below the folders named; and what was wrong."""
    files: list[Path] = []
    problems: list[SnapshotError] = []
    for path in paths:
        if path.is_dir():
            found = _walk(path)
            if not found:
                problems.append(SnapshotError(str(path), f"no snapshot files (*{SNAPSHOT_SUFFIX})"))
            files += found
        elif path.exists():
            files.append(path)
        else:
            problems.append(SnapshotError(str(path), "no such file or folder"))
    return files, problems


def _walk(folder: Path) -> list[Path]:
    # os.walk does not follow symlinked folders, so a symlink loop cannot trap it.
    found = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [
            Path(top, n) for n in sorted(names) if n.endswith(SNAPSHOT_SUFFIX) and n[0] != "."
        ]
    return found


def build(
    index_dir: IndexDir,
    paths: Sequence[Path],
    *,
    rebuild: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    lock_wait: float = DEFAULT_LOCK_WAIT,
    progress: Progress | None = None,
) -> BuildReport:
    """Add new and changed snapshots from `paths` to the index in one commit.

    With `rebuild`, the index is replaced by one built from `paths` alone, switched in
    atomically. Files that fail are reported in `failed`; the others are still indexed.
    """
    report = BuildReport()
    files, problems = find_snapshot_files(paths)
    report.failed += [(p.path, p.reason) for p in problems]
    lang.init()  # before any thread: langdetect's own lazy loading is not thread-safe
    with index_dir.write_lock(lock_wait):
        fresh = rebuild or not index_dir.exists()
        if fresh:
            gen, ix = index_dir.create_generation()
            known: dict[str, str] = {}
        else:
            index_dir.remove_stale(keep=index_dir.generation())
            ix = index_dir.open()
            with ix.searcher() as searcher:
                known = {s.id: s.sha256 for s in list_snapshots(searcher)}
        writer = _LazyWriter(ix)
        try:
            _write(writer, files, known, report, max_bytes, progress)
        except BaseException:
            writer.cancel()
            if fresh:
                index_dir.remove_stale(keep=index_dir.generation())
            raise
        if writer.opened:
            writer.commit()
            if fresh:
                index_dir.publish(gen)
        elif fresh:
            # Nothing new was read: the index (if any) stays exactly as it was.
            index_dir.remove_stale(keep=index_dir.generation())
        report.documents = index_dir.open().doc_count() if index_dir.exists() else 0
    return report


class _LazyWriter:
    """A Whoosh writer opened on the first change only.

    A Whoosh writer creates its segment files when it opens, and `cancel()` leaves them
    behind; a build that only skips or refuses files must not touch the index folder.
    """

    def __init__(self, ix: Any) -> None:
        self._ix = ix
        self._writer: Any = None

    @property
    def opened(self) -> bool:
        return self._writer is not None

    def get(self) -> Any:
        if self._writer is None:
            self._writer = self._ix.writer(limitmb=128)
        return self._writer

    def commit(self) -> None:
        self.get().commit()

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()


def _write(
    writer: _LazyWriter,
    files: Sequence[Path],
    known: dict[str, str],
    report: BuildReport,
    max_bytes: int,
    progress: Progress | None,
) -> None:
    seen: dict[str, Path] = {}
    for done, path in enumerate(files, 1):
        try:
            _add_file(writer, path, known, seen, report, max_bytes)
        except SnapshotError as exc:
            report.failed.append((exc.path, exc.reason))
        if progress is not None:
            progress(done, len(files))


def _add_file(
    writer: _LazyWriter,
    path: Path,
    known: dict[str, str],
    seen: dict[str, Path],
    report: BuildReport,
    max_bytes: int,
) -> None:
    data, mtime = read_file(path, max_bytes=max_bytes)
    sid = path.stem
    if sid in seen:
        raise SnapshotError(str(path), f"snapshot id {sid!r} is also given by {seen[sid]}")
    seen[sid] = path
    if known.get(sid) == hashlib.sha256(data).hexdigest():
        report.unchanged.append(sid)
        return
    snapshot = parse_snapshot(data, path=str(path), mtime=mtime)
    if sid in known:
        writer.get().delete_by_term("snapshot", sid)
        report.updated.append(sid)
    else:
        report.added.append(sid)
    for doc in documents(snapshot):
        writer.get().add_document(**doc)
