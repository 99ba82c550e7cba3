"""Evaluate `search ask` on the dev set, per group, next to a BM25 baseline, in one run.

    .venv/bin/python benchmarks/eval_answers.py [--split test|dev|all] [--verbose] [--json PATH]

Builds a throwaway index of the bundled sample and the pages of tests/devset/ (eight
snapshots), asks every question of the chosen half of tests/devset/questions.json and
prints one table: for each system and each group (close, paraphrase, near_miss,
cross_language), how many questions were answered correctly (the answer holds a gold
answer), answered wrongly (any other answer, including one to an unanswerable
question), abstained though answerable, and abstained rightly; then the share of
confident answers (confidence >= 0.5) that are correct, and the answer time p50/p95.

Systems: `ask` (lexical: the embedder switched off), `ask+semantic` (with the
`snapsearch[semantic]` embedder, when installed), and the baseline, which answers with
the sentence sharing most words with the question from the best BM25 paragraph for any
of its words and never abstains unless nothing matches.

The split into dev and test halves is stored in questions.json: tune on `dev`, report
`test`; the default is `test`.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index import IndexDir, build, sample_path
from search.ask import Answer, answer
from search.ask._semantic import Embedder, available_embedder
from search.ask._sentences import split
from search.engine import WhooshEngine as Engine

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "devset"
GROUPS = ("close", "paraphrase", "near_miss", "cross_language")
OUTCOMES = ("correct", "wrong", "abstained_answerable", "abstained_rightly")
System = Callable[[Engine, str], Answer]


@dataclass(frozen=True)
class Case:
    """One dev-set question and what a right reply looks like."""

    question: str
    answers: tuple[str, ...]  # empty: unanswerable, the right reply is no answer
    group: str
    snapshot: str | None
    split: str
    source: dict[str, Any] | None


@dataclass(frozen=True)
class Outcome:
    """What one system replied to one case, judged."""

    case: Case
    kind: str  # one of OUTCOMES
    confidence: float
    ms: float
    reply: str


def load_cases(path: Path = DEVSET / "questions.json", half: str = "all") -> list[Case]:
    """The dev set's questions of one half (`dev`, `test`) or `all`."""
    data = json.loads(path.read_text("utf-8"))
    cases = [
        Case(
            question=q["question"],
            answers=() if q["answers"] == "unanswerable" else tuple(q["answers"]),
            group=q["group"],
            snapshot=q.get("snapshot"),
            split=q["split"],
            source=q.get("source"),
        )
        for q in data["questions"]
    ]
    return [c for c in cases if half in ("all", c.split)]


def build_index(folder: Path) -> Engine:
    """An index of the sample and the dev-set pages in `folder`."""
    index_dir = IndexDir(folder / "ix")
    report = build(index_dir, [sample_path(), *sorted(DEVSET.glob("*.txt"))])
    if report.failed:
        raise SystemExit(f"cannot index the dev set: {report.failed}")
    return Engine(index_dir)


def baseline(engine: Engine, question: str) -> Answer:
    """The sentence sharing most words with the question, in the best BM25 paragraph."""
    words = engine.words(question)
    _, hits = engine.match(words, every=False, limit=1, kind="paragraph")
    if not hits:
        return Answer(question, False, "", 0.0, ())
    text = hits[0].text
    asked = {w.plain for w in words}
    start, end = max(split(text), key=lambda s: len(asked & set(_tokens(text[s[0] : s[1]]))))
    return Answer(question, True, text[start:end], 1.0, hits[:1])


def ask_with(embedder: Embedder | None) -> System:
    """`search ask` with this embedder (None: lexical only)."""

    def system(engine: Engine, question: str) -> Answer:
        return answer(engine, question, embedder=embedder)

    return system


def evaluate(engine: Engine, cases: Sequence[Case], system: System) -> list[Outcome]:
    """Ask every case; time and judge each reply."""
    outcomes = []
    for case in cases:
        tick = time.perf_counter()
        reply = system(engine, case.question)
        ms = (time.perf_counter() - tick) * 1000
        outcomes.append(Outcome(case, judge(case, reply), reply.confidence, ms, reply.answer))
    return outcomes


def judge(case: Case, reply: Answer) -> str:
    """Which of OUTCOMES a reply is."""
    if not reply.answerable:
        return "abstained_answerable" if case.answers else "abstained_rightly"
    found = any(_norm(gold) in _norm(reply.answer) for gold in case.answers)
    return "correct" if found else "wrong"


def _norm(text: str) -> str:
    """Case, accents, typographic apostrophes and every kind of space made plain."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", text).strip()


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", _norm(text))


def summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Counts per group and outcome, the calibration of confident answers, timings."""
    groups: dict[str, dict[str, int]] = {}
    for group in (*GROUPS, "all"):
        chosen = [o for o in outcomes if group in ("all", o.case.group)]
        groups[group] = {kind: sum(o.kind == kind for o in chosen) for kind in OUTCOMES}
        groups[group]["total"] = len(chosen)
    confident = [o for o in outcomes if o.kind in ("correct", "wrong") and o.confidence >= 0.5]
    times = sorted(o.ms for o in outcomes)
    return {
        "groups": groups,
        "confident_answers": len(confident),
        "confident_correct": sum(o.kind == "correct" for o in confident),
        "p50_ms": statistics.median(times) if times else 0.0,
        "p95_ms": times[int(0.95 * (len(times) - 1))] if times else 0.0,
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    """Every system's counts as one Markdown table."""
    lines = [
        "| system | group | n | correct | wrong | abstained, answerable | abstained rightly |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        for group in (*GROUPS, "all"):
            row = result["groups"][group]
            cells = [_cell(row[kind], row["total"]) for kind in OUTCOMES]
            lines.append(f"| {name} | {group} | {row['total']} | " + " | ".join(cells) + " |")
    lines += ["", "| system | confident (≥ 0.5) correct | p50 | p95 |", "|---|---|---|---|"]
    for name, result in results.items():
        confident = _cell(result["confident_correct"], result["confident_answers"])
        lines.append(
            f"| {name} | {confident} | {result['p50_ms']:.1f} ms | {result['p95_ms']:.1f} ms |"
        )
    return "\n".join(lines)


def _cell(count: int, total: int) -> str:
    return f"{count} ({count / total:.0%})" if total else "0"


def _misses(name: str, outcomes: Sequence[Outcome]) -> str:
    lines = [f"\nMissed by {name}:"]
    for o in outcomes:
        if o.kind in ("wrong", "abstained_answerable"):
            lines.append(
                f"- [{o.case.group}/{o.kind} {o.confidence:.2f}] {o.case.question}\n"
                f"    -> {o.reply[:150]}"
            )
    return "\n".join(lines)


def systems(semantic: bool) -> dict[str, System]:
    """The systems to compare: lexical ask, semantic ask when installed, baseline."""
    chosen: dict[str, System] = {"ask": ask_with(None)}
    embedder = available_embedder() if semantic else None
    if embedder is not None:
        chosen["ask+semantic"] = ask_with(embedder)
    chosen["baseline"] = baseline
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", choices=("test", "dev", "all"), default="test")
    parser.add_argument("--no-semantic", action="store_true", help="Skip the embedder run.")
    parser.add_argument("--verbose", action="store_true", help="List the questions missed.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)
    cases = load_cases(half=args.split)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        engine = build_index(Path(folder))
        try:
            for name, system in systems(not args.no_semantic).items():
                for case in cases[:3]:  # warm the caches (CLDR data, stemmers, model)
                    system(engine, case.question)
                outcomes = evaluate(engine, cases, system)
                results[name] = summary(outcomes)
                if args.verbose and name != "baseline":
                    print(_misses(name, outcomes))
        finally:
            engine.close()
    print(f"\n{len(cases)} questions, {args.split} half\n")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
