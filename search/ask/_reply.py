"""The answer to a question, as the CLI and the terminal UI show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine import Hit

__all__ = ["Answer", "NOT_FOUND"]

Span = tuple[int, int]

# The honest reply when the snapshots do not support an answer, by question language.
NOT_FOUND = {
    "fr": "Je ne trouve pas de réponse dans les snapshots.",
    "en": "I can't find an answer in the snapshots.",
}


@dataclass(frozen=True)
class Answer:
    """An extractive answer with its sources; the first citation is the main source.

    `highlights` are character spans of the answer span inside `answer`. When
    `answerable` is false, `answer` says so and the citations are the closest leads.
    """

    question: str
    answerable: bool
    answer: str
    confidence: float
    citations: tuple[Hit, ...]
    highlights: tuple[Span, ...] = ()
    lang: str = "fr"

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answerable": self.answerable,
            "answer": self.answer,
            "confidence": round(self.confidence, 3),
            "lang": self.lang,
            "highlights": [list(span) for span in self.highlights],
            "citations": [hit.to_json() for hit in self.citations],
        }
