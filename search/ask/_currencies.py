"""Find currencies named in a question, in French or English, through CLDR (Babel).

Every currency name Babel knows is indexed in both languages, singular and plural
(`livre sterling`, `livres sterling`, `Swiss franc`, `US dollars`, `zlotys`), with its
head noun alone (`livre`, `pound`, `dollar`, `couronnes`). ISO codes (`EUR/CAD`) and the
one-character symbols CLDR gives (`€`, `$`, `£`) count too.

A head noun several currencies share is read as a reader of the page would: among the
currencies in the rate table, prefer those legal tender in the region of the page's base
currency (the CLDR time-zone continent of its territories: Europe for the euro), then
the one legal tender in most territories (`index.currencies`, which the index uses to
rank a currency's own name first), then the one whose country the recent articles name.
For a euro page that gives dollar -> USD, livre/pound -> GBP, franc -> CHF, rouble -> RUB
on pages about Russia, and leaves `couronne` ambiguous (DKK and NOK tie).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.core import get_global
from babel.numbers import get_currency_name

from index.currencies import rank, region, tender

from ._question import fold, is_function_word

__all__ = ["Mention", "currency_name", "find_currencies", "prefer", "shared"]

_LOCALES = ("fr", "en")
_WORD = re.compile(r"[^\W_]+")
_ADJECTIVES = frozenset("nouveau nouveaux nouvelle nouvelles ancien anciens ancienne".split())
_CODE = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")


@dataclass(frozen=True)
class Mention:
    """A currency named in a question: where, as what words, and which codes fit."""

    start: int
    end: int
    text: str
    codes: frozenset[str]  # one code, or several for a shared head noun (`dollar`)


def currency_name(code: str, lang: str, count: int = 1) -> str:
    """The CLDR name of `code` in `lang` for `count` units (`livres sterling`), or the code."""
    name: str = get_currency_name(code, count=count, locale=lang)
    return name


def find_currencies(text: str) -> list[Mention]:
    """The currencies `text` names, in order, longest names first where they overlap."""
    full, heads = _names()
    words = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
    found: list[Mention] = []
    i = 0
    while i < len(words):
        mention, used = _match_at(text, words, i, full, heads)
        if mention is not None:
            found.append(mention)
            i += used
        else:
            i += 1
    found += _codes_and_symbols(text, found)
    return sorted(found, key=lambda m: m.start)


def _match_at(
    text: str,
    words: list[tuple[int, int, str]],
    i: int,
    full: dict[tuple[str, ...], frozenset[str]],
    heads: dict[str, frozenset[str]],
) -> tuple[Mention | None, int]:
    for size in range(min(5, len(words) - i), 1, -1):
        key = tuple(w for _, _, w in words[i : i + size])
        if key in full:
            start, end = words[i][0], words[i + size - 1][1]
            return Mention(start, end, text[start:end], full[key]), size
    start, end, word = words[i]
    if word in heads:
        return Mention(start, end, text[start:end], heads[word]), 1
    return None, 1


def _codes_and_symbols(text: str, found: list[Mention]) -> list[Mention]:
    known = _known_codes()
    symbols = _symbols()
    taken = [(m.start, m.end) for m in found]
    extra = []
    for match in _CODE.finditer(text):
        code = match.group()
        if code in known and not any(a <= match.start() < b for a, b in taken):
            extra.append(Mention(match.start(), match.end(), code, frozenset({code})))
    for position, char in enumerate(text):
        if char in symbols:
            extra.append(Mention(position, position + 1, char, frozenset({symbols[char]})))
    return extra


def prefer(
    codes: Collection[str],
    available: Collection[str],
    base: str | None,
    mentions: Callable[[frozenset[tuple[str, ...]]], int] | None = None,
) -> str | None:
    """The currency a shared name most likely means on a page with `base`; None if unclear.

    `mentions` counts the paragraphs that name any of some phrases: when region and
    territories tie (`rouble`: RUB or BYN), the currency of a country the article talks
    about wins.
    """
    candidates = [c for c in codes if c in available] or list(codes)
    if len(candidates) == 1:
        return candidates[0]
    where = region(base)
    ranked = sorted(candidates, key=lambda c: rank(c, where), reverse=True)
    tied = [c for c in ranked if rank(c, where) == rank(ranked[0], where)]
    if len(tied) > 1 and mentions is not None:
        counts = {code: mentions(_qualifiers(code)) for code in tied}
        tied = [c for c in tied if counts[c] == max(counts.values())]
    return tied[0] if len(tied) == 1 else None


def shared(codes: Collection[str]) -> bool:
    """Whether several currencies in use today go by these names (`livre`: GBP, EGP…)."""
    return sum(code in tender() for code in codes) > 1


def _qualifiers(code: str) -> frozenset[tuple[str, ...]]:
    """Phrases that tie a currency to its countries: their CLDR names and the rest of the
    currency's own names (`russie`, `russia`, `russe`, `russian` for RUB), as word tuples."""
    _, heads = _names()
    phrases: set[tuple[str, ...]] = set()
    for lang in _LOCALES:
        locale = Locale(lang)
        names = [locale.territories.get(t, "") for t in tender().get(code, ())]
        names += list(_forms(code, lang))
        for name in names:
            words = [fold(w) for w in _WORD.findall(name.split("(")[0])]
            kept = tuple(
                w for w in words if w.isalpha() and w not in heads and not is_function_word(w)
            )
            if kept:
                phrases.add(kept)
    return frozenset(phrases)


@cache
def _names() -> tuple[dict[tuple[str, ...], frozenset[str]], dict[str, frozenset[str]]]:
    """Folded full names (as word tuples) and head nouns, each to the codes they name."""
    full: dict[tuple[str, ...], set[str]] = {}
    heads: dict[str, set[str]] = {}
    # Only currencies some territory has used get a head noun: units of account, metals
    # and test codes have names like `Special Drawing Rights` or `or` (gold, in French).
    circulated = {
        code
        for entries in get_global("territory_currencies").values()
        for code, _start, _end, tender in entries
        if tender
    }
    for code in _known_codes():
        for lang in _LOCALES:
            for name in _forms(code, lang):
                words = tuple(fold(w) for w in _WORD.findall(name))
                if not words or name == code:
                    continue
                full.setdefault(words, set()).add(code)
                head = _head(tuple(fold(w) for w in _WORD.findall(name.split("(")[0])), lang)
                if head and code in circulated:
                    heads.setdefault(head, set()).add(code)
    return (
        {k: frozenset(v) for k, v in full.items()},
        {k: frozenset(v) for k, v in heads.items()},
    )


def _head(words: tuple[str, ...], lang: str) -> str | None:
    """The noun of a currency name: French puts it first (`couronne tchèque`), English
    last (`Czech koruna`); dates (`1993`) and French `nouveau`/`ancien` are skipped."""
    alphabetic = [w for w in words if w.isalpha() and w not in _ADJECTIVES]
    if not alphabetic:
        return None
    head = alphabetic[0] if lang == "fr" else alphabetic[-1]
    return head if len(head) > 2 and not is_function_word(head) else None


def _forms(code: str, lang: str) -> Iterable[str]:
    # Babel gives the display name capitalised (`British Pound`) and the counted forms in
    # lower case (`British pounds`); French plurals come from count=2 (`livres sterling`).
    return {
        get_currency_name(code, locale=lang),
        currency_name(code, lang, 1),
        currency_name(code, lang, 2),
    }


@cache
def _known_codes() -> frozenset[str]:
    # XXX is CLDR's "unknown currency", not one a page can list.
    codes = {str(code) for lang in _LOCALES for code in Locale(lang).currencies}
    return frozenset(codes - {"XXX"})


@cache
def _symbols() -> dict[str, str]:
    """One-character symbols of the English locale: `€`, `$`, `£`, `¥`…"""
    symbols = Locale("en").currency_symbols
    return {s: code for code, s in symbols.items() if len(s) == 1 and not s.isalnum()}
