"""Score the sentences of retrieved paragraphs against a question; pick the answer span.

A sentence scores by the share of the question's content words it holds (each weighted
by its IDF among paragraphs, proper nouns more), how close together they are, whether it
holds a span of the expected answer type, and the BM25 rank of its paragraph. A pair of
adjacent sentences competes too, so a neighbour joins the answer when it adds what the
question asks for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..engine import Backend, Hit, Token
from ._question import DATE, NAME, NUMBER, OTHER, PLACE, REASON, Question, fold, is_function_word
from ._semantic import lift
from ._sentences import split
from ._spans import Candidate, Span, find, names, quotes
from ._synonyms import SYNONYM, synonyms

__all__ = ["Passage", "rank"]

PARTIAL = 0.6  # a word sharing a long prefix (`chairs`/`chairman`) counts this much
_NAME_WEIGHT = 1.5  # a proper noun of the question matters more than a common word
_PAIR_COST = 0.05  # so a neighbour joins only when it adds to the answer
UNTYPED = 0.7  # a date or number question's passage without any date or number
PHRASE_ALONE = 0.5  # a word of a question's phrase found without the rest of it
TOPIC = 0.5  # a word found only in the article's title or first paragraph
MAX_PAIR_CHARS = 450  # two sentences longer than this: the better one stands alone
# How far the question's similarity to a sentence moves its score (semantic extra only),
# and the paragraph's retrieval prior then (it holds the paragraph's similarity too).
SIMILARITY_WEIGHT, SEMANTIC_PRIOR_WEIGHT = 1.0, 0.3
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


def rank(
    engine: Backend,
    question: Question,
    hits: tuple[Hit, ...],
    priors: tuple[float, ...] | None = None,
    similarity: Similarity | None = None,
) -> list[Passage]:
    """The best passage of each hit, best first. `priors` (0-1) say how well retrieval
    ranked each hit (default: its BM25 score against the best); `similarity` adds the
    question's semantic similarity to each sentence."""
    weights = _weights(engine, question)
    top = max((h.score for h in hits), default=0.0) or 1.0
    priors = priors or tuple(h.score / top for h in hits)
    topics: dict[str, list[float]] = {}
    for hit in hits:
        if hit.snapshot not in topics:
            topics[hit.snapshot] = _topic(engine, question, hit)
    passages = [
        _best(engine, question, weights, hit, prior, topics[hit.snapshot], similarity)
        for hit, prior in zip(hits, priors, strict=True)
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
    prior: float,
    topic: list[float],
    similarity: Similarity | None = None,
) -> Passage | None:
    tokens = engine.tokens(hit.text, hit.lang)
    sentences = split(hit.text)
    if not sentences:
        return None
    per_sentence = [[t for t in tokens if a <= t.start < b] for a, b in sentences]
    found: dict[int, list[Candidate]] = {}  # each sentence's candidates, found once

    def candidates(i: int) -> list[Candidate]:
        if i not in found:
            found[i] = _candidates(question, hit.text, sentences[i], per_sentence[i])
        return found[i]

    similar = [similarity(hit.text[a:b]) if similarity else 0.0 for a, b in sentences]
    phrases = _phrases(question)
    units: list[tuple[int, ...]] = [(i,) for i in range(len(sentences))]
    units += [
        (i, i + 1)
        for i in range(len(sentences) - 1)
        if sentences[i + 1][1] - sentences[i][0] <= MAX_PAIR_CHARS
    ]
    best: Passage | None = None
    for unit in units:
        tokens = [t for i in unit for t in per_sentence[i]]
        strengths, matched = _matches(question, tokens)
        strengths = [max(a, b) for a, b in zip(strengths, topic, strict=True)]
        strengths = _phrased(strengths, phrases)
        if not matched and best is not None:
            continue  # holds none of the question: cannot beat a passage that does
        spans = [(c, sentences[i]) for i in unit for c in candidates(i)]
        unit_spans = [sentences[i] for i in unit]
        coverage = _coverage(question, weights, strengths)
        passage = _score(question, hit, prior, unit_spans, tokens, matched, coverage, spans)
        passage = _with_similarity(passage, sentences, similar, prior)
        if best is None or passage.score > best.score:
            best = passage
    assert best is not None
    return _with_antecedent(best, sentences, hit)


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
    if span and question.kind == NUMBER and _MONEY_WORDS.search(question.text):
        # `Combien coûte…` wants a sum of money, not `986 places`.
        typed *= 1.0 if _MONEY_UNITS.search(hit.text[span[0] : span[1]]) else 0.3
    # Without an expected type (`quel traité`, `what does`), a focus span only helps.
    type_term = typed if question.kind != OTHER else 0.5 + 0.3 * typed
    score = 0.6 * coverage + 0.1 * proximity + 0.2 * type_term + 0.1 * prior
    if question.kind in (DATE, NUMBER) and not span:
        score *= UNTYPED  # `combien coûte` answered by a sentence without any number
    score -= _PAIR_COST * (len(unit) - 1)
    return Passage(hit, tuple(unit), main, span, score, coverage, typed)


def _with_similarity(
    passage: Passage, sentences: list[Span], similar: list[float], prior: float
) -> Passage:
    """The passage scored up by the question's similarity to its main sentence, and its
    paragraph's retrieval prior weighed more (it holds the paragraph's similarity)."""
    cosine = similar[sentences.index(passage.main)] if passage.main in sentences else 0.0
    if not cosine:
        return passage
    bonus = SIMILARITY_WEIGHT * lift(cosine) + (SEMANTIC_PRIOR_WEIGHT - 0.1) * prior
    return replace(passage, score=passage.score + bonus, similarity=cosine)


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
