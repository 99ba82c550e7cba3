"""The index folder on disk: generations, the write lock, and opening it.

    ROOT/
      CURRENT           name of the live generation, replaced atomically (os.replace)
      write.lock        flock'ed by the one process that writes; holds its pid
      g000001/          a Whoosh index + snapsearch.json (schema version)

Incremental builds commit into the live generation: Whoosh writes new segment files,
then a new table of contents by rename, so readers see the old or the new state, never a
mix. A rebuild writes a new generation beside the live one and switches CURRENT.

A build killed at any moment leaves the last committed state live, plus debris that the
next build sweeps away under the lock: unpublished generations, `CURRENT.*.tmp`, and in
the live generation Whoosh's temporary table of contents, its `MAIN.tmp` folder and
segment files no table of contents names. Neither Whoosh nor this module calls fsync: a
commit survives a killed process, not a power cut.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import json
import os
import re
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, Index, clean_files

from .analysis import SCHEMA_VERSION, make_schema
from .errors import (
    IndexBusyError,
    IndexDamagedError,
    IndexMissingError,
    IndexStateError,
    IndexWriteError,
)

__all__ = [
    "IndexDir",
    "SnapshotInfo",
    "collect_leaked_files",
    "default_root",
    "list_snapshots",
]

_CURRENT = "CURRENT"
_LOCK = "write.lock"
_FORMAT = "snapsearch.json"
_REBUILD_HINT = "rebuild it with `search index build --rebuild PATH…`"
# Exactly the names create_generation() makes: a user's own `g2024` folder is not ours to
# delete.
_GENERATION = re.compile(r"g\d{6,}")
# Whoosh writes the table of contents as `_MAIN_<n>.toc.<time>` and renames it; a killed
# writer leaves that temporary behind and Whoosh's own clean-up never matches it.
_TEMP_TOC = re.compile(r"_(?P<name>\w+)_\d+\.toc\..+")
_OPEN_ATTEMPTS = 5
_OPEN_RETRY_PAUSE = 0.02


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

    def __init__(self, root: Path, *, mmap: bool = True) -> None:
        """`mmap=False` reads segments with plain file reads: whoosh-reloaded 2.7.5 reads a
        memory-mapped segment through `BytesIO(buffer)`, a copy of the whole segment made
        when it opens (~0.2 s for 180 MB), which a one-query process does not make up for.
        Its readers then hold their files open until closed."""
        self.root = root
        self.mmap = mmap

    def generation(self) -> Path | None:
        """The live generation folder, or None when there is no index yet."""
        try:
            name = (self.root / _CURRENT).read_text("ascii").strip()
        except (FileNotFoundError, NotADirectoryError):
            # NotADirectoryError: the path runs through a file. There is no index there;
            # a build says why when it cannot create the folder.
            self._refuse_foreign_folder()
            return None
        except PermissionError:
            raise IndexDamagedError(
                f"{self.root}: cannot read the index (permission denied); it belongs to "
                "another user, or pick another folder with --index or SEARCH_INDEX"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexDamagedError(
                f"{self.root}: cannot read {_CURRENT} ({_one_line(exc)}); {_REBUILD_HINT}"
            ) from None
        gen = self.root / name
        if not (_GENERATION.fullmatch(name) and gen.is_dir()):
            raise IndexDamagedError(
                f"{self.root}: {_CURRENT} names a missing generation {name!r}; {_REBUILD_HINT}"
            )
        return gen

    def exists(self) -> bool:
        """True when the folder holds a published index."""
        return self.generation() is not None

    def open(self) -> Index:
        """Open the live generation; raise a clear error when there is none or it is broken.

        A commit deletes the table of contents it replaces, and a rebuild the whole previous
        generation, each possibly between a reader's listing the files and opening them:
        when CURRENT or the tables of contents changed during a failed attempt, it is
        tried again before the index is called damaged.
        """
        attempt = 1
        while True:
            gen = self.generation()
            if gen is None:
                raise IndexMissingError(
                    f"no index at {self.root} yet; build one with `search index build PATH…`"
                )
            before = self._commit_marker(gen)
            try:
                return self._open_generation(gen)
            except Exception as exc:  # Whoosh raises many kinds here; all mean "damaged"
                moved = self._commit_marker(gen) != before
                error = exc if isinstance(exc, IndexStateError) else self.damaged(exc)
            collect_leaked_files()  # out of the except block: the traceback held them
            if not moved or attempt == _OPEN_ATTEMPTS:
                raise error from None
            attempt += 1
            time.sleep(_OPEN_RETRY_PAUSE)

    def damaged(self, exc: BaseException) -> IndexDamagedError:
        """The error for an index whose files fail to read with `exc`."""
        return IndexDamagedError(
            f"{self.root}: the index is damaged ({type(exc).__name__}: {_one_line(exc)}); "
            f"{_REBUILD_HINT}"
        )

    def write_failed(self, exc: OSError) -> IndexWriteError:
        """The error for a build that could not write: the cause and what to do."""
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            fix = "free some disk space and build again"
        else:
            fix = "pick a folder you can write with --index or SEARCH_INDEX"
        return IndexWriteError(
            f"{self.root}: cannot write the index ({exc.strerror or _one_line(exc)}); "
            f"it is left as it was before this build; {fix}"
        )

    def create_generation(self) -> tuple[Path, Index]:
        """A new, empty, unpublished generation."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        numbers = [int(p.name[1:]) for p in self._generations()]
        gen = self.root / f"g{max(numbers, default=0) + 1:06d}"
        gen.mkdir(mode=0o700)
        try:
            (gen / _FORMAT).write_text(json.dumps({"schema_version": SCHEMA_VERSION}) + "\n")
            return gen, whoosh_index.create_in(str(gen), make_schema())
        except BaseException:
            self.discard(gen)
            raise

    def publish(self, gen: Path) -> None:
        """Make `gen` the live generation in one rename, then drop the others."""
        tmp = self.root / f"{_CURRENT}.{os.getpid()}.tmp"
        try:
            tmp.write_text(gen.name + "\n", "ascii")
            os.replace(tmp, self.root / _CURRENT)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        self.remove_stale(keep=gen)

    def discard(self, gen: Path) -> None:
        """Delete an unpublished generation (a rebuild that failed or found nothing)."""
        shutil.rmtree(gen, ignore_errors=True)

    def remove_stale(self, keep: Path | None) -> None:
        """Delete generations other than `keep` and temporary names of CURRENT (left by a
        rebuild or a killed build). Only under the write lock."""
        for other in self._generations():
            if other != keep:
                shutil.rmtree(other, ignore_errors=True)
        if self.root.is_dir():
            for tmp in self.root.glob(f"{_CURRENT}.*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def sweep(self, ix: Index) -> None:
        """Delete what killed or failed writers left in a generation. Only under the lock.

        Whoosh deletes segment files no table of contents names only when a later commit
        succeeds (and `writer.cancel()` leaves the new segment's files behind); it never
        deletes the temporary table of contents or the `MAIN.tmp` folder of a writer that
        died. A build that commits nothing would leave all of that for ever.
        """
        storage, name = ix.storage, ix.indexname
        toc = TOC.read(storage, name)
        clean_files(storage, name, toc.generation, toc.segments)
        for filename in storage.list():
            temp = _TEMP_TOC.fullmatch(filename)
            if temp and temp["name"] == name:
                with contextlib.suppress(OSError):
                    storage.delete_file(filename)
        shutil.rmtree(Path(storage.folder, f"{name}.tmp"), ignore_errors=True)

    @contextlib.contextmanager
    def write_lock(self, timeout: float) -> Iterator[None]:
        """Hold the folder's write lock; wait up to `timeout` seconds for another writer."""
        if not (self.root / _CURRENT).exists():
            # Before creating write.lock: a folder of someone else's files stays untouched.
            self._refuse_foreign_folder()
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

    def _open_generation(self, gen: Path) -> Index:
        self._check_format(gen)
        ix = FileStorage(str(gen), supports_mmap=self.mmap).open_index()
        # open_dir reads only the table of contents; this opens every segment too, so a
        # truncated or missing segment file is found here rather than by the first query.
        ix.doc_count()
        return ix

    def _commit_marker(self, gen: Path) -> tuple[Path | None, tuple[str, ...]]:
        """What a commit or a rebuild changes: CURRENT and the tables of contents."""
        try:
            current = self.generation()
        except IndexStateError:
            current = None
        try:
            tocs = tuple(sorted(name for name in os.listdir(gen) if name.endswith(".toc")))
        except OSError:
            tocs = ()
        return current, tocs

    def _generations(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(
            p for p in self.root.iterdir() if p.is_dir() and _GENERATION.fullmatch(p.name)
        )

    def _check_format(self, gen: Path) -> None:
        try:
            version = json.loads((gen / _FORMAT).read_text("utf-8"))["schema_version"]
        except (OSError, ValueError, KeyError, TypeError):
            version = None
        if not isinstance(version, int) or isinstance(version, bool):
            raise IndexDamagedError(
                f"{self.root}: not a snapsearch index ({gen.name}/{_FORMAT} is missing or "
                f"unreadable); {_REBUILD_HINT}"
            )
        if version > SCHEMA_VERSION:
            raise IndexDamagedError(
                f"{self.root}: the index was written by a newer snapsearch (schema {version}, "
                f"this one reads {SCHEMA_VERSION}); upgrade snapsearch, or {_REBUILD_HINT}"
            )
        if version < SCHEMA_VERSION:
            raise IndexDamagedError(
                f"{self.root}: the index was written by an older snapsearch (schema "
                f"{version}, this one reads {SCHEMA_VERSION}); {_REBUILD_HINT}"
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
            and not _GENERATION.fullmatch(p.name)
            and not p.name.startswith(f"{_CURRENT}.")
        ]
        if foreign:
            raise IndexDamagedError(
                f"{self.root}: not a snapsearch index (it holds {sorted(foreign)[0]!r}); "
                "pick an empty or new folder with --index or SEARCH_INDEX"
            )


def collect_leaked_files() -> None:
    """Close the files Whoosh left open when it failed to read a damaged index.

    Whoosh opens a segment's files and does not close them when reading them fails; the
    garbage collector would close them later, each with a ResourceWarning, wherever it
    happened to run.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def _one_line(exc: BaseException, limit: int = 200) -> str:
    """`exc`'s message on one line, cut to `limit` characters: the CLI prints one line."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
