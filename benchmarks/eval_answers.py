"""Evaluate `search ask` on the dev set, next to a BM25 baseline, in one run.

    .venv/bin/python benchmarks/eval_answers.py [--verbose] [--json PATH]

Builds a throwaway index of the bundled sample and the two pages of tests/devset/, asks
every question of tests/devset/questions.json, and prints:

- citation accuracy: share of answerable questions answered with the gold document as
  the first citation (an abstention counts as a miss);
- answer contains: share of answerable questions whose answer holds a gold answer;
- answer F1: SQuAD-style token F1 of the highlighted answer span against the gold answers;
- abstention precision and recall: of the questions left unanswered, the share that were
  out of scope; of the out-of-scope questions, the share left unanswered;
- the median time to answer.

The baseline answers with the first sentence of the best BM25 paragraph for any of the
question's words, and abstains only when no paragraph matches.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index import IndexDir, build, sample_path
from search.ask import Answer, answer
from search.ask._sentences import split
from search.engine import Hit
from search.engine import WhooshEngine as Engine

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "devset"
_ARTICLES = {"a", "an", "the", "le", "la", "les", "l", "un", "une", "des", "de", "du", "d"}


@dataclass(frozen=True)
class Case:
    """One dev-set question and what a right answer looks like."""

    question: str
    source: dict[str, Any] | None  # None: out of scope, the right reply is no answer
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What one system replied to one case."""

    case: Case
    answered: bool
    cited: bool  # the first citation is the gold source
    contains: bool
    f1: float
    ms: float
    reply: str
    span: str


def load_cases(path: Path = DEVSET / "questions.json") -> list[Case]:
    """The dev set's questions."""
    data = json.loads(path.read_text("utf-8"))
    return [
        Case(q["question"], q.get("source"), tuple(q.get("answers", ()))) for q in data["questions"]
    ]


def build_index(folder: Path) -> Engine:
    """An index of the sample and the dev-set pages in `folder`."""
    index_dir = IndexDir(folder / "ix")
    report = build(index_dir, [sample_path(), *sorted(DEVSET.glob("*.txt"))])
    if report.failed:
        raise SystemExit(f"cannot index the dev set: {report.failed}")
    return Engine(index_dir)


def baseline(engine: Engine, question: str) -> Answer:
    """The first sentence of the best BM25 paragraph for any word of the question."""
    _, hits = engine.match(engine.words(question), every=False, limit=1, kind="paragraph")
    if not hits:
        return Answer(question, False, "", 0.0, ())
    text = hits[0].text
    start, end = split(text)[0]
    return Answer(question, True, text[start:end], hits[0].score, hits[:1], ((0, end - start),))


def evaluate(
    engine: Engine, cases: Sequence[Case], system: Callable[[Engine, str], Answer]
) -> list[Outcome]:
    """Ask every case; time and judge each reply."""
    outcomes = []
    for case in cases:
        tick = time.perf_counter()
        reply = system(engine, case.question)
        ms = (time.perf_counter() - tick) * 1000
        span = " ".join(reply.answer[a:b] for a, b in reply.highlights) or reply.answer
        answered = reply.answerable
        outcomes.append(
            Outcome(
                case=case,
                answered=answered,
                cited=answered and bool(reply.citations) and _is_gold(reply.citations[0], case),
                contains=answered and any(_norm(g) in _norm(reply.answer) for g in case.answers),
                f1=max((_f1(span, g) for g in case.answers), default=0.0) if answered else 0.0,
                ms=ms,
                reply=reply.answer,
                span=span,
            )
        )
    return outcomes


def _is_gold(hit: Hit, case: Case) -> bool:
    source = case.source or {}
    if hit.snapshot != source.get("snapshot") or hit.kind != source.get("kind"):
        return False
    if hit.kind == "paragraph":
        return hit.paragraph == source.get("paragraph")
    if hit.kind == "rate":
        return hit.code == source.get("code")
    return hit.name == source.get("name")


def _norm(text: str) -> str:
    """Case, accents, typographic apostrophes and every kind of space made plain."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", text).strip()


def _tokens(text: str) -> list[str]:
    words = re.findall(r"[^\W_]+", _norm(text))
    return [w for w in words if w not in _ARTICLES]


def _f1(predicted: str, gold: str) -> float:
    """SQuAD's token F1: overlap of bags of words, articles and punctuation dropped."""
    guess, truth = _tokens(predicted), _tokens(gold)
    common = sum((Counter(guess) & Counter(truth)).values())
    if not common:
        return 0.0
    precision, recall = common / len(guess), common / len(truth)
    return 2 * precision * recall / (precision + recall)


def summary(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """The dev-set metrics of one system."""
    inside = [o for o in outcomes if o.case.source is not None]
    outside = [o for o in outcomes if o.case.source is None]
    abstained = [o for o in outcomes if not o.answered]
    return {
        "citation_accuracy": _share(o.cited for o in inside),
        "answer_contains": _share(o.contains for o in inside),
        "answer_f1": statistics.fmean(o.f1 for o in inside) if inside else 0.0,
        "abstention_precision": _share(o.case.source is None for o in abstained),
        "abstention_recall": _share(not o.answered for o in outside),
        "out_of_scope_answered": float(sum(o.answered for o in outside)),
        "median_ms": statistics.median(o.ms for o in outcomes) if outcomes else 0.0,
    }


def _share(flags: Any) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


_ROWS = [
    ("citation accuracy", "citation_accuracy", "{:.0%}"),
    ("answer contains", "answer_contains", "{:.0%}"),
    ("answer F1 (SQuAD)", "answer_f1", "{:.2f}"),
    ("abstention precision", "abstention_precision", "{:.0%}"),
    ("abstention recall", "abstention_recall", "{:.0%}"),
    ("out-of-scope answered", "out_of_scope_answered", "{:.0f}"),
    ("median answer time", "median_ms", "{:.1f} ms"),
]


def table(ask: dict[str, float], base: dict[str, float], cases: Sequence[Case]) -> str:
    """The metrics of both systems as a Markdown table."""
    inside = sum(c.source is not None for c in cases)
    lines = [
        f"{len(cases)} questions: {inside} answerable, {len(cases) - inside} out of scope",
        "",
        "| metric | `search ask` | baseline (BM25 paragraph, 1st sentence) |",
        "|---|---|---|",
    ]
    for label, key, fmt in _ROWS:
        lines.append(f"| {label} | {fmt.format(ask[key])} | {fmt.format(base[key])} |")
    return "\n".join(lines)


def _misses(outcomes: Sequence[Outcome]) -> str:
    lines = []
    for o in outcomes:
        wrong = (o.case.source is None) == o.answered or (o.case.source and not o.cited)
        if wrong:
            lines.append(f"- {o.case.question}\n    -> {o.reply[:160]}")
    return "\n".join(lines) or "(none)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="List the questions missed.")
    parser.add_argument("--json", type=Path, help="Also write the metrics here.")
    args = parser.parse_args(argv)
    cases = load_cases()
    with tempfile.TemporaryDirectory() as folder:
        engine = build_index(Path(folder))
        try:
            for case in cases[:3]:  # warm the caches (CLDR data, stemmers) before timing
                answer(engine, case.question)
            ask = evaluate(engine, cases, answer)
            base = evaluate(engine, cases, baseline)
        finally:
            engine.close()
    results = {"ask": summary(ask), "baseline": summary(base), "questions": len(cases)}
    print(table(results["ask"], results["baseline"], cases))
    if args.verbose:
        print("\nMissed by `search ask`:\n" + _misses(ask))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
