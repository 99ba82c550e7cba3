"""Damaged, foreign and other-version index folders: one clear error line, exit 2, the
way out named, nothing written into them; `--rebuild` recovers every damaged index."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import TEXT, Schema
from whoosh.index import TOC

from index import IndexDamagedError, IndexDir, build
from index.store import collect_leaked_files
from search.engine import WhooshEngine as Engine
from tests.conftest import SAMPLE, Cli, make_page, run_process

# Whoosh leaves a damaged segment's files open when reading them fails, and Python warns
# when it closes them; the library collects them at once (collect_leaked_files), but the
# reader's retries can leave some to the collector's own timing.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(autouse=True)
def _close_leaked_files() -> Iterator[None]:
    yield
    collect_leaked_files()  # now, under this module's filter, not in another test


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template") / "ix"
    build(IndexDir(root), [SAMPLE])
    return root


@pytest.fixture
def built(run: Cli, built_once: Path) -> Cli:
    """An index of the sample page, copied from one built once for the module."""
    shutil.copytree(built_once, run.index_dir.root)
    return run


@pytest.fixture
def small_page(tmp_path: Path) -> Path:
    path = tmp_path / "small-2026-11-25.txt"
    path.write_text(make_page(paragraphs=["Trams return to Wenceslas Square after repairs."]))
    return path


REBUILD = "rebuild it with `search index build --rebuild PATH…`\n"
ELSEWHERE = "; pick an empty or new folder with --index or SEARCH_INDEX\n"

Damage = Callable[[Path], None]


def _generation(root: Path) -> Path:
    gen = IndexDir(root).generation()
    assert gen is not None
    return gen


def _only(root: Path, pattern: str) -> Path:
    (found,) = _generation(root).glob(pattern)
    return found


def _truncate(pattern: str, keep: float) -> Damage:
    def damage(root: Path) -> None:
        path = _only(root, pattern)
        path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])

    return damage


def _delete(pattern: str) -> Damage:
    return lambda root: _only(root, pattern).unlink()


def _write(name: str, data: bytes) -> Damage:
    def damage(root: Path) -> None:
        target = root / name if name == "CURRENT" else _generation(root) / name
        target.write_bytes(data)

    return damage


def _schema(version: object) -> Damage:
    return _write("snapsearch.json", json.dumps({"schema_version": version}).encode())


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        pytest.param(_truncate("*.seg", 0.5), "the index is damaged (", id="segment-half"),
        pytest.param(_truncate("*.seg", 0.999), "the index is damaged (", id="segment-tail"),
        pytest.param(_truncate("*.seg", 0), "the index is damaged (", id="segment-empty"),
        pytest.param(
            _delete("*.seg"), "the index is damaged (FileNotFoundError", id="segment-gone"
        ),
        pytest.param(_truncate("*.toc", 0.5), "the index is damaged (", id="toc-half"),
        pytest.param(_truncate("*.toc", 0), "the index is damaged (", id="toc-empty"),
        pytest.param(_delete("*.toc"), "the index is damaged (EmptyIndexError", id="toc-gone"),
        pytest.param(_truncate("side.sqlite", 0.5), "the index is damaged (", id="side-half"),
        pytest.param(_truncate("side.sqlite", 0), "the index is damaged (", id="side-empty"),
        pytest.param(_write("side.sqlite", b"x" * 4096), "the index is damaged (", id="side-junk"),
        pytest.param(_delete("side.sqlite"), "side.sqlite is missing", id="side-gone"),
        pytest.param(_write("CURRENT", b"\xff\xfe\x00"), "cannot read CURRENT", id="current-bytes"),
        pytest.param(
            _write("CURRENT", b"g000009\n"), "names a missing generation", id="current-gone"
        ),
        pytest.param(_delete("snapsearch.json"), "not a snapsearch index", id="format-gone"),
        pytest.param(_schema("2"), "not a snapsearch index", id="schema-text"),
        pytest.param(_schema(True), "not a snapsearch index", id="schema-bool"),
        pytest.param(_schema(99), "written by a newer snapsearch (schema 99", id="schema-newer"),
        pytest.param(_schema(0), "written by an older snapsearch (schema 0", id="schema-older"),
    ],
)
def test_damaged_index_names_the_rebuild_and_rebuild_recovers(
    built: Cli, small_page: Path, damage: Damage, says: str
) -> None:
    run, root = built, built.index_dir.root
    damage(root)
    before = sorted(p.name for p in _files(root))
    for args in (["query", "Koursk"], ["index", "status"], ["index", "build", small_page]):
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"error: {root}: ") and says in result.stderr, args
        assert result.stderr.endswith(REBUILD) and result.stderr.count("\n") == 1, args
    assert sorted(p.name for p in _files(root)) == before  # nothing written into it
    assert run("index", "build", "--rebuild", small_page).exit_code == 0
    assert run("query", "Wenceslas").exit_code == 0


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name != "write.lock"]


def _garble_postings(root: Path) -> None:
    """Overwrite the postings inside the segment, leaving every header and length intact."""
    ix = whoosh_index.open_dir(str(_generation(root)))
    (segment,) = TOC.read(ix.storage, ix.indexname).segments
    compound = segment.open_compound_file(ix.storage)
    entry = compound._dir[f"{segment.segment_id()}.pst"]
    compound.close()
    with open(_generation(root) / f"{segment.segment_id()}.seg", "r+b") as handle:
        handle.seek(entry["offset"])
        handle.write(b"Z" * entry["length"])


def test_damage_found_only_by_a_query_is_reported_as_damage(built: Cli, small_page: Path) -> None:
    run, root = built, built.index_dir.root
    _garble_postings(root)
    engine = Engine(IndexDir(root))  # the segment opens: its headers are intact
    with pytest.raises(IndexDamagedError, match="the index is damaged"):
        engine.search("Koursk")
    result = run_process("query", "Koursk", index=root)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {root}: the index is damaged (Exception: ")
    assert result.stderr.endswith(REBUILD) and result.stderr.count("\n") == 1
    assert run("index", "build", "--rebuild", small_page).exit_code == 0
    assert run("query", "Wenceslas").exit_code == 0


def test_a_long_lived_engine_recovers_once_the_index_is_repaired(built: Cli) -> None:
    """The TUI and the service keep one engine and refresh it: a refresh that finds the
    index damaged tells so, and the first refresh after a repair reads it again (the
    engine stayed closed on its old generation before)."""
    root = built.index_dir.root
    engine = Engine(IndexDir(root))
    current = root / "CURRENT"
    live = current.read_text()
    current.write_text("g999999")
    with pytest.raises(IndexDamagedError, match="CURRENT names a missing generation"):
        engine.refresh()
    current.write_text(live)
    engine.refresh()
    assert [hit.snapshot for hit in engine.search("Koursk").hits] == ["prague-post-2026-11-24"]
    engine.close()


def _user_files(folder: Path) -> None:
    (folder / "thesis.odt").write_text("mine")


def _other_whoosh_index(folder: Path) -> None:
    whoosh_index.create_in(str(folder), Schema(body=TEXT))


def _folder_named_like_a_generation(folder: Path) -> None:
    (folder / "g2024").mkdir()
    (folder / "g2024" / "notes.txt").write_text("mine")


@pytest.mark.parametrize(
    ("fill", "holds"),
    [
        pytest.param(_user_files, "thesis.odt", id="user-files"),
        pytest.param(_other_whoosh_index, "_MAIN_0.toc", id="other-whoosh-index"),
        pytest.param(_folder_named_like_a_generation, "g2024", id="g-folder"),
    ],
)
def test_folder_that_is_not_an_index_is_never_written(
    tmp_path: Path, small_page: Path, fill: Callable[[Path], None], holds: str
) -> None:
    folder = tmp_path / "Documents"
    folder.mkdir()
    fill(folder)
    before = sorted((p.relative_to(folder), p.stat().st_size) for p in folder.rglob("*"))
    run = Cli(IndexDir(folder))
    for args in (
        ["query", "Koursk"],
        ["index", "status"],
        ["index", "build", small_page],
        ["index", "build", "--rebuild", small_page],
    ):
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"error: {folder}: not a snapsearch index (it holds ")
        assert result.stderr.endswith(ELSEWHERE), args
    assert holds in run("query", "x").stderr
    assert sorted((p.relative_to(folder), p.stat().st_size) for p in folder.rglob("*")) == before
