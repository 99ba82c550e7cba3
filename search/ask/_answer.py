"""Extractive question answering over the index, with cited sources.

`answer(engine, question)` first tries the rate and quote tables (exchange rates,
conversions, stock indices: `tables`, `quotes`), then the article paragraphs
(`paragraphs`): the best sentence, plus a neighbour when it needs one, with the answer
span highlighted. When nothing supports an answer it says so and cites the closest
paragraphs as leads: a confident wrong answer is worse than none.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from index import SnapshotInfo
from index.errors import SnapsearchError

from ..engine import Backend
from ._reply import Answer

if TYPE_CHECKING:
    from ._question import Question
    from ._semantic import Embedder
    from ._when import When

__all__ = ["Answer", "EmptyQuestionError", "answer"]


# The embedder of the question being answered, so the many paths to `_one_snapshot`
# need not pass it along.
_EMBEDDER: ContextVar[Embedder | None] = ContextVar("embedder", default=None)


class EmptyQuestionError(SnapsearchError):
    """A question with nothing in it."""


def answer(
    engine: Backend,
    question: str,
    *,
    snapshot: str | None = None,
    embedder: Embedder | None | Literal["auto"] = "auto",
) -> Answer:
    """Answer `question` from the index; `snapshot` (an id or `latest`) limits the sources.

    `embedder` adds semantic retrieval: `auto` uses `snapsearch[semantic]` when it is
    installed (and not switched off by `SNAPSEARCH_SEMANTIC=off`), None never does.

    A date in the question (`le 24 novembre`, `on 2026-11-24`) picks that day's snapshot,
    unless `snapshot` is given; a period (`depuis le 22 novembre`, `over the week`) bounds
    the series a question about a rate or index over time gets.
    """
    # The answering machinery (CLDR names, many regexes, ~30 ms) loads on the first
    # question, so `import search` stays cheap for `search query`.
    text = " ".join(question.split())
    token = _EMBEDDER.set(_chosen(embedder))
    try:
        return _answer(engine, text, snapshot)
    finally:
        _EMBEDDER.reset(token)


def _chosen(embedder: Embedder | None | Literal["auto"]) -> Embedder | None:
    from ._semantic import available_embedder

    return available_embedder() if embedder == "auto" else embedder


def _answer(engine: Backend, text: str, snapshot: str | None) -> Answer:
    from ._question import analyze
    from ._trends import trend_answer
    from ._when import find_when

    if not text:
        raise EmptyQuestionError(
            "the question is empty; ask one, e.g. `search ask Qui a offert un véhicule à Kim ?`"
        )
    snapshot_id = engine.resolve_snapshot(snapshot)
    known = _Snapshots(engine)
    when = find_when(text, known.dates)
    if when is None:
        return _undated(engine, analyze(text, engine.words), snapshot_id)
    analysed = _without(text, when, engine)
    if when.period is not None:
        trend = trend_answer(engine, analysed, when.period) if snapshot_id is None else None
        return _as_asked(trend or _undated(engine, analysed, snapshot_id), text)
    if snapshot_id is not None:  # `--snapshot` wins over a date in the question
        return _as_asked(_one_snapshot(engine, analysed, snapshot_id), text)
    assert when.day is not None
    on_day = [info.id for info in known.infos if info.date == when.day.isoformat()]
    if on_day:  # several snapshots a day: the last one
        reply = _one_snapshot(engine, analysed, on_day[-1])
        return _as_asked(_labelled(reply, when.day), text)
    if _about_the_tables(engine, analysed) or known.spans(when.day):
        return _as_asked(_no_snapshot(analysed, when.day, known), text)
    # A date outside the archive that names no rate or index is about the article's story
    # (`le 24 février 2022`): its words stay in the question.
    return _undated(engine, analyze(text, engine.words), None)


class _Snapshots:
    """The index's snapshots, read once and only when a question writes a date."""

    def __init__(self, engine: Backend) -> None:
        self.engine = engine
        self.infos: list[SnapshotInfo] = []

    def dates(self) -> list[dt.date]:
        self.infos = self.engine.snapshots()
        return [dt.date.fromisoformat(info.date) for info in self.infos]

    def spans(self, day: dt.date) -> bool:
        """Whether `day` lies between the oldest and the newest snapshot."""
        return bool(self.infos) and self.infos[0].date <= day.isoformat() <= self.infos[-1].date

    def before(self, day: dt.date) -> SnapshotInfo | None:
        earlier = [info for info in self.infos if info.date < day.isoformat()]
        return earlier[-1] if earlier else None


def _undated(engine: Backend, question: Question, snapshot: str | None) -> Answer:
    from ._trends import is_trend, trend_answer

    if snapshot is None and is_trend(question):
        trend = trend_answer(engine, question, None)
        if trend is not None:
            return trend
    return _one_snapshot(engine, question, snapshot)


def _one_snapshot(engine: Backend, question: Question, snapshot: str | None) -> Answer:
    """The answer from the tables, else from the paragraphs (of `snapshot`, if given)."""
    from ._paragraphs import paragraph_answer
    from ._tables import table_answer

    from_tables = table_answer(engine, question, snapshot)
    if from_tables is not None:
        return from_tables
    return paragraph_answer(engine, question, snapshot, _EMBEDDER.get())


def _without(text: str, when: When, engine: Backend) -> Question:
    """The question analysed without its date, in the language of the whole question
    (`AEX le 23 novembre` is French though `AEX` alone says nothing)."""
    from ._question import analyze, detect_lang

    rest = " ".join((text[: when.start] + " " + text[when.end :]).split())
    return replace(analyze(rest, engine.words), lang=detect_lang(text))


def _about_the_tables(engine: Backend, question: Question) -> bool:
    from ._quotes import quote_series
    from ._tables import rate_series

    return bool(quote_series(engine, question.text) or rate_series(engine, question, None))


def _labelled(reply: Answer, day: dt.date) -> Answer:
    """The answer, saying which day's snapshot it comes from if it does not already."""
    if day.isoformat() in reply.answer:
        return reply
    fr = reply.lang == "fr"
    label = f" (snapshot du {day.isoformat()})" if fr else f" (snapshot of {day.isoformat()})"
    return replace(reply, answer=reply.answer + label)


def _no_snapshot(question: Question, day: dt.date, known: _Snapshots) -> Answer:
    """`Aucun snapshot du 25 novembre 2026 ; les snapshots vont du … au ….`"""
    from ._when import long_date

    lang = question.lang
    first, last = (
        long_date(dt.date.fromisoformat(i.date), lang) for i in (known.infos[0], known.infos[-1])
    )
    if lang == "fr":
        text = (
            f"Aucun snapshot du {long_date(day, lang)} ; les snapshots vont du {first} au {last}."
        )
    else:
        text = f"No snapshot of {long_date(day, lang)}; the snapshots run from {first} to {last}."
    before = known.before(day) if known.spans(day) else None
    if before is not None:
        nearest = f"{long_date(dt.date.fromisoformat(before.date), lang)} ({before.id})"
        text += (
            f" Le plus proche avant : {nearest}."
            if lang == "fr"
            else f" Nearest before: {nearest}."
        )
    return Answer(question.text, False, text, 0.0, (), lang=lang)


def _as_asked(reply: Answer, text: str) -> Answer:
    """The reply to the question as the user wrote it, date and all."""
    return replace(reply, question=text)
