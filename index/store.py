"""The index folder on disk: generations, the write lock, and opening it.

    ROOT/
      CURRENT           name of the live generation, replaced atomically (os.replace)
      write.lock        flock'ed by the one process that writes; holds its pid
      g000001/          a Whoosh index + snapsearch.json (schema version)

Incremental builds commit into the live generation: Whoosh writes new segment files,
then a new table of contents by rename, so readers see the old or the new state, never a
mix. A rebuild writes a new generation beside the live one and switches CURRENT.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from whoosh import index as whoosh_index
from whoosh.index import Index

from .analysis import SCHEMA_VERSION, make_schema
from .errors import IndexBusyError, IndexDamagedError, IndexMissingError

__all__ = ["IndexDir", "SnapshotInfo", "default_root", "list_snapshots"]

_CURRENT = "CURRENT"
_LOCK = "write.lock"
_FORMAT = "snapsearch.json"
_REBUILD_HINT = "rebuild it with `search index build --rebuild PATH…`"


def default_root() -> Path:
    """The index folder when neither --index nor SEARCH_INDEX names one."""
    return platformdirs.user_data_path("snapsearch") / "index"


@dataclass(frozen=True)
class SnapshotInfo:
    """What the index holds about one snapshot."""

    id: str
    date: str
    documents: int
    sha256: str
    path: str
    headline: str


def list_snapshots(searcher: Any) -> list[SnapshotInfo]:
    """Every snapshot in the index, oldest first."""
    infos = []
    for fields in searcher.documents(kind="title"):
        info = fields["info"]
        infos.append(
            SnapshotInfo(
                id=fields["snapshot"],
                date=info["date"],
                documents=info["documents"],
                sha256=info["sha256"],
                path=info["path"],
                headline=info["headline"],
            )
        )
    return sorted(infos, key=lambda s: (s.date, s.id))


class IndexDir:
    """One index folder and its generations."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def generation(self) -> Path | None:
        """The live generation folder, or None when there is no index yet."""
        try:
            name = (self.root / _CURRENT).read_text("ascii").strip()
        except FileNotFoundError:
            self._refuse_foreign_folder()
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexDamagedError(
                f"{self.root}: cannot read {_CURRENT} ({exc}); {_REBUILD_HINT}"
            ) from None
        gen = self.root / name
        if not (name.startswith("g") and name[1:].isdigit() and gen.is_dir()):
            raise IndexDamagedError(
                f"{self.root}: {_CURRENT} names a missing generation {name!r}; {_REBUILD_HINT}"
            )
        return gen

    def exists(self) -> bool:
        """True when the folder holds a published index."""
        return self.generation() is not None

    def open(self) -> Index:
        """Open the live generation; raise a clear error when there is none or it is broken."""
        gen = self.generation()
        if gen is None:
            raise IndexMissingError(
                f"no index at {self.root} yet; build one with `search index build PATH…`"
            )
        self._check_format(gen)
        try:
            ix = whoosh_index.open_dir(str(gen))
            ix.doc_count()  # reads the table of contents and every segment's header
        except Exception as exc:  # Whoosh raises many kinds here; all mean "damaged"
            raise IndexDamagedError(
                f"{self.root}: the index is damaged ({type(exc).__name__}: {exc}); {_REBUILD_HINT}"
            ) from None
        return ix

    def create_generation(self) -> tuple[Path, Index]:
        """A new, empty, unpublished generation."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        numbers = [int(p.name[1:]) for p in self._generations()]
        gen = self.root / f"g{max(numbers, default=0) + 1:06d}"
        gen.mkdir(mode=0o700)
        (gen / _FORMAT).write_text(json.dumps({"schema_version": SCHEMA_VERSION}) + "\n")
        return gen, whoosh_index.create_in(str(gen), make_schema())

    def publish(self, gen: Path) -> None:
        """Make `gen` the live generation in one rename, then drop the others."""
        tmp = self.root / f"{_CURRENT}.{os.getpid()}.tmp"
        tmp.write_text(gen.name + "\n", "ascii")
        os.replace(tmp, self.root / _CURRENT)
        self.remove_stale(keep=gen)

    def remove_stale(self, keep: Path | None) -> None:
        """Delete generations other than `keep` (left by a rebuild or a killed build)."""
        for other in self._generations():
            if other != keep:
                shutil.rmtree(other, ignore_errors=True)

    @contextlib.contextmanager
    def write_lock(self, timeout: float) -> Iterator[None]:
        """Hold the folder's write lock; wait up to `timeout` seconds for another writer."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.root / _LOCK, "a+") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        handle.seek(0)
                        pid = handle.read().strip() or "unknown"
                        raise IndexBusyError(
                            f"the index is being updated by another process (pid {pid}); try again"
                        ) from None
                    time.sleep(0.05)
            # flock is released by the kernel when the process dies, so a lock left by a
            # killed build never blocks; the pid is only there to be named in the message.
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                handle.flush()
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _generations(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(
            p
            for p in self.root.iterdir()
            if p.is_dir() and p.name[:1] == "g" and p.name[1:].isdigit()
        )

    def _check_format(self, gen: Path) -> None:
        try:
            version = json.loads((gen / _FORMAT).read_text("utf-8"))["schema_version"]
        except (OSError, ValueError, KeyError, TypeError):
            raise IndexDamagedError(
                f"{self.root}: not a snapsearch index ({gen.name}/{_FORMAT} is missing or "
                f"unreadable); {_REBUILD_HINT}"
            ) from None
        if version != SCHEMA_VERSION:
            newer = "a newer" if version > SCHEMA_VERSION else "an older"
            raise IndexDamagedError(
                f"{self.root}: the index was written by {newer} snapsearch (schema {version}, "
                f"this one reads {SCHEMA_VERSION}); {_REBUILD_HINT}"
            )

    def _refuse_foreign_folder(self) -> None:
        # A folder with files of its own is not ours to write into.
        if not self.root.is_dir():
            return
        ours = {_LOCK, _CURRENT}
        foreign = [
            p.name
            for p in self.root.iterdir()
            if p.name not in ours
            and not (p.name[:1] == "g" and p.name[1:].isdigit())
            and not p.name.startswith(f"{_CURRENT}.")
        ]
        if foreign:
            raise IndexDamagedError(
                f"{self.root}: not a snapsearch index (it holds {foreign[0]!r}); "
                "pick an empty or new folder with --index or SEARCH_INDEX"
            )
