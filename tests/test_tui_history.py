"""A rate or stock index opened in the terminal UI shows a sparkline of its history."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from index import IndexDir, build
from search.timeline import sparkline
from tests.conftest import write_series
from tests.test_tui import drive, settle
from tests.test_tui_chat import ask
from tui import SnapsearchApp
from tui.screens import DocumentScreen


@pytest.fixture
def series_index(index_dir: IndexDir, tmp_path: Path) -> IndexDir:
    build(index_dir, write_series(tmp_path / "daily"))
    return index_dir


def history_shown(app: SnapsearchApp) -> str:
    widget = app.screen.query_one("#doc-history", Static)
    return str(widget.render()) if widget.display else ""


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        pytest.param(
            "GBP",
            f"{sparkline([0.87, 0.88, 0.86])}  2026-11-22 0.87 → 2026-11-24 0.86  -1.15%"
            "  (3 snapshots)",
            id="rate",
        ),
        pytest.param(
            "AEX",
            f"{sparkline([980, 985.5, 975])}  2026-11-22 980 → 2026-11-24 975  -0.51%"
            "  (3 snapshots)",
            id="quote",
        ),
    ],
)
def test_a_table_result_shows_its_history(series_index: IndexDir, typed: str, line: str) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*typed)
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.hit.kind in ("rate", "quote")
        assert history_shown(app) == line

    drive(series_index, scenario, size=(120, 30))


def test_a_paragraph_shows_no_history(series_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"syndicats")
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DocumentScreen)
        assert history_shown(app) == ""

    drive(series_index, scenario, size=(120, 30))


def test_a_history_answers_citation_shows_the_sparkline(series_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        message = await ask(app, pilot, "Comment a évolué la livre sterling ?")
        assert [hit.snapshot for hit in message.answer.citations] == [
            "daily-2026-11-24",
            "daily-2026-11-23",
            "daily-2026-11-22",
        ]
        citations = message.query_one(".citations", OptionList)
        citations.focus()
        citations.highlighted = 2
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.hit.snapshot == "daily-2026-11-22"
        assert history_shown(app).startswith(sparkline([0.87, 0.88, 0.86]))

    drive(series_index, scenario, size=(120, 40))
