"""Build the index from snapshot files: incremental by content hash, atomic, one writer."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.index import Index

from . import lang
from .documents import documents
from .errors import SnapshotError
from .parse import DEFAULT_MAX_BYTES, parse_snapshot, read_file
from .store import IndexDir, list_snapshots

__all__ = ["BuildReport", "build", "build_sample_if_absent", "find_snapshot_files"]

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
            found = _walk(path, problems)
            if not found:
                problems.append(SnapshotError(str(path), f"no snapshot files (*{SNAPSHOT_SUFFIX})"))
            files += found
        elif path.exists() or path.is_symlink():
            files.append(path)  # a broken or looping link: reading it says which
        else:
            problems.append(SnapshotError(str(path), "no such file or folder"))
    return files, problems


def _walk(folder: Path, problems: list[SnapshotError]) -> list[Path]:
    """Snapshot files below `folder`, following links to folders, each folder once.

    A folder met again (a symbolic link loop, or two links to one folder) is reported and
    skipped, so no loop can trap the walk; so is a folder that cannot be listed, which
    os.walk would otherwise skip in silence.
    """
    found: list[Path] = []
    walked: dict[tuple[int, int], str] = {}

    def unreadable(exc: OSError) -> None:
        reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
        problems.append(SnapshotError(exc.filename or str(folder), f"cannot list: {reason}"))

    for top, dirs, names in os.walk(folder, onerror=unreadable, followlinks=True):
        try:
            info = os.stat(top)
        except OSError as exc:  # gone since it was listed
            unreadable(exc)
            dirs[:] = []
            continue
        first = walked.setdefault((info.st_dev, info.st_ino), top)
        if first != top:
            problems.append(SnapshotError(top, f"same folder as {first} (symbolic link), skipped"))
            dirs[:] = []
            continue
        # Real folders before links, so a file is named by its real path when both reach it.
        dirs[:] = sorted(
            (d for d in dirs if not d.startswith(".")),
            key=lambda d: (os.path.islink(os.path.join(top, d)), d),
        )
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
    A build that fails or is killed leaves the index as it was before it.
    """
    report = BuildReport()
    files, problems = find_snapshot_files(paths)
    report.failed += [(p.path, p.reason) for p in problems]
    lang.init()  # before any thread: langdetect's own lazy loading is not thread-safe
    job = _Job(files, report, max_bytes, progress)
    with index_dir.write_lock(lock_wait):
        _build_locked(index_dir, job, rebuild)
    return report


def build_sample_if_absent(index_dir: IndexDir, paths: Sequence[Path]) -> BuildReport | None:
    """Index `paths` (the bundled sample) into a folder with no index and no build running.

    For readers (`query`, `ask`, `tui`) on a new folder: they never wait for a build nor
    write into an index another process is building. None when there is an index
    (nothing written); IndexBusyError ("being built … try again") when a build runs.
    """
    if index_dir.exists():
        return None
    report = BuildReport()
    lang.init()
    job = _Job(paths, report, DEFAULT_MAX_BYTES, None)
    with index_dir.write_lock(0, busy=index_dir.being_built):
        if index_dir.exists():  # built between the look and the lock
            return None
        _build_locked(index_dir, job, rebuild=False)
    return report


def _build_locked(index_dir: IndexDir, job: _Job, rebuild: bool) -> None:
    """The build proper, under the write lock: sweep, then write, then count."""
    try:
        live = index_dir.tidy(rebuild=rebuild)
        if rebuild or live is None:
            _build_fresh(index_dir, job)
        else:
            _build_into_live(index_dir, live, job)
        job.report.documents = index_dir.open().doc_count() if index_dir.exists() else 0
    except OSError as exc:
        # Disk full, a read-only or unwritable folder: one clear error, the old index kept.
        raise index_dir.write_failed(exc) from None


@dataclass
class _Job:
    files: Sequence[Path]
    report: BuildReport
    max_bytes: int
    progress: Progress | None


def _build_fresh(index_dir: IndexDir, job: _Job) -> None:
    """Write a new generation beside the live one (if any), then switch to it."""
    gen, ix = index_dir.create_generation()
    writer = _LazyWriter(ix)
    try:
        _write(writer, job, known={})
        if writer.opened:
            writer.commit()
            index_dir.publish(gen)
        else:
            index_dir.discard(gen)  # nothing new was read: the index stays as it was
    except BaseException:
        writer.cancel()
        index_dir.discard(gen)
        raise


def _build_into_live(index_dir: IndexDir, ix: Index, job: _Job) -> None:
    """Commit new and changed snapshots into the live generation (opened and swept)."""
    with ix.searcher() as searcher:
        known = {s.id: s.sha256 for s in list_snapshots(searcher)}
    writer = _LazyWriter(ix)
    try:
        _write(writer, job, known)
        if writer.opened:
            writer.commit()
    except BaseException:
        writer.cancel()
        with contextlib.suppress(Exception):  # the first error is the one to report
            index_dir.sweep(ix)  # frees the space a full disk needs back
        raise


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
        writer = self._writer
        if writer is None or writer.is_closed:
            return
        try:
            writer.cancel()
        except Exception:
            # After a failed write (disk full) closing the segment's files fails again,
            # before Whoosh releases its own lock; release it so that this process (a
            # watcher, a test) can write again.
            lock = writer.writelock
            if lock is not None and lock.fd is not None:
                with contextlib.suppress(OSError):
                    lock.release()


def _write(writer: _LazyWriter, job: _Job, known: dict[str, str]) -> None:
    seen: dict[str, Path] = {}
    for done, path in enumerate(job.files, 1):
        try:
            _add_file(writer, path, known, seen, job.report, job.max_bytes)
        except SnapshotError as exc:
            job.report.failed.append((exc.path, exc.reason))
        if job.progress is not None:
            job.progress(done, len(job.files))


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
