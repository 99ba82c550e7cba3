"""Extractive question answering: sentences from the article and values from the tables,
with cited sources, built on the backend seam only."""

from __future__ import annotations

from ._answer import EmptyQuestionError, answer
from ._reply import Answer
from ._semantic import Embedder, available_embedder

__all__ = ["Answer", "Embedder", "EmptyQuestionError", "answer", "available_embedder"]
