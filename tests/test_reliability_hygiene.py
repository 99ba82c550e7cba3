"""The index is its owner's only, and snapshot text is only ever text on a terminal:
never escape sequences it acts on, never rich markup."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from index import IndexDir, read_snapshot
from tests.conftest import SEARCH_BIN, Cli, make_page, run_process
from tests.reliability_support import search_env

# What a hostile or broken page can carry: a screen clear (CSI), a window title (OSC,
# ended by BEL), an 8-bit CSI (C1), and rich markup, balanced and not.
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m"
MARKUP = "[bold red]Alarm[/bold red] [link=https://example.org]here[/link] [/]"
FILLER = " ".join(
    ["Ordinary words keep the share of control characters below one in a hundred."] * 6
)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile-2026-11-01.txt"
    paragraphs = [f"Trams {ESCAPES} stopped {MARKUP} today.", FILLER]
    path.write_text(make_page(headline=f"Markup {MARKUP}", paragraphs=paragraphs), "utf-8")
    return path


def test_index_folder_is_owner_only_whatever_the_umask(tmp_path: Path, hostile: Path) -> None:
    root = tmp_path / "new" / "deeper" / "ix"
    code = "import os, sys; os.umask(0); os.execv(sys.argv[1], sys.argv[1:])"
    subprocess.run(
        [sys.executable, "-c", code, str(SEARCH_BIN), "index", "build", str(hostile)],
        check=True,
        capture_output=True,
        env=search_env(root),
    )
    gen = IndexDir(root).generation()
    assert gen is not None
    for folder in (root, gen):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_control_characters_never_reach_the_index(hostile: Path) -> None:
    snapshot = read_snapshot(hostile)
    # Each control character became a space; paragraphs collapse runs of spaces.
    assert snapshot.paragraphs[0].startswith("Trams [2J ]0;owned 31m stopped [bold red]")
    assert not any("\x1b" in text or "\x9b" in text for text in snapshot.paragraphs)


def test_query_prints_snapshot_text_as_plain_text(tmp_path: Path, hostile: Path) -> None:
    root = tmp_path / "ix"
    assert run_process("index", "build", str(hostile), index=root).returncode == 0
    result = run_process("query", "trams", index=root)
    assert result.returncode == 0
    assert (
        "\x1b" not in result.stdout and "\x9b" not in result.stdout and "\x07" not in result.stdout
    )
    assert MARKUP in result.stdout  # printed as typed, not styled, not refused
    data = json.loads(run_process("query", "trams", "--json", index=root).stdout)
    assert MARKUP in data["hits"][0]["text"]


def test_status_prints_headlines_as_plain_text(run: Cli, hostile: Path) -> None:
    assert run("index", "build", hostile).exit_code == 0
    result = run("index", "status")
    assert result.exit_code == 0, result.stderr
    assert MARKUP in " ".join(result.stdout.split())
