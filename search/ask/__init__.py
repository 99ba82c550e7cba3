"""Extractive question answering: sentences from the article and values from the tables,
with cited sources, built on the backend seam only."""

from __future__ import annotations

from ._answer import EmptyQuestionError, answer
from ._reply import Answer

__all__ = ["Answer", "EmptyQuestionError", "answer"]
