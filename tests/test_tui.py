"""The Textual app driven headless through `run_test()`, on a real index on disk."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from index import IndexDir, build
from tests.conftest import SAMPLE, SAMPLE_ID, make_page
from tui import SnapsearchApp, make_app
from tui.preview import Preview
from tui.screens import DocumentScreen, HelpScreen

Scenario = Callable[[SnapsearchApp, Pilot[None]], Awaitable[None]]


def drive(index_dir: IndexDir, scenario: Scenario, size: tuple[int, int] = (80, 24)) -> None:
    async def main() -> None:
        app = make_app(index_dir)
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.2)  # let the first render and the snapshot list settle
            await scenario(app, pilot)

    asyncio.run(main())


async def settle(pilot: Pilot[None]) -> None:
    """Wait past the debounce and for the search worker to finish."""
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def results_of(app: SnapsearchApp) -> list[str]:
    return [str(option.id) for option in app.query_one("#results", OptionList).options]


def test_typing_a_prefix_shows_the_paragraph(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"Kour")
        await settle(pilot)
        assert results_of(app) == [f"{SAMPLE_ID}:p3"]
        assert app.query_one("#results", OptionList).border_title == "1 hit"
        prompt = app.query_one("#results", OptionList).get_option_at_index(0).prompt
        assert "¶3" in str(prompt) and "Koursk" in str(prompt)

    drive(sample_index, scenario)


def test_the_engine_is_prepared_before_the_first_keystroke(sample_index: IndexDir) -> None:
    """Opening the app reads what the first search needs (numpy, scoring columns, words)
    in a thread, so the first keystroke does not wait for it."""

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await app.workers.wait_for_complete()
        assert app.searches_run == 0
        scorer = app.engine._arrays  # type: ignore[attr-defined]
        assert scorer is not None and {"plain", "start"} <= set(scorer._kept.words)

    drive(sample_index, scenario)


def test_fast_typing_runs_one_search(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        before = app.searches_run
        await pilot.press(*"Koursk")
        await settle(pilot)
        assert app.searches_run - before == 1
        assert results_of(app) == [f"{SAMPLE_ID}:p3"]

    drive(sample_index, scenario)


def test_clearing_the_box_clears_the_results(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"sanctions")
        await settle(pilot)
        assert len(results_of(app)) >= 4
        await pilot.press(*["backspace"] * 9)
        await settle(pilot)
        assert results_of(app) == []

    drive(sample_index, scenario)


def test_result_opens_the_paragraph_and_its_neighbours(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"Koursk")
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause(0.1)
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        assert screen.hit.paragraph == 3 and screen.hit.text.endswith("cette thèse.")
        assert [screen.hit.text[a:b] for a, b in screen.hit.highlights] == ["Koursk"]
        await pilot.press("right")
        assert screen.hit.paragraph == 4
        await pilot.press("left", "left")
        assert screen.hit.paragraph == 2
        await pilot.press("escape")
        assert not isinstance(app.screen, DocumentScreen)

    drive(sample_index, scenario)


def test_snapshot_text_is_shown_literally(index_dir: IndexDir, tmp_path: Path) -> None:
    page = tmp_path / "markup-2026-11-26.txt"
    text = "Le rapport [b]confidentiel[/b] cite [/link] et [red]Koursk[/red] sans balises."
    page.write_text(make_page(paragraphs=[text]))
    build(index_dir, [page])

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"confidentiel")
        await settle(pilot)
        prompt = app.query_one("#results", OptionList).get_option_at_index(0).prompt
        assert "[b]confidentiel[/b] cite [/link] et [red]Koursk[/red]" in str(prompt)
        await pilot.press("down", "enter")
        await pilot.pause(0.1)
        shown = app.screen.query_one("#doc-text", Static).render()
        assert text in str(shown)

    drive(index_dir, scenario, size=(160, 40))


def test_restricting_to_one_snapshot(sample_index: IndexDir, tmp_path: Path) -> None:
    other = tmp_path / "other-2026-11-26.txt"
    other.write_text(make_page(paragraphs=["Koursk again, in another snapshot of the page."]))
    build(sample_index, [other])

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"Koursk")
        await settle(pilot)
        assert results_of(app) == ["other-2026-11-26:p1", f"{SAMPLE_ID}:p3"]
        app.use_snapshot(SAMPLE_ID)
        await settle(pilot)
        assert results_of(app) == [f"{SAMPLE_ID}:p3"]
        assert "searching snapshot prague-post-2026-11-24" in str(
            app.query_one("#status", Static).render()
        )

    drive(sample_index, scenario)


def test_new_commits_are_picked_up_without_restart(sample_index: IndexDir, tmp_path: Path) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"Wenceslas")
        await settle(pilot)
        assert results_of(app) == []
        extra = tmp_path / "extra-2026-11-27.txt"
        extra.write_text(make_page(paragraphs=["Trams return to Wenceslas Square after repairs."]))
        build(sample_index, [extra])
        await app.check_index().wait()
        await settle(pilot)
        assert results_of(app) == ["extra-2026-11-27:p1"]
        assert str(app.query_one("#status", Static).render()).startswith("2 snapshots")

    drive(sample_index, scenario)


def test_the_screen_takes_keys_while_the_index_is_busy(sample_index: IndexDir) -> None:
    """The refresh timer looks for new commits off the event loop: a long answer holding
    the engine must not freeze typing at the next tick (it did, for as long as the answer
    took, and for ever when the loop itself held the engine)."""

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await app.workers.wait_for_complete()  # the engine is prepared
        holding, done = threading.Event(), threading.Event()

        def answer() -> None:  # a long answer in its worker thread
            with app._engine_lock:
                holding.set()
                done.wait(10)

        holder = threading.Thread(target=answer)
        holder.start()
        holding.wait()
        try:
            refresh = app.check_index()  # the timer ticks meanwhile
            await pilot.press(*"Kour")
            await pilot.pause()
            assert app.query_one("#query", Input).value == "Kour"
            assert holder.is_alive()  # typed while the engine was still held
        finally:
            done.set()
            holder.join()
        await refresh.wait()
        await settle(pilot)
        assert results_of(app) == [f"{SAMPLE_ID}:p3"]

    drive(sample_index, scenario)


@pytest.mark.parametrize(("width", "narrow"), [(80, True), (160, False)])
def test_layout_stacks_panes_on_narrow_terminals(
    sample_index: IndexDir, width: int, narrow: bool
) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        assert app.screen.has_class("narrow") is narrow
        results = app.query_one("#results").region
        chat = app.query_one("#chat").region
        assert (chat.y > results.y) is narrow

    drive(sample_index, scenario, size=(width, 30))


def test_help_screen_and_footer_bindings(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        keys = {binding.key for binding in app.BINDINGS}  # type: ignore[union-attr]
        assert {"ctrl+q", "ctrl+y", "ctrl+r", "ctrl+g"} <= keys
        assert not any(key.startswith("f") and key[1:].isdigit() for key in keys)
        await pilot.press("ctrl+g")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

    drive(sample_index, scenario)


def test_reindex_reads_changed_files(index_dir: IndexDir, tmp_path: Path) -> None:
    page = tmp_path / SAMPLE.name
    page.write_bytes(SAMPLE.read_bytes())
    build(index_dir, [page])
    page.write_text(page.read_text("utf-8").replace("Koursk", "Belgorod"), "utf-8")

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.press(*"Belgorod")
        await settle(pilot)
        assert results_of(app) == [f"{SAMPLE_ID}:p3"]

    drive(index_dir, scenario)


def test_an_estimated_total_reads_about() -> None:
    from search.engine import Results
    from tui.query import _title

    assert _title(Results("a b", 7500, (), estimated=True), question=False).startswith(
        "no hits · about 7,500 documents"
    )
    assert "about" not in _title(Results("a b", 7500, ()), question=False)


def test_a_new_commit_while_a_document_is_open_updates_the_list_beneath(
    sample_index: IndexDir, tmp_path: Path
) -> None:
    """The results and the preview are the main screen's, also when a document is open
    over it and a build commits meanwhile."""

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"Koursk")
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DocumentScreen)
        extra = tmp_path / "extra-2026-11-27.txt"
        extra.write_text(make_page(paragraphs=["Des renforts arrivent à Koursk ce matin."]))
        build(sample_index, [extra])
        await app.check_index().wait()
        await settle(pilot)
        assert isinstance(app.screen, DocumentScreen)
        assert "extra-2026-11-27:p1" in results_of(app)
        preview = app.main_screen.query_one("#preview", Preview)
        assert preview.hit is not None and "Koursk" in preview.hit.text

    drive(sample_index, scenario)


def test_a_damaged_index_is_told_once_not_at_every_refresh(sample_index: IndexDir) -> None:
    """The refresh timer ticks every two seconds: a broken CURRENT must not stack one
    error notification a tick (four at a time, for as long as the index stays broken),
    and the error is told again once the index has healed and breaks anew."""

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await app.workers.wait_for_complete()
        current = sample_index.root / "CURRENT"
        live = current.read_text()
        current.write_text("g999999")
        for _ in range(3):
            await app.check_index().wait()
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1, [n.message for n in errors]
        assert "CURRENT" in errors[0].message or "g999999" in errors[0].message
        current.write_text(live)
        await app.check_index().wait()
        await pilot.press(*"Koursk")
        await settle(pilot)
        assert results_of(app) == [f"{SAMPLE_ID}:p3"], [n.message for n in app._notifications]
        current.write_text("g999999")
        await app.check_index().wait()
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 2, [n.message for n in errors]

    drive(sample_index, scenario)
