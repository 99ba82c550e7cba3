"""Score the sentences of retrieved paragraphs against a question; pick the answer span.

A sentence scores by its signals (`SIGNALS`): the share of the question's content words
it holds (each weighted by its IDF among paragraphs, proper nouns more), how close
together they are, whether it holds a span of the expected answer type, whether the
question's phrases are there as phrases, how retrieval ranked its paragraph, and with
the semantic extra the question's similarity to it. Their weights are fitted on the dev
half. A pair of adjacent sentences competes too, so a neighbour joins the answer when it
adds what the question asks for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from ..engine import Backend, Hit, Token
from ._question import DATE, NAME, NUMBER, OTHER, PLACE, REASON, Question, fold, is_function_word
from ._semantic import lift
from ._sentences import split
from ._spans import Candidate, Span, find, names, quotes
from ._synonyms import SYNONYM, synonyms

__all__ = ["SIGNALS", "Passage", "Retrieval", "rank", "units"]

PARTIAL = 0.6  # a word sharing a long prefix (`chairs`/`chairman`) counts this much
_NAME_WEIGHT = 1.5  # a proper noun of the question matters more than a common word
PHRASE_ALONE = 0.5  # a word of a question's phrase found without the rest of it
TOPIC = 0.5  # a word found only in the article's title or first paragraph
MAX_PAIR_CHARS = 450  # two sentences longer than this: the better one stands alone
# A unit's signals, each 0-1, in the order of `Passage.signals`; the last three only with
# the semantic extra. Its score is their weighted sum, the weights fitted on the dev half
# (`benchmarks/fit_confidence.py --ranker`) so that the unit holding the answer scores
# highest: a conditional logit over every unit of a question's candidate paragraphs.
SIGNALS = (
    "coverage",  # weighted share of the question's words found
    "proximity",  # how close together they are
    "typed",  # a span of the expected answer type near them
    "untyped",  # a date or number question without any date or number
    "prior",  # how well retrieval ranked the paragraph (0-1)
    "pair",  # two sentences rather than one
    "phrases",  # the share of the question's phrases found as phrases (`mise en service`)
    "lexical_rank",  # 1 / (1 + the paragraph's place in the BM25 ranking)
    "similarity",  # the question's cosine to the unit's main sentence, rescaled
    "paragraph_similarity",  # and to the whole paragraph
    "dense_rank",  # 1 / (1 + the paragraph's place in the similarity ranking)
)
_LEXICAL_WEIGHTS = (3.40, 0.05, 2.05, -1.13, 1.52, 0.04, 1.12, 0.35)
_SEMANTIC_WEIGHTS = (2.25, -0.37, 1.68, -0.73, 0.51, 0.12, 0.56, -0.46, 2.13, 1.40, 1.72)
# Questions about money (`combien coûte`, `how much did it cost`) want a sum of money.
_MONEY_WORDS = re.compile(
    r"\b(?:co[uû]t\w*|prix|pa(?:ie|y)\w*|salaires?|budget|facture|d[ée]pens\w*|tarifs?|"
    r"cost\w*|price\w*|paid|salar\w+|earn\w*|spend\w*|spent|fee)\b",
    re.IGNORECASE,
)
_MONEY_UNITS = re.compile(
    r"\b(?:couronnes?|euros?|dollars?|korun(?:a|as|y)|livres?|francs?|yens?|pounds?|"
    r"CZK|EUR|USD|GBP|CHF)\b|[€$£]",
    re.IGNORECASE,
)
# A focus that a sum of money answers (`combien de couronnes`, `how much money`).
_MONEY_FOCUS = re.compile(
    rf"{_MONEY_UNITS.pattern}|^(?:argent|montant|somme|money|amount|sum|cash|funds?)$",
    re.IGNORECASE,
)
Similarity = Callable[[str], float]  # the question's cosine to a text
# A number question's focus that a span's unit answers without the focus word itself:
# `combien de temps` is answered by `dix-huit minutes`, `what share` by `a third`.
_TIME_UNITS = (
    r"\b(?:secondes?|minutes?|heures?|jours?|semaines?|mois|ans?|ann[ée]es?|seconds?|"
    r"hours?|days?|weeks?|months?|years?|decades?|d[ée]cennies?)\b"
)
_SHARE_UNITS = (
    r"%|\b(?:pour ?cent|per ?cent|percent|moiti[ée]|tiers|quarts?|cinqui[èe]mes?|"
    r"dixi[èe]mes?|half|thirds?|quarters?|fifths?|tenths?)\b"
)
_MASS_UNITS = r"\b(?:tonnes?|tons?|kilos?|kilogrammes?|kilograms?|kg|grammes?|grams?)\b"
_FOCUS_UNITS = {
    **dict.fromkeys("masse poids mass weight".split(), _MASS_UNITS),
    **dict.fromkeys("temps duree time duration frequence frequency".split(), _TIME_UNITS),
    **dict.fromkeys(
        "part pourcentage proportion share percentage proportion".split(), _SHARE_UNITS
    ),
}
# Sentences opening on these lean on the one before (`Il`, `Cette combinaison`, `They`).
_ANAPHORS = frozenset(
    """
    il elle ils elles ce cet cette ces cela ça celui celle ceux celles lui leur leurs
    it this that these those they he she such its their his her
    """.split()
)
_AUXILIARIES = frozenset(
    "a ont est sont avait avaient sera seront va vont has have had is are was were will".split()
)
_DETERMINERS = frozenset("le la les l un une des the a an".split())


@dataclass(frozen=True)
class Passage:
    """The best part of one paragraph: its sentences, answer span and scores."""

    hit: Hit
    sentences: tuple[Span, ...]  # spans of `hit.text`, in order; one or two
    main: Span  # the sentence that holds the answer span (or the best match)
    span: Span | None  # the answer span inside `hit.text`
    score: float
    coverage: float  # weighted share of the question's words found, 0-1
    typed: float  # how much the best span looks like the expected answer, 0-1
    similarity: float = 0.0  # the question's cosine to the main sentence (semantic extra)
    signals: tuple[float, ...] = ()  # what `score` weighs, in the order of SIGNALS


@dataclass(frozen=True)
class Retrieval:
    """How a candidate paragraph was found: `prior` (0-1) is its BM25 score against the
    best (fused with its similarity under the extra), `lexical` and `dense` its places
    in the BM25 and similarity rankings (None: not in them), `similarity` the question's
    cosine to it (0 without the extra)."""

    prior: float
    lexical: int | None = None
    dense: int | None = None
    similarity: float = 0.0

    def signals(self, semantic: bool) -> tuple[float, ...]:
        """The paragraph's part of a unit's signals: its lexical rank, and with the extra
        its similarity and dense rank."""
        if not semantic:
            return (_reciprocal(self.lexical),)
        return (_reciprocal(self.lexical), lift(self.similarity), _reciprocal(self.dense))


def _reciprocal(place: int | None) -> float:
    return 0.0 if place is None else 1 / (1 + place)


def rank(
    engine: Backend,
    question: Question,
    hits: tuple[Hit, ...],
    retrieved: tuple[Retrieval, ...] | None = None,
    similarity: Similarity | None = None,
) -> list[Passage]:
    """The best passage of each hit, best first. `retrieved` says how each hit was found
    (default: by BM25 alone, in this order); `similarity` adds the question's semantic
    similarity to each sentence."""
    weights = _weights(engine, question)
    top = max((h.score for h in hits), default=0.0) or 1.0
    retrieved = retrieved or tuple(Retrieval(h.score / top, i) for i, h in enumerate(hits))
    topics: dict[str, list[float]] = {}
    for hit in hits:
        if hit.snapshot not in topics:
            topics[hit.snapshot] = _topic(engine, question, hit)
    passages = [
        _best(engine, question, weights, hit, found, topics[hit.snapshot], similarity)
        for hit, found in zip(hits, retrieved, strict=True)
    ]
    return sorted((p for p in passages if p), key=lambda p: -p.score)


def _weights(engine: Backend, question: Question) -> list[float]:
    """IDF of each content word among paragraphs; unknown words count as the rarest."""
    n = max(1, engine.frequency("kind", "paragraph"))
    weights = []
    for word in question.words:
        frequencies = [engine.frequency("plain", word.plain)]
        frequencies += [engine.frequency(field, stem) for field, stem in word.stems]
        df = min(n, max(1, max(frequencies)))
        weight = math.log((n + 1) / (df + 0.5))
        weights.append(weight * (_NAME_WEIGHT if word.plain in question.names else 1.0))
    return weights


def _strength(word_plain: str, word_stems: frozenset[str], token: Token) -> float:
    if token.plain == word_plain or word_stems & token.stems:
        return 1.0
    if _synonymous(word_plain, token.plain):
        return SYNONYM
    shorter = min(len(word_plain), len(token.plain))
    common = len(_common_prefix(word_plain, token.plain))
    return PARTIAL if common >= 5 and common >= 0.8 * shorter else 0.0


def _common_prefix(a: str, b: str) -> str:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]


def _best(
    engine: Backend,
    question: Question,
    weights: list[float],
    hit: Hit,
    found: Retrieval,
    topic: list[float],
    similarity: Similarity | None = None,
) -> Passage | None:
    scored = units(engine, question, weights, hit, found, topic, similarity)
    best = max(scored, key=lambda passage: passage.score, default=None)  # first of equals
    if best is None:
        return None
    return _with_antecedent(best, split(hit.text), hit)


def units(
    engine: Backend,
    question: Question,
    weights: list[float],
    hit: Hit,
    found: Retrieval,
    topic: list[float],
    similarity: Similarity | None = None,
) -> Iterator[Passage]:
    """Every sentence of `hit`, and every pair of neighbours short enough, scored; a unit
    holding none of the question is skipped once one that does was seen."""
    tokens = engine.tokens(hit.text, hit.lang)
    sentences = split(hit.text)
    per_sentence = [[t for t in tokens if a <= t.start < b] for a, b in sentences]
    strength_of = _strength_table(question, tokens)  # each word against each token, once
    spans_of: dict[int, list[Candidate]] = {}  # each sentence's candidates, found once

    def candidates(i: int) -> list[Candidate]:
        if i not in spans_of:
            spans_of[i] = _candidates(question, hit.text, sentences[i], per_sentence[i])
        return spans_of[i]

    similar = [similarity(hit.text[a:b]) if similarity else 0.0 for a, b in sentences]
    weights_of_signals = _SEMANTIC_WEIGHTS if similarity else _LEXICAL_WEIGHTS
    paragraph_signals = found.signals(similarity is not None)
    phrases = _phrases(question)
    pairs: list[tuple[int, ...]] = [(i,) for i in range(len(sentences))]
    pairs += [
        (i, i + 1)
        for i in range(len(sentences) - 1)
        if sentences[i + 1][1] - sentences[i][0] <= MAX_PAIR_CHARS
    ]
    seen = False
    for unit in pairs:
        unit_tokens = [t for i in unit for t in per_sentence[i]]
        table = [[row[t.start] for t in unit_tokens] for row in strength_of]
        strengths = [max(row, default=0.0) for row in table]
        matched = [t for row in table for t, x in zip(unit_tokens, row, strict=True) if x]
        strengths = [max(a, b) for a, b in zip(strengths, topic, strict=True)]
        strengths = _phrased(strengths, phrases)
        if not matched and seen:
            continue  # holds none of the question: cannot beat a passage that does
        seen = True
        spans = [(c, sentences[i]) for i in unit for c in candidates(i)]
        unit_spans = [sentences[i] for i in unit]
        coverage = _coverage(question, weights, strengths)
        intact = _intact(phrases, table)
        passage = _score(
            question, hit, found.prior, unit_spans, unit_tokens, matched, coverage, spans
        )
        cosine = similar[sentences.index(passage.main)] if similarity else 0.0
        signals = passage.signals + (intact,) + paragraph_signals
        if similarity:
            signals = signals[:-2] + (lift(cosine),) + signals[-2:]
        score = sum(w * x for w, x in zip(weights_of_signals, signals, strict=True))
        yield replace(passage, score=score, similarity=cosine, signals=signals)


def _phrases(question: Question) -> list[tuple[int, int]]:
    """Pairs of common words written as one phrase in the question, side by side or
    across one short word (`mise en service`, `interest rate`); names have their own
    rule (`groups`)."""
    pairs, position, ends = [], 0, []
    for word in question.words:
        start = question.text.find(word.raw, position)
        ends.append((start, start + len(word.raw)) if start >= 0 else (-1, -1))
        position = start + len(word.raw) if start >= 0 else position
    for i in range(len(ends) - 1):
        (_, left_end), (right_start, _) = ends[i], ends[i + 1]
        gap = question.text[left_end:right_start] if left_end >= 0 <= right_start else "x"
        named = {question.words[k].plain for k in (i, i + 1)} & question.names
        if not named and re.fullmatch(r"\s+(?:[^\W\d_]{1,3}['’\s]+)?", gap):
            pairs.append((i, i + 1))
    return pairs


def _strength_table(question: Question, tokens: list[Token]) -> list[dict[int, float]]:
    """How strongly each question word matches each token (`_strength`), by its start."""
    table = []
    for word in question.words:
        stems = frozenset(stem for _, stem in word.stems)
        table.append({t.start: _strength(word.plain, stems, t) for t in tokens})
    return table


def _intact(phrases: list[tuple[int, int]], table: list[list[float]]) -> float:
    """The share of the question's phrases whose words sit side by side, or across one
    or two short words, in the unit (`table`: each word's strength on each of its
    tokens): `mise en service`, not `mise sur … service`."""
    if not phrases:
        return 0.0
    places = [[i for i, x in enumerate(row) if x] for row in table]
    intact = sum(any(0 < b - a <= 3 for a in places[i] for b in places[j]) for i, j in phrases)
    return intact / len(phrases)


def _phrased(strengths: list[float], phrases: list[tuple[int, int]]) -> list[float]:
    """A word of a phrase found without the rest of its phrase counts half: `mise` in
    `Ostrava mise sur le tramway` is not the `mise en service` asked about."""
    adjusted = list(strengths)
    for i, j in phrases:
        if bool(strengths[i]) != bool(strengths[j]):
            for k in (i, j):
                adjusted[k] = strengths[k] * PHRASE_ALONE
    return adjusted


def _topic(engine: Backend, question: Question, hit: Hit) -> list[float]:
    """How far each question word is the subject of the whole article (its title or
    first paragraph hold it), which every paragraph of the article is about: `le projet`
    of ¶2 is the `ligne D` of ¶1."""
    lead = [
        h.text
        for kind, number in (("title", None), ("paragraph", "1"))
        for h in engine.documents(kind=kind, snapshot=hit.snapshot)
        if number is None or h.paragraph == 1
    ]
    tokens = [t for text in lead for t in engine.tokens(text, hit.lang)]
    strengths, _ = _matches(question, tokens)
    return [TOPIC * value for value in strengths]


def _score(
    question: Question,
    hit: Hit,
    prior: float,
    unit: list[Span],
    tokens: list[Token],
    matched: list[Token],
    coverage: float,
    candidates: list[tuple[Candidate, Span]],
) -> Passage:
    """One or two sentences scored: mostly coverage, then the answer type, proximity and
    the paragraph's BM25 rank; two sentences pay a little for their length."""
    proximity = _proximity(tokens, matched)
    span, typed, main = _pick(question, hit.text, candidates, matched, unit)
    main_tokens = [t for t in tokens if main[0] <= t.start < main[1]]
    if (
        question.kind == NUMBER
        and question.focus
        and not _mentions(main_tokens, question.focus)
        and not (span and _unit_fits(question.focus, hit.text[span[0] : span[1]]))
    ):
        # `What is the population of Japan?` wants a population: any other number, even
        # in the sentence beside the one about salaries, answers something else.
        span, typed = None, 0.0
    if span and question.kind == NUMBER:
        money = _MONEY_UNITS.search(hit.text[span[0] : span[1]]) is not None
        if _MONEY_WORDS.search(question.text):
            # `Combien coûte…` wants a sum of money, not `986 places`.
            typed *= 1.0 if money else 0.3
        elif money and question.focus and not _MONEY_FOCUS.search(question.focus):
            # And `combien de rames` a number of trains: their price (`commandées pour
            # 4,8 milliards de couronnes`) answers something else, a near miss.
            span, typed = None, 0.0
    # Without an expected type (`quel traité`, `what does`), a focus span only helps.
    type_term = typed if question.kind != OTHER else 0.5 + 0.3 * typed
    # `combien coûte` answered by a sentence without any number
    untyped = question.kind in (DATE, NUMBER) and not span
    signals = (coverage, proximity, type_term, float(untyped), prior, float(len(unit) - 1))
    return Passage(hit, tuple(unit), main, span, 0.0, coverage, typed, signals=signals)


def _coverage(question: Question, weights: list[float], strengths: list[float]) -> float:
    """The weighted share of the question found. A name of several words counts once, at
    the weight of its rarest word, by the share of it found: `Czech Hop Growers Union`
    must not outweigh the verb `chairs` fourfold."""
    groups = question.groups or tuple((i,) for i in range(len(weights)))
    found = total = 0.0
    for group in groups:
        group_weights = [weights[i] for i in group]
        weight = max(group_weights)
        share = sum(weights[i] * strengths[i] for i in group) / (sum(group_weights) or 1.0)
        found += weight * share
        total += weight
    return found / total if total else 0.0


def _unit_fits(focus: str, span: str) -> bool:
    """Whether the span's unit is what the focus asks for (`temps`: `dix-huit minutes`)."""
    units = _FOCUS_UNITS.get(focus)
    return units is not None and re.search(units, span, re.IGNORECASE) is not None


def _mentions(tokens: list[Token], focus: str) -> bool:
    """Whether a token is the focus noun or its start (`longue` for `longueur`, `vite` for
    `vitesse`)."""
    stem = focus[: max(4, len(focus) - 2)]
    return any(
        t.plain.startswith(stem)
        or len(t.plain) >= 4
        and focus.startswith(t.plain)
        or _synonymous(focus, t.plain)
        for t in tokens
    )


def _synonymous(word: str, other: str) -> bool:
    """Whether `other` is a synonym of `word`, either of them perhaps in the plural."""
    forms = {word, word.removesuffix("s")}
    return any(
        other in synonyms(form) or other.removesuffix("s") in synonyms(form) for form in forms
    )


def _matches(question: Question, tokens: list[Token]) -> tuple[list[float], list[Token]]:
    """The match strength of each question word, and the tokens that matched."""
    strengths, matched = [], []
    for word in question.words:
        stems = frozenset(stem for _, stem in word.stems)
        best = 0.0
        for token in tokens:
            strength = _strength(word.plain, stems, token)
            if strength:
                matched.append(token)
                best = max(best, strength)
        strengths.append(best)
    return strengths, matched


def _proximity(tokens: list[Token], matched: list[Token]) -> float:
    """1 when the matched words sit side by side, falling as they spread."""
    if len(matched) < 2:
        return 1.0 if matched else 0.0
    positions = sorted({tokens.index(t) for t in matched})
    window = positions[-1] - positions[0] + 1
    return min(1.0, 3 * len(positions) / window)


def _candidates(
    question: Question, text: str, sentence: Span, tokens: list[Token]
) -> list[Candidate]:
    if question.kind == OTHER:
        return _by_focus(question, text, sentence)
    found = find(text, sentence, question.kind)
    if question.kind == NAME and question.words:
        found += _subject(question, text, sentence, tokens)
    if question.kind in (NAME, PLACE) and question.focus:
        found += _by_focus(question, text, sentence)  # `la région de Koursk`
    return found


def _pick(
    question: Question,
    text: str,
    candidates: list[tuple[Candidate, Span]],
    matched: list[Token],
    unit: list[Span],
) -> tuple[Span | None, float, Span]:
    """The candidate span nearest the question's words that is not one of them."""
    taken = [(t.start, t.end) for t in matched]
    best: tuple[float, Span | None, Span] = (0.0, None, _densest(unit, matched))
    for (start, end, weight), sentence in candidates:
        core = _core(question, text, start, end)
        if any(a < core and start < b for a, b in taken):
            continue
        if question.kind == NUMBER and question.focus:
            # `Combien de stations` wants a number of stations: `dix stations` first.
            weight *= 1.0 if question.focus[:4] in fold(text[core:end]) else 0.7
        distance = min((_gap((start, end), span) for span in taken), default=200)
        value = weight / (1 + distance / 60)
        if value > best[0]:
            best = (value, (start, end), sentence)
    value, span, main = best
    return span, min(1.0, value * 1.25) if span else 0.0, main


def _core(question: Question, text: str, start: int, end: int) -> int:
    """Where the part of a span that must not repeat the question ends: the number of
    `160 000 voyageurs` (the unit may be a word of the question), nothing of a reason
    (`attribue ce dérapage à l’inflation` explains the `dérapé` asked about), else all."""
    if question.kind == REASON:
        return start
    if question.kind != NUMBER:
        return end
    number = re.match(r"[\d\s.,%+\-−]+|[^\W\d_][\w-]*", text[start:end])
    return start + len(number.group().rstrip()) if number else end


def _densest(unit: list[Span], matched: list[Token]) -> Span:
    return max(unit, key=lambda s: sum(s[0] <= t.start < s[1] for t in matched))


def _gap(a: Span, b: Span) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _by_focus(question: Question, text: str, sentence: Span) -> list[Candidate]:
    """For `quel traité …`: a quote or name right after the focus noun (`traité de
    « partenariat… »`) or right before it (`the Saaz variety`), else the words after it."""
    if not question.focus:
        return [(a, b, 0.5) for a, b in quotes(text, sentence)]
    stem = question.focus[: max(4, len(question.focus) - 2)]
    marked = quotes(text, sentence) + names(text, sentence)
    found: list[Candidate] = []
    for match in re.finditer(r"[^\W\d_]+", text[sentence[0] : sentence[1]]):
        if not fold(match.group()).startswith(stem):
            continue
        before, after = sentence[0] + match.start(), sentence[0] + match.end()
        close = [(a, b) for a, b in marked if 0 <= a - after <= 30 or 0 <= before - b <= 1]
        if close:
            found += [(a, b, 1.0) for a, b in close]
            continue
        clause = re.match(r"[^,;:.()—–]+", text[after : sentence[1]])
        if clause and clause.group().strip():
            start = after + len(clause.group()) - len(clause.group().lstrip())
            found.append((start, after + len(clause.group().rstrip()), 0.6))
    return found


def _subject(question: Question, text: str, sentence: Span, tokens: list[Token]) -> list[Candidate]:
    """For `qui conteste …`: the words before the question's first verb, in its clause."""
    verb = question.words[0]
    stems = frozenset(stem for _, stem in verb.stems)
    found = next((t for t in tokens if _strength(verb.plain, stems, t) == 1.0), None)
    if found is None:
        return []
    clause_start = max(sentence[0], *(text.rfind(c, sentence[0], found.start) + 1 for c in ",;:"))
    words = list(re.compile(r"\S+").finditer(text, clause_start, found.start))
    while words and words[-1].group().casefold() in _AUXILIARIES:
        words.pop()
    while words and words[0].group().casefold() in _DETERMINERS:
        words.pop(0)
    if not words or len(words) > 8 or all(is_function_word(w.group().casefold()) for w in words):
        return []
    # The doer of the very verb asked about outranks any other name nearby.
    return [(words[0].start(), words[-1].end(), 1.2)]


def _with_antecedent(passage: Passage, sentences: list[Span], hit: Hit) -> Passage:
    """Add the sentence before one that opens on a pronoun (`Il`, `Cette`, `They`)."""
    first = passage.sentences[0]
    index = sentences.index(first)
    opening = re.match(r"[^\W\d_]+", hit.text[first[0] : first[1]])
    if index == 0 or not opening or opening.group().casefold() not in _ANAPHORS:
        return passage
    return replace(passage, sentences=(sentences[index - 1], *passage.sentences))
