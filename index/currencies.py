"""What CLDR (through Babel) says about currencies: where each is legal tender, on which
continents, and which one a name several share most likely means.

A head noun such as `dollar`, `livre` or `franc` names many currencies. A reader of a page
takes it for the one legal tender in the region of the page's base currency (the CLDR
time-zone continents of its territories: Europe for the euro), then for the one legal
tender in most territories: dollar -> USD, livre/pound -> GBP, franc -> CHF on a euro
page. The build gives that currency's document its own name once more, so `search
query dollar` ranks USD first; answers read a question's currency the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from functools import cache

from babel import Locale
from babel.core import get_global
from babel.numbers import get_currency_name

from .analysis import analyzer_for, stop_words

__all__ = ["currency_words", "rank", "region", "tender"]

_LOCALES = ("fr", "en")
_ADJECTIVES = frozenset("nouveau nouveaux nouvelle nouvelles ancien anciens ancienne".split())


@cache
def tender() -> dict[str, frozenset[str]]:
    """Territories where each currency is legal tender today."""
    found: dict[str, set[str]] = {}
    for territory, entries in get_global("territory_currencies").items():
        for code, _start, end, is_tender in entries:
            if end is None and is_tender:
                found.setdefault(code, set()).add(territory)
    return {code: frozenset(places) for code, places in found.items()}


@cache
def continents() -> dict[str, frozenset[str]]:
    """The continents of each territory's time zones (`Europe/Zurich` -> CH: Europe)."""
    found: dict[str, set[str]] = {}
    for zone, territory in get_global("zone_territories").items():
        found.setdefault(territory, set()).add(zone.split("/")[0])
    return {t: frozenset(c) for t, c in found.items()}


def region(base: str | None) -> str | None:
    """The continent most territories using `base` sit on (by CLDR time zones)."""
    if not base:
        return None
    counts = Counter(c for t in tender().get(base, ()) for c in continents().get(t, ()))
    return counts.most_common(1)[0][0] if counts else None


def rank(code: str, where: str | None) -> tuple[int, int]:
    """How likely a shared name means `code` on a page of region `where`: territories on
    that continent where it is legal tender, then territories in all."""
    territories = tender().get(code, frozenset())
    local = sum(where in continents().get(t, ()) for t in territories) if where else 0
    return local, len(territories)


def currency_words(code: str, base: str | None) -> tuple[str, str]:
    """Words a currency's document holds besides its code and CLDR names, in French and
    in English: its head noun again where that name most likely means it on a page of
    `base` (`dollar` for USD on a euro page), and the head noun with the adjectives CLDR
    gives the peoples that use it (`dollar américain`, `American dollar`)."""
    found = {}
    for lang in _LOCALES:
        head = _head(get_currency_name(code, locale=lang), lang)
        words: list[str] = []
        if head is not None:
            owners = _owners(lang).get(head, frozenset())
            where = region(base)
            best = max(owners, key=lambda c: rank(c, where), default=None)
            if best == code and sum(rank(c, where) == rank(code, where) for c in owners) == 1:
                words.append(head)
            for adjective in sorted(_demonyms(lang, tender().get(code, frozenset()))):
                words.append(f"{head} {adjective}" if lang == "fr" else f"{adjective} {head}")
        found[lang] = " ".join(words)
    return found["fr"], found["en"]


def _head(name: str, lang: str) -> str | None:
    """The noun of a currency name: French puts it first (`couronne tchèque`), English
    last (`Czech koruna`); dates and French `nouveau`/`ancien` are skipped."""
    words = [
        t.text
        for t in analyzer_for("plain")(name.split("(")[0])
        if t.text.isalpha() and t.text not in _ADJECTIVES
    ]
    if not words:
        return None
    head = words[0] if lang == "fr" else words[-1]
    return head if len(head) > 2 and head not in stop_words(lang) else None


@cache
def _owners(lang: str) -> dict[str, frozenset[str]]:
    """Each head noun of `lang`, to the currencies in circulation it names."""
    found: dict[str, set[str]] = {}
    for code in tender():
        head = _head(get_currency_name(code, locale=lang), lang)
        if head is not None:
            found.setdefault(head, set()).add(code)
    return {head: frozenset(codes) for head, codes in found.items()}


def _demonyms(lang: str, territories: Collection[str]) -> set[str]:
    """The adjectives CLDR's names of regional languages give these territories
    (`anglais américain`: US -> `américain`; `American English`: US -> `American`)."""
    return {adjective for t, adjective in _adjectives(lang).items() if t in territories}


@cache
def _adjectives(lang: str) -> dict[str, str]:
    locale = Locale(lang)
    found = {}
    for key, name in locale.languages.items():
        language, _, territory = key.partition("_")
        words = name.split()
        own = locale.languages.get(language, "")
        if len(territory) != 2 or len(words) != 2 or own not in words:
            continue
        if not all(w.isalpha() for w in words):
            continue
        found[territory] = words[1] if words[0] == own else words[0]
    return found
