"""Plain data parsed from one snapshot page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """One line of the currency table: units of `code` per one unit of the base currency."""

    code: str
    value: float
    raw: str  # the number exactly as printed, so no digit is lost on display


@dataclass(frozen=True)
class Quote:
    """One stock index of the ticker."""

    name: str
    level: float | None
    change: float | None
    percent: float | None
    raw: tuple[str, ...]  # the numbers as printed, in page order


@dataclass(frozen=True)
class Snapshot:
    """One parsed page: identity, tables and article."""

    id: str
    date: dt.date
    path: str
    sha256: str
    site: str
    headline: str
    base: str | None
    rates: tuple[Rate, ...]
    quotes: tuple[Quote, ...]
    paragraphs: tuple[str, ...]
    lines: tuple[int, ...] = ()  # the line of the file each paragraph starts on (1-based)

    @property
    def title(self) -> str:
        """The page title as its first line shows it."""
        return f"{self.site} - {self.headline}" if self.site else self.headline
