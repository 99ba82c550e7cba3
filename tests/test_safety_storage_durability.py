"""Commits reach the disk before a name points at them: every file a table of contents
names, and its folder, are fsynced before the table of contents is renamed into place;
a rebuild's generation and ROOT before CURRENT is switched, and ROOT after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.index import TOC

from index import IndexDir, build
from tests.conftest import SAMPLE
from tests.reliability_support import write_pages

Event = tuple[str, str]  # ("fsync", path) or ("rename", destination)


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Event]]:
    """The fsync and rename calls of this process, in order (the real calls still run)."""
    seen: list[Event] = []
    real_fsync, real_rename, real_replace = os.fsync, os.rename, os.replace

    def fsync(fd: int) -> None:
        seen.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def rename(src: str, dst: str, *args: object, **kwargs: object) -> None:
        seen.append(("rename", os.fspath(dst)))
        real_rename(src, dst)

    def replace(src: str, dst: str, *args: object, **kwargs: object) -> None:
        seen.append(("rename", os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "replace", replace)
    yield seen


def _before(events: list[Event], rename_to: Path) -> set[str]:
    """The paths fsynced before the last rename onto `rename_to`."""
    at = max(i for i, e in enumerate(events) if e == ("rename", str(rename_to)))
    return {path for kind, path in events[:at] if kind == "fsync"}


def _named_files(gen: Path) -> tuple[Path, set[str]]:
    """The live table of contents and every file it names."""
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(str(gen))
    toc = TOC.read(storage, "MAIN")
    ids = tuple(f"{s.segment_id()}." for s in toc.segments)
    files = {str(p) for p in gen.iterdir() if p.name.startswith(ids)}
    return gen / f"_MAIN_{toc.generation}.toc", files


@pytest.mark.parametrize("rebuild", [False, True], ids=["first-build", "rebuild"])
def test_fresh_generation_is_flushed_before_current_names_it(
    sample_index: IndexDir, tmp_path: Path, events: list[Event], rebuild: bool
) -> None:
    index_dir = sample_index if rebuild else IndexDir(tmp_path / "new")
    events.clear()
    build(index_dir, [SAMPLE], rebuild=rebuild)
    root, gen = index_dir.root, index_dir.generation()
    assert gen is not None
    toc, files = _named_files(gen)
    assert files | {str(gen), str(gen / "snapsearch.json")} <= _before(events, toc)
    current = root / "CURRENT"
    before = _before(events, current)
    assert str(root) in before and any(path.startswith(f"{toc}.") for path in before)
    assert ("fsync", str(root)) in events[events.index(("rename", str(current))) :]


def test_incremental_commit_is_flushed_before_its_table_of_contents(
    sample_index: IndexDir, events: list[Event], tmp_path: Path
) -> None:
    write_pages(tmp_path / "more", ["extra-2026-11-30"], 1)
    events.clear()
    assert build(sample_index, [tmp_path / "more"]).added == ["extra-2026-11-30"]
    gen = sample_index.generation()
    assert gen is not None
    toc, files = _named_files(gen)
    new = {path for kind, path in events if kind == "fsync"} & files
    assert new, "the new segment's files were never flushed"
    assert new | {str(gen)} <= _before(events, toc)
    after = events[events.index(("rename", str(toc))) :]
    assert ("fsync", str(gen)) in after


def test_without_fsync_nothing_is_flushed(tmp_path: Path, events: list[Event]) -> None:
    build(IndexDir(tmp_path / "ix", fsync=False), [SAMPLE])
    assert [e for e in events if e[0] == "fsync"] == []
