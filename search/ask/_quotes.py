"""Answers about stock indices from the ticker: "Comment a évolué le BEL20 ?"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..engine import Backend, Hit
from ._numbers import format_number
from ._question import REASON, Question, fold
from ._reply import Answer

__all__ = ["describe_quote", "quote_answer", "quote_series"]


@dataclass(frozen=True)
class _Quote:
    hit: Hit
    level: Decimal | None
    change: Decimal | None
    percent: Decimal | None


def quote_answer(engine: Backend, question: Question, snapshot: str | None) -> Answer | None:
    """The level and move of the stock index the question names, or None if it names none.

    A `why` question is left to the article: the ticker has numbers, not reasons.
    """
    if question.kind == REASON:
        return None
    quotes = _named_quotes(engine, question.text, snapshot)
    if not quotes:
        return None
    newest, older = quotes[0], quotes[1:2]
    text, span = _describe(newest, question.lang)
    if older:
        text += _before(older[0], question.lang)
    return Answer(
        question=question.text,
        answerable=True,
        answer=text,
        confidence=1.0,
        citations=(newest.hit, *(q.hit for q in older)),
        highlights=(span,),
        lang=question.lang,
    )


def quote_series(engine: Backend, text: str) -> str | None:
    """The series key (`quote:BEL20`) of the first stock index named in `text`, if any.

    Names are matched as whole words, also split in two (`BEL 20`, `PSI 20`).
    """
    words = [fold(w) for w in re.findall(r"[^\W_]+", text)]
    series = {
        fold(key.removeprefix("quote:")): key
        for key in engine.values("series")
        if key.startswith("quote:")
    }
    return next((series[w] for w in _with_pairs(words) if w in series), None)


def _named_quotes(engine: Backend, text: str, snapshot: str | None) -> list[_Quote]:
    """Quotes of the first index named in `text`, newest snapshot first."""
    key = quote_series(engine, text)
    if key is None:
        return []
    where = {"series": key, **({"snapshot": snapshot} if snapshot else {})}
    return [_parse(hit) for hit in engine.newest(2, **where)]  # all an answer shows


def _with_pairs(words: list[str]) -> list[str]:
    """Each word, then itself joined to the next one, in question order."""
    found = []
    for i, word in enumerate(words):
        found.append(word)
        if i + 1 < len(words):
            found.append(word + words[i + 1])
    return found


def _parse(hit: Hit) -> _Quote:
    data = hit.data or {}
    return _Quote(hit, *(_decimal(data.get(key)) for key in ("level", "change", "percent")))


def _decimal(number: float | None) -> Decimal | None:
    # repr() of a float is its shortest round-trip form: 4941.73, not 4941.7299999…
    return None if number is None else Decimal(repr(number))


def describe_quote(hit: Hit, lang: str) -> tuple[str, tuple[int, int]]:
    """One quote document in words, and the span of its level and move in that text."""
    return _describe(_parse(hit), lang)


def _describe(quote: _Quote, lang: str) -> tuple[str, tuple[int, int]]:
    """`BEL20 : 4 935,52, en baisse de 18,62 points (-0,38 %) le 2026-11-26.`"""
    name, date = quote.hit.name, quote.hit.date
    fr = lang == "fr"
    parts = []
    if quote.level is not None:
        parts.append(format_number(_two(quote.level), lang))
    if quote.change is not None:
        size = format_number(_two(abs(quote.change)), lang)
        if quote.change > 0:
            parts.append(f"en hausse de {size} points" if fr else f"up {size} points")
        elif quote.change < 0:
            parts.append(f"en baisse de {size} points" if fr else f"down {size} points")
        else:
            parts.append("stable" if fr else "unchanged")
    if quote.percent is not None:
        percent = format_number(_two(quote.percent), lang, sign=True)
        parts.append(f"({percent} %)" if fr else f"({percent}%)")
    body = ", ".join(parts[:2]) + (" " + parts[2] if len(parts) > 2 else "")
    if not body:
        body = "pas de cours" if fr else "no level"
    head = f"{name} : " if fr else f"{name}: "
    tail = f" le {date}." if fr else f" on {date}."
    return head + body + tail, (len(head), len(head) + len(body))


def _before(quote: _Quote, lang: str) -> str:
    if quote.level is None:
        return ""
    level = format_number(_two(quote.level), lang)
    if lang == "fr":
        return f" Le {quote.hit.date}, il était à {level}."
    return f" On {quote.hit.date} it stood at {level}."


def _two(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))
