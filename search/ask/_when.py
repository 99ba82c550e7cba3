"""Dates and periods in questions: `le 24 novembre`, `on 2026-11-24`, `depuis le 22/11`,
`over the week`, `sur 3 jours`.

Month names come from CLDR through Babel (French and English, wide and abbreviated), so
`nov.`, `Nov`, `novembre` and `November` all read as November. A day without a year is
the most recent such day that has a snapshot, never after the newest snapshot (else the
most recent such day at all). Periods (`over the week`, `sur 3 jours`) end at the
newest snapshot, not at today's date: the index is an archive, read offline.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from babel.dates import format_date, get_month_names

__all__ = ["Period", "When", "find_when", "long_date"]

_DAY = r"(?P<day>[0-3]?\d)(?:er|st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# Words before a date that belong to it: `le 24`, `on 24`, `du 24` (one day), or that make
# it the start of a period: `depuis le 24`, `since 24`, `from the 24th`.
_SINCE = r"depuis\s+le|depuis|since\s+the|since|from\s+the|from|a\s+partir\s+du|à\s+partir\s+du"
_ON = r"le|du|au|on\s+the|on|of|the"
_NUMBERS = {
    "un": 1, "une": 1, "one": 1, "a": 1, "deux": 2, "two": 2, "trois": 3, "three": 3,
    "quatre": 4, "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7,
    "huit": 8, "eight": 8, "neuf": 9, "nine": 9, "dix": 10, "ten": 10,
}  # fmt: skip
_UNITS = {
    "jour": 1, "jours": 1, "day": 1, "days": 1,
    "semaine": 7, "semaines": 7, "week": 7, "weeks": 7,
    "mois": 30, "month": 30, "months": 30,
}  # fmt: skip
_PERIOD = re.compile(
    r"(?<!\w)(?:(?:sur|over|during|pendant|durant|within|in|for|depuis)\s+"
    r"(?:(?:la|le|les|l'|the|ces|these|this|cette|past|last|derniers?|dernières?)\s+)*"
    r"|(?:cette|this|last|past)\s+)"
    r"(?:(?P<count>\d+|" + "|".join(_NUMBERS) + r")\s+)?"
    r"(?:(?:derniers?|dernières?)\s+)?"
    r"(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
    r"(?:\s+(?:derniers?|dernières?))?(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Period:
    """Snapshots from `since` to `until` (either open), both days included."""

    since: dt.date | None
    until: dt.date | None

    def holds(self, date: dt.date) -> bool:
        return (self.since is None or self.since <= date) and (
            self.until is None or date <= self.until
        )


@dataclass(frozen=True)
class When:
    """A date or period written in a question, where it is, and what it means."""

    start: int
    end: int
    day: dt.date | None  # one day asked about (`le 24 novembre`)
    period: Period | None  # a stretch of time (`depuis le 22`, `over the week`)
    year_given: bool = True


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    month: int | None  # None: a relative period of `days` days
    day: int
    year: int | None
    since: bool
    days: int = 0


def find_when(text: str, dates: Callable[[], Sequence[dt.date]]) -> When | None:
    """The first date or period in `text`, read against the snapshot dates (any order);
    `dates` is called only when `text` writes one."""
    found = _find(text)
    if found is None:
        return None
    known = dates()
    return _resolve(found, known) if known else None


def _resolve(found: _Found, dates: Sequence[dt.date]) -> When | None:
    """A found date made real against the snapshot dates; None if no such day exists."""
    newest = max(dates)
    if found.month is None:
        # "over the last 999999999 days" reaches past year 1: it means every snapshot.
        back = min(found.days - 1, (newest - dt.date.min).days)
        since = newest - dt.timedelta(days=back)
        return When(found.start, found.end, None, Period(since, newest))
    day = _day(found, set(dates), newest)
    if day is None:
        return None
    if found.since:
        return When(found.start, found.end, None, Period(day, None), found.year is not None)
    return When(found.start, found.end, day, None, found.year is not None)


def long_date(date: dt.date, lang: str) -> str:
    """`25 novembre 2026`, `November 25, 2026`."""
    text: str = format_date(date, format="long", locale=lang)
    return text


def _day(found: _Found, dates: set[dt.date], newest: dt.date) -> dt.date | None:
    assert found.month is not None
    if found.year is not None:
        return _date(found.year, found.month, found.day)
    # Back to four years before the oldest snapshot: 29 February needs a leap year.
    years = range(newest.year, min(dates).year - 4, -1)
    candidates = [
        day
        for year in years
        if (day := _date(year, found.month, found.day)) is not None and day <= newest
    ]
    present = [day for day in candidates if day in dates]
    return next(iter(present or candidates), None)


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:  # 31 November, 29 February of a common year
        return None


def _find(text: str) -> _Found | None:
    candidates = [found for found in (_first_date(text), _first_period(text)) if found]
    return min(candidates, key=lambda f: f.start, default=None)


def _first_date(text: str) -> _Found | None:
    for match in _dates().finditer(text):
        groups = {k.split("_")[0]: v for k, v in match.groupdict().items() if v is not None}
        month = _month_number(groups)
        day = int(groups["day"])
        if month is None or not 1 <= day <= 31:
            continue
        year = int(groups["year"]) if "year" in groups else None
        since = "since" in groups
        return _Found(match.start(), match.end(), month, day, year, since)
    return None


def _month_number(groups: dict[str, str]) -> int | None:
    if "name" in groups:
        return _month_names()[_plain_month(groups["name"])]
    month = int(groups["month"])
    return month if 1 <= month <= 12 else None


def _first_period(text: str) -> _Found | None:
    match = _PERIOD.search(text)
    if match is None:
        return None
    count = match.group("count")
    number = 1 if count is None else int(count) if count.isdigit() else _NUMBERS[count.lower()]
    days = number * _UNITS[match.group("unit").lower()]
    return _Found(match.start(), match.end(), None, 0, None, True, days) if days else None


@cache
def _month_names() -> dict[str, int]:
    """Month names and abbreviations in French and English (CLDR), lower case, with and
    without accents and the abbreviation's dot: `févr`, `fevr`, `nov`, `november`…"""
    names: dict[str, int] = {}
    for locale in ("fr", "en"):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    names[_plain_month(name)] = number
                    names[_plain_month(_unaccented(name))] = number
    return names


def _plain_month(name: str) -> str:
    return name.casefold().rstrip(".")


def _unaccented(name: str) -> str:
    from ._question import fold

    return fold(name)


@cache
def _dates() -> re.Pattern[str]:
    """Every date shape, each with its own numbered groups (`day_1`…): a regex alternation
    needs distinct group names, and one pattern finds the earliest date of any shape."""
    names = "|".join(re.escape(n) for n in sorted(_month_names(), key=len, reverse=True))
    shapes = [
        r"(?P<year>\d{4})-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)",  # ISO 2026-11-24
        rf"{_DAY}\s+(?:of\s+)?(?P<name>{names})\.?(?:,?\s+{_YEAR})?",  # 24 novembre 2026
        rf"(?P<name>{names})\.?\s+{_DAY}(?:,?\s+{_YEAR})?",  # November 23rd, 2026
        rf"{_DAY}/(?P<month>[01]?\d)(?:/{_YEAR})?",  # 23/11, 23/11/2026: day first
    ]
    numbered = [re.sub(r"\(\?P<(\w+)>", rf"(?P<\1_{i}>", s) for i, s in enumerate(shapes)]
    before = rf"(?:(?P<since>{_SINCE})\s+|(?:{_ON})\s+)?"
    return re.compile(before + r"(?<!\w)(?:" + "|".join(numbered) + r")(?!\w)", re.IGNORECASE)
