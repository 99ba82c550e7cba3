"""Fit the answer stage's confidence model on the DEV half of the dev set (never the test).

    .venv/bin/python benchmarks/fit_confidence.py [--semantic]

For every dev question answered from the article (or unanswerable), takes the best
passage's evidence (`search.ask._paragraphs.judge`) and whether that passage holds a
gold answer, fits a logistic regression (L2, gradient descent) and prints the weights
to paste into `search/ask/_evidence.py`, with the precision and recall of answering at
several thresholds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_answers import build_index, load_cases  # noqa: E402

from search.ask._answer import _without  # noqa: E402
from search.ask._evidence import FEATURES  # noqa: E402
from search.ask._paragraphs import _answer_text, judge  # noqa: E402
from search.ask._question import analyze  # noqa: E402
from search.ask._semantic import Embedder, available_embedder  # noqa: E402
from search.ask._when import find_when  # noqa: E402


def samples(semantic: bool, embedder: Embedder | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Evidence vectors and labels (1: the passage holds a gold answer) of the dev half."""
    embedder = (embedder or available_embedder()) if semantic else None
    rows, labels = [], []
    with tempfile.TemporaryDirectory() as folder:
        engine = build_index(Path(folder))
        dates = [__import__("datetime").date.fromisoformat(i.date) for i in engine.snapshots()]
        for case in load_cases(half="dev"):
            if case.source and case.source.get("kind") != "paragraph":
                continue
            when = find_when(case.question, lambda: dates)
            question = (
                analyze(case.question, engine.words)
                if when is None
                else _without(case.question, when, engine)
            )
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
    args = parser.parse_args(argv)
    x, y = samples(args.semantic)
    w = fit(x, y)
    print(f"{len(y)} dev samples, {int(y.sum())} with a right passage")
    print("weights:", "(" + ", ".join(f"{v:.2f}" for v in w) + ")")
    print("  bias, " + ", ".join(FEATURES))
    p = 1 / (1 + np.exp(-np.hstack([np.ones((len(x), 1)), x]) @ w))
    for threshold in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        chosen = p >= threshold
        right = int((y[chosen] == 1).sum())
        print(
            f"  answer at {threshold:.1f}: {chosen.sum()} answered, {right} right,"
            f" {chosen.sum() - right} wrong, {int(y.sum()) - right} right ones left out"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
