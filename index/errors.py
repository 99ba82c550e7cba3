"""The exceptions snapsearch raises on purpose.

SnapsearchError            base of every error the command line reports as `error: …`
├── SnapshotError          a file that cannot be read or is not a snapshot (names the path)
└── IndexStateError        the index folder cannot be used as it is
    ├── IndexMissingError  no index at that place yet
    ├── IndexDamagedError  files missing or unreadable, or a format this version cannot read
    ├── IndexBusyError     another process holds the write lock
    ├── IndexUnsafeError   the folder or a file in it could have been written by another
    │                      user (the index holds pickles: opening it runs code from it)
    └── IndexWriteError    a build could not write (disk full, unwritable folder); the index
                           is left as it was before the build
"""

from __future__ import annotations

__all__ = [
    "IndexBusyError",
    "IndexDamagedError",
    "IndexMissingError",
    "IndexStateError",
    "IndexUnsafeError",
    "IndexWriteError",
    "SnapsearchError",
    "SnapshotError",
]


class SnapsearchError(Exception):
    """Base of snapsearch's own errors; the message is one line meant for a user."""


class SnapshotError(SnapsearchError):
    """A snapshot file that cannot be read or parsed."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexStateError(SnapsearchError):
    """The index folder cannot be used as it is."""


class IndexMissingError(IndexStateError):
    """There is no index at the chosen place yet."""


class IndexDamagedError(IndexStateError):
    """The index is damaged, foreign, or written by another format version."""


class IndexBusyError(IndexStateError):
    """Another process is writing the index."""


class IndexUnsafeError(IndexStateError):
    """The index folder or a file in it is not private to this user: refused unread."""


class IndexWriteError(IndexStateError):
    """A build could not write the index; the index is left as it was before it."""
