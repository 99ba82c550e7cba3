"""The index folder on disk: generations, the write lock, and opening it.

    ROOT/               0700, like every folder made for it (missing parents too)
      CURRENT           name of the live generation, replaced atomically (os.replace)
      write.lock        the pid of the writer, for the "busy" message
      g000001/          a Whoosh index, side.sqlite (see `index.side`), snapsearch.json
                        (schema version) and, with the `semantic` extra, text vectors:
                        vectors-NNNNNN.npz, one chunk per build that embedded texts,
                        hard-linked on like the segments (see `index.vectors`)

One writer: every build, rebuild and watcher holds `flock` on ROOT's own descriptor (and
on write.lock, for older versions), so deleting write.lock by hand breaks nothing, and a
killed writer's lock goes with its process. A reader that finds no index indexes the
sample only when no build is running (`build_sample_if_absent`); it never waits for, or
writes into, an index another process is building.

Every build writes a new generation and switches CURRENT to it: the Whoosh index and the
side store are one state, and a rename is the only way to change both at once. A rebuild
starts it empty; an incremental build starts it as a copy of the live one, whose Whoosh
files are hard links (Whoosh never rewrites a file: a commit writes new segments and a
new table of contents, and records deletions in it) and whose side store is rewritten
from a copy in memory (~20 ms for 25 MB). A published generation is never written
again, so readers pinned to one keep reading it, open files and all, after a newer one
replaces it.

Durability (`IndexDir(fsync=True)`, the default): the files a commit wrote and their
folder are fsynced before its table of contents is renamed into place, the folder again
after; a rebuild's generation is complete on disk before ROOT is fsynced, CURRENT
replaced and ROOT fsynced again. A reported build survives a power cut. Cost on the
bundled sample (ext4 on a virtual disk): ~10 ms on a ~135 ms first build, ~5 ms per
rebuild, ~2 ms per incremental build.

Leftovers: every writer first deletes, under the lock, what killed or failed writers
left: unpublished generations, `CURRENT.*.tmp`, and in the live generation Whoosh's
temporary tables of contents, its `MAIN.tmp` folder and segment files no table of
contents names. `leftovers()` / `reclaimable_bytes()` say what the next writer frees.

Trust: the index holds pickles, so opening it runs code from it. Before anything is
read, ROOT, CURRENT, the live generation and every file in it must be owned by this user
(or root) and not writable by group or others who can reach them (ssh's rule for
`~/.ssh`); otherwise IndexUnsafeError names the file and the fix. Files written by name
(CURRENT's temporary, snapsearch.json, write.lock) are opened with O_NOFOLLOW, new ones
with O_EXCL, so a planted link never redirects a write.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import json
import os
import re
import shutil
import sqlite3
import stat
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# First: Whoosh without the modules it never uses (see index._imports).
from . import _imports  # isort: skip  # noqa: F401
import platformdirs
from whoosh.index import TOC, Index

from . import _lock
from ._durable import DurableStorage, fsync_dir, make_private_dirs, write_new_file
from ._trust import Reach, check_dir, check_file, check_root, refuse
from .analysis import SCHEMA_VERSION, make_schema
from .errors import (
    IndexBusyError,
    IndexDamagedError,
    IndexMissingError,
    IndexStateError,
    IndexUnsafeError,
    IndexWriteError,
)
from .side import SIDE_NAME, SideReader
from .vectors import ChunkError, check_chunks, chunk_names

__all__ = [
    "IndexDir",
    "SnapshotInfo",
    "collect_leaked_files",
    "default_root",
    "list_snapshots",
    "side_reader",
]

_CURRENT = "CURRENT"
_LOCK = _lock.LOCK_NAME
_FORMAT = "snapsearch.json"
_REBUILD_HINT = "rebuild it with `search index build --rebuild PATH…`"
# Exactly the names create_generation() makes: a user's own `g2024` folder is not ours to
# delete.
_GENERATION = re.compile(r"g\d{6,}")
# Whoosh writes the table of contents as `_MAIN_<n>.toc.<time>` and renames it; a killed
# writer leaves that temporary behind and Whoosh's own clean-up never matches it.
_TEMP_TOC = re.compile(r"_(?P<name>\w+)_\d+\.toc\..+")
_CURRENT_MAX = 4096
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
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


def list_snapshots(ix: Index) -> list[SnapshotInfo]:
    """Every snapshot in the opened index `ix`, oldest first."""
    side = side_reader(ix)
    try:
        return [SnapshotInfo(*row) for row in side.snapshots()]
    finally:
        side.close()


def side_reader(ix: Index) -> SideReader:
    """The side store of the generation `ix` reads."""
    return SideReader(Path(ix.storage.folder, SIDE_NAME))


class IndexDir:
    """One index folder and its generations."""

    def __init__(self, root: Path, *, mmap: bool = True, fsync: bool = True) -> None:
        """`mmap=False` reads segments with plain file reads: whoosh-reloaded 2.7.5 reads a
        memory-mapped segment through `BytesIO(buffer)`, a copy of the whole segment made
        when it opens (~0.2 s for 180 MB), which a one-query process does not make up for.
        Its readers then hold their files open until closed. `fsync=False` skips the
        fsync calls of a commit (for benchmarks and throwaway indexes only)."""
        self.root = root
        self.mmap = mmap
        self.fsync = fsync

    def generation(self) -> Path | None:
        """The live generation folder, or None when there is no index yet."""
        live = self._live()
        return None if live is None else live[0]

    def _live(self) -> tuple[Path, Reach] | None:
        """The live generation and who can reach into it, once both are checked as ours."""
        try:
            reach = check_root(self.root)
            name = self._read_current(reach)
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
        return gen, check_dir(self.root, gen, reach)

    def _read_current(self, reach: Reach) -> str:
        path = self.root / _CURRENT
        try:
            fd = os.open(path, _READ_FLAGS)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                fix = f"delete it (rm {path}), then {_REBUILD_HINT}"
                refuse(self.root, f"{_CURRENT} is a symbolic link", fix)
            raise
        try:
            check_file(self.root, path, os.fstat(fd), reach)
            return os.read(fd, _CURRENT_MAX).decode("ascii").strip()
        finally:
            os.close(fd)

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
            live = self._live()
            if live is None:
                raise IndexMissingError(
                    f"no index at {self.root} yet; build one with `search index build PATH…`"
                )
            gen = live[0]
            before = self._commit_marker(gen)
            try:
                return self._open_generation(*live)
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
        make_private_dirs(self.root)
        numbers = [int(p.name[1:]) for p in self._generations()]
        gen = self.root / f"g{max(numbers, default=0) + 1:06d}"
        gen.mkdir(mode=0o700)
        try:
            version = json.dumps({"schema_version": SCHEMA_VERSION}) + "\n"
            write_new_file(gen / _FORMAT, version, fsync=self.fsync)
            return gen, self._storage(gen).create_index(make_schema())
        except BaseException:
            self.discard(gen)
            raise

    def clone_generation(self, ix: Index) -> tuple[Path, Index]:
        """A new, unpublished generation holding the Whoosh index of `ix` (the live one)
        and its vector chunks, files hard-linked, to be written into; the side store is
        written by the build."""
        numbers = [int(p.name[1:]) for p in self._generations()]
        gen = self.root / f"g{max(numbers, default=0) + 1:06d}"
        gen.mkdir(mode=0o700)
        live = Path(ix.storage.folder)
        try:
            version = json.dumps({"schema_version": SCHEMA_VERSION}) + "\n"
            write_new_file(gen / _FORMAT, version, fsync=self.fsync)
            # The vector chunks too: like segments, each is written once, never changed.
            for name in [*_whoosh_files(ix)[0], *chunk_names(live)]:
                os.link(live / name, gen / name, follow_symlinks=False)
            if self.fsync:
                fsync_dir(gen)
            return gen, self._storage(gen).open_index()
        except BaseException:
            self.discard(gen)
            raise

    def publish(self, gen: Path) -> None:
        """Make `gen` the live generation in one rename, then drop the others.

        Its files were flushed when its table of contents was written; its name in ROOT
        and the new CURRENT are flushed before the rename, the rename itself after.
        """
        tmp = self.root / f"{_CURRENT}.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # left by a killed process that had this pid
        try:
            write_new_file(tmp, gen.name + "\n", fsync=self.fsync)
            self._flush_root()
            os.replace(tmp, self.root / _CURRENT)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        self._flush_root()
        self.remove_stale(keep=gen)

    def discard(self, gen: Path) -> None:
        """Delete an unpublished generation (a rebuild that failed or found nothing)."""
        shutil.rmtree(gen, ignore_errors=True)

    def tidy(self, *, rebuild: bool) -> Index | None:
        """Delete what killed or failed writers left; the live index, opened, if any.

        Every writer (build, rebuild, watcher) calls this first, under the lock. A rebuild
        goes on where the live index is damaged or foreign to this version; it then keeps
        every generation, as the live one cannot be told.
        """
        try:
            live = self.generation()
        except IndexDamagedError:
            if not rebuild:
                raise
            self._remove_temporaries()  # CURRENT unreadable: the live generation is unknown
            return None
        try:
            ix = None if live is None else self.open()
        except (IndexDamagedError, IndexUnsafeError):  # its files: a rebuild replaces them
            if not rebuild:
                raise
            ix = None
        self.remove_stale(keep=live)
        if ix is not None:
            self.sweep(ix)
        return ix

    def remove_stale(self, keep: Path | None) -> None:
        """Delete generations other than `keep` and temporary names of CURRENT (left by a
        rebuild or a killed build). Only under the write lock."""
        for other in self._generations():
            if other != keep:
                shutil.rmtree(other, ignore_errors=True)
        self._remove_temporaries()

    def leftovers(self) -> list[Path]:
        """What the next writer will delete: unpublished or old generations, temporary
        files and folders, segments no table of contents names. While a build runs
        (`writer_pid()`), what it is writing is listed too."""
        for attempt in range(1, _OPEN_ATTEMPTS + 1):
            live = self.generation()
            found = [g for g in self._generations() if g != live] + self._temporaries()
            if live is None:
                return found
            try:
                return found + [Path(live, name) for name in self._debris(self.open())]
            except Exception:
                # Every build publishes a generation and deletes the one before: when the
                # live one changed while it was read, look again.
                collect_leaked_files()
                if attempt == _OPEN_ATTEMPTS or self.generation() == live:
                    raise
        raise AssertionError("unreachable")

    def reclaimable_bytes(self) -> int:
        """The bytes the next writer will free: the size of `leftovers()`."""
        return sum(_size(path) for path in self.leftovers())

    def writer_pid(self) -> str | None:
        """The pid of the process writing this index now ("unknown" if it is not
        recorded), or None when no build is running."""
        return _lock.holder_pid(self.root)

    def being_built(self, pid: str) -> IndexBusyError:
        """The error for a reader that finds the first build of this folder running."""
        return IndexBusyError(
            f"an index is being built in {self.root} by pid {pid}; try again when it finishes"
        )

    def sweep(self, ix: Index) -> None:
        """Delete what killed or failed writers left in a generation. Only under the lock.

        Whoosh deletes segment files no table of contents names only when a later commit
        succeeds (and `writer.cancel()` leaves the new segment's files behind); it never
        deletes the temporary table of contents or the `MAIN.tmp` folder of a writer that
        died. A build that commits nothing would leave all of that for ever.
        """
        for name in self._debris(ix):
            path = Path(ix.storage.folder, name)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()

    @contextlib.contextmanager
    def write_lock(
        self, timeout: float, busy: Callable[[str], IndexBusyError] | None = None
    ) -> Iterator[None]:
        """Hold the folder's write lock; wait up to `timeout` seconds for another writer,
        then raise `busy(pid)` (by default: the index is being updated)."""
        if not (self.root / _CURRENT).exists():
            # Before creating write.lock: a folder of someone else's files stays untouched.
            self._refuse_foreign_folder()
        try:
            make_private_dirs(self.root)
        except OSError as exc:
            raise self.write_failed(exc) from None
        reach = check_root(self.root)
        with _lock.hold(self.root, reach, timeout, busy or _updating):
            yield

    def _debris(self, ix: Index) -> list[str]:
        """Names in `ix`'s folder that its table of contents does not need."""
        return _whoosh_files(ix)[1]

    def _storage(self, gen: Path) -> DurableStorage:
        return DurableStorage(str(gen), supports_mmap=self.mmap, fsync=self.fsync)

    def _flush_root(self) -> None:
        if self.fsync:
            fsync_dir(self.root)

    def _temporaries(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(self.root.glob(f"{_CURRENT}.*.tmp"))

    def _remove_temporaries(self) -> None:
        for tmp in self._temporaries():
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _open_generation(self, gen: Path, reach: Reach) -> Index:
        self._check_files(gen, reach)  # before the first pickle is read
        self._check_format(gen)
        ix = self._storage(gen).open_index()
        self._check_schema(gen, ix)
        self._check_side(gen)
        self._check_vectors(gen)
        # open_dir reads only the table of contents; this opens every segment too, so a
        # truncated or missing segment file is found here rather than by the first query.
        ix.doc_count()
        return ix

    def _check_files(self, gen: Path, reach: Reach) -> None:
        with os.scandir(gen) as entries:
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue  # deleted by a commit since the listing
                if not stat.S_ISDIR(info.st_mode):  # folders in it (MAIN.tmp) are never read
                    check_file(self.root, Path(entry.path), info, reach)

    def _check_schema(self, gen: Path, ix: Index) -> None:
        """A Whoosh index of other fields would fail on the first query (KeyError)."""
        have = {name: type(field).__name__ for name, field in ix.schema.items()}
        want = _snapsearch_fields()
        if have != want:
            diff = sorted(set(want.items()) ^ set(have.items()))[0][0]
            raise IndexDamagedError(
                f"{self.root}: not a snapsearch index of this version ({gen.name} differs in "
                f"field {diff!r}); {_REBUILD_HINT}"
            )

    def _check_side(self, gen: Path) -> None:
        """The side store opens and has the tables this version reads."""
        path = gen / SIDE_NAME
        if not path.is_file():
            raise IndexDamagedError(
                f"{self.root}: the index is damaged ({gen.name}/{SIDE_NAME} is missing); "
                f"{_REBUILD_HINT}"
            )
        try:
            SideReader(path).close()
        except sqlite3.Error as exc:
            raise self.damaged(exc) from None

    def _check_vectors(self, gen: Path) -> None:
        """Each vector chunk is a whole file (its table of contents only: no numpy)."""
        try:
            check_chunks(gen)
        except ChunkError as exc:
            raise self.vectors_damaged(exc) from None

    def vectors_damaged(self, exc: ChunkError) -> IndexDamagedError:
        """The error for a vector chunk that cannot be read, naming the file."""
        return IndexDamagedError(
            f"{self.root}: the index is damaged ({exc.path.parent.name}/{exc.path.name}: "
            f"{exc.reason}); {_REBUILD_HINT}"
        )

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


@functools.cache
def _snapsearch_fields() -> dict[str, str]:
    return {name: type(field).__name__ for name, field in make_schema().items()}


def _updating(pid: str) -> IndexBusyError:
    return IndexBusyError(f"the index is being updated by another process (pid {pid}); try again")


def _whoosh_files(ix: Index) -> tuple[list[str], list[str]]:
    """The names in `ix`'s folder that its table of contents needs (itself and the
    segments it names), and Whoosh's names it does not need (older tables of contents,
    segments no longer named, the temporaries of a writer that died)."""
    storage, name = ix.storage, ix.indexname
    toc = TOC.read(storage, name)
    segments = {s.segment_id() for s in toc.segments}
    tocs, files = TOC._pattern(name), TOC._segment_pattern(name)
    needed: list[str] = []
    debris: list[str] = []
    for filename in os.listdir(storage.folder):
        toc_match, seg_match = tocs.match(filename), files.match(filename)
        temp = _TEMP_TOC.fullmatch(filename)
        if toc_match:
            (needed if int(toc_match.group(1)) == toc.generation else debris).append(filename)
        elif seg_match:
            (needed if seg_match.group(1) in segments else debris).append(filename)
        elif (temp and temp["name"] == name) or filename == f"{name}.tmp":
            debris.append(filename)
    return needed, debris


def _size(path: Path) -> int:
    """Bytes in a file, or in every file below a folder; 0 once it is gone."""
    try:
        if not path.is_dir() or path.is_symlink():
            return path.lstat().st_size
        return sum(
            os.lstat(os.path.join(top, name)).st_size
            for top, _, names in os.walk(path)
            for name in names
        )
    except OSError:
        return 0


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
