"""Outside text never acts on the terminal nor parses as markup; odd numbers and huge pages
get plain replies or clear errors."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import subprocess
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from index import IndexDir, build
from index.parse import MAX_DOCUMENTS, MAX_PARAGRAPH_CHARS
from search.engine import visible
from tests.conftest import SAMPLE, SEARCH_BIN, Cli, make_page
from tui import make_app

OSC52 = "\x1b]52;c;RVZJTA==\x1b\\"
CLEAR = "\x1b[2J\x1b[H"
HOSTILE_ID = f"y-{OSC52}{CLEAR}\u202e-2026-01-02"


def _in_terminal(*args: str, index: Path) -> tuple[int, bytes]:
    """`search ARGS` with stdout and stderr on a pseudo-terminal, as a person sees it."""
    main, secondary = pty.openpty()
    env = {**os.environ, "SEARCH_INDEX": str(index), "COLUMNS": "200", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [str(SEARCH_BIN), *args], stdout=secondary, stderr=secondary, env=env, close_fds=True
    )
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    return process.wait(timeout=60), output


@pytest.fixture
def hostile_index(tmp_path: Path) -> IndexDir:
    page = tmp_path / f"{HOSTILE_ID}.txt"
    page.write_text(make_page(headline="Poutine \u202e Kim", paragraphs=["Le Koursk coule."]))
    index_dir = IndexDir(tmp_path / "ix")
    assert not build(index_dir, [page, SAMPLE]).failed
    return index_dir


def test_visible_escapes_every_control_character() -> None:
    assert visible(OSC52) == "\\x1b]52;c;RVZJTA==\\x1b\\"
    assert visible("a\nb\r\tc\x9b\u202ed") == "a\\nb\\r\\tc\\x9b\\u202ed"
    assert visible("Šárka – « l’alliance »") == "Šárka – « l’alliance »"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("query", "Koursk"), id="query"),
        pytest.param(("ask", "Que fait le Koursk ?"), id="ask"),
        pytest.param(("index", "status"), id="status"),
        pytest.param(("query", "Koursk", "--snapshot", f"{OSC52}{CLEAR}"), id="error"),
    ],
)
def test_names_and_headlines_reach_the_terminal_visible(
    hostile_index: IndexDir, args: tuple[str, ...]
) -> None:
    code, shown = _in_terminal(*args, index=hostile_index.root)
    assert code in (0, 1, 2), shown
    assert b"\x1b]" not in shown and b"\x1b[2J" not in shown and "\u202e".encode() not in shown
    assert b"\\x1b]52;c;RVZJTA==" in shown


def test_json_keeps_the_exact_text(hostile_index: IndexDir) -> None:
    result = Cli(hostile_index)("query", "Koursk", "--json", "--limit", "50")
    ids = {hit["snapshot"] for hit in json.loads(result.stdout)["hits"]}
    assert HOSTILE_ID in ids
    assert "\u202e" not in result.stdout and "\\u202e" in result.stdout


def test_a_newline_in_a_file_name_cannot_forge_an_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad\nerror: all good-2026-01-03.txt"
    bad.write_bytes(b"\x00\x01binary")
    result = Cli(IndexDir(tmp_path / "ix"))("index", "build", str(bad))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "bad\\nerror: all good" in result.stderr


MARKUP_HEADLINE = "Poutine [/b] Kim [@click=app.quit]x[/] [$accent]"


def test_tui_never_parses_outside_text_as_markup(tmp_path: Path) -> None:
    # The path holds `[/b]` across a folder and a file name; the id holds links and clicks.
    page = tmp_path / "q[" / "b][link=http:x]y[@click=app.quit]z-2026-01-05.txt"
    page.parent.mkdir()
    page.write_text(make_page(headline=MARKUP_HEADLINE, paragraphs=["Le Koursk coule."]))
    index_dir = IndexDir(tmp_path / "ix")
    assert not build(index_dir, [page]).failed
    app = make_app(index_dir)
    asyncio.run(_palette_and_toasts(app, page))
    assert app.return_value is None  # the palette and toasts did not quit or crash it


async def _palette_and_toasts(app: Any, page: Path) -> None:
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"snapshot")
        await pilot.pause(0.3)
        await pilot.press("escape")
        # The page turns binary: re-indexing fails and says so with its [/b] path.
        page.write_bytes(b"\x00binary")
        app.action_reindex()
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        texts = [str(n.message) for n in app._notifications]
        assert any("q[/b][link=http:x]y[@click=app.quit]z" in text for text in texts), texts
        app.tell(f"{MARKUP_HEADLINE} {OSC52}")
        await pilot.pause()


def test_quitting_while_an_answer_is_on_its_way_is_clean(sample_index: IndexDir) -> None:
    asyncio.run(_quit_then_enter(make_app(sample_index)))


async def _quit_then_enter(app: Any) -> None:
    async with app.run_test() as pilot:
        query = app.query_one("#query", Input)
        query.value = "Koursk " * 430  # a pasted 3,000-character line
        await pilot.press("enter")
        app.exit()
        await query.action_submit()  # Enter after ctrl+q
        await pilot.pause()


@pytest.mark.parametrize(
    "question",
    [
        "Combien valent 99999999999999999999999999999999999999999 euros en yens ?",
        "Comment a évolué le dollar sur 999999999999 jours ?",
        "How did the pound move over the last 999999999 days?",
        "How much is 0." + "0" * 300 + "1 euros in yen?",
    ],
)
def test_overflowing_numbers_get_a_plain_reply(
    run: Cli, sample_index: IndexDir, question: str
) -> None:
    result = run("ask", question, "--json")
    assert result.exit_code in (0, 1), result.stderr
    reply = json.loads(result.stdout)
    assert reply["question"] == question and reply["answer"]


def test_errors_under_json_still_print_one_document(run: Cli, sample_index: IndexDir) -> None:
    result = run("query", "Koursk", "--json", "--snapshot", "nope")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": result.stderr.removeprefix("error: ").strip()}


def test_huge_paragraphs_are_cut_and_huge_pages_refused(run: Cli, tmp_path: Path) -> None:
    long = tmp_path / "long-2026-01-07.txt"
    long.write_text(make_page(paragraphs=["mot " * (MAX_PARAGRAPH_CHARS // 2) + "fin"]))
    many = tmp_path / "many-2026-01-08.txt"
    many.write_text(make_page(paragraphs=[f"Ligne {n}." for n in range(MAX_DOCUMENTS + 1)]))
    result = run("index", "build", str(long), str(many))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {many}: 5,002 documents (paragraphs, rates, quotes), over the 5,000 a "
        "snapshot may have; is this a news page?\n"
    )
    found = json.loads(run("query", "fin", "--json").stdout)["hits"]
    assert [(hit["paragraph"], len(hit["text"])) for hit in found] == [(3, 3)]
    pieces = run("query", "mot", "--json", "--snapshot", "long-2026-01-07").stdout
    sizes = sorted(len(hit["text"]) for hit in json.loads(pieces)["hits"])
    assert sizes == [19_999, 19_999]  # cut at spaces: 40,003 characters, nothing lost
