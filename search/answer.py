"""Extractive question answering over the index, with cited sources.

`answer(engine, question)` first tries the rate and quote tables (exchange rates,
conversions, stock indices: `tables`, `quotes`), then the article paragraphs
(`paragraphs`): the best sentence, plus a neighbour when it needs one, with the answer
span highlighted. When nothing supports an answer it says so and cites the closest
paragraphs as leads: a confident wrong answer is worse than none.
"""

from __future__ import annotations

from index.errors import SnapsearchError

from .engine import Engine
from .reply import Answer

__all__ = ["Answer", "EmptyQuestionError", "answer"]


class EmptyQuestionError(SnapsearchError):
    """A question with nothing in it."""


def answer(engine: Engine, question: str, *, snapshot: str | None = None) -> Answer:
    """Answer `question` from the index; `snapshot` (an id or `latest`) limits the sources."""
    # The answering machinery (CLDR names, many regexes, ~30 ms) loads on the first
    # question, so `import search` stays cheap for `search query`.
    from .paragraphs import paragraph_answer
    from .question import analyze
    from .tables import table_answer

    text = " ".join(question.split())
    if not text:
        raise EmptyQuestionError(
            "the question is empty; ask one, e.g. `search ask Qui a offert un véhicule à Kim ?`"
        )
    snapshot_id = engine.resolve_snapshot(snapshot)
    analysed = analyze(text, engine.words)
    from_tables = table_answer(engine, analysed, snapshot_id)
    if from_tables is not None:
        return from_tables
    return paragraph_answer(engine, analysed, snapshot_id)
