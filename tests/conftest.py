"""Shared fixtures: the bundled sample, throwaway index folders, pages written to order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

# The `semantic` extra is on by default when installed (AUTO): every build would embed its
# texts. Off for the suite, and for the `search` processes its tests start (they inherit
# the environment); tests/test_vectors*.py switch it on where they need it.
os.environ["SNAPSEARCH_SEMANTIC"] = "off"

from index import IndexDir, build, sample_path
from search.cli import cli

# The throwaway PostgreSQL server (`pg_cluster`, `pg_url`), started only when a test asks.
pytest_plugins = ["tests.pg_support"]

SAMPLE = sample_path()
SAMPLE_ID = SAMPLE.stem
SEARCH_BIN = Path(sys.executable).with_name("search")


# A run started in the background by a non-interactive shell (`pytest &`) ignores Ctrl+C,
# and the programs it starts inherit that: `search index watch`, stopped by SIGINT in the
# tests as a user stops it, would never stop. The tests' children get the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


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


SERIES_PARAGRAPHS = [
    "Le gouvernement tchèque a présenté lundi un budget prudent pour l’année prochaine.",
    "La ministre des Finances a défendu des économies dans les transports publics.",
    "Les syndicats ont annoncé une manifestation sur la place Venceslas samedi.",
]


def write_series(folder: Path) -> list[Path]:
    """Three dated snapshots with known rates, indexes and article edits.

    Day 2 repeats day 1's article; day 3 rewrites paragraph 2, drops paragraph 3 and
    adds a new one. GBP: 0.87 → 0.88 → 0.86; AEX: 980 → 985.5 → 975; USD only on days 1-2.
    """
    folder.mkdir(parents=True, exist_ok=True)
    day3 = [
        SERIES_PARAGRAPHS[0],
        "La ministre des Finances a défendu mardi des économies dans les transports publics.",
        "Le président a promulgué la loi sur les retraites après un long débat au Sénat.",
    ]
    days = [
        ("2026-11-22", SERIES_PARAGRAPHS, {"GBP": "0.87", "USD": "1.15", "JPY": "160.1"}, "980"),
        ("2026-11-23", SERIES_PARAGRAPHS, {"GBP": "0.88", "USD": "1.16", "JPY": "161.2"}, "985.5"),
        ("2026-11-24", day3, {"GBP": "0.86", "JPY": "159.3"}, "975"),
    ]
    paths = []
    for day, paragraphs, rates, aex in days:
        path = folder / f"daily-{day}.txt"
        quotes = [("AEX", "+1.0", aex, "+0.10%"), ("BEL20", "-2.0", "4900", "-0.04%")]
        path.write_text(
            make_page(headline="Budget", paragraphs=paragraphs, rates=rates, quotes=quotes),
            "utf-8",
        )
        paths.append(path)
    return paths
