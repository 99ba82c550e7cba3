"""Answers from article paragraphs: the best sentence of the best paragraph, or none.

Candidate paragraphs come from BM25 over the question's content words (all of them, else
any); `passages` scores their sentences. The best passage answers only when it holds enough of the
question (`MIN_COVERAGE`) and, weighing whether it holds the expected type of answer,
enough confidence (`MIN_CONFIDENCE`); otherwise the reply says so honestly and cites the
closest paragraphs as leads.
"""

from __future__ import annotations

from ..engine import Backend, Hit, Word
from ._passages import Passage, rank
from ._question import NAME, OTHER, REASON, Question
from ._reply import NOT_FOUND, Answer

__all__ = ["CANDIDATES", "LEADS", "MIN_CONFIDENCE", "MIN_COVERAGE", "paragraph_answer"]

CANDIDATES = 10  # paragraphs retrieved per question
LEADS = 3  # paragraphs cited when abstaining
# A word in more paragraphs than this share (and count) is left out of the OR retrieval.
COMMON_SHARE, COMMON_MIN = 0.2, 50
# How much a missing answer type lowers confidence: dates, numbers and places have clear
# shapes; names less so (`une association d’habitants`); reasons hide in many wordings.
_TYPE_RELIANCE = {OTHER: 0.15, REASON: 0.4, NAME: 0.5}
# Below these the best passage is not trusted: no answer rather than a wrong one.
MIN_COVERAGE = 0.4
MIN_CONFIDENCE = 0.3


def paragraph_answer(engine: Backend, question: Question, snapshot: str | None) -> Answer:
    """The best passage of the paragraphs (of `snapshot`, if given), or an honest no."""
    if not question.words:
        return _abstain(question, ())
    hits = _candidates(engine, question, snapshot)
    passages = rank(engine, question, hits)
    if not passages:
        return _abstain(question, hits[:LEADS])
    best = passages[0]
    confidence = _confidence(engine, question, best)
    if best.coverage < MIN_COVERAGE or confidence < MIN_CONFIDENCE:
        return _abstain(question, tuple(p.hit for p in passages[:LEADS]), confidence)
    text, highlights = _answer_text(best)
    others = tuple(p.hit for p in passages[1:LEADS] if p.score >= 0.8 * best.score)
    return Answer(
        question=question.text,
        answerable=True,
        answer=text,
        confidence=confidence,
        citations=(_newest_copy(engine, best.hit, snapshot), *others),
        highlights=highlights,
        lang=question.lang,
    )


def _candidates(engine: Backend, question: Question, snapshot: str | None) -> tuple[Hit, ...]:
    """Paragraphs that may hold the answer, each text once, those with every word first.

    Whoosh scores every paragraph an OR query matches, in Python: `Moscou` in a year of
    news about Russia matches thousands. So every word must match first (an AND skips
    through postings), and only when that finds too few paragraphs does any word do,
    leaving out words most paragraphs hold: they barely rank anything anyway.
    """
    words = list(question.words)
    # Daily pages repeat paragraphs: fetch more than needed, keep each text once.
    found: tuple[Hit, ...] = ()
    if len(words) > 1:
        _, found = engine.match(words, limit=2 * CANDIDATES, kind="paragraph", snapshot=snapshot)
    if len(_distinct(found)) < CANDIDATES:
        rare = _discriminating(engine, words)
        _, more = engine.match(
            rare, every=False, limit=2 * CANDIDATES, kind="paragraph", snapshot=snapshot
        )
        found += more
    return _distinct(found)[:CANDIDATES]


def _discriminating(engine: Backend, words: list[Word]) -> list[Word]:
    """The words fewer than a fifth of the paragraphs hold (always at least two)."""
    common = max(COMMON_MIN, COMMON_SHARE * engine.frequency("kind", "paragraph"))

    def frequency(word: Word) -> int:
        forms = [engine.frequency(field, stem) for field, stem in word.stems]
        return max([engine.frequency("plain", word.plain), *forms])

    rare = [w for w in words if frequency(w) <= common]
    return rare if len(rare) >= 2 else sorted(words, key=frequency)[:2]


def _newest_copy(engine: Backend, hit: Hit, snapshot: str | None) -> Hit:
    """The same paragraph in the newest snapshot that has it: daily pages repeat text, and
    among equal scores the engine's top hits may be old copies."""
    return hit if snapshot else engine.newest_copy(hit)


def _distinct(hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
    """Each text once, at its first (best, then newest) place."""
    seen: set[str] = set()
    kept = []
    for hit in hits:
        if hit.text not in seen:
            seen.add(hit.text)
            kept.append(hit)
    return tuple(kept)


def _confidence(engine: Backend, question: Question, passage: Passage) -> float:
    """Coverage of the question's words, discounted when the expected type is missing and
    halved when the question names something the snapshots never mention."""
    reliance = _TYPE_RELIANCE.get(question.kind, 0.7)
    value = passage.coverage * (1 - reliance + reliance * passage.typed)
    return value / 2 if _unknown_name(engine, question) else value


def _unknown_name(engine: Backend, question: Question) -> bool:
    return any(
        word.plain in question.names and not engine.frequency("plain", word.plain)
        for word in question.words
    )


def _answer_text(passage: Passage) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The passage's sentences joined, and the answer span moved into that text."""
    text = passage.hit.text
    parts, offset, highlights = [], 0, []
    focus = passage.span or passage.main
    for start, end in passage.sentences:
        if start <= focus[0] and focus[1] <= end:
            highlights.append((offset + focus[0] - start, offset + focus[1] - start))
        parts.append(text[start:end])
        offset += end - start + 1
    return " ".join(parts), tuple(highlights)


def _abstain(question: Question, leads: tuple[Hit, ...], confidence: float = 0.0) -> Answer:
    return Answer(
        question=question.text,
        answerable=False,
        answer=NOT_FOUND[question.lang],
        confidence=confidence,
        citations=leads,
        lang=question.lang,
    )
