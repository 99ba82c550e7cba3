"""The README's `search ask` examples are what the command prints on the index it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index import IndexDir, build
from tests.conftest import SAMPLE, Cli

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT / "tests" / "devset"


def _examples() -> list[tuple[str, list[str]]]:
    """(question, the lines shown after it) for each `$ search ask` in the README."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text[text.index("## Asking questions") : text.index("## The terminal UI")]
    block = section[
        section.index("```console") : section.index("```\n", section.index("```console") + 3)
    ]
    found = []
    for chunk in block.split("$ search ask ")[1:]:
        first, *shown = chunk.rstrip("\n").split("\n")
        question = re.fullmatch(r'"(.*)"', first)
        assert question, first
        found.append((question.group(1), shown))
    return found


@pytest.fixture(scope="module")
def readme_index(tmp_path_factory: pytest.TempPathFactory) -> IndexDir:
    index_dir = IndexDir(tmp_path_factory.mktemp("readme") / "ix")
    pages = [SAMPLE, DEVSET / "prague-post-2026-11-25.txt", DEVSET / "prague-post-2026-11-26.txt"]
    assert not build(index_dir, pages).failed
    return index_dir


@pytest.mark.parametrize(("question", "shown"), _examples(), ids=lambda v: str(v)[:40])
def test_readme_ask_example(readme_index: IndexDir, question: str, shown: list[str]) -> None:
    output = Cli(readme_index)("ask", question).output.rstrip("\n").split("\n")
    while shown and not shown[-1].strip():
        shown.pop()
    if shown and shown[-1] == "…":  # the README cut the rest
        shown = shown[:-1]
        output = output[: len(shown)]
    # CLDR puts a narrow no-break space in 44 855,03; the README shows a plain one.
    assert [line.replace("\u202f", " ") for line in output] == shown
