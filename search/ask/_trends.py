"""Answers about a rate or stock index over time: "Comment a évolué la livre sterling ?",
"How did the AEX move over the week?", "Évolution du yen depuis le 22 novembre".

The answer lists the values oldest first, each with its date, then the change from the
first to the last in percent; a stock index adds its last day's move. The citations run
the other way, newest first: the newest value is where the series stands, so its
snapshot is the main source, as in every other table answer.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from ..engine import Backend
from ..timeline import Point, Series, history
from ._currencies import currency_name
from ._numbers import format_number
from ._question import Question, fold
from ._quotes import describe_quote, quote_series
from ._reply import Answer
from ._tables import rate_series
from ._when import Period

__all__ = ["MAX_POINTS", "is_trend", "trend_answer"]

MAX_POINTS = 12  # values written out; a longer series shows its first and latest ones

_CUES = frozenset(
    """
    evolue evoluee evolues evoluees evoluer evolution evolutions historique historiques
    tendance progression trajectoire parcours
    evolve evolved evolving evolution history historical trend trends move moved moves
    movement movements moving trajectory
    """.split()
)


def is_trend(question: Question) -> bool:
    """Whether the question asks how something evolved (`évolué`, `history`, `move`)."""
    return bool(_CUES & {fold(w) for w in re.findall(r"[^\W\d_]+", question.text)})


def trend_answer(engine: Backend, question: Question, period: Period | None) -> Answer | None:
    """The series of the rate or index the question names, over `period` if given.

    None when the question names no series, or asks no period and the series has a
    single value: the one-day answer of the tables says more then (the day's move).
    """
    quote = quote_series(engine, question.text)
    key, note = (quote, "") if quote else rate_series(engine, question, None) or (None, "")
    if key is None:
        return None
    series = history(engine, key)
    points = [p for p in series.points if period is None or period.holds(_day(p))]
    if period is None and len(points) < 2:
        return None
    if not points:
        return _nothing_in(question, series, period)
    shown = points if len(points) <= MAX_POINTS else [points[0], *points[1 - MAX_POINTS :]]
    text, span = _describe(series, shown, len(points), question.lang)
    return Answer(
        question=question.text,
        answerable=True,
        answer=text + note,
        confidence=1.0,
        citations=tuple(p.hit for p in reversed(shown)),
        highlights=(span,),
        lang=question.lang,
    )


def _describe(
    series: Series, shown: list[Point], total: int, lang: str
) -> tuple[str, tuple[int, int]]:
    """`Livre sterling (GBP) pour 1 EUR, du … au … : 0,87 le …, …. Variation : -1,15 %.`"""
    fr = lang == "fr"
    first, last = shown[0], shown[-1]
    values = [f"{_value(p, lang)} {'le' if fr else 'on'} {p.date}" for p in shown]
    if total > len(shown):
        skipped = total - len(shown)
        values[1:1] = [f"… ({skipped} autres)" if fr else f"… ({skipped} more)"]
    if first is last:
        head = (
            f"{_name(series, lang)}, une seule valeur : "
            if fr
            else f"{_name(series, lang)}, one value: "
        )
    elif fr:
        head = f"{_name(series, lang)}, du {first.date} au {last.date} : "
    else:
        head = f"{_name(series, lang)}, {first.date} to {last.date}: "
    text = head + ", ".join(values) + "."
    span = (len(text), len(text))
    change = _change(first, last, lang)
    if change:
        label = " Variation : " if fr else " Change: "
        span = (len(text) + len(label), len(text) + len(label) + len(change))
        text += label + change + (" du premier au dernier." if fr else " from first to last.")
    if series.kind == "quote":
        text += " " + describe_quote(last.hit, lang)[0]
    return text, span


def _name(series: Series, lang: str) -> str:
    if series.kind == "quote":
        return series.name
    code = series.key.removeprefix("rate:")
    name = currency_name(code, lang)
    name = name[:1].upper() + name[1:]
    per = " pour 1 " if lang == "fr" else " per 1 "
    return f"{name} ({code})" + (per + series.base if series.base else "")


def _value(point: Point, lang: str) -> str:
    number = _number(point)
    return "?" if number is None else format_number(number, lang)


def _number(point: Point) -> Decimal | None:
    """A rate with every digit the page printed; an index level with two decimals."""
    data = point.hit.data or {}
    if point.hit.kind == "rate" and data.get("raw"):
        return Decimal(str(data["raw"]))
    if point.value is None:
        return None
    # repr() of a float is its shortest round-trip form: 985.5, not 985.49999…
    return Decimal(repr(point.value)).quantize(Decimal("0.01"))


def _change(first: Point, last: Point, lang: str) -> str:
    """The change from `first` to `last` in percent, two decimals, signed."""
    old, new = _number(first), _number(last)
    if first is last or old is None or new is None or old == 0:
        return ""
    percent = ((new - old) / old * 100).quantize(Decimal("0.01"))
    text = format_number(percent, lang, sign=True)
    return f"{text} %" if lang == "fr" else f"{text}%"


def _nothing_in(question: Question, series: Series, period: Period | None) -> Answer:
    fr = question.lang == "fr"
    dates = [p.date for p in series.points]
    since = period.since.isoformat() if period and period.since else ""
    if fr:
        text = f"Aucune valeur de {_name(series, 'fr')} depuis le {since}"
        text += f" ; les valeurs vont du {dates[0]} au {dates[-1]}." if dates else "."
    else:
        text = f"No value of {_name(series, 'en')} since {since}"
        text += f"; the values run from {dates[0]} to {dates[-1]}." if dates else "."
    return Answer(question.text, False, text, 0.0, (), lang=question.lang)


def _day(point: Point) -> dt.date:
    return dt.date.fromisoformat(point.date)
