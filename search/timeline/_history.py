"""A rate or stock index across snapshots: one value per snapshot, oldest first."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from index.errors import SnapsearchError

from ..engine import Backend, Hit

__all__ = ["Point", "Series", "UnknownSeriesError", "history", "series_key", "sparkline"]

_BARS = "▁▂▃▄▅▆▇█"


class UnknownSeriesError(SnapsearchError):
    """Neither a currency code nor a stock index the index knows."""


@dataclass(frozen=True)
class Point:
    """The value of a series in one snapshot."""

    snapshot: str
    date: str
    value: float | None  # a rate, or an index level
    change: float | None  # the page's own for an index, else against the previous point
    percent: float | None
    hit: Hit


@dataclass(frozen=True)
class Series:
    """Every value of one rate (`rate:GBP`) or stock index (`quote:AEX`)."""

    key: str
    kind: str
    name: str
    base: str | None
    points: tuple[Point, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "series": self.key,
            "kind": self.kind,
            "name": self.name,
            "base": self.base,
            "points": [
                {
                    "snapshot": p.snapshot,
                    "date": p.date,
                    "value": p.value,
                    "change": p.change,
                    "percent": p.percent,
                    "citation": p.hit.to_json(),
                }
                for p in self.points
            ],
        }


def series_key(engine: Backend, code: str) -> str:
    """`rate:GBP` or `quote:BEL20` for a currency code or index name, in any case, or for
    such a key itself."""
    kind, _, name = code.strip().rpartition(":")
    wanted = name.upper()
    keys = [f"{kind}:{wanted}"] if kind in ("rate", "quote") else []
    for key in keys or (f"rate:{wanted}", f"quote:{wanted}"):
        if engine.newest(1, series=key):
            return key
    raise UnknownSeriesError(
        f"no rate or stock index {code!r} in the index; "
        "try a currency code (GBP) or an index name (AEX)"
    )


def history(engine: Backend, code: str) -> Series:
    """Every value of the rate or index `code` across snapshots, oldest first."""
    key = series_key(engine, code)
    hits = engine.documents(series=key)
    kind = hits[0].kind
    points = _with_changes([_point(hit) for hit in hits])
    last = hits[-1]
    if kind == "rate":
        name = f"{last.code} ({last.name})" if last.name else str(last.code)
        base = (last.data or {}).get("base")
    else:
        name, base = str(last.name), None
    return Series(key=key, kind=kind, name=name, base=base, points=points)


def _with_changes(points: list[Point]) -> tuple[Point, ...]:
    """Each point with a change and percent: the page's own (an index's move that day),
    else the difference from the previous point's value (None for the first)."""
    filled, previous = [], None
    for point in points:
        change, percent = point.change, point.percent
        if change is None and previous is not None and point.value is not None:
            change = point.value - previous
        if percent is None and change is not None and previous:
            percent = change / previous * 100
        filled.append(replace(point, change=change, percent=percent))
        previous = point.value if point.value is not None else previous
    return tuple(filled)


def _point(hit: Hit) -> Point:
    data = hit.data or {}
    if hit.kind == "rate":
        return Point(hit.snapshot, hit.date, data.get("value"), None, None, hit)
    return Point(
        hit.snapshot, hit.date, data.get("level"), data.get("change"), data.get("percent"), hit
    )


def sparkline(values: list[float]) -> str:
    """Values as a row of block characters, lowest to highest."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(_BARS[round((v - low) / span * (len(_BARS) - 1))] for v in values)
