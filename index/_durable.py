"""Writes that survive a power cut: fsync before a name points at new data.

Whoosh's FileStorage never calls fsync. A commit writes the segment files, then a
temporary table of contents, then renames it: `DurableStorage` fsyncs every file the
writer created and the folder just before that rename, and the folder again after it,
as SQLite does before it reports a commit. The same holds for CURRENT (`write_new_file`,
`fsync_dir`). Measured on the bundled sample (one build, ext4 on a virtual disk):
see `index.store` for the numbers; `IndexDir(root, fsync=False)` measures without.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# First: Whoosh without the modules it never uses (see index._imports).
from . import _imports  # isort: skip  # noqa: F401
from whoosh.filedb.filestore import FileStorage

__all__ = ["DurableStorage", "fsync_dir", "fsync_path", "make_private_dirs", "write_new_file"]

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class DurableStorage(FileStorage):  # type: ignore[misc]  # Whoosh has no type hints
    """A Whoosh FileStorage that makes a commit durable before publishing its TOC."""

    def __init__(self, path: str, *, supports_mmap: bool, fsync: bool) -> None:
        super().__init__(path, supports_mmap=supports_mmap)
        self.fsync = fsync
        self._unsynced: set[str] = set()

    def create_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        made = super().create_file(name, *args, **kwargs)
        self._unsynced.add(name)
        return made

    def rename_file(self, frm: str, to: str, safe: bool = False) -> None:
        publishing = self.fsync and to.endswith(".toc")
        if publishing:
            # The table of contents names the new segments: they and their names in
            # the folder reach the disk before it does.
            for name in sorted(self._unsynced):
                fsync_path(Path(self.folder, name), missing_ok=True)
            fsync_dir(Path(self.folder))
        super().rename_file(frm, to, safe=safe)
        if publishing:
            fsync_dir(Path(self.folder))
        if to.endswith(".toc"):
            self._unsynced.clear()


def fsync_path(path: Path, *, missing_ok: bool = False) -> None:
    """Flush one file's data to the disk (a file merged into a compound one may be gone)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (files created, renamed or removed in it) to the disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new_file(path: Path, text: str, *, fsync: bool) -> None:
    """Create `path` (owner-only) with `text`; never through a link, never over a file."""
    fd = os.open(path, _NEW_FILE, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def make_private_dirs(path: Path) -> None:
    """Create `path` and any missing parents owner-only (0700), whatever the umask;
    folders that already exist are left as they are."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        # The umask can only take bits away from 0700.
        folder.mkdir(mode=0o700, exist_ok=True)  # exist_ok: another process was quicker
