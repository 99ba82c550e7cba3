"""Follow a folder of snapshots: index what is there, then every file that appears or
changes, one build per batch of changes.

A file is indexed once its size and modification time have held still for `settle`
seconds, so a snapshot being copied in is not indexed half-way. Files that fail are
logged and retried on their next change; deleted files stay in the index (it is the
history of the page, and often its only copy).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .builder import SNAPSHOT_SUFFIX, BuildReport, build, find_snapshot_files
from .errors import IndexBusyError, SnapsearchError
from .parse import DEFAULT_MAX_BYTES
from .store import IndexDir

if TYPE_CHECKING:
    from watchfiles import Change

__all__ = ["DEFAULT_SETTLE", "watch"]

DEFAULT_SETTLE = 0.5
_BUSY_WAIT = 0.5  # seconds per try while another process builds

Log = Callable[[str], None]


def watch(
    index_dir: IndexDir,
    folder: Path,
    *,
    log: Log,
    settle: float = DEFAULT_SETTLE,
    stop: threading.Event | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> None:
    """Index `folder`, then follow it until `stop` is set (or Ctrl+C)."""
    # Imported here: watchfiles brings asyncio (~35 ms), and the CLI imports this module
    # on every command for DEFAULT_SETTLE.
    from watchfiles import watch as watch_changes

    pending: set[Path] = set()
    started = False
    # yield_on_timeout: an empty batch every half second lets a build that found the
    # index busy (another process writing) try again without waiting for a new change.
    for changes in watch_changes(
        folder,
        watch_filter=_is_snapshot_change,
        step=50,
        stop_event=stop,
        rust_timeout=500,
        yield_on_timeout=True,
    ):
        if not started:
            # Only now is the watcher running: what is written from here on is seen, so
            # the folder is read now and no file can fall between the two.
            if not _index_existing(index_dir, folder, log, max_bytes, stop):
                return  # stopped while another process was building
            log(f"watching {folder} (Ctrl+C to stop)")
            started = True
        pending |= {Path(path) for _, path in changes}
        if not pending:
            continue
        paths = _settled(sorted(pending), settle, stop)
        try:
            report = build(index_dir, paths, max_bytes=max_bytes, lock_wait=_BUSY_WAIT)
        except IndexBusyError as exc:
            log(f"waiting: {exc}")
            continue
        except SnapsearchError as exc:
            # A full disk or a damaged index: say so and go on watching; the files are
            # tried again on their next change, or by `search index build`.
            log(f"{time.strftime('%H:%M:%S')} error: {exc}")
            pending.clear()
            continue
        pending.clear()
        _log_report(log, report)


def _index_existing(
    index_dir: IndexDir, folder: Path, log: Log, max_bytes: int, stop: threading.Event | None
) -> bool:
    """Index what `folder` holds, waiting for a build another process runs; False when
    stopped before that."""
    # An empty folder is where a daily workflow starts: not an error here.
    files, problems = find_snapshot_files([folder])
    report = BuildReport()
    if files:
        built = _build_when_free(index_dir, files, log, max_bytes, stop)
        if built is None:
            return False
        report = built
    report.failed[:0] = [(p.path, p.reason) for p in problems if Path(p.path) != folder]
    _log_report(log, report)
    return True


def _build_when_free(
    index_dir: IndexDir,
    files: list[Path],
    log: Log,
    max_bytes: int,
    stop: threading.Event | None,
) -> BuildReport | None:
    """Build `files`, waiting as long as another process writes; None if stopped first."""
    waiting = False
    while stop is None or not stop.is_set():
        try:
            return build(index_dir, files, max_bytes=max_bytes, lock_wait=_BUSY_WAIT)
        except IndexBusyError as exc:
            if not waiting:
                log(f"waiting: {exc}")
                waiting = True
    return None


def _is_snapshot_change(change: Change, path: str) -> bool:
    from watchfiles import Change

    name = Path(path).name
    return change != Change.deleted and name.endswith(SNAPSHOT_SUFFIX) and name[0] != "."


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _settled(paths: list[Path], settle: float, stop: threading.Event | None) -> list[Path]:
    """The paths that still exist, once none of them has changed for `settle` seconds."""
    before = [_signature(p) for p in paths]
    while True:
        time.sleep(settle)
        after = [_signature(p) for p in paths]
        if after == before or (stop is not None and stop.is_set()):
            return [p for p, sig in zip(paths, after, strict=True) if sig is not None]
        before = after


def _log_report(log: Log, report: BuildReport) -> None:
    stamp = time.strftime("%H:%M:%S")
    for what, ids in (("added", report.added), ("updated", report.updated)):
        for sid in ids:
            log(f"{stamp} {what} {sid}")
    for path, reason in report.failed:
        log(f"{stamp} error: {path}: {reason}")
