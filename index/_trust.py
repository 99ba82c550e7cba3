"""Refuse index files another user could have written, before reading any of them.

The index holds pickles (Whoosh pickles the schema and the segment list into its table
of contents), so opening an index runs code from it. Like ssh with `~/.ssh`, a folder or
file is trusted only when it is owned by this user (or root) and no other user can
write it: not writable by group or others, or inside a folder they cannot enter.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import IndexUnsafeError

__all__ = ["Reach", "check_dir", "check_file", "check_root", "refuse"]

# The write bits (group 0o020, others 0o002) of the users who can enter a folder.
Reach = int
_EVERYONE: Reach = 0o022
_REBUILD = "rebuild it with `search index build --rebuild PATH…`"


def check_root(root: Path) -> Reach:
    """Check the index folder itself (a symbolic link to it is fine); who can enter it."""
    info = os.stat(root)
    _check_owner(root, root, info)
    if info.st_mode & 0o022:
        loose = _who(info.st_mode & 0o022)
        refuse(root, f"the folder is writable by {loose}", f"if it is yours: chmod go-w {root}")
    return _EVERYONE & _entry_bits(info.st_mode)


def check_dir(root: Path, path: Path, reach: Reach) -> Reach:
    """Check a folder inside the index (never a link); who can enter it and its parents."""
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        refuse(root, f"{_name(root, path)} is not a folder", f"delete it (rm {path})")
    _check_entry(root, path, info, reach)
    return reach & _entry_bits(info.st_mode)


def check_file(root: Path, path: Path, info: os.stat_result, reach: Reach) -> None:
    """Check a file of the index from its `lstat` (or `fstat` of the open file)."""
    if not stat.S_ISREG(info.st_mode):
        refuse(root, f"{_name(root, path)} is not a regular file", _REBUILD)
    _check_entry(root, path, info, reach)


def refuse(root: Path, what: str, fix: str) -> None:
    """Raise the one-line refusal: what is wrong and how to fix it."""
    raise IndexUnsafeError(f"refusing to open index {root}: {what}; {fix}")


def _check_entry(root: Path, path: Path, info: os.stat_result, reach: Reach) -> None:
    _check_owner(root, path, info)
    loose = info.st_mode & reach
    if loose:
        what = f"{_name(root, path)} is writable by {_who(loose)}"
        refuse(root, what, f"if it is yours: chmod -R go-w {root}")


def _check_owner(root: Path, path: Path, info: os.stat_result) -> None:
    me = os.geteuid()
    if info.st_uid not in (me, 0):
        refuse(
            root,
            f"{_name(root, path)} is owned by uid {info.st_uid}, not by you (uid {me})",
            f"if you trust it: chown -R {me} {root}",
        )


def _entry_bits(mode: int) -> Reach:
    """The write bits of the classes that can enter a folder of this mode (its x bits)."""
    return (0o020 if mode & 0o010 else 0) | (0o002 if mode & 0o001 else 0)


def _who(bits: int) -> str:
    return " and ".join(w for w, b in (("group", 0o020), ("others", 0o002)) if bits & b)


def _name(root: Path, path: Path) -> str:
    return "the folder" if path == root else str(path.relative_to(root))
