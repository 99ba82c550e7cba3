"""Regenerate the README's screenshots of the terminal UI (SVG, from the app itself).

usage: python docs/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from textual.widgets import Input

from index import IndexDir, build, sample_path
from tui import make_app

HERE = Path(__file__).parent


async def shoot(index_dir: IndexDir) -> None:
    app = make_app(index_dir)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause(0.3)
        app.query_one("#query", Input).value = "Quel traité Moscou et Pyongyang ont-ils signé ?"
        await pilot.press("enter")
        await pilot.pause(0.5)
        await pilot.press(*"Kour")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        app.save_screenshot(str(HERE / "tui.svg"))
        await pilot.press("down", "enter")
        await pilot.pause(0.3)
        app.save_screenshot(str(HERE / "tui-document.svg"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = IndexDir(Path(tmp) / "ix")
        build(index_dir, [sample_path()])
        asyncio.run(shoot(index_dir))


if __name__ == "__main__":
    main()
