"""Split paragraphs of news prose into sentences, as character spans.

A full stop ends a sentence only when a capital (or an opening quote, or the end of the
text) follows it after a space. So decimal numbers (`2,9` or `3.5`), abbreviations
(`M. Dupont`, `Dr. Smith`, `J.-C.`, `U.S.`) and punctuation inside « » or “ ” quotes
followed by the rest of the sentence (`« Pourquoi ? » demande-t-il`) never split one.
"""

from __future__ import annotations

import re

__all__ = ["Span", "split"]

Span = tuple[int, int]

# Words that end in a full stop without ending a sentence, compared in lower case.
_ABBREVIATIONS = frozenset(
    """
    m mm mme mmes mlle mlles dr drs pr me ste st sts cf etc ex env av apr art vol éd chap
    p pp no nos n° tél fig hab max min mr mrs ms jr sr prof gen gov sen rep rev inc ltd co
    corp vs approx dept est jan janv feb févr fév mar apr avr jun jul juil aug sep sept oct
    nov dec déc mgr
    """.split()
)
_OPENERS = '«“"‘('
_QUOTE_PAIRS = {"«": "»", "“": "”"}
_CLOSERS = '»”"’)'
_END = re.compile(r"[.!?…]+")
_WORD_BEFORE = re.compile(r"([^\W\d_]+(?:\.[^\W\d_]+)*)\.$")


def split(text: str) -> list[Span]:
    """The sentences of `text` as (start, end) spans, surrounding spaces left out."""
    spans: list[Span] = []
    start = _skip_spaces(text, 0)
    for end in _boundaries(text):
        if end > start:
            spans.append(_trim(text, start, end))
        start = _skip_spaces(text, end)
    if start < len(text):
        spans.append(_trim(text, start, len(text)))
    return [s for s in spans if s[1] > s[0]]


def _boundaries(text: str) -> list[int]:
    """Offsets just after each sentence end (closing quotes and brackets included)."""
    ends = []
    depth = _quote_depths(text)
    for match in _END.finditer(text):
        end = _after_closers(text, match.end())
        if depth[match.start()] and end == match.end():
            continue  # inside a quote that goes on: « Non. Jamais. » is one sentence
        if not _followed_by_new_sentence(text, end):
            continue
        if match.group() == "." and _is_abbreviation(text, match.start()):
            continue
        ends.append(end)
    return ends


def _after_closers(text: str, end: int) -> int:
    """`end` moved past closing quotes and brackets, French spacing (`fin. »`) included."""
    position = end
    while True:
        after = _skip_spaces(text, position)
        if after < len(text) and text[after] in _CLOSERS:
            position = after + 1
        else:
            return position


def _quote_depths(text: str) -> list[int]:
    """For each character, how many « » / “ ” quotes are open around it.

    A quote never closed in the paragraph counts for nothing, so one stray « cannot
    glue the rest of the paragraph into one sentence.
    """
    depths = [0] * len(text)
    stack: list[tuple[str, int]] = []
    for position, char in enumerate(text):
        if char in _QUOTE_PAIRS:
            stack.append((_QUOTE_PAIRS[char], position))
        elif stack and char == stack[-1][0]:
            _, opened = stack.pop()
            for inside in range(opened + 1, position):
                depths[inside] += 1
    return depths


def _followed_by_new_sentence(text: str, end: int) -> bool:
    after = _skip_spaces(text, end)
    if after == len(text):
        return True
    if after == end:
        return False  # `3.5`, `U.S.A`, `?!`: no space, no new sentence
    nxt = text[after]
    return nxt.isupper() or nxt.isdigit() or nxt in _OPENERS or nxt in "—–-"


def _is_abbreviation(text: str, dot: int) -> bool:
    match = _WORD_BEFORE.search(text, max(0, dot - 20), dot + 1)
    if match is None:
        return False
    word = match.group(1)
    if "." in word:
        return True  # `U.S.`, `p.ex.`, `J.-C.`: dotted initials
    if len(word) == 1 and word.isupper():
        return True  # an initial: `J. K. Rowling`
    return word.lower() in _ABBREVIATIONS


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _trim(text: str, start: int, end: int) -> Span:
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
