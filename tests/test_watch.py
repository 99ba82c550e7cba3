"""Following a folder: new and changed snapshots become searchable without a restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index import IndexDir
from index.watch import watch
from search.engine import WhooshEngine as Engine
from tests.conftest import SAMPLE, make_page


class Watcher:
    """`watch()` on a folder in a thread, with its log lines."""

    def __init__(self, index_dir: IndexDir, folder: Path) -> None:
        self.lines: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=watch,
            args=(index_dir, folder),
            kwargs={"log": self.lines.append, "settle": 0.3, "stop": self.stop},
        )
        self.thread.start()
        self.wait_for(lambda: any(line.startswith("watching") for line in self.lines))

    def wait_for(self, condition: Callable[[], bool], timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out; log: {self.lines}"
            time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "daily"
    path.mkdir()
    (path / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    return path


@pytest.fixture
def watcher(index_dir: IndexDir, folder: Path) -> Iterator[Watcher]:
    running = Watcher(index_dir, folder)
    yield running
    running.close()


def _found(index_dir: IndexDir, text: str) -> int:
    engine = Engine(index_dir)
    try:
        return engine.search(text).total
    finally:
        engine.close()


def test_existing_files_are_indexed_first(watcher: Watcher, index_dir: IndexDir) -> None:
    assert any(line.endswith("added prague-post-2026-11-24") for line in watcher.lines)
    assert _found(index_dir, "Koursk") == 1


def test_a_new_snapshot_becomes_searchable(
    watcher: Watcher, index_dir: IndexDir, folder: Path
) -> None:
    (folder / "next-2026-11-25.txt").write_text(
        make_page(paragraphs=["Trams return to Wenceslas Square after repairs."])
    )
    watcher.wait_for(lambda: any("added next-2026-11-25" in line for line in watcher.lines))
    assert _found(index_dir, "Wenceslas") == 1


def test_a_half_written_file_is_indexed_only_when_complete(
    watcher: Watcher, index_dir: IndexDir, folder: Path
) -> None:
    page = make_page(
        paragraphs=["First paragraph of the day.", "Trams return to Wenceslas Square."]
    )
    target = folder / "slow-2026-11-26.txt"
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(page[: len(page) // 2])
        handle.flush()
        time.sleep(0.15)  # a copy in progress, shorter than the settle time
        handle.write(page[len(page) // 2 :])
    watcher.wait_for(lambda: any("slow-2026-11-26" in line for line in watcher.lines))
    time.sleep(0.5)
    events = [line.split(" ", 1)[1] for line in watcher.lines if "slow-2026-11-26" in line]
    assert events == ["added slow-2026-11-26"]
    assert _found(index_dir, "Wenceslas") == 1


def test_a_bad_file_is_reported_and_the_watcher_goes_on(
    watcher: Watcher, index_dir: IndexDir, folder: Path
) -> None:
    (folder / "broken.txt").write_bytes(b"\x00\x01 binary")
    watcher.wait_for(
        lambda: any("error:" in line and "broken.txt" in line for line in watcher.lines)
    )
    (folder / "good-2026-11-27.txt").write_text(make_page(paragraphs=["Wenceslas again."]))
    watcher.wait_for(lambda: any("added good-2026-11-27" in line for line in watcher.lines))
    assert watcher.thread.is_alive()


def test_a_changed_snapshot_is_updated(watcher: Watcher, index_dir: IndexDir, folder: Path) -> None:
    path = folder / SAMPLE.name
    path.write_text(path.read_text("utf-8").replace("Koursk", "Belgorod"), "utf-8")
    watcher.wait_for(
        lambda: any("updated prague-post-2026-11-24" in line for line in watcher.lines)
    )
    assert _found(index_dir, "Belgorod") == 1 and _found(index_dir, "Koursk") == 0
