"""The TUI as a client: the same app over `HttpBackend` and a real `search serve`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input

from index import IndexDir
from search.engine import HttpBackend
from tests.conftest import SAMPLE_ID
from tests.service_support import running_server
from tests.test_tui import results_of, settle
from tui import make_app
from tui.chat import AnswerMessage

TREATY = "Quel traité Moscou et Pyongyang ont-ils signé ?"


def test_tui_over_a_server(sample_index: IndexDir, tmp_path: Path) -> None:
    with running_server(sample_index.root, tmp_path, "--timeout", "300") as server:
        client = HttpBackend(server.url, timeout=300)

        async def main() -> None:
            # No local folder: the index is the server's, and so is re-indexing.
            app = make_app(None, client, where=server.url)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause(0.2)
                await pilot.press(*"Kour")
                await settle(pilot)
                assert results_of(app) == [f"{SAMPLE_ID}:p3"]
                app.query_one("#query", Input).value = TREATY
                await pilot.press("enter")
                await settle(pilot)
                (message,) = app.query(AnswerMessage)
                assert message.answer.answerable
                assert message.answer.citations[0].paragraph == 1
                assert server.url in str(app.query_one("#status").render())
                await app.run_action("reindex")
                await pilot.pause(0.2)
                notes = [str(n.message) for n in app._notifications]
                assert any(f"The index is at {server.url}: re-index there" in n for n in notes)
                assert not (tmp_path / "unused").exists()

        try:
            asyncio.run(main())
        finally:
            client.close()
