"""`search ask` as users and scripts run it: output, JSON, exit codes, errors."""

from __future__ import annotations

import json

import pytest

from index import IndexDir, build
from tests.conftest import SAMPLE, SAMPLE_ID, Cli

ASK_KEYS = {"question", "answerable", "answer", "confidence", "citations"}
HIT_KEYS = {"id", "kind", "snapshot", "date", "paragraph", "code", "name", "lang", "score"}
HIT_KEYS |= {"text", "highlights"}
TREATY = "Quel traité Moscou et Pyongyang ont-ils signé ?"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """The CLI on an index of the sample, built once: these tests only read it."""
    index_dir = IndexDir(tmp_path_factory.mktemp("ask") / "ix")
    assert build(index_dir, [SAMPLE]).added == [SAMPLE_ID]
    return Cli(index_dir)


def test_answer_with_numbered_citations(built: Cli) -> None:
    result = built("ask", TREATY)
    assert result.exit_code == 0
    answer, blank, first = result.stdout.splitlines()[:3]
    assert "« partenariat stratégique global »" in answer and blank == ""
    assert first == f"[1] {SAMPLE_ID} 2026-11-24 ¶1"
    assert result.stderr.startswith("confidence ")


def test_words_need_no_quotes(built: Cli) -> None:
    assert built("ask", *TREATY.split()).stdout == built("ask", TREATY).stdout


def test_json_shape(built: Cli) -> None:
    result = built("ask", TREATY, "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and ASK_KEYS <= data.keys()
    assert data["question"] == TREATY and data["answerable"] is True
    first = data["citations"][0]
    assert HIT_KEYS <= first.keys()
    assert (first["kind"], first["paragraph"], first["snapshot"]) == ("paragraph", 1, SAMPLE_ID)
    assert [data["answer"][a:b] for a, b in data["highlights"]] == [
        "partenariat stratégique global"
    ]


def test_rate_answer_cites_the_rate(built: Cli) -> None:
    data = json.loads(built("ask", "Combien valent 250 euros en yens ?", "--json").stdout)
    assert data["answer"].startswith("250 EUR = 44\u202f563,22 JPY")
    assert (data["citations"][0]["kind"], data["citations"][0]["code"]) == ("rate", "JPY")


def test_not_answerable_exits_1_with_leads(built: Cli) -> None:
    result = built("ask", "Quel est le salaire de Poutine ?")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "Je ne trouve pas de réponse dans les snapshots."
    assert "Paragraphes les plus proches :" in lines
    assert any(line.startswith("[1] ") for line in lines)


def test_not_answerable_json(built: Cli) -> None:
    result = built("ask", "Who won the 2024 US presidential election?", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert (data["answerable"], data["answer"]) == (
        False,
        "I can't find an answer in the snapshots.",
    )
    assert isinstance(data["citations"], list)


def test_unknown_currency_exits_1(built: Cli) -> None:
    result = built("ask", "Combien vaut un euro en bitcoins ?")
    assert (result.exit_code, result.stdout) == (1, "Je ne connais pas de monnaie « bitcoins ».\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["ask", TREATY, "--snapshot", "nope"],
            "error: no snapshot 'nope' in the index; `search index status` lists them",
            id="unknown-snapshot",
        ),
        pytest.param(
            ["ask", "  "],
            "error: the question is empty; ask one, e.g. "
            "`search ask Qui a offert un véhicule à Kim ?`",
            id="empty-question",
        ),
        pytest.param(
            ["ask"],
            "error: Missing argument 'QUESTION...'. (see `search ask --help`)",
            id="no-question",
        ),
    ],
)
def test_errors_exit_2_on_one_line(built: Cli, args: list[str], message: str) -> None:
    result = built(*args)
    assert (result.exit_code, result.stderr, result.stdout) == (2, message + "\n", "")


def test_latest_snapshot(built: Cli) -> None:
    data = json.loads(built("ask", TREATY, "--snapshot", "latest", "--json").stdout)
    assert data["citations"][0]["snapshot"] == SAMPLE_ID


def test_first_ask_indexes_the_bundled_sample(run: Cli) -> None:
    result = run("ask", TREATY, "--json")
    assert result.exit_code == 0
    assert "indexing the bundled sample" in result.stderr
    assert json.loads(result.stdout)["citations"][0]["paragraph"] == 1
