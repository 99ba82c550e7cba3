"""`search history`, `search diff`, de-duplicated results, and `search index watch` as a process."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, SEARCH_BIN, Cli, make_page, write_series


@pytest.fixture
def series(run: Cli, tmp_path: Path) -> Cli:
    write_series(tmp_path / "daily")
    assert run("index", "build", tmp_path / "daily").exit_code == 0
    return run


def test_history_json(series: Cli) -> None:
    result = series("history", "GBP", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [(p["date"], p["value"]) for p in data["points"]] == [
        ("2026-11-22", 0.87),
        ("2026-11-23", 0.88),
        ("2026-11-24", 0.86),
    ]
    assert data["points"][0]["citation"]["id"] == "daily-2026-11-22:rate:GBP"


def test_history_table(series: Cli) -> None:
    lines = series("history", "aex").stdout.splitlines()
    assert lines[0].startswith("AEX")
    assert [line.split()[:3] for line in lines[2:]] == [
        ["2026-11-22", "daily-2026-11-22", "980"],
        ["2026-11-23", "daily-2026-11-23", "985.5"],
        ["2026-11-24", "daily-2026-11-24", "975"],
    ]


def test_history_of_an_unknown_code(series: Cli) -> None:
    result = series("history", "XYZ")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: no rate or stock index 'XYZ' in the index; "
        "try a currency code (GBP) or an index name (AEX)\n",
    )


def test_diff_json(series: Cli) -> None:
    data = json.loads(series("diff", "--json").stdout)
    assert (data["old"]["id"], data["new"]["id"]) == ("daily-2026-11-23", "daily-2026-11-24")
    assert sorted(c["status"] for c in data["paragraphs"]) == ["changed", "new", "removed"]
    assert data["rates"][0]["series"] == "rate:GBP"


def test_diff_named_snapshots_without_changes_exits_1(series: Cli) -> None:
    result = series("diff", "daily-2026-11-22", "daily-2026-11-23", "--json")
    data = json.loads(result.stdout)
    assert data["paragraphs"] == [] and data["unchanged_paragraphs"] == 3
    assert result.exit_code == 0  # the rates still moved


def test_repeated_paragraph_is_one_hit_with_its_dates(series: Cli) -> None:
    data = json.loads(series("query", "syndicats", "--json").stdout)
    assert [h["id"] for h in data["hits"]] == ["daily-2026-11-23:p3"]
    assert data["hits"][0]["dates"] == ["2026-11-22", "2026-11-23"]
    assert "also on 2026-11-22" in series("query", "syndicats").stdout
    one = json.loads(
        series("query", "syndicats", "--snapshot", "daily-2026-11-22", "--json").stdout
    )
    assert [h["id"] for h in one["hits"]] == ["daily-2026-11-22:p3"]


class WatchProcess:
    """`search index watch` in its own process, its output read line by line."""

    def __init__(self, index: Path, folder: Path) -> None:
        env = {**os.environ, "SEARCH_INDEX": str(index), "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [str(SEARCH_BIN), "index", "watch", str(folder), "--settle", "0.3"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        # A thread reads the output so that waiting for a line can time out.
        self._queue: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            self.lines.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} never logged; log: {self.lines}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[WatchProcess]:
    folder = tmp_path / "daily"
    folder.mkdir()
    (folder / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    process = WatchProcess(tmp_path / "ix", folder)
    yield process
    process.close()


def test_watch_in_a_process(watcher: WatchProcess, run: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    watcher.wait_for("watching")
    assert any("added prague-post-2026-11-24" in line for line in watcher.lines)
    (folder / "broken.txt").write_bytes(b"")
    watcher.wait_for("broken.txt: empty file")
    started = time.monotonic()
    (folder / "next-2026-11-25.txt").write_text(
        make_page(paragraphs=["Trams return to Wenceslas Square after repairs."])
    )
    watcher.wait_for("added next-2026-11-25")
    assert time.monotonic() - started < 10
    result = Cli(type("D", (), {"root": tmp_path / "ix"})())("query", "Wenceslas", "--json")  # type: ignore[arg-type]
    assert json.loads(result.stdout)["hits"][0]["snapshot"] == "next-2026-11-25"
    assert watcher.stop() == 0
