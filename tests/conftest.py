"""Shared fixtures: the bundled sample, throwaway index folders, pages written to order."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from index import IndexDir, build, sample_path
from search.cli import cli

SAMPLE = sample_path()
SAMPLE_ID = SAMPLE.stem
SEARCH_BIN = Path(sys.executable).with_name("search")


def make_page(
    *,
    headline: str = "A quiet day",
    paragraphs: Sequence[str] = ("Nothing happened in the city today, said everyone asked.",),
    site: str = "The Prague Post",
    base: str | None = "EUR",
    rates: dict[str, str] | None = None,
    quotes: Sequence[tuple[str, str, str, str]] = (),
) -> str:
    """A snapshot page in the reference layout; `quotes` are (name, change, level, percent)."""
    lines = [f"{site} - {headline}", ""]
    if base:
        lines.append(f"{base} -")
    lines += [f"{code} {value}" for code, value in (rates or {}).items()]
    for name, change, level, percent in quotes:
        lines += [f"  • {name}", "", f"    {change}", "", f"    {level}", "", f"    {percent}", ""]
    lines += ["", headline, "", "", ""]
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    return "\n".join(lines)


@pytest.fixture
def index_dir(tmp_path: Path) -> IndexDir:
    return IndexDir(tmp_path / "ix")


@pytest.fixture
def sample_index(index_dir: IndexDir) -> IndexDir:
    report = build(index_dir, [SAMPLE])
    assert report.added == [SAMPLE_ID]
    return index_dir


class Cli:
    """The real `search` command run in-process through CliRunner on one index folder."""

    def __init__(self, index_dir: IndexDir) -> None:
        self.index_dir = index_dir

    def __call__(self, *args: str | Path) -> Result:
        runner = CliRunner()
        env = {"SEARCH_INDEX": str(self.index_dir.root), "NO_COLOR": "1"}
        return runner.invoke(
            cli, [str(a) for a in args], env=env, prog_name="search", catch_exceptions=False
        )


@pytest.fixture
def run(index_dir: IndexDir) -> Cli:
    return Cli(index_dir)


def run_process(*args: str, index: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed `search` command in a subprocess, as a user runs it."""
    env = {**os.environ, "SEARCH_INDEX": str(index), "NO_COLOR": "1"}
    return subprocess.run(
        [str(SEARCH_BIN), *args], capture_output=True, text=True, env=env, timeout=timeout
    )
