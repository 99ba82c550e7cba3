"""`search web` in real headless Chromium: type a query, see a result, ask, see a cited
answer. Chromium is driven over the DevTools protocol with a small websocket client; what
the page's terminal receives is read by wrapping the page's WebSocket before it loads."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from index import IndexDir
from tests.conftest import SAMPLE_ID, SEARCH_BIN
from tests.service_support import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Keeps every byte the terminal is sent, decoded, in window.__screen.
RECORD = """
(() => {
  window.__screen = "";
  const decoder = new TextDecoder();
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const data = event.data;
        if (typeof data === "string") { window.__screen += data; }
        else if (data instanceof ArrayBuffer) {
          window.__screen += decoder.decode(data, {stream: true});
        } else if (data instanceof Blob) { data.text().then((t) => { window.__screen += t; }); }
      });
    }
  };
})();
"""
ESCAPES = re.compile(
    r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)"
)
TREATY = "Quel traité Moscou et Pyongyang ont-ils signé ?"


def _missing_chromium() -> None:
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


class DevTools:
    """A minimal Chrome DevTools Protocol client on one page."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.next_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def evaluate(self, expression: str) -> Any:
        found = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return found["result"].get("value")

    def screen(self) -> str:
        """The text the page's terminal was sent so far, escape sequences removed."""
        return ESCAPES.sub("", self.evaluate("window.__screen || ''"))

    def wait_for(self, *texts: str, after: int = 0, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()[after:]
            if all(text in shown for text in texts):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{texts} never shown; the terminal got: {self.screen()[-3000:]!r}")

    def wait_until_drawn(self, quiet: float = 1.0, timeout: float = 60) -> None:
        """Wait for the app's first screen: output that then stays unchanged for `quiet` s."""
        deadline, seen, since = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() < deadline:
            size = len(self.screen())
            if size != seen:
                seen, since = size, time.monotonic()
            elif size > 500 and time.monotonic() - since >= quiet:
                return
            time.sleep(0.1)
        raise AssertionError(f"the app never drew its screen: {self.screen()[-2000:]!r}")

    def key(self, key: str, code: int, text: str = "") -> None:
        for kind in ("keyDown", "keyUp"):
            params: dict[str, Any] = {"type": kind, "key": key, "code": key}
            params["windowsVirtualKeyCode"] = code
            if text and kind == "keyDown":
                params["text"] = text
            self.send("Input.dispatchKeyEvent", **params)


@contextmanager
def _process(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _poll(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args} exited: {log.read_text(errors='replace')}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer: {log.read_text(errors='replace')}")


def test_the_tui_in_a_browser(sample_index: IndexDir, tmp_path: Path) -> None:
    if CHROMIUM is None:
        _missing_chromium()
    assert CHROMIUM is not None
    web_port, devtools_port = free_port(), free_port()
    web = [str(SEARCH_BIN), "--index", str(sample_index.root), "web", "--port", str(web_port)]
    browser = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    browser += [f"--remote-debugging-port={devtools_port}", "about:blank"]
    with (
        _process(web, tmp_path / "web.log") as server,
        _process(browser, tmp_path / "chromium.log") as chromium,
    ):
        _poll(f"http://127.0.0.1:{web_port}/", server, tmp_path / "web.log")
        targets = _poll(f"http://127.0.0.1:{devtools_port}/json/list", chromium, tmp_path / "c.log")
        page = next(t for t in targets.json() if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as socket:
            tools = DevTools(socket)
            tools.send("Page.enable")
            tools.send("Page.addScriptToEvaluateOnNewDocument", source=RECORD)
            tools.send("Page.navigate", url=f"http://127.0.0.1:{web_port}/")
            tools.wait_until_drawn()
            tools.evaluate("document.querySelector('.xterm-helper-textarea').focus()")

            typed = len(tools.screen())
            tools.send("Input.insertText", text="Koursk")
            tools.wait_for("¶3", after=typed)  # the hit, paragraph 3, in the results list

            for _ in "Koursk":
                tools.key("Backspace", 8)
            asked = len(tools.screen())
            tools.send("Input.insertText", text=TREATY)
            tools.key("Enter", 13, "\r")
            shown = tools.wait_for("[1]", "¶1", after=asked, timeout=120)
            assert SAMPLE_ID in shown
