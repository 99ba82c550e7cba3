"""Build the index from snapshot files: incremental by content hash, atomic, one writer.

With the `semantic` extra (`index.embedding`), a build also embeds each paragraph text it
adds and the sentences of it that no earlier build embedded, and stores the vectors in
the generation it publishes (`index.vectors`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

# First: Whoosh without the modules it never uses (see index._imports).
from . import _imports  # isort: skip  # noqa: F401
from whoosh.index import Index

from . import lang
from .documents import digest
from .embedding import BATCH, Embedder, available_embedder, model_of, switched_off
from .errors import SnapshotError
from .parse import DEFAULT_MAX_BYTES, parse_snapshot, read_file
from .sentences import split
from .side import SIDE_NAME, SeriesDocument, SideWriter, series_words
from .store import IndexDir, side_reader
from .vectors import ChunkError, add_chunk, stored_keys

__all__ = [
    "BuildReport",
    "build",
    "build_sample_if_absent",
    "find_snapshot_files",
    "series_document",
    "text_document",
]

SNAPSHOT_SUFFIX = ".txt"
DEFAULT_LOCK_WAIT = 10.0

Progress = Callable[[int, int], None]
# What `build(embedder=)` takes: an embedder, None for none, or "auto" for
# `available_embedder()` (loaded only when the build has texts to embed).
Embedding = Embedder | None | Literal["auto"]
# What an embedder may raise that leaves the build to finish without those vectors
# (answering then computes them lazily): a missing library, model file or engine.
_EMBEDDER_FAILURES = (OSError, ImportError, RuntimeError)


@dataclass
class BuildReport:
    """What one build did; `failed` holds (path, reason) pairs, `embedded` how many
    distinct texts (paragraphs and sentences) were given vectors."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0
    embedded: int = 0

    def to_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "documents": self.documents,
        }
        if self.embedded:
            found["embedded"] = self.embedded
        return found


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
    embedder: Embedding = "auto",
    embedding: Progress | None = None,
) -> BuildReport:
    """Add new and changed snapshots from `paths` to the index in one commit.

    With `rebuild`, the index is replaced by one built from `paths` alone, switched in
    atomically. Files that fail are reported in `failed`; the others are still indexed.
    A build that fails or is killed leaves the index as it was before it.

    `embedder` (by default `available_embedder()`: the `semantic` extra unless switched
    off) embeds the new paragraph texts and their sentences; when it fails with an
    OSError, ImportError or RuntimeError the build still succeeds, without those vectors.
    `progress` hears of the files read (done, total), `embedding` of the texts embedded.
    """
    report = BuildReport()
    files, problems = find_snapshot_files(paths)
    report.failed += [(p.path, p.reason) for p in problems]
    lang.init()  # before any thread: langdetect's own lazy loading is not thread-safe
    job = _Job(files, report, max_bytes, progress, embedder, embedding)
    with index_dir.write_lock(lock_wait):
        _build_locked(index_dir, job, rebuild)
    return report


def build_sample_if_absent(
    index_dir: IndexDir, paths: Sequence[Path], *, embedder: Embedding = None
) -> BuildReport | None:
    """Index `paths` (the bundled sample) into a folder with no index and no build running.

    For readers (`query`, `ask`, `tui`) on a new folder: they never wait for a build nor
    write into an index another process is building. None when there is an index
    (nothing written); IndexBusyError ("being built … try again") when a build runs.
    It embeds nothing unless given an `embedder`: a first `search query` would wait
    seconds for the model (`search ask` computes the few vectors it needs lazily).
    """
    if index_dir.exists():
        return None
    report = BuildReport()
    lang.init()
    job = _Job(paths, report, DEFAULT_MAX_BYTES, None, embedder)
    with index_dir.write_lock(0, busy=index_dir.being_built):
        if index_dir.exists():  # built between the look and the lock
            return None
        _build_locked(index_dir, job, rebuild=False)
    return report


def _build_locked(index_dir: IndexDir, job: _Job, rebuild: bool) -> None:
    """The build proper, under the write lock: sweep, then write a new generation and
    publish it, then count."""
    try:
        live = index_dir.tidy(rebuild=rebuild)
        writer = _GenerationWriter(
            index_dir, None if rebuild else live, job.embedder, job.embedding
        )
        try:
            _write(writer, job)
            if writer.opened:
                index_dir.publish(writer.commit())
        except BaseException:
            writer.cancel()
            raise
        job.report.documents = writer.documents()
        job.report.embedded = writer.embedded
    except OSError as exc:
        # Disk full, a read-only or unwritable folder: one clear error, the old index kept.
        raise index_dir.write_failed(exc) from None


@dataclass
class _Job:
    files: Sequence[Path]
    report: BuildReport
    max_bytes: int
    progress: Progress | None
    embedder: Embedding = None
    embedding: Progress | None = None


class _GenerationWriter:
    """The next generation, made on the first change only: empty for a first build or a
    rebuild, else a copy of the live one (`IndexDir.clone_generation`). A build that only
    skips or refuses files leaves the index folder untouched."""

    def __init__(
        self,
        index_dir: IndexDir,
        live: Index | None,
        embedder: Embedding = None,
        embedding: Progress | None = None,
    ) -> None:
        self._dir = index_dir
        self._live = live
        self._embedder = embedder
        self._embedding = embedding
        self.embedded = 0  # distinct texts given vectors by this build
        self._gen: Path | None = None
        self._ix: Any = None
        self._side: SideWriter | None = None
        self._writer: Any = None
        self._documents: int | None = None

    @property
    def opened(self) -> bool:
        return self._side is not None

    def known(self) -> dict[str, str]:
        """The sha256 of each snapshot the live index holds, by id."""
        if self._live is None:
            return {}
        side = side_reader(self._live)
        try:
            return {row[0]: row[3] for row in side.snapshots()}
        finally:
            side.close()

    def documents(self) -> int:
        """How many documents the index holds after this build: counted by the commit, or
        in the live index when nothing was written (without opening it again)."""
        if self._documents is not None:
            return self._documents
        if self._live is None:
            index_dir = self._dir
            if not index_dir.exists():
                return 0
            live = index_dir.open()  # a rebuild that wrote nothing keeps the live index
        else:
            live = self._live
        side = side_reader(live)
        try:
            return side.document_count()
        finally:
            side.close()

    def side(self) -> SideWriter:
        if self._side is None:
            if self._live is None:
                self._gen, self._ix = self._dir.create_generation()
            else:
                self._gen, self._ix = self._dir.clone_generation(self._live)
            source = None if self._live is None else Path(self._live.storage.folder, SIDE_NAME)
            path = self._gen / SIDE_NAME
            self._side = SideWriter(path, source=source, fsync=self._dir.fsync)
        return self._side

    def commit(self) -> Path:
        """Write the index documents of what changed, commit both stores; the generation,
        ready to publish."""
        side = self.side()
        assert self._gen is not None
        self._writer = writer = self._ix.writer(limitmb=128)
        put = writer.add_document if self._live is None else writer.update_document
        # The paragraph texts to embed, held only by a build that embeds: holding every
        # paragraph added was 37 MB of a 3,650-page build's peak (382 -> 419 MB).
        embeds = self._embedder is not None and not (self._embedder == "auto" and switched_off())
        paragraphs: list[str] = []
        for kind, text_digest, text, language, days in side.text_documents():
            put(**text_document(kind, text_digest, text, language, days))
            if embeds and kind == "paragraph":
                paragraphs.append(text)
        for made in side.series_documents():
            put(**series_document(made))
        for doc_id in side.gone:
            writer.delete_by_term("id", doc_id)
        self._documents = side.document_count()
        side.close()
        # Before Whoosh's commit, whose fsync of the folder then covers the chunk's name.
        self.embedded = self._embed(paragraphs)
        writer.commit()
        return self._gen

    def _embed(self, paragraphs: list[str]) -> int:
        """Embed the paragraph texts and their sentences no chunk of the live generation
        holds, write them as this generation's chunk; how many distinct texts."""
        if not paragraphs or self._embedder is None:
            return 0
        embedder = available_embedder() if self._embedder == "auto" else self._embedder
        model = None if embedder is None else model_of(embedder)
        if embedder is None or model is None:
            return 0  # vectors of an unnamed model could not be told from others later
        assert self._gen is not None
        wanted = self._unembedded(paragraphs, model)
        texts = list(dict.fromkeys(wanted.values()))  # a one-sentence paragraph: once
        found: dict[str, Any] = {}
        try:
            for start in range(0, len(texts), BATCH):
                batch = texts[start : start + BATCH]
                found.update(zip(batch, embedder.passages(batch), strict=True))
                if self._embedding is not None:
                    self._embedding(len(found), len(texts))
        except _EMBEDDER_FAILURES:
            pass  # keep what was embedded; answering computes the rest lazily
        keys = [key for key, text in wanted.items() if text in found]
        if keys:
            rows = [found[wanted[key]] for key in keys]
            try:
                add_chunk(self._gen, model, keys, rows, fsync=self._dir.fsync)
            except ChunkError as exc:  # a chunk merged in could not be read
                raise self._dir.vectors_damaged(exc) from None
        return len(found)

    def _unembedded(self, paragraphs: list[str], model: str) -> dict[tuple[str, str], str]:
        """(kind, digest) -> text of the paragraphs and sentences without a vector."""
        have: set[tuple[str, str]] = set()
        if self._live is not None:
            try:
                have = stored_keys(Path(self._live.storage.folder), model)
            except ChunkError as exc:
                raise self._dir.vectors_damaged(exc) from None
        wanted: dict[tuple[str, str], str] = {}
        for text in paragraphs:
            key = ("paragraph", digest(text))
            if key in have:
                continue
            wanted[key] = text
            for start, end in split(text):
                sentence = text[start:end]
                key = ("sentence", digest(sentence))
                if key not in have:
                    wanted.setdefault(key, sentence)
        return wanted

    def cancel(self) -> None:
        if self._side is not None:
            self._side.abandon()
        _cancel(self._writer)
        if self._gen is not None:
            self._dir.discard(self._gen)


def text_document(
    kind: str, text_digest: str, text: str, lang: str | None, days: list[int]
) -> dict[str, Any]:
    """The index document of a distinct text, on every day in `days` (oldest first)."""
    doc: dict[str, Any] = {
        "id": f"{kind}:{text_digest}",
        "kind": kind,
        "digest": text_digest,
        "day": days[-1],
        "days": days,
        "lang": lang,
        "plain": text,
        "start": text,
    }
    # Text of unknown language goes to every stemmed field, so plurals still meet.
    for name in ("fr", "en") if lang is None else (lang,):
        doc[name] = text
    return doc


def series_document(series: SeriesDocument) -> dict[str, Any]:
    """The index document of a currency (its code, English and French names, and the
    words `currency_words` adds) or a stock index (its name); the numbers are in the
    side store."""
    words = series_words(series.kind, series.code, series.name, series.fr, series.en)
    doc: dict[str, Any] = {
        "id": series.key,
        "kind": series.kind,
        "series": series.key,
        "code": series.code,
        "day": series.newest,
        "lang": None,
    }
    fr, en = series.fr, series.en
    if series.kind == "rate" and series.code:
        from .currencies import currency_words  # Babel's data: builds only

        more_fr, more_en = currency_words(series.code, series.base)
        words = " ".join(w for w in (words, more_fr, more_en) if w)
        fr, en = f"{fr} {more_fr}".strip(), f"{en} {more_en}".strip()
        doc |= {"fr": fr, "en": en}
    return doc | {"text": words, "plain": words, "start": words}


def _cancel(writer: Any) -> None:
    """Close a Whoosh writer that will not commit."""
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


def _write(writer: _GenerationWriter, job: _Job) -> None:
    known = writer.known()
    seen: dict[str, Path] = {}
    for done, path in enumerate(job.files, 1):
        try:
            _add_file(writer, path, known, seen, job.report, job.max_bytes)
        except SnapshotError as exc:
            job.report.failed.append((exc.path, exc.reason))
        if job.progress is not None:
            job.progress(done, len(job.files))


def _add_file(
    writer: _GenerationWriter,
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
    side = writer.side()
    if sid in known:
        side.remove(sid)
        report.updated.append(sid)
    else:
        report.added.append(sid)
    side.add(snapshot)
