"""Whether to trust the best passage: several signals weighed together into a confidence.

The signals: how much of the question the passage holds (`coverage`), whether it holds
a span of the expected type near the matched words (`typed`), whether the question
expects a type at all, how far the passage leads the next one (`margin`), whether its
paragraph came first out of retrieval (`first`), the share of the question's specific
words (numbers, years, names) the paragraph lacks (`missing`: `the cost in 2015` when the
text gives no 2015), and, with the semantic extra, the question's similarity to the
answer sentence. A logistic model turns them into the probability that the answer is
right; its weights were fitted on the dev half of tests/devset/questions.json
(`benchmarks/fit_confidence.py`), one set without and one with similarity. Similarity
alone never decides: it is one weighed signal among the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ANSWER_AT", "FEATURES", "SEMANTIC_ANSWER_AT", "Evidence", "confidence", "decide"]

# Below this probability of being right, the reply is an honest "no answer". A wrong
# answer given with exit 0 costs the user more than an abstention that still shows the
# closest passages, so these sit where wrong answers stay at 3% of the dev half's
# questions: of its 194 article questions (48 near misses), lexical answers 33 right and
# 6 wrong, with similarity 32 right and 6 wrong. Answering from 0.5 would add about 24
# right answers for 18 more wrong ones, nearly all near misses.
ANSWER_AT = 0.73
SEMANTIC_ANSWER_AT = 0.75
# Or from this probability up, when the passage also holds most of the question's words
# and, where the question expects a type, a span of it: what close wordings look like.
SUPPORTED_AT, MIN_COVERAGE, MIN_SUPPORT = 0.7, 0.55, 0.4
FEATURES = (
    "coverage",
    "coverage_typed",
    "typed",
    "expects_type",
    "untyped",
    "margin",
    "first",
    "missing",
    "similarity",
    "value_typed",
    "value_typed_margin",
)
# e5 cosines of related text sit between about 0.78 and 0.90: that range maps to 0-1.
_SIMILARITY_FLOOR, _SIMILARITY_SPAN = 0.78, 0.12


@dataclass(frozen=True)
class Evidence:
    """The signals about one best passage, each 0-1; `vector()` derives two more: the
    coverage discounted when the expected type is missing, and a type missing."""

    coverage: float
    typed: float
    expects_type: float  # 1 when the question wants a date, number, name, place or reason
    margin: float  # (best - second) / best passage score
    first: float  # 1 when the paragraph was retrieval's first
    missing: float  # share of the question's numbers and names absent from the paragraph
    similarity: float  # cosine of question and answer sentence; 0 without the extra
    value_type: float = 0.0  # 1 when the type is a date, number or reason, not a name

    def vector(self) -> tuple[float, ...]:
        """The model's inputs, in the order of FEATURES: a type expected but missing
        (`untyped`) is a signal of its own, similarity is rescaled to 0-1. A span of a
        date, number or reason (`value_typed`) is rarer than a name, which most
        sentences hold, so it weighs on its own, more again with a clear lead: what a
        paraphrase sharing few words with its answer still has."""
        lift = (self.similarity - _SIMILARITY_FLOOR) / _SIMILARITY_SPAN
        return (
            self.coverage,
            self.coverage * (0.5 + 0.5 * self.typed if self.expects_type else 1.0),
            self.typed,
            self.expects_type,
            self.expects_type * (1 - self.typed),
            self.margin,
            self.first,
            self.missing,
            min(1.0, max(0.0, lift)) if self.similarity else 0.0,
            self.value_type * self.typed,
            self.value_type * self.typed * self.margin,
        )


# Fitted on the dev half (benchmarks/fit_confidence.py): bias, then one weight a feature
# of FEATURES, signs constrained, `missing` fixed at -3 (see the script).
_LEXICAL = (-1.64, 0.00, 2.11, 0.67, 0.00, -1.15, 0.91, 0.00, -3.00, 0.00, 0.21, 0.39)
_SEMANTIC = (-1.44, 0.00, 0.13, 0.33, 0.00, -1.45, 1.77, 0.00, -3.00, 1.08, 0.00, 0.00)


def confidence(evidence: Evidence) -> float:
    """The probability that the passage answers the question, from its evidence."""
    weights = _SEMANTIC if evidence.similarity else _LEXICAL
    bias, rest = weights[0], weights[1:]
    z = bias + sum(w * x for w, x in zip(rest, evidence.vector(), strict=True))
    return 1 / (1 + math.exp(-z))


def decide(evidence: Evidence, probability: float) -> bool:
    """Whether to answer: a high probability, or a fair one with the question's own words
    there, a span of the type it expects, and no number or name of it missing."""
    if probability >= (SEMANTIC_ANSWER_AT if evidence.similarity else ANSWER_AT):
        return True
    support = evidence.coverage * (0.5 + 0.5 * evidence.typed if evidence.expects_type else 1)
    return (
        probability >= SUPPORTED_AT
        and evidence.missing == 0
        and (evidence.typed > 0 or not evidence.expects_type)
        and evidence.coverage >= MIN_COVERAGE
        and support >= MIN_SUPPORT
    )
