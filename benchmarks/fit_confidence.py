"""Fit the answer stage's models on the DEV half of the dev set (never the test).

    .venv/bin/python benchmarks/fit_confidence.py [--semantic] [--ranker] [--without FEATURE]

With `--ranker`: the passage ranker. For every answerable dev question, every unit (a
sentence or two) of its candidate paragraphs is scored by its signals
(`search.ask._passages.SIGNALS`); a conditional logit (a softmax over the question's
units, L2) is fitted so that the units holding a gold answer score highest. Prints the
weights to paste into `_passages.py`, with how often the top unit is right, in sample and
by 5-fold cross-validation over questions.

Without it: the confidence model. For every dev question answered from the article (or
unanswerable), takes the best passage's evidence (`search.ask._paragraphs.judge`) and
whether that passage holds a gold answer, fits a logistic regression (L2, gradient
descent) and prints the weights to paste into `search/ask/_evidence.py`, with the
precision and recall of answering at several thresholds, in sample and by 5-fold
cross-validation (what to expect of unseen questions). `--without` leaves a feature out,
to see what it brings before trusting it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_answers import build_index, load_cases  # noqa: E402

from search.ask._answer import _without  # noqa: E402
from search.ask._evidence import FEATURES  # noqa: E402
from search.ask._paragraphs import _answer_text, _candidates, _Similarity, judge  # noqa: E402
from search.ask._passages import SIGNALS, _topic, _weights, _with_antecedent, units  # noqa: E402
from search.ask._question import analyze  # noqa: E402
from search.ask._semantic import Embedder, available_embedder  # noqa: E402
from search.ask._sentences import split  # noqa: E402
from search.ask._when import find_when  # noqa: E402


def unit_samples(semantic: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each answerable dev question: its units' signals, and which hold an answer."""
    embedder = available_embedder() if semantic else None
    found = []
    with tempfile.TemporaryDirectory() as folder:
        engine = build_index(Path(folder))
        for case, question in _questions(engine):
            if not case.answers or not question.words:
                continue
            similarity = _Similarity(engine, embedder, question) if embedder else None
            hits, retrieved = _candidates(engine, question, None, embedder, similarity)
            weights = _weights(engine, question)
            rows, labels = [], []
            for hit, how in zip(hits, retrieved, strict=True):
                topic = _topic(engine, question, hit)
                for unit in units(engine, question, weights, hit, how, topic, similarity):
                    text, _ = _answer_text(_with_antecedent(unit, split(hit.text), hit))
                    rows.append(unit.signals)
                    labels.append(float(any(_norm(g) in _norm(text) for g in case.answers)))
            if rows:
                found.append((np.array(rows), np.array(labels)))
        engine.close()
    return found


def _questions(engine: Any) -> Iterator[tuple[Any, Any]]:
    """The dev half's questions about articles, analysed as `answer` does."""
    dates = [date.fromisoformat(i.date) for i in engine.snapshots()]
    for case in load_cases(half="dev"):
        if case.source and case.source.get("kind") != "paragraph":
            continue
        when = find_when(case.question, lambda: dates)
        if when is None:
            yield case, analyze(case.question, engine.words)
        else:
            yield case, _without(case.question, when, engine)


def fit_ranker(
    questions: list[tuple[np.ndarray, np.ndarray]], l2: float = 0.01, steps: int = 3000
) -> np.ndarray:
    """Conditional logit weights: the softmax over each question's units puts its
    probability on the units holding an answer."""
    w = np.zeros(questions[0][0].shape[1])
    trained = [(x, y / y.sum()) for x, y in questions if y.sum() > 0]
    for _ in range(steps):
        grad = np.zeros_like(w)
        for x, target in trained:
            scores = x @ w
            p = np.exp(scores - scores.max())
            grad += x.T @ (p / p.sum() - target)
        w -= 0.5 * (grad / len(trained) + l2 * w)
    return w


def _top_right(questions: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray) -> int:
    return sum(int(y[int(np.argmax(x @ w))] > 0) for x, y in questions)


def ranker(semantic: bool) -> int:
    questions = unit_samples(semantic)
    w = fit_ranker(questions)
    print(f"{len(questions)} answerable dev questions")
    print("weights:", "(" + ", ".join(f"{v:.2f}" for v in w) + ")")
    print("  " + ", ".join(SIGNALS[: len(w)]))
    print(f"  top unit right, in sample: {_top_right(questions, w)}")
    folds = np.array_split(np.random.default_rng(0).permutation(len(questions)), 5)
    right = 0
    for fold in folds:
        held = set(fold.tolist())
        train = [q for i, q in enumerate(questions) if i not in held]
        right += _top_right([questions[i] for i in fold], fit_ranker(train))
    print(f"  top unit right, 5-fold cross-validation: {right}")
    return 0


def samples(semantic: bool, embedder: Embedder | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Evidence vectors and labels (1: the passage holds a gold answer) of the dev half."""
    embedder = (embedder or available_embedder()) if semantic else None
    rows, labels = [], []
    with tempfile.TemporaryDirectory() as folder:
        engine = build_index(Path(folder))
        for case, question in _questions(engine):
            judged = judge(engine, question, None, embedder)
            if judged.passage is None or judged.evidence is None:
                continue
            text, _ = _answer_text(judged.passage)
            good = any(_norm(g) in _norm(text) for g in case.answers)
            rows.append(judged.evidence.vector())
            labels.append(1.0 if good else 0.0)
        engine.close()
    return np.array(rows), np.array(labels)


def _norm(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


# The sign each weight must have: more coverage, a typed span, a clear lead and the
# question's similarity can only raise confidence; a missing type or missing specific
# words only lower it. Without these, a few noisy dev cases flip signs.
SIGNS = {"untyped": -1.0, "missing": -1.0}
# Fixed, not fitted: a number, year or name of the question that the paragraph lacks
# (`the price in 2020`) is what near misses look like; the dev half holds too few of
# them for a fit to weigh it.
FIXED = {"missing": -3.0}


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.002, steps: int = 20000) -> np.ndarray:
    """Logistic regression weights (bias first) by projected gradient descent: each weight
    keeps its sign (SIGNS, else positive)."""
    design = np.hstack([np.ones((len(x), 1)), x])
    signs = np.array([0.0, *(SIGNS.get(name, 1.0) for name in FEATURES)])
    fixed = {1 + FEATURES.index(name): value for name, value in FIXED.items()}
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        grad = design.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]]
        w -= 0.5 * grad
        w = np.where(signs * w < 0, 0.0, w)
        for index, value in fixed.items():
            w[index] = value
    return w


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--semantic", action="store_true")
    parser.add_argument("--ranker", action="store_true", help="Fit the passage ranker.")
    parser.add_argument(
        "--without", action="append", default=[], choices=FEATURES, help="leave a feature out"
    )
    args = parser.parse_args(argv)
    if args.ranker:
        return ranker(args.semantic)
    x, y = samples(args.semantic)
    for name in args.without:  # what the model does without this feature
        x[:, FEATURES.index(name)] = 0.0
    w = fit(x, y)
    print(f"{len(y)} dev samples, {int(y.sum())} with a right passage")
    print("weights:", "(" + ", ".join(f"{v:.2f}" for v in w) + ")")
    print("  bias, " + ", ".join(FEATURES))
    print("in sample:")
    _thresholds(_probability(x, w), y)
    # Each fifth of the samples judged by weights fitted on the other four fifths: what
    # to expect of questions the fit has not seen.
    held_out = np.zeros(len(y))
    for fold in np.array_split(np.random.default_rng(0).permutation(len(y)), 5):
        train = np.setdiff1d(np.arange(len(y)), fold)
        held_out[fold] = _probability(x[fold], fit(x[train], y[train]))
    print("5-fold cross-validation:")
    _thresholds(held_out, y)
    return 0


def _probability(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-np.hstack([np.ones((len(x), 1)), x]) @ w)))


def _thresholds(p: np.ndarray, y: np.ndarray) -> None:
    for threshold in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        chosen = p >= threshold
        right = int((y[chosen] == 1).sum())
        print(
            f"  answer at {threshold:.1f}: {chosen.sum()} answered, {right} right,"
            f" {chosen.sum() - right} wrong, {int(y.sum()) - right} right ones left out"
        )


if __name__ == "__main__":
    sys.exit(main())
