"""The one-writer lock of an index folder: `flock` on the folder itself.

A lock on a file breaks when the file is deleted by hand while it is held (the next
writer creates and locks a new file), so the lock is taken on the index folder's own
descriptor, which nobody deletes while it holds an index. `write.lock` only names the
holder's pid for the "busy" message (and keeps out writers of older versions, which
lock that file); it is opened with O_NOFOLLOW and checked to be a private regular file
before it is written, so a link planted there cannot make a build overwrite another
file. The kernel drops both locks when the process dies: a killed build never blocks.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ._trust import Reach, check_file, refuse

__all__ = ["LOCK_NAME", "holder_pid", "hold"]

LOCK_NAME = "write.lock"
_PAUSE = 0.05
_NOTE_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK

Busy = Callable[[str], Exception]  # the error to raise, given the holder's pid


@contextlib.contextmanager
def hold(root: Path, reach: Reach, timeout: float, busy: Busy) -> Iterator[None]:
    """Hold the write lock of `root`, waiting up to `timeout` s; else raise busy(pid)."""
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        note = _open_note(root, reach)
        try:
            _acquire((folder, note), timeout, lambda: busy(_read_pid(note)))
            try:
                _write_pid(note, f"{os.getpid()}\n")
                yield
            finally:
                _write_pid(note, "")
                for fd in (note, folder):
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(note)
    finally:
        os.close(folder)


def holder_pid(root: Path) -> str | None:
    """The pid of the process writing `root` now, or None when nobody holds the lock."""
    try:
        folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if _try_lock((folder,)):
            fcntl.flock(folder, fcntl.LOCK_UN)
            return None
    finally:
        os.close(folder)
    try:
        return (root / LOCK_NAME).read_text("ascii").strip() or "unknown"
    except (OSError, UnicodeDecodeError):
        return "unknown"


def _open_note(root: Path, reach: Reach) -> int:
    path = root / LOCK_NAME
    try:
        fd = os.open(path, _NOTE_FLAGS, 0o600)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        refuse(root, f"{LOCK_NAME} is a symbolic link", f"delete it (rm {path})")
    try:
        check_file(root, path, os.fstat(fd), reach)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _acquire(fds: tuple[int, ...], timeout: float, busy: Callable[[], Exception]) -> None:
    deadline = time.monotonic() + timeout
    while not _try_lock(fds):
        if time.monotonic() >= deadline:
            raise busy()
        time.sleep(_PAUSE)


def _try_lock(fds: tuple[int, ...]) -> bool:
    """Lock every fd, or none of them."""
    for n, fd in enumerate(fds):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            for held in fds[:n]:
                fcntl.flock(held, fcntl.LOCK_UN)
            return False
    return True


def _read_pid(fd: int) -> str:
    return os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"


def _write_pid(fd: int, text: str) -> None:
    # Only for the message of a waiting writer: a full disk must not stop the build here,
    # where it would say nothing of the index.
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode("ascii"), 0)
