"""`search tui` in a real terminal (tmux): start it, type, read the screen, quit."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEARCH_BIN
from tui.query import PLACEHOLDER

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """A tmux session on a private server socket running one command."""

    def __init__(self, command: str, size: tuple[int, int]) -> None:
        self.socket = f"snapsearch-{uuid.uuid4().hex[:8]}"
        width, height = size
        self._tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command)

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    def type(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def resize(self, width: int, height: int) -> None:
        self._tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))

    def screen(self) -> str:
        return self._tmux("capture-pane", "-t", "t", "-p")

    def wait_for(self, text: str, timeout: float = 20, *, gone: str | None = None) -> str:
        """The screen once `text` is on it (and `gone` no longer is): right after a
        resize, tmux shows the old picture cropped until the app draws the new one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen and (gone is None or gone not in screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(
            f"{text!r} never appeared on screen{f' without {gone!r}' if gone else ''}:\n"
            f"{self.screen()}"
        )

    def alive(self) -> bool:
        return "t" in self._tmux("list-sessions", "-F", "#{session_name}").split()

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    # Without COLUMNS and LINES, which the tmux server may have inherited from the test
    # run: with them set, a terminal's size never changes for the app (shutil reads them).
    index = tmp_path / "ix"
    command = f"env -u COLUMNS -u LINES SEARCH_INDEX={index} TERM=xterm-256color {SEARCH_BIN} tui"
    term = Terminal(command, (80, 24))
    yield term
    term.close()


def test_type_read_and_quit_in_a_real_terminal(terminal: Terminal) -> None:
    terminal.wait_for("190 documents")  # the first run indexed the bundled sample
    terminal.type("Kour")
    screen = terminal.wait_for("¶3")
    assert "Koursk" in screen and "1 hit" in screen
    assert "^q Quit" in screen  # the footer shows the bindings
    terminal.type("C-q")
    deadline = time.monotonic() + 10
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.alive()


def test_80_by_24_shows_the_whole_prompt_and_offers_to_ask(terminal: Terminal) -> None:
    screen = terminal.wait_for("190 documents")
    assert PLACEHOLDER in screen  # the Enter rule, not cut at 80 columns
    (status,) = [line for line in screen.splitlines() if "190 documents" in line]
    assert status.rstrip().endswith("/ix")  # the index's long path shortened, not cut
    terminal.type("Quel traité Moscou et Pyongyang ont-ils signé ?")
    screen = terminal.wait_for("⏎ Ask")  # the footer says what Enter does with it
    assert "0 hits" not in screen
    terminal.wait_for("Enter asks it")
    terminal.type("Enter")
    terminal.wait_for("─ sources ─")  # the answer, scrolled into view with its citations
    terminal.wait_for("prague-post-2026-11-24 2026-11-24 ¶")
    terminal.resize(120, 40)
    terminal.wait_for("─ preview ─")  # wide: results, preview and chat side by side
    terminal.resize(80, 24)
    terminal.wait_for("─ questions ─")
    # Narrow again: the chat alone under the results, still on the newest answer.
    terminal.wait_for("─ sources ─", gone="─ preview ─")
    terminal.wait_for("^l Citations")
    terminal.type("C-l")
    terminal.wait_for("1‥9 Open")
    terminal.type("2")
    screen = terminal.wait_for("a Whole article")  # citation 2, its document screen
    assert "prague-post-2026-11-24  2026-11-24  ¶" in screen


def test_enter_opens_the_highlighted_result_and_its_article(terminal: Terminal) -> None:
    terminal.wait_for("190 documents")
    terminal.type("Aurus")
    screen = terminal.wait_for("─ preview ─")  # at 80 columns, under the results
    assert "Aurus" in screen
    terminal.wait_for("⏎ Open")  # the footer says what Enter does
    terminal.type("Enter")
    terminal.wait_for("a Whole article")  # the document screen's footer
    terminal.type("a")
    screen = terminal.wait_for("¶6  Les symboles abondent")  # the article, at ¶6
    assert "¶5  " not in screen
    terminal.type("Escape")
    terminal.wait_for("─ preview ─")
