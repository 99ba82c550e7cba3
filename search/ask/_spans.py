"""Candidate answer spans of one expected type inside a sentence.

Dates, numbers with their unit, names of people and organisations, places and reasons
are found by their shape in French or English prose. Month, day and country names come
from Babel (CLDR); the rest are short lists of function words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from babel import Locale

from index.analysis import TOKEN

from ._question import DATE, NAME, NUMBER, PLACE, REASON, fold, is_function_word

__all__ = ["Candidate", "Span", "find", "names", "quotes"]

Span = tuple[int, int]
Candidate = tuple[int, int, float]  # start, end and how much it looks the part (0-1]

_NUMBER_WORDS = frozenset(
    """
    deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize
    vingt trente quarante cinquante soixante cent cents mille million millions milliard
    milliards moitié tiers quart cinquième dizaine dizaines centaine centaines douzaine
    two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred hundreds thousand thousands million millions billion billions half
    third quarter fifth dozen dozens
    """.split()
)
_MULTIPLIERS = r"(?:millions?|milliards?|billions?|thousands?|mille|trillions?)"
_DIGITS = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*"
_NUMBER = re.compile(
    rf"(?<![\w.,])[+\-−]?(?:{_DIGITS})(?:\s*(?:%|pour ?cent|per ?cent|percent|points?)"
    rf"|\s+{_MULTIPLIERS})?(?![\w])"
)
_YEAR = re.compile(r"(?<![\w.,])(?:1[5-9]\d\d|20\d\d)(?![\w,.]\d)")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_QUALIFIERS = r"(?i:(?:début|fin|mi|courant|early|late|mid)[- ](?:de |d['’])?)?"
_REASONS = re.compile(
    r"\b(?:parce qu(?:e|['’])|car|à cause d(?:e|u|es|['’])|en raison d(?:e|u|es|['’])|"
    r"faute d(?:e|['’])|grâce à|afin d(?:e|['’])|pour(?= [a-zéèê]+(?:er|ir|re)\b)|"
    r"attribue(?:nt)?|s['’]explique par|dûe? à|dus à|because(?: of)?|due to|owing to|"
    r"as a result of|in order to|so that|blames?|blamed|caused by|thanks to|"
    r"attributed? (?:it |this )?to)(?:(?<=['’])|\b)\s*",
    re.IGNORECASE,
)
_LOCATIVES = frozenset(
    "à au aux en dans vers près sous sur chez depuis in at near to from around into inside".split()
)
_CONNECTORS = frozenset("de du des la le von van der den di da of the and y".split())
# Capitalised words that open sentences without being names.
_OPENERS = frozenset(
    """
    selon après avant depuis pendant dans sous sur entre pour parallèlement ensuite enfin
    concrètement même tant plus moins cependant pourtant ainsi alors déjà aussi seuls
    only most some many for between after before since according although however
    while when where yet still even also
    """.split()
)


def find(text: str, sentence: Span, kind: str) -> list[Candidate]:
    """Spans of `text` inside `sentence` that look like an answer of type `kind`."""
    start, end = sentence
    found: list[Candidate]
    if kind == DATE:
        # A year or a day of a month says when; a bare month or weekday only half of it.
        found = [
            (a, b, 1.0 if re.search(r"\d", text[a:b]) else 0.7) for a, b in _dates(text, start, end)
        ]
    elif kind == NUMBER:
        found = [(a, b, 1.0) for a, b in _numbers(text, start, end)]
    elif kind == NAME:
        found = _weighted_names(text, sentence)
    elif kind == PLACE:
        # Any name may be a place (`Brno, qui ne dispose pas de métro`), but one after
        # `à`, `in`, `near` or a country name surely is.
        found = [(a, b, 1.0) for a, b in _places(text, sentence)]
        found += [(a, b, w * 0.5) for a, b, w in _weighted_names(text, sentence)]
    elif kind == REASON:
        found = [(a, b, 1.0) for a, b in _reasons(text, start, end)]
    else:
        found = []
    best: dict[Span, float] = {}
    for a, b, weight in found:
        best[a, b] = max(weight, best.get((a, b), 0.0))
    return sorted((a, b, w) for (a, b), w in best.items())


def _weighted_names(text: str, sentence: Span) -> list[Candidate]:
    """Names; one opening the sentence at half weight (`Prices have risen` is no name)
    unless a comma follows it (`Brno, qui ne dispose pas de métro, étudie…`)."""
    first = _first_letter(text, sentence[0])
    found = []
    for a, b in names(text, sentence):
        if _is_date_word(text[a:b]):
            continue
        apposition = text[b : b + 1] == "," and not re.search(r"(?:ment|ly)$", text[a:b])
        found.append((a, b, 0.5 if a == first and not apposition else 1.0))
    return found


def quotes(text: str, sentence: Span) -> list[Span]:
    """The insides of « » and “ ” quotes of a sentence, spaces trimmed."""
    start, end = sentence
    spans = []
    for match in re.finditer(r"«\s*([^»]+?)\s*»|“([^”]+)”", text[start:end]):
        group = 1 if match.group(1) else 2
        spans.append((start + match.start(group), start + match.end(group)))
    return spans


def names(text: str, sentence: Span) -> list[Span]:
    """Runs of capitalised words (`Kim Jong-un`, `Conseil de sécurité`, `ONU`)."""
    tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text, *sentence)]
    spans: list[Span] = []
    i = 0
    while i < len(tokens):
        if not _is_name_word(text, tokens, i, sentence[0]):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and _adjacent(text, tokens[j], tokens[j + 1]):
            if _joined(text, tokens[j], tokens[j + 1]) or _is_name_word(
                text, tokens, j + 1, sentence[0]
            ):
                j += 1
            elif (
                j + 2 < len(tokens)
                and _adjacent(text, tokens[j + 1], tokens[j + 2])
                and text[slice(*tokens[j + 1])].lower() in _CONNECTORS
                and _is_name_word(text, tokens, j + 2, sentence[0])
            ):
                j += 2
            else:
                break
        spans.append((tokens[i][0], tokens[j][1]))
        i = j + 1
    return spans


def _adjacent(text: str, left: Span, right: Span) -> bool:
    """Only spaces or a dash between two tokens, as between the words of one name."""
    return re.fullmatch(r"\s+|[-‑]", text[left[1] : right[0]]) is not None


def _is_name_word(text: str, tokens: list[Span], i: int, sentence_start: int) -> bool:
    word = text[slice(*tokens[i])]
    if not word[:1].isupper() or word.lower() in _OPENERS:
        return False
    if tokens[i][0] == _first_letter(text, sentence_start):
        # A capital that opens the sentence marks a name only for a word that is not
        # also written in lower case nearby and is no function word.
        lowered = word.lower()
        return not (is_function_word(lowered) or re.search(rf"\b{re.escape(lowered)}\b", text))
    return True


def _first_letter(text: str, start: int) -> int:
    match = re.compile(r"[^\W_]").search(text, start)
    return match.start() if match else start


def _joined(text: str, left: Span, right: Span) -> bool:
    """Two tokens written as one word: `Jong-un`, `Asie-Pacifique`."""
    return right[0] - left[1] == 1 and text[left[1]] in "-‑"


def _dates(text: str, start: int, end: int) -> Iterator[Span]:
    months, days = _calendar()
    month = rf"(?:{months})"
    patterns = [
        rf"{_QUALIFIERS}(?:(?i:le|the)\s+)?\d{{1,2}}(?:er|st|nd|rd|th)?\s+{month}(?:\s+\d{{4}})?",
        rf"{_QUALIFIERS}{month}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?",
        rf"{_QUALIFIERS}(?:{month}|(?i:(?:l['’])?(?:printemps|été|automne|hiver|spring|summer|"
        rf"autumn|fall|winter)))\s+(?:\d{{4}})",
        rf"{_QUALIFIERS}{month}",
        rf"{_QUALIFIERS}(?:1[5-9]\d\d|20\d\d)(?![\w,.]\d)",
        rf"(?:{days})",
        r"(?i:avant-hier|hier|aujourd['’]hui|demain|yesterday|today|tomorrow)",
    ]
    seen: list[Span] = []
    for pattern in patterns:
        for match in re.finditer(rf"(?<![\w]){pattern}(?![\w])", text[start:end]):
            span = (start + match.start(), start + match.end())
            if not any(a <= span[0] and span[1] <= b for a, b in seen):
                seen.append(span)
                yield span


def _numbers(text: str, start: int, end: int) -> Iterator[Span]:
    digits: list[Span] = []
    for match in _NUMBER.finditer(text, start, end):
        if _YEAR.fullmatch(match.group()) and not _unit_after(text, match.end(), end):
            continue  # a bare year is a date, not a quantity
        digits.append(match.span())
        percent = re.search(r"%|cent|points?$", match.group())
        yield match.start(), match.end() if percent else _with_unit(text, match.end(), end)
    for match in _WORD.finditer(text, start, end):
        first = match.group().lower().split("-")[0]
        inside = any(a <= match.start() <= b + 1 for a, b in digits)  # `70 milliards`
        if first in _NUMBER_WORDS and not inside:
            yield match.start(), _with_unit(text, match.end(), end)


def _unit_after(text: str, position: int, end: int) -> bool:
    return _with_unit(text, position, end) > position


def _with_unit(text: str, position: int, end: int) -> int:
    """Extend a number past its unit: `70 milliards de couronnes`, `12 mètres par jour`."""
    unit = re.compile(
        rf"(?:\s+{_MULTIPLIERS})?(?:\s+(?:de|d['’]|of)\s*|\s+)([^\W\d_][\w-]*)"
        r"(?:\s+(?:par|per|a|an|chaque|each)\s+[^\W\d_]+)?"
    )
    match = unit.match(text, position, end)
    if match is None or is_function_word(match.group(1).lower()):
        return position
    if _is_date_word(match.group(1)):
        return position
    return match.end()


def _places(text: str, sentence: Span) -> Iterator[Span]:
    territories = _territories()
    tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text, *sentence)]
    for start, end in names(text, sentence):
        if fold(text[start:end]) in territories:
            yield start, end
            continue
        if _is_date_word(text[start:end]):
            continue
        before = [t for t in tokens if t[1] <= start][-5:]
        for position, (a, b) in enumerate(reversed(before)):
            between = text[b:start]
            if re.search(r"[,;:.()«»]", between) or text[a:b][:1].isupper() and position:
                break
            if text[a:b].lower() in _LOCATIVES:
                if position == 0:
                    yield start, end
                else:
                    yield _first_letter(text, b), end
                break


def _reasons(text: str, start: int, end: int) -> Iterator[Span]:
    for match in _REASONS.finditer(text, start, end):
        word = _WORD.match(text, match.end())
        if word and _is_date_word(word.group()):
            continue  # `prévue pour décembre`: a date, not a purpose
        stop = end
        while stop > match.end() and text[stop - 1] in '.!?…;: »”"':
            stop -= 1
        if stop > match.end():
            yield match.end(), stop


def _is_date_word(word: str) -> bool:
    months, days = _calendar()
    return re.fullmatch(rf"(?:{months}|{days})", word) is not None


@cache
def _calendar() -> tuple[str, str]:
    """Regex alternations of month and weekday names, French and English, from CLDR.

    Only wide names: abbreviated ones (`sept`, `mar`, `may`) are everyday words. English
    names must be capitalised (`May`, not the verb); French ones may open a sentence.
    """
    alternations = []
    for field in ("months", "days"):
        names = []
        for code in ("fr", "en"):
            for name in getattr(Locale(code), field)["format"]["wide"].values():
                first = f"[{name[0].upper()}{name[0]}]" if code == "fr" else name[0]
                names.append(first + re.escape(name[1:]))
        alternations.append("|".join(sorted(names, key=len, reverse=True)))
    return alternations[0], alternations[1]


@cache
def _territories() -> frozenset[str]:
    """Folded country and region names in French and English (`russie`, `north korea`)."""
    found: set[str] = set()
    for code in ("fr", "en"):
        found.update(fold(name) for name in Locale(code).territories.values())
    return frozenset(found)
