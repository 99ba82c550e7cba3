"""Builds that cannot write: a full disk, simulated with RLIMIT_FSIZE (`ulimit -f`) in the
build's process, and folders that cannot hold an index.

CPython ignores SIGXFSZ, so a write past the limit raises OSError(EFBIG) where a full disk
raises ENOSPC: the same paths of the code, at every size the limit is set to. The build
must fail with one error line, leave the previous index searchable and exactly as it was,
and leave no partial files behind (a full disk needs its space back).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from index import IndexDir
from tests.conftest import SAMPLE, SEARCH_BIN, run_process
from tests.reliability_support import index_state, search_env, write_pages

DISK_FULL = "; it is left as it was before this build; free some disk space and build again\n"
UNWRITABLE = (
    "; it is left as it was before this build; "
    "pick a folder you can write with --index or SEARCH_INDEX\n"
)

# Bytes a file may grow to. Each stops these builds in another place: the lock file's pid,
# the new generation's table of contents, the segment's files, and the side store
# (~155 kB here, written whole).
LIMITS = [0, 2_000, 60_000, 140_000]


def _build_limited(limit: int, *args: str | Path, root: Path) -> subprocess.CompletedProcess[str]:
    """`search` with every file it writes capped at `limit` bytes, as `ulimit -f` does."""
    code = (
        "import os, resource, sys;"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]),) * 2);"
        "os.execv(sys.argv[2], sys.argv[2:])"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(limit), str(SEARCH_BIN), *map(str, args)],
        capture_output=True,
        text=True,
        env=search_env(root),
        timeout=120,
    )


def _listing(root: Path) -> list[tuple[str, int]]:
    return sorted(
        (str(p.relative_to(root)), p.stat().st_size)
        for p in root.rglob("*")
        if p.name != "write.lock"
    )


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """40 pages indexed first, and 40 more that the limited builds try to add."""
    tmp = tmp_path_factory.mktemp("pages")
    write_pages(tmp / "first", [f"first{i:02d}-2026-11-{1 + i % 28:02d}" for i in range(40)], 1)
    write_pages(tmp / "more", [f"more{i:02d}-2026-11-{1 + i % 28:02d}" for i in range(40)], 1)
    return tmp / "first", tmp / "more"


@pytest.mark.parametrize("rebuild", [False, True], ids=["build", "rebuild"])
def test_full_disk_keeps_the_previous_index(
    tmp_path: Path, pages: tuple[Path, Path], rebuild: bool
) -> None:
    first, more = pages
    root = tmp_path / "ix"
    assert run_process("index", "build", str(first), index=root).returncode == 0
    state, files = index_state(root), _listing(root)
    args = ("index", "build", *(["--rebuild"] if rebuild else []), first, more)
    for limit in LIMITS:
        result = _build_limited(limit, *args, root=root)
        assert result.returncode == 2, (limit, result.stdout)
        assert result.stderr == f"error: {root}: cannot write the index (File too large){DISK_FULL}"
        assert index_state(root) == state, limit
        assert _listing(root) == files, limit  # no partial segment, table or generation
    assert run_process("query", "zephyrmarker", index=root).returncode == 0
    finished = run_process(*map(str, args), index=root)  # space again: nothing stuck
    assert finished.returncode == 0, finished.stderr
    assert len(index_state(root) or {}) == 80


def test_full_disk_on_the_first_build_leaves_no_index(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    result = _build_limited(20_000, "index", "build", SAMPLE, root=root)
    assert result.stderr == f"error: {root}: cannot write the index (File too large){DISK_FULL}"
    assert not IndexDir(root).exists()
    assert sorted(p.name for p in root.iterdir()) == ["write.lock"]


def test_index_path_through_a_file_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("a file, not a folder")
    root = tmp_path / "notes" / "ix"
    error = f"error: {root}: cannot write the index (Not a directory){UNWRITABLE}"
    for args in (["index", "build", str(SAMPLE)], ["query", "Koursk"]):
        result = run_process(*args, index=root)
        assert result.returncode == 2, args
        # `query` first says it is indexing the bundled sample, as there is no index.
        assert result.stderr.endswith(error) and result.stderr.count("error:") == 1, args


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_read_only_index_folder_keeps_the_index(tmp_path: Path, pages: tuple[Path, Path]) -> None:
    first, more = pages
    root = tmp_path / "ix"
    assert run_process("index", "build", str(first), index=root).returncode == 0
    gen = IndexDir(root).generation()
    assert gen is not None
    read_only = stat.S_IRUSR | stat.S_IXUSR
    for folder in (gen, root):
        folder.chmod(read_only)
    try:
        result = run_process("index", "build", str(more), index=root)
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: {root}: cannot write the index (")
        assert result.stderr.endswith(UNWRITABLE)
        assert run_process("query", "zephyrmarker", index=root).returncode == 0
    finally:
        for folder in (root, gen):
            folder.chmod(stat.S_IRWXU)
