"""What a folder given to `search index build` may hold: each bad entry gets one clear
message, every good snapshot is still indexed, and nothing hangs or blows up.

The tests run as root in CI, where no file is unreadable: "cannot be read" is played by a
named pipe (opening one for reading would wait for a writer for ever), a broken symbolic
link and a link to itself; a chmod 000 file is tested too where the user is not root.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from index import IndexDir, build, find_snapshot_files
from tests.conftest import make_page, run_process

# A first line of 200,000 spaces took the title pattern quadratic time (days); the
# named pipe blocked the build for ever: a build that outlives this has hung.
HANG = 60


def _page(folder: Path, name: str, paragraph: str) -> Path:
    path = folder / f"{name}.txt"
    path.write_text(make_page(paragraphs=[paragraph]), "utf-8")
    return path


def test_bad_entries_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    (folder / "sub").mkdir(parents=True)
    _page(folder, "good-2026-11-01", "Trams return to Wenceslas Square after repairs.")
    _page(folder / "sub", "nested-2026-11-02", "The nested folder is walked too, once.")
    # One line of 300,000 characters, a paragraph in one piece: indexed like any other.
    _page(folder, "long-2026-11-03", "Vltava " + "word " * 60_000 + "flood")
    big = _page(folder, "big-2026-11-04", "x " * 1_500_000)
    spaces = folder / "spaces.txt"
    spaces.write_text("Site" + " " * 200_000 + "x\n\nEUR -\nUSD 1.1\n")
    os.mkfifo(folder / "pipe.txt")
    (folder / "broken.txt").symlink_to(folder / "nowhere.txt")
    (folder / "itself.txt").symlink_to(folder / "itself.txt")
    (folder / "sub" / "up").symlink_to(folder)  # a loop of folders
    (folder / "again").symlink_to(folder / "sub")  # one folder under two names
    result = run_process(
        "index",
        "build",
        "--json",
        "--max-size",
        "2",
        str(folder),
        index=tmp_path / "ix",
        timeout=HANG,
    )
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert sorted(report["added"]) == ["good-2026-11-01", "long-2026-11-03", "nested-2026-11-02"]
    assert sorted((f["path"], f["error"]) for f in report["failed"]) == sorted(
        [
            (str(folder / "again"), f"same folder as {folder / 'sub'} (symbolic link), skipped"),
            (str(big), "file is 3.0 MB, over the 2 MB limit (raise it with --max-size)"),
            (str(folder / "broken.txt"), "broken symbolic link"),
            (str(folder / "itself.txt"), "symbolic link loop"),
            (str(folder / "pipe.txt"), "not a regular file (a named pipe)"),
            (str(spaces), "not a snapshot: the first line is not 'Site - Headline'"),
            (str(folder / "sub" / "up"), f"same folder as {folder} (symbolic link), skipped"),
        ]
    )
    # One `error:` line per bad entry, and nothing else on stderr.
    assert sorted(result.stderr.splitlines()) == sorted(
        f"error: {f['path']}: {f['error']}" for f in report["failed"]
    )
    for word, snapshot in (("Wenceslas", "good"), ("flood", "long"), ("nested", "nested")):
        found = run_process("query", word, "--json", index=tmp_path / "ix")
        assert json.loads(found.stdout)["hits"][0]["snapshot"].startswith(snapshot)


def test_thousands_of_tiny_files_are_all_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(2000):
        (folder / f"t{i:05d}-2026-11-01.txt").write_text(f"Site - Headline {i}\n\nUSD 1.{i}\n")
    started = time.monotonic()
    report = build(IndexDir(tmp_path / "ix"), [folder])
    assert (len(report.added), report.failed, report.documents) == (2000, [], 4000)
    assert time.monotonic() - started < HANG
    again = build(IndexDir(tmp_path / "ix"), [folder])  # only hashes: no writer opened
    assert (len(again.unchanged), again.added) == (2000, [])


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    locked = _page(tmp_path, "locked-2026-11-01", "Nobody may read this page.")
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("this user (root) reads a chmod 000 file anyway; see the named pipe test")
    report = build(IndexDir(tmp_path / "ix"), [tmp_path])
    assert report.failed == [(str(locked), "permission denied")]


def test_symlinked_folder_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "archive" / "2026"
    real.mkdir(parents=True)
    _page(real, "linked-2026-11-01", "Reached through a link to a folder.")
    daily = tmp_path / "daily"
    daily.mkdir()
    (daily / "2026").symlink_to(real)
    files, problems = find_snapshot_files([daily])
    assert (files, problems) == ([daily / "2026" / "linked-2026-11-01.txt"], [])
