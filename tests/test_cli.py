"""The `search` command as users and scripts run it: output, JSON, exit codes, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from search.cli import cli
from tests.conftest import SAMPLE, SAMPLE_ID, Cli, make_page, run_process

HIT_KEYS = {
    "id",
    "kind",
    "snapshot",
    "date",
    "paragraph",
    "code",
    "name",
    "lang",
    "score",
    "text",
    "highlights",
}


@pytest.fixture
def built(run: Cli) -> Cli:
    assert run("index", "build", SAMPLE).exit_code == 0
    return run


def test_query_puts_paragraph_3_first(built: Cli) -> None:
    result = built("query", "Koursk")
    assert result.exit_code == 0
    first, body = result.stdout.splitlines()[:2]
    assert first.split() == [SAMPLE_ID, "2026-11-24", "¶3"]
    assert "Koursk" in body
    assert "1 hit for 'Koursk'" in result.stderr


def test_query_json_shape(built: Cli) -> None:
    result = built("query", "Koursk", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["query"] == "Koursk" and data["total"] == 1
    hit = data["hits"][0]
    assert HIT_KEYS <= hit.keys()
    assert (hit["kind"], hit["paragraph"], hit["snapshot"], hit["date"]) == (
        "paragraph",
        3,
        SAMPLE_ID,
        "2026-11-24",
    )
    assert [hit["text"][a:b] for a, b in hit["highlights"]] == ["Koursk"]


def test_no_match_exits_1_with_json(built: Cli) -> None:
    result = built("query", "zzqxjwvk", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "query": "zzqxjwvk",
        "total": 0,
        "fuzzy": False,
        "hits": [],
    }


@pytest.mark.parametrize(
    ("args", "check"),
    [
        pytest.param(
            ["--kind", "rate", "dollar"], lambda h: {x["kind"] for x in h} == {"rate"}, id="kind"
        ),
        pytest.param(["--limit", "2", "sanctions"], lambda h: len(h) == 2, id="limit"),
        pytest.param(
            ["--snapshot", "latest", "Koursk"], lambda h: h[0]["snapshot"] == SAMPLE_ID, id="latest"
        ),
        pytest.param(
            ["--kind", "quote", "AEX"],
            lambda h: h[0]["text"] == "AEX 981.61 (+6.24, +0.64%)",
            id="quote",
        ),
        pytest.param(
            ["--kind", "title", "alliance"],
            lambda h: h[0]["id"] == f"{SAMPLE_ID}:title",
            id="title",
        ),
    ],
)
def test_query_options(built: Cli, args: list[str], check: object) -> None:
    result = built("query", "--json", *args)
    assert result.exit_code == 0
    assert check(json.loads(result.stdout)["hits"])  # type: ignore[operator]


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        "(",
        ")",
        "*",
        "?",
        "AND",
        "OR NOT",
        "text:",
        "kind:rate",
        "~",
        "[b]",
        "[/link]",
        "Koursk~9",
        "title:(",
        "\\",
        "'",
        "«»",
        "-",
        "+",
        "^2",
        "{}",
        "Kour*",
        "a" * 5000,
        "\x00\x1b[2J",
    ],
)
def test_hostile_queries_never_crash(built: Cli, typed: str) -> None:
    result = built("query", typed, "--json")
    assert result.exit_code in (0, 1), result.stderr
    assert isinstance(json.loads(result.stdout)["hits"], list)


def test_unknown_snapshot_is_an_error(built: Cli) -> None:
    result = built("query", "Koursk", "--snapshot", "nope")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "error: no snapshot 'nope' in the index; `search index status` lists them\n"
    )


def test_build_reports_added_unchanged_updated(run: Cli, tmp_path: Path) -> None:
    snap = tmp_path / SAMPLE.name
    snap.write_bytes(SAMPLE.read_bytes())
    seen = []
    for edit in (None, None, "Koursk-Oblast"):
        if edit:
            snap.write_text(snap.read_text("utf-8").replace("Koursk", edit), "utf-8")
        result = run("index", "build", snap, "--json")
        assert result.exit_code == 0
        data = json.loads(result.stdout)
        seen.append(
            (data["added"], data["updated"], data["unchanged"], data["failed"], data["documents"])
        )
    assert seen == [
        ([SAMPLE_ID], [], [], [], 190),
        ([], [], [SAMPLE_ID], [], 190),
        ([], [SAMPLE_ID], [], [], 190),
    ]


def test_build_summary_line(run: Cli) -> None:
    result = run("index", "build", SAMPLE)
    assert (
        result.stdout
        == f"1 added, 0 updated, 0 unchanged, 0 failed; 190 documents in {run.index_dir.root}\n"
    )


def test_rebuild_from_the_cli(built: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other-2026-11-25.txt"
    other.write_text(make_page(paragraphs=["Trams return to Wenceslas Square after repairs."]))
    result = built("index", "build", "--rebuild", other, "--json")
    assert json.loads(result.stdout)["added"] == ["other-2026-11-25"]
    assert built("query", "Koursk").exit_code == 1
    assert built("query", "Wenceslas").exit_code == 0


def _bad_inputs(tmp: Path) -> list[tuple[Path, str]]:
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (tmp / "latin1.txt").write_bytes("Café - menu\n\nsoupe du jour".encode("latin-1"))
    (tmp / "notes.txt").write_text("Shopping list\n\nmilk\n")
    (tmp / "big-2026-11-24.txt").write_bytes(SAMPLE.read_bytes() * 3)
    (tmp / "no-snapshots").mkdir()
    return [
        (tmp / "empty.txt", "empty file"),
        (tmp / "binary.txt", "binary file (NUL bytes), not a text snapshot"),
        (tmp / "latin1.txt", "not UTF-8 text (byte 0xe9 at offset 3); save it as UTF-8"),
        (tmp / "notes.txt", "not a snapshot: the first line is not 'Site - Headline'"),
        (
            tmp / "big-2026-11-24.txt",
            "file is 0.0 MB, over the 0.02 MB limit (raise it with --max-size)",
        ),
        (tmp / "missing.txt", "no such file or folder"),
        (tmp / "no-snapshots", "no snapshot files (*.txt)"),
    ]


def test_every_bad_input_is_one_error_line_and_the_index_is_intact(
    built: Cli, tmp_path: Path
) -> None:
    cases = _bad_inputs(tmp_path)
    before = sorted(p.name for p in built.index_dir.root.rglob("*"))
    for path, reason in cases:
        result = built("index", "build", "--max-size", "0.02", path)
        assert result.exit_code == 2, path
        if path.name.startswith("big"):
            reason = reason.replace("0.0 MB", f"{path.stat().st_size / 1e6:.1f} MB")
        assert result.stderr == f"error: {path}: {reason}\n"
    assert sorted(p.name for p in built.index_dir.root.rglob("*")) == before
    assert built("query", "Koursk").exit_code == 0


def test_good_files_are_indexed_beside_bad_ones(run: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    good = tmp_path / "good-2026-11-02.txt"
    good.write_text(make_page(paragraphs=["Trams return to Wenceslas Square after repairs."]))
    result = run("index", "build", tmp_path, "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["added"] == ["good-2026-11-02"]
    assert data["failed"] == [{"path": str(tmp_path / "empty.txt"), "error": "empty file"}]
    assert run("query", "Wenceslas").exit_code == 0


def test_status_lists_snapshots(built: Cli) -> None:
    data = json.loads(built("index", "status", "--json").stdout)
    assert data["documents"] == 190
    assert [(s["id"], s["date"], s["documents"]) for s in data["snapshots"]] == [
        (SAMPLE_ID, "2026-11-24", 190)
    ]
    assert len(data["snapshots"][0]["sha256"]) == 64
    assert SAMPLE_ID in built("index", "status").stdout


def test_status_without_index_exits_1(run: Cli) -> None:
    result = run("index", "status")
    assert result.exit_code == 1 and "No index at" in result.stdout


def test_first_query_indexes_the_bundled_sample(run: Cli) -> None:
    result = run("query", "Koursk", "--json")
    assert result.exit_code == 0
    assert result.stderr.startswith(
        f"No index at {run.index_dir.root} yet: indexing the bundled sample"
    )
    assert json.loads(result.stdout)["hits"][0]["paragraph"] == 3
    assert "bundled sample" not in run("query", "Koursk").stderr


def test_foreign_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.odt").write_text("mine")
    result = Cli(type("D", (), {"root": folder})())("query", "Koursk")  # type: ignore[arg-type]
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {folder}: not a snapsearch index (it holds 'thesis.odt')"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.odt"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bogus"], "error: No such command 'bogus'. (see `search --help`)"),
        (["query"], "error: Missing argument 'TEXT...'. (see `search query --help`)"),
        (
            ["query", "x", "--limit", "0"],
            "error: Invalid value for '--limit': 0 is not in the range x>=1."
            " (see `search query --help`)",
        ),
        (
            ["query", "x", "--kind", "poem"],
            "error: Invalid value for '--kind': 'poem' is not one of 'paragraph', 'rate',"
            " 'quote', 'title'. (see `search query --help`)",
        ),
    ],
)
def test_usage_errors_are_one_line(run: Cli, args: list[str], message: str) -> None:
    result = run(*args)
    assert (result.exit_code, result.stderr) == (2, message + "\n")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*path, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help(run: Cli, path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: search {' '.join(path)}")
    command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help and len(command.help) > 20


def test_installed_command_in_a_process(tmp_path: Path) -> None:
    result = run_process("query", "Koursk", "--json", index=tmp_path / "ix")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"][0]["paragraph"] == 3
    bad = tmp_path / "binary.txt"
    bad.write_bytes(os.urandom(2048))
    result = run_process("index", "build", str(bad), index=tmp_path / "ix")
    assert result.returncode == 2 and result.stderr.startswith(f"error: {bad}: ")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_cli_import_does_not_import_textual() -> None:
    # The CLI must start fast: Textual only inside `search tui`, rich only when printing.
    code = (
        "import sys, search.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'rich'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_missing_extra_is_named_with_its_install_command(tmp_path: Path) -> None:
    """Without the `service` extra, `search serve` says what to install; `--server` needs
    no extra (its client is h11, a dependency of the core)."""
    blocked = (
        "import sys; sys.modules['httpx'] = sys.modules['fastapi'] = None; "
        "sys.modules['uvicorn'] = sys.modules['textual_serve'] = None; "
        "from search.cli import main; main()"
    )
    env = {**os.environ, "SEARCH_INDEX": str(tmp_path / "ix"), "NO_COLOR": "1"}
    for args, ending in (
        (["--server", "http://127.0.0.1:1", "query", "x"], "(is `search serve` running there?)\n"),
        (["serve"], "is not installed: pip install 'snapsearch[service]'\n"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", blocked, *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.endswith(ending), done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
