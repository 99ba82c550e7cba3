"""Answers from article paragraphs: the best sentence of the best paragraph, or none.

Candidate paragraphs come from BM25 over the question's content words (all of them, else
the rarer ones) and, with the semantic extra, from the question's similarity to every
paragraph, fused by reciprocal rank; `passages` scores their sentences. `evidence` weighs
the best passage's signals into a calibrated confidence, and the reply answers only
when `decide` says so; otherwise it says so honestly and cites the closest paragraphs as
leads (and, without the extra, says when the answer may be in a page of the other
language).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from index.documents import digest
from index.embedding import model_of

from ..engine import Backend, Hit, Word
from ._evidence import Evidence, confidence, decide
from ._passages import Passage, Retrieval, rank
from ._question import DATE, NAME, NUMBER, PLACE, REASON, Question
from ._reply import NOT_FOUND, Answer
from ._semantic import Embedder, Vectors, cosine, lift

__all__ = ["CANDIDATES", "LEADS", "Judged", "judge", "paragraph_answer"]

CANDIDATES = 10  # paragraphs retrieved per question
LEADS = 3  # paragraphs cited when abstaining
RRF_K = 60  # reciprocal rank fusion: weight / (RRF_K + rank)
DENSE_WEIGHT = 2.0  # the semantic ranking's weight in the fusion (BM25: 1)
# A passage at least a fifth as likely as the best (scores are log-odds) is cited beside
# it: other paragraphs that may say the same or more.
_CLOSE = math.log(0.2)
# A word in more paragraphs than this share (and count) is left out of the OR retrieval.
COMMON_SHARE, COMMON_MIN = 0.2, 50
_TYPED = frozenset({DATE, NUMBER, NAME, PLACE, REASON})
_VALUES = frozenset({DATE, NUMBER, REASON})  # types whose spans few sentences hold
_OTHER_LANGUAGE = {
    "fr": " La réponse se trouve peut-être dans une page en anglais ; pistes les plus proches :",
    "en": " The answer may be in a page in French; the closest leads:",
}
_vectors: dict[int, Vectors] = {}  # passage vectors per embedder, for this process


@dataclass(frozen=True)
class Judged:
    """The best passage of a question and the evidence for it, or why there is none."""

    passage: Passage | None
    evidence: Evidence | None
    confidence: float
    leads: tuple[Hit, ...]
    others: tuple[Hit, ...]  # further citations that score close to the best

    @property
    def answers(self) -> bool:
        """Whether the evidence supports answering (see `_evidence.decide`)."""
        return self.evidence is not None and decide(self.evidence, self.confidence)


def paragraph_answer(
    engine: Backend, question: Question, snapshot: str | None, embedder: Embedder | None = None
) -> Answer:
    """The best passage of the paragraphs (of `snapshot`, if given), or an honest no."""
    judged = judge(engine, question, snapshot, embedder)
    best = judged.passage
    if best is None or not judged.answers:
        return _abstain(engine, question, judged, embedder is None)
    text, highlights = _answer_text(best)
    return Answer(
        question=question.text,
        answerable=True,
        answer=text,
        confidence=judged.confidence,
        citations=(_newest_copy(engine, best.hit, snapshot), *judged.others),
        highlights=highlights,
        lang=question.lang,
    )


def judge(
    engine: Backend, question: Question, snapshot: str | None, embedder: Embedder | None
) -> Judged:
    """The best passage for `question` with its evidence and calibrated confidence."""
    if not question.words:
        return Judged(None, None, 0.0, (), ())
    similarity = _Similarity(engine, embedder, question) if embedder else None
    hits, retrieved = _candidates(engine, question, snapshot, embedder, similarity)
    passages = rank(engine, question, hits, retrieved, similarity)
    if not passages:
        return Judged(None, None, 0.0, hits[:LEADS], ())
    best = passages[0]
    evidence = _evidence(engine, question, passages, hits)
    value = confidence(evidence)
    if _unknown_name(engine, question):  # a name the snapshots never mention
        value /= 2
    others = tuple(p.hit for p in passages[1:LEADS] if p.score >= best.score + _CLOSE)
    leads = tuple(p.hit for p in passages[:LEADS])
    return Judged(best, evidence, value, leads, others)


def _evidence(
    engine: Backend, question: Question, passages: list[Passage], hits: tuple[Hit, ...]
) -> Evidence:
    best = passages[0]
    # The best passage's lead: its probability against the next paragraph's best, the
    # scores being log-odds (`_passages.SIGNALS`).
    second = passages[1].score if len(passages) > 1 else best.score - 10.0
    return Evidence(
        coverage=best.coverage,
        typed=best.typed,
        expects_type=1.0 if question.kind in _TYPED else 0.0,
        margin=2 / (1 + math.exp(second - best.score)) - 1,
        first=1.0 if hits and hits[0].text == best.hit.text else 0.0,
        missing=_missing(engine, question, best.hit, bridged=best.similarity > 0),
        similarity=best.similarity,
        value_type=1.0 if question.kind in _VALUES else 0.0,
    )


def _missing(engine: Backend, question: Question, hit: Hit, bridged: bool) -> float:
    """The share of the question's specific parts (numbers, years, names) the paragraph
    holds no word of: `le coût en 2015` when the text gives no 2015. A name of several
    words is one part (`Czech Hop Growers Union` is there as `the union`)."""
    groups = question.groups or tuple((i,) for i in range(len(question.words)))
    # Across languages a name is translated (`North Korean`, `nord-coréens`) where a
    # number is not: in a page of the other language reached by meaning (`bridged`, the
    # embedder's similarity), only numbers can be missing.
    names = not (bridged and hit.lang != question.lang)
    parts = [
        [question.words[i] for i in group]
        for group in groups
        if any(_is_specific(question, question.words[i], names) for i in group)
    ]
    if not parts:
        return 0.0
    tokens = engine.tokens(hit.text, hit.lang)
    plains = {t.plain for t in tokens}
    stems = {stem for t in tokens for stem in t.stems}

    def present(word: Word) -> bool:
        return word.plain in plains or bool({s for _, s in word.stems} & stems)

    absent = [part for part in parts if not any(present(w) for w in part)]
    return len(absent) / len(parts)


def _is_specific(question: Question, word: Word, names: bool) -> bool:
    """A number or year, or (unless `names` is off) a name of the question."""
    return (names and word.plain in question.names) or _has_digit(word.raw)


def _has_digit(text: str) -> bool:
    return re.search(r"\d", text) is not None


class _Similarity:
    """The question's cosine to any text: passage vectors read from the index when its
    build stored them (`Backend.vectors()`), else computed once per text per process."""

    def __init__(self, engine: Backend, embedder: Embedder, question: Question) -> None:
        self.vectors = _vectors.setdefault(id(embedder), Vectors(embedder))
        self.store = engine.vectors()
        if self.store is not None and self.store.model != model_of(embedder):
            self.store = None  # another model's vectors do not compare with this one's
        self.asked = embedder.questions([question.text])[0]

    def __call__(self, text: str) -> float:
        return cosine(self.asked, self.vectors.of([text], store=self.store)[0])


def _candidates(
    engine: Backend,
    question: Question,
    snapshot: str | None,
    embedder: Embedder | None = None,
    similarity: _Similarity | None = None,
) -> tuple[tuple[Hit, ...], tuple[Retrieval, ...]]:
    """Paragraphs that may hold the answer, best first, and how each was found: BM25
    alone, or fused by reciprocal rank with the question's similarity."""
    lexical = _lexical(engine, question, snapshot)
    top = max((h.score for h in lexical), default=0.0) or 1.0
    if embedder is None or similarity is None:
        return lexical, tuple(Retrieval(h.score / top, i) for i, h in enumerate(lexical))
    dense = _dense(engine, snapshot, similarity)
    fused: dict[str, float] = {}
    by_text: dict[str, Hit] = {}
    for ranking, weight in ((lexical, 1.0), (dense, DENSE_WEIGHT)):
        for position, hit in enumerate(ranking):
            fused[hit.text] = fused.get(hit.text, 0.0) + weight / (RRF_K + position + 1)
            by_text.setdefault(hit.text, hit)
    order = sorted(fused, key=lambda text: -fused[text])[:CANDIDATES]
    lexical_place = {h.text: i for i, h in enumerate(lexical)}
    dense_place = {h.text: i for i, h in enumerate(dense)}
    retrieved = []
    for text in order:
        place = lexical_place.get(text)
        cosine = similarity(text)
        prior = ((0.0 if place is None else lexical[place].score / top) + lift(cosine)) / 2
        retrieved.append(Retrieval(prior, place, dense_place.get(text), cosine))
    return tuple(by_text[t] for t in order), tuple(retrieved)


def _dense(engine: Backend, snapshot: str | None, similarity: _Similarity) -> tuple[Hit, ...]:
    """The paragraphs most similar to the question, each text once: from the index's
    stored vectors in one matrix product, else by comparing every paragraph."""
    store = similarity.store
    if store is not None:
        among = None
        if snapshot:
            among = {digest(h.text) for h in engine.documents(kind="paragraph", snapshot=snapshot)}
        nearest = store.nearest(similarity.asked, "paragraph", CANDIDATES, among)
        found = [engine.text_hit("paragraph", key, snapshot) for key, _ in nearest]
        return tuple(hit for hit in found if hit is not None)
    fields = {"kind": "paragraph", **({"snapshot": snapshot} if snapshot else {})}
    paragraphs = _distinct(tuple(reversed(engine.documents(**fields))))
    return tuple(sorted(paragraphs, key=lambda h: -similarity(h.text))[:CANDIDATES])


def _lexical(engine: Backend, question: Question, snapshot: str | None) -> tuple[Hit, ...]:
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


def _abstain(engine: Backend, question: Question, judged: Judged, lexical: bool) -> Answer:
    """No answer: the closest paragraphs as leads, those in the other language first
    when the question's own language holds little of it and no embedder could bridge."""
    text, leads = NOT_FOUND[question.lang], judged.leads
    weak = judged.evidence is None or judged.evidence.coverage < 0.5
    if lexical and weak and question.words:
        foreign = _other_language(engine, question)
        if foreign:
            text, leads = text + _OTHER_LANGUAGE[question.lang], foreign
    return Answer(
        question=question.text,
        answerable=False,
        answer=text,
        confidence=judged.confidence,
        citations=leads,
        lang=question.lang,
    )


def _other_language(engine: Backend, question: Question) -> tuple[Hit, ...]:
    """The paragraphs in the other language that hold a name of the question (`Kim`,
    `VZLUSAT-3`) when no paragraph in its own language does: names cross languages
    unchanged, common words do not."""
    names = [w for w in question.words if w.plain in question.names]
    if not names:
        return ()
    _, hits = engine.match(names, every=False, limit=4 * LEADS, kind="paragraph")
    distinct = _distinct(hits)
    if any(h.lang == question.lang for h in distinct):
        return ()
    return tuple(h for h in distinct if h.lang and h.lang != question.lang)[:LEADS]
