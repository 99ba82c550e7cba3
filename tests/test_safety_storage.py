"""The storage layer's safety: readers never write, leftovers are swept, one writer even
when write.lock is deleted or planted, untrusted folders refused, foreign schemas named,
commits flushed before they are published."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import TEXT, Schema

from index import (
    IndexBusyError,
    IndexDamagedError,
    IndexDir,
    IndexUnsafeError,
    build,
    build_sample_if_absent,
)
from index.analysis import SCHEMA_VERSION
from index.watch import watch
from tests.conftest import SAMPLE, SAMPLE_ID, run_process
from tests.reliability_support import index_state, write_pages

REBUILD = "; rebuild it with `search index build --rebuild PATH…`\n"

# A writer in another process: holds the lock (`hold`) or builds slowly (`build`), and
# says "held" once it holds the lock; it lets go when its stdin closes.
_CHILD = """
import sys, time
from pathlib import Path
from index import IndexDir, build
root, what, *paths = sys.argv[1:]
if what == "hold":
    with IndexDir(Path(root)).write_lock(timeout=10):
        print("held", flush=True)
        sys.stdin.read()
else:
    slow = lambda done, total: time.sleep(0.1) or (done == 1 and print("held", flush=True))
    build(IndexDir(Path(root)), [Path(p) for p in paths], rebuild=what == "rebuild",
          progress=slow)
"""


@pytest.fixture
def writer() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start a writer process on a folder; it is let go and reaped at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(root: Path, what: str = "hold", *paths: Path) -> subprocess.Popen[str]:
        args = [sys.executable, "-c", _CHILD, str(root), what, *map(str, paths)]
        child = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(child)
        assert child.stdout is not None and child.stdout.readline() == "held\n"
        return child

    yield start
    for child in started:
        assert child.stdin is not None and child.stdout is not None
        with contextlib.suppress(BrokenPipeError):
            child.stdin.close()
        child.wait(30)
        child.stdout.close()


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# ----------------------------------------------------------- 3. a reader never writes


def test_sample_is_not_written_while_the_first_build_runs(
    tmp_path: Path, writer: Callable[..., subprocess.Popen[str]]
) -> None:
    root = tmp_path / "ix"
    holder = writer(root)
    with pytest.raises(IndexBusyError) as caught:
        build_sample_if_absent(IndexDir(root), [SAMPLE])
    assert str(caught.value) == (
        f"an index is being built in {root} by pid {holder.pid}; try again when it finishes"
    )
    assert _listing(root) == ["write.lock"]


def test_sample_never_lands_in_an_index_built_meanwhile(
    tmp_path: Path, writer: Callable[..., subprocess.Popen[str]]
) -> None:
    root = tmp_path / "ix"
    pages = write_pages(tmp_path / "src", [f"day-2026-11-{d:02d}" for d in range(1, 16)], 1)
    first = writer(root, "build", tmp_path / "src")
    with pytest.raises(IndexBusyError, match="being built"):
        build_sample_if_absent(IndexDir(root), [SAMPLE])
    assert first.wait(60) == 0
    assert build_sample_if_absent(IndexDir(root), [SAMPLE]) is None
    assert index_state(root) == pages


def test_sample_is_indexed_once_into_a_new_folder(tmp_path: Path) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    report = build_sample_if_absent(index_dir, [SAMPLE])
    assert report is not None and report.added == [SAMPLE_ID]
    assert build_sample_if_absent(index_dir, [SAMPLE]) is None


def test_query_during_the_first_build_never_writes_the_sample(
    tmp_path: Path, writer: Callable[..., subprocess.Popen[str]]
) -> None:
    root = tmp_path / "ix"
    pages = write_pages(tmp_path / "src", [f"day-2026-11-{d:02d}" for d in range(1, 31)], 1)
    first = writer(root, "build", tmp_path / "src")
    result = run_process("query", "Koursk", index=root)
    assert first.wait(60) == 0
    assert result.returncode == 2
    assert result.stderr.endswith(f"by pid {first.pid}; try again when it finishes\n")
    assert index_state(root) == pages


# ------------------------------------------------------- 6. leftovers of any writer


def _plant_leftovers(index_dir: IndexDir) -> int:
    """What killed builds and rebuilds leave; their size in bytes."""
    gen = index_dir.generation()
    assert gen is not None
    shutil.copytree(gen, index_dir.root / "g000777")  # an unpublished rebuild
    (index_dir.root / "CURRENT.4242.tmp").write_text("g000777\n")
    (gen / "_MAIN_99.toc.1234.5").write_bytes(b"t" * 100)  # a temporary table of contents
    (gen / "MAIN.tmp").mkdir()
    (gen / "MAIN.tmp" / "pool").write_bytes(b"p" * 1000)
    (gen / "MAIN_zzzzzzzzzzzzzzzz.seg").write_bytes(b"s" * 500)  # a segment nobody names
    copied = sum(p.stat().st_size for p in (index_dir.root / "g000777").rglob("*"))
    return copied + len("g000777\n") + 100 + 1000 + 500


def _watch_once(index_dir: IndexDir, folder: Path) -> None:
    lines: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=(index_dir, folder), kwargs={"log": lines.append, "stop": stop}
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not any(line.startswith("watching") for line in lines):
        assert time.monotonic() < deadline, lines
        time.sleep(0.05)
    stop.set()
    thread.join(10)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda ix, tmp: build(ix, [SAMPLE]), id="build-unchanged"),
        pytest.param(lambda ix, tmp: build(ix, [tmp / "none"], rebuild=True), id="rebuild-empty"),
        pytest.param(lambda ix, tmp: build(ix, [SAMPLE], rebuild=True), id="rebuild"),
        pytest.param(lambda ix, tmp: _watch_once(ix, SAMPLE.parent), id="watcher"),
    ],
)
def test_every_writer_sweeps_what_killed_builds_left(
    sample_index: IndexDir, tmp_path: Path, write: Callable[[IndexDir, Path], object]
) -> None:
    planted = _plant_leftovers(sample_index)
    assert sample_index.reclaimable_bytes() == planted
    write(sample_index, tmp_path)
    gen = sample_index.generation()
    assert gen is not None
    assert sorted(p.name for p in sample_index.root.iterdir()) == sorted(
        ["CURRENT", "write.lock", gen.name]
    )
    assert sample_index.leftovers() == []
    assert sample_index.reclaimable_bytes() == 0


def test_killed_rebuilds_do_not_pile_up(
    tmp_path: Path, writer: Callable[..., subprocess.Popen[str]]
) -> None:
    root = tmp_path / "ix"
    write_pages(tmp_path / "src", [f"day-2026-11-{d:02d}" for d in range(1, 21)], 1)
    build(IndexDir(root), [tmp_path / "src"])
    generations = []
    for _ in range(4):
        rebuild = writer(root, "rebuild", tmp_path / "src")
        rebuild.kill()
        rebuild.wait(30)
        generations.append(len(list(root.glob("g0*"))))
    assert generations == [2, 2, 2, 2]  # the live one and the one killed last
    assert IndexDir(root).reclaimable_bytes() > 0
    status = run_process("index", "status", "--json", index=root)
    reclaimable = json.loads(status.stdout)["reclaimable_bytes"]
    assert reclaimable == IndexDir(root).reclaimable_bytes() > 0
    shown = run_process("index", "status", index=root)
    assert f"{reclaimable / 1e6:.1f} MB left by interrupted builds is reclaimable" in shown.stderr
    build(IndexDir(root), [tmp_path / "src"])  # any writer sweeps them
    assert (
        json.loads(run_process("index", "status", "--json", index=root).stdout)["reclaimable_bytes"]
        == 0
    )


# --------------------------------------------------------------------- 7. two writers


def test_deleted_lock_file_still_keeps_a_second_writer_out(
    sample_index: IndexDir, writer: Callable[..., subprocess.Popen[str]]
) -> None:
    writer(sample_index.root)
    (sample_index.root / "write.lock").unlink()
    with pytest.raises(IndexBusyError, match="being updated by another process"):
        build(sample_index, [SAMPLE], lock_wait=0.3)


def test_cli_loser_waits_and_never_speaks_of_the_other_index(
    sample_index: IndexDir, writer: Callable[..., subprocess.Popen[str]]
) -> None:
    writer(sample_index.root)
    (sample_index.root / "write.lock").unlink()
    result = run_process("index", "build", "--wait", "0.3", str(SAMPLE), index=sample_index.root)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: the index is being updated by another process (pid unknown); try again\n"
    )


def test_watcher_waits_for_a_running_build(
    index_dir: IndexDir, tmp_path: Path, writer: Callable[..., subprocess.Popen[str]]
) -> None:
    holder = writer(index_dir.root)
    lines: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=(index_dir, SAMPLE.parent), kwargs={"log": lines.append, "stop": stop}
    )
    thread.start()
    try:
        deadline = time.monotonic() + 3
        while not any(line.startswith("waiting:") for line in lines):
            assert time.monotonic() < deadline, lines
            time.sleep(0.05)
        assert holder.stdin is not None
        holder.stdin.close()
        deadline = time.monotonic() + 20
        while not any(line.startswith("watching") for line in lines):
            assert time.monotonic() < deadline and thread.is_alive(), lines
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(20)
    assert any(line.endswith(f"added {SAMPLE_ID}") for line in lines), lines


# ---------------------------------------------------- 8. folders another user can write


def _chown(path: Path) -> None:
    os.chown(path, 12345, 12345, follow_symlinks=False)


def _segment(root: Path) -> Path:
    return next(root.glob("g0*/*.seg"))


def _loosen_segment(root: Path) -> None:
    for folder in (root, _segment(root).parent):
        folder.chmod(0o755)
    _segment(root).chmod(0o666)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        pytest.param(_chown, "the folder is owned by uid 12345, not by you", id="root-owner"),
        pytest.param(
            lambda r: r.chmod(0o777), "the folder is writable by group and others", id="root-mode"
        ),
        pytest.param(
            lambda r: _chown(r / "CURRENT"), "CURRENT is owned by uid 12345", id="current-owner"
        ),
        pytest.param(
            lambda r: _chown(_segment(r).parent), "is owned by uid 12345", id="generation-owner"
        ),
        pytest.param(
            lambda r: _chown(_segment(r)), ".seg is owned by uid 12345", id="segment-owner"
        ),
        pytest.param(_loosen_segment, ".seg is writable by group and others", id="segment-mode"),
    ],
)
def test_folder_another_user_can_write_is_refused_unread(
    sample_index: IndexDir, change: Callable[[Path], None], says: str
) -> None:
    root = sample_index.root
    change(root)
    before = _listing(root)
    with pytest.raises(IndexUnsafeError, match=f"^refusing to open index {root}: "):
        sample_index.open()
    for args in (["query", "Koursk"], ["index", "build", str(SAMPLE)]):
        result = run_process(*args, index=root)
        assert result.returncode == 2, args
        assert result.stderr.startswith(f"error: refusing to open index {root}: "), args
        assert says in result.stderr and result.stderr.count("\n") == 1, args
    assert _listing(root) == before


def test_write_lock_link_leaves_its_target_intact(sample_index: IndexDir, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    lock = sample_index.root / "write.lock"
    lock.unlink()
    lock.symlink_to(victim)
    with pytest.raises(IndexUnsafeError, match="write.lock is a symbolic link"):
        build(sample_index, [SAMPLE])
    assert victim.read_text() == "precious\n"


def test_current_temporary_link_leaves_its_target_intact(
    sample_index: IndexDir, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (sample_index.root / f"CURRENT.{os.getpid()}.tmp").symlink_to(victim)
    build(sample_index, [SAMPLE], rebuild=True)
    assert victim.read_text() == "precious\n"
    assert not (sample_index.root / "CURRENT").is_symlink()


def test_folders_made_for_the_index_are_private(tmp_path: Path) -> None:
    root = tmp_path / "new" / "deeper" / "ix"
    old = os.umask(0o022)
    try:
        build(IndexDir(root), [SAMPLE])
    finally:
        os.umask(old)
    for folder in (tmp_path / "new", tmp_path / "new" / "deeper", root):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


# -------------------------------------------------- 9. a Whoosh index of another schema


def _foreign_schema(root: Path) -> None:
    gen = root / "g000001"
    gen.mkdir(parents=True, mode=0o700)
    whoosh_index.create_in(str(gen), Schema(body=TEXT(stored=True))).writer().commit()
    (gen / "snapsearch.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
    (root / "CURRENT").write_text("g000001\n")


def test_index_of_another_schema_names_the_rebuild(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    _foreign_schema(root)
    with pytest.raises(IndexDamagedError, match="not a snapsearch index of this version"):
        IndexDir(root).open()
    result = run_process("query", "Koursk", index=root)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: {root}: not a snapsearch index of this version (g000001 differs in field "
    )
    assert result.stderr.endswith(REBUILD)
    rebuilt = run_process("index", "build", "--rebuild", str(SAMPLE), index=root)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert run_process("query", "Koursk", index=root).returncode == 0
