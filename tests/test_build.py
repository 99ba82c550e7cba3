"""Incremental, atomic builds on a real index folder."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from index import IndexBusyError, IndexDir, build, list_snapshots
from search.engine import WhooshEngine as Engine
from tests.conftest import SAMPLE, SAMPLE_ID, make_page


def _snapshots(index_dir: IndexDir) -> dict[str, str]:
    return {s.id: s.sha256 for s in list_snapshots(index_dir.open())}


def test_added_then_unchanged_then_updated(index_dir: IndexDir, tmp_path: Path) -> None:
    snap = tmp_path / SAMPLE.name
    snap.write_bytes(SAMPLE.read_bytes())
    first = build(index_dir, [snap])
    assert (first.added, first.updated, first.unchanged, first.documents) == (
        [SAMPLE_ID],
        [],
        [],
        190,
    )
    again = build(index_dir, [snap])
    assert (again.added, again.updated, again.unchanged) == ([], [], [SAMPLE_ID])
    snap.write_text(snap.read_text("utf-8").replace("Koursk", "Belgorod"), "utf-8")
    edited = build(index_dir, [snap])
    assert (edited.added, edited.updated, edited.documents) == ([], [SAMPLE_ID], 190)
    engine = Engine(index_dir)
    assert engine.search("Koursk").total == 0
    assert engine.search("Belgorod").hits[0].paragraph == 3


def test_folders_are_walked_and_only_new_files_read(index_dir: IndexDir, tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    (folder / "nested").mkdir(parents=True)
    (folder / "a-2026-11-01.txt").write_text(make_page(headline="One"))
    (folder / "nested" / "b-2026-11-02.txt").write_text(make_page(headline="Two"))
    (folder / "notes.md").write_text("not a snapshot")
    assert sorted(build(index_dir, [folder]).added) == ["a-2026-11-01", "b-2026-11-02"]
    (folder / "c-2026-11-03.txt").write_text(make_page(headline="Three"))
    report = build(index_dir, [folder])
    assert (report.added, sorted(report.unchanged)) == (
        ["c-2026-11-03"],
        ["a-2026-11-01", "b-2026-11-02"],
    )


def test_rebuild_replaces_the_whole_index(index_dir: IndexDir, tmp_path: Path) -> None:
    other = tmp_path / "other-2026-11-25.txt"
    other.write_text(make_page(headline="Other"))
    build(index_dir, [SAMPLE, other])
    old_generation = index_dir.generation()
    report = build(index_dir, [other], rebuild=True)
    assert report.added == ["other-2026-11-25"]
    assert list(_snapshots(index_dir)) == ["other-2026-11-25"]
    assert index_dir.generation() != old_generation
    assert old_generation is not None and not old_generation.exists()


def test_failed_rebuild_keeps_the_old_index(sample_index: IndexDir, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    report = build(sample_index, [bad], rebuild=True)
    assert report.failed == [(str(bad), "empty file")] and not report.added
    assert list(_snapshots(sample_index)) == [SAMPLE_ID]
    assert [p.name for p in sample_index.root.iterdir() if p.name.startswith("g")] == ["g000001"]


def test_bad_files_are_reported_and_good_ones_indexed(index_dir: IndexDir, tmp_path: Path) -> None:
    good = tmp_path / "good-2026-11-02.txt"
    good.write_text(make_page())
    binary = tmp_path / "binary.txt"
    binary.write_bytes(os.urandom(64) + b"\x00")
    report = build(index_dir, [binary, good, tmp_path / "missing.txt"])
    assert report.added == ["good-2026-11-02"]
    assert [p for p, _ in report.failed] == [str(tmp_path / "missing.txt"), str(binary)]


def test_same_id_twice_in_one_build_is_refused(index_dir: IndexDir, tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x-2026-11-01.txt").write_text(make_page(headline=folder))
    report = build(index_dir, [tmp_path / "a", tmp_path / "b"])
    assert report.added == ["x-2026-11-01"]
    assert "is also given by" in report.failed[0][1]


def test_index_folder_is_private(sample_index: IndexDir) -> None:
    assert sample_index.root.stat().st_mode & 0o077 == 0


def _hold_lock(
    root: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event
) -> None:
    with IndexDir(Path(root)).write_lock(timeout=1):
        ready.set()
        done.wait(10)


def test_second_writer_waits_then_fails(sample_index: IndexDir) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(sample_index.root), ready, done))
    holder.start()
    try:
        assert ready.wait(20)
        with pytest.raises(
            IndexBusyError, match=rf"another process \(pid {holder.pid}\); try again"
        ):
            build(sample_index, [SAMPLE], lock_wait=0.2)
    finally:
        done.set()
        holder.join(10)
    assert build(sample_index, [SAMPLE], lock_wait=0.2).unchanged == [SAMPLE_ID]


def test_lock_of_a_killed_writer_does_not_block(sample_index: IndexDir) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(sample_index.root), ready, done))
    holder.start()
    assert ready.wait(20)
    holder.kill()
    holder.join(10)
    assert build(sample_index, [SAMPLE], lock_wait=1).unchanged == [SAMPLE_ID]


def test_engine_refresh_sees_new_commits_and_rebuilds(
    sample_index: IndexDir, tmp_path: Path
) -> None:
    engine = Engine(sample_index)
    extra = tmp_path / "extra-2026-11-26.txt"
    extra.write_text(make_page(paragraphs=["Trams return to Wenceslas Square after repairs."]))
    build(sample_index, [extra])
    assert engine.search("Wenceslas").total == 0
    engine.refresh()
    assert engine.search("Wenceslas").total == 1
    build(sample_index, [SAMPLE], rebuild=True)
    engine.refresh()
    assert engine.search("Wenceslas").total == 0 and engine.search("Koursk").total == 1


def test_snapshot_ids_with_colons_name_their_documents(index_dir: IndexDir, tmp_path: Path) -> None:
    """A document id is `SNAPSHOT:p3`; a snapshot id may hold colons too (`a:rate`)."""
    for name in ("a:rate-2026-11-24", "a-2026-11-24"):
        page = make_page(paragraphs=[f"Texte de {name}."], rates={"USD": "1.08"})
        (tmp_path / f"{name}.txt").write_text(page)
    assert not build(index_dir, sorted(tmp_path.glob("*.txt"))).failed
    engine = Engine(index_dir)
    try:
        for sid in ("a:rate-2026-11-24", "a-2026-11-24"):
            hit = engine.document(f"{sid}:p1")
            assert hit is not None and (hit.snapshot, hit.text) == (sid, f"Texte de {sid}.")
            rate = engine.document(f"{sid}:rate:USD")
            assert rate is not None and rate.snapshot == sid
        assert engine.document("a:rate-2026-11-24:p9") is None
        assert engine.document("nope:p1") is None
    finally:
        engine.close()
