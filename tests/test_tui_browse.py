"""The TUI as an fzf or Meilisearch user expects it: a preview of the highlighted result,
Enter opens it (a text ending with `?` is asked), keys for citations, and 80×24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static
from textual.widgets._footer import FooterKey

from index import IndexDir, build
from tests.conftest import SAMPLE_ID, make_page
from tests.test_tui import drive, results_of, settle
from tests.test_tui_chat import TREATY, ask
from tui import SnapsearchApp
from tui.chat import AnswerMessage, CitationList, QuestionMessage
from tui.preview import Preview
from tui.query import PLACEHOLDER, is_question
from tui.render import status_line
from tui.screens import HELP, DocumentScreen


def preview_text(app: SnapsearchApp) -> str:
    return str(app.query_one("#preview-text", Static).render())


def footer(app: SnapsearchApp) -> list[str]:
    """The footer's entries wholly on screen, left of the palette key: `⏎ Open`, …"""
    keys = list(app.screen.query(FooterKey))
    palette = next(key for key in keys if key.has_class("-command-palette"))
    return [
        f"{key.key_display} {key.description}"
        for key in keys
        if key is not palette and key.region.width and key.region.right <= palette.region.x
    ]


def shown(app: SnapsearchApp, selector: str) -> bool:
    widget = app.query_one(selector)
    return widget.display and widget.region.height > 0


def test_the_preview_follows_the_highlight_without_searching(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"sanctions")
        await settle(pilot)
        ids = results_of(app)
        preview = app.query_one("#preview", Preview)
        assert preview.hit is app.hits[ids[0]]  # the first result, highlighted as in fzf
        assert app.hits[ids[0]].text in preview_text(app)  # whole, not a snippet
        searches = app.searches_run
        await pilot.press("down", "down")  # into the list, then to the second result
        await pilot.pause()
        assert app.query_one("#results", OptionList).highlighted == 1
        assert preview.hit is app.hits[ids[1]]  # the hit already in memory
        assert app.hits[ids[1]].text in preview_text(app)
        await pilot.press("up")
        await pilot.pause()
        assert preview.hit is app.hits[ids[0]]
        assert app.searches_run == searches  # moving the highlight never searched

    drive(sample_index, scenario, size=(160, 40))


def test_the_preview_shows_snapshot_text_literally(index_dir: IndexDir, tmp_path: Path) -> None:
    page = tmp_path / "markup-2026-11-26.txt"
    text = "Le rapport [b]confidentiel[/b] cite [/link] et [red]Koursk[/red] sans balises."
    page.write_text(make_page(paragraphs=[text]))
    build(index_dir, [page])

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"confidentiel")
        await settle(pilot)
        assert text in preview_text(app)
        await pilot.press(*["backspace"] * 12)
        await settle(pilot)
        assert app.query_one("#preview", Preview).hit is None

    drive(index_dir, scenario, size=(160, 40))


def test_the_preview_scrolls_to_the_first_match(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"Koursk")  # in the last lines of a long paragraph
        await settle(pilot)
        await pilot.pause(0.1)
        preview = app.query_one("#preview", Preview)
        assert preview.scroll_y > 0
        top = int(preview.scroll_y)
        lines = app.query_one("#preview-text", Static).render()
        width = app.query_one("#preview-text", Static).size.width
        visible = lines.wrap(width)[top : top + preview.scrollable_content_region.height]
        assert any("Koursk" in str(line) for line in visible)

    drive(sample_index, scenario)


@pytest.mark.parametrize(
    ("typed", "keys", "opens", "asked"),
    [
        pytest.param("Koursk", ["enter"], f"{SAMPLE_ID}:p3", None, id="enter-opens-the-first"),
        pytest.param(TREATY, ["enter"], None, TREATY, id="text-ending-with-?-is-asked"),
        pytest.param("Koursk", ["ctrl+s"], None, "Koursk", id="ctrl+s-asks-any-text"),
        pytest.param("Wenceslas", ["enter"], None, "Wenceslas", id="no-hits-is-asked"),
    ],
)
def test_enter_opens_a_result_or_asks_a_question(
    sample_index: IndexDir, typed: str, keys: list[str], opens: str | None, asked: str | None
) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        app.query_one("#query", Input).value = typed
        await settle(pilot)
        await pilot.press(*keys)
        await pilot.pause(0.1)
        screen = app.screen
        opened = screen.hit.id if isinstance(screen, DocumentScreen) else None
        assert opened == opens
        questions = [str(q.render()) for q in app.main_screen.query(QuestionMessage)]
        assert questions == ([f"› {asked}"] if asked else [])

    drive(sample_index, scenario, size=(120, 40))


def test_enter_before_the_debounce_opens_this_texts_first_result(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"sanctions")
        await settle(pilot)
        await pilot.press(*["backspace"] * 9, *"Koursk", "enter")  # faster than the debounce
        await settle(pilot)
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.hit.id == f"{SAMPLE_ID}:p3"

    drive(sample_index, scenario)


def test_enter_in_the_box_opens_the_highlighted_result(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"sanctions")
        await settle(pilot)
        second = results_of(app)[1]
        await pilot.press("down", "down", "escape")  # the highlight stays on the second
        assert app.focused is app.query_one("#query")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DocumentScreen) and app.screen.hit.id == second

    drive(sample_index, scenario)


def test_the_list_hands_typing_and_the_top_back_to_the_box(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        query = app.query_one("#query", Input)
        await pilot.press(*"Kour")
        await settle(pilot)
        await pilot.press("down")
        assert app.focused is app.query_one("#results")
        await pilot.press("s", "k")  # typing goes on in the box, as in fzf
        assert app.focused is query and query.value == "Koursk"
        await pilot.press("down", "up")  # ↑ on the first result: back to the box
        assert app.focused is query

    drive(sample_index, scenario)


def test_placeholder_footer_and_help_say_the_enter_rule(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        query = app.query_one("#query", Input)
        assert query.placeholder == PLACEHOLDER == "Search · Enter opens · end with ? to ask"
        # The whole placeholder fits the box at 80 columns (the cursor is drawn over it).
        assert len(PLACEHOLDER) <= query.content_region.width
        await pilot.press(*"Koursk")
        await settle(pilot)
        assert footer(app)[:2] == ["⏎ Open", "^s Ask"]
        await pilot.press(*" ?")
        await settle(pilot)
        assert footer(app)[:2] == ["⏎ Ask", "^s Ask"]
        assert "**ends with `?`** is asked" in HELP and "`ctrl+s`" in HELP

    drive(sample_index, scenario)


def test_citations_open_by_keys_shown_in_the_footer(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        assert "^l Citations" not in footer(app)  # no answer yet: nothing to open
        message = await ask(app, pilot, TREATY)
        assert {"^o Source", "^l Citations", "^g Help"} <= set(footer(app))
        await pilot.press("ctrl+l")
        citations = message.query_one(CitationList)
        assert app.focused is citations and citations.highlighted == 0
        assert footer(app)[0] == "1‥9 Open"
        await pilot.press("2")
        await pilot.pause(0.1)
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        second = message.answer.citations[1]
        assert (screen.hit.snapshot, screen.hit.paragraph) == (second.snapshot, second.paragraph)
        assert "`ctrl+l`, then `1`…`9`" in HELP and "`ctrl+o`" in HELP

    drive(sample_index, scenario)


def test_the_whole_article_is_in_the_documents_footer_and_opens_there(
    sample_index: IndexDir,
) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"Aurus")  # ¶6, half-way down the article
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DocumentScreen)
        assert "a Whole article" in footer(app)  # on screen at 80 columns
        await pilot.press("a")
        await pilot.pause(0.2)
        text = app.screen.query_one("#doc-text", Static)
        body = app.screen.query_one("#doc-body", VerticalScroll)
        lines = text.render().wrap(text.size.width)
        assert str(lines[int(body.scroll_y)]).startswith("¶6  ")  # opened at the paragraph

    drive(sample_index, scenario)


@pytest.mark.parametrize(
    ("where", "width", "shown"),
    [
        pytest.param("/srv/ix", 40, "3 snapshots · /srv/ix", id="fits"),
        pytest.param(
            "/home/me/.local/share/snapsearch/index",
            30,
            "3 snapshots · …napsearch/index",
            id="path-keeps-its-end",
        ),
        pytest.param("/a/[b]\x1b[2J", 40, "3 snapshots · /a/[b]\\x1b[2J", id="literal-visible"),
        pytest.param("/srv/ix", 10, "3 snapsho…", id="too-narrow-marks-the-cut"),
    ],
)
def test_the_status_line_fits_its_width(where: str, width: int, shown: str) -> None:
    line = str(status_line("3 snapshots · ", where, width))
    assert line == shown and len(line) <= width


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Quel traité Moscou et Pyongyang ont-ils signé ?", True),
        ("how much is a pound?  ", True),
        ("¿Qué pasó？", True),
        ("Koursk", False),
        ("?Koursk", False),
        ("", False),
    ],
)
def test_enter_asks_a_text_ending_with_a_question_mark(text: str, asks: bool) -> None:
    assert is_question(text) is asks


def test_80_by_24_keeps_the_status_line_whole(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        status = str(app.query_one("#status", Static).render())
        assert len(str(sample_index.root)) > 40  # a pytest folder: too long to fit beside
        assert status.startswith("1 snapshot · 190 documents · searching all snapshots · …")
        assert status.endswith("/ix") and len(status) <= 80 - 2
        await pilot.resize_terminal(200, 24)
        await pilot.pause()
        assert str(app.query_one("#status", Static).render()).endswith(str(sample_index.root))

    drive(sample_index, scenario)


def test_narrow_terminals_show_the_preview_or_the_chat(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        assert shown(app, "#chat") and not shown(app, "#preview")
        await pilot.press(*"Koursk")
        await settle(pilot)
        assert shown(app, "#preview") and not shown(app, "#chat")  # browsing results
        app.query_one("#query", Input).value = TREATY
        await pilot.pause()
        assert shown(app, "#chat") and not shown(app, "#preview")  # a question is typed
        app._engine_lock.acquire()  # the index is busy: the answer waits
        await pilot.press("enter", *"Kour")  # typed while the answer is computed
        await pilot.pause(0.3)
        app._engine_lock.release()
        await settle(pilot)
        assert len(app.query(AnswerMessage)) == 1 and results_of(app) == [f"{SAMPLE_ID}:p3"]
        assert shown(app, "#chat")  # the answer that just arrived is in view
        await pilot.press("down")
        assert shown(app, "#preview")  # until results are browsed again

    drive(sample_index, scenario)


def test_wide_terminals_show_results_preview_and_chat_side_by_side(
    sample_index: IndexDir,
) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        results, preview, chat = (
            app.query_one(s).region for s in ("#results", "#preview", "#chat")
        )
        assert results.y == preview.y == chat.y
        assert results.right <= preview.x and preview.right <= chat.x

    drive(sample_index, scenario, size=(160, 40))


def test_the_chat_stays_on_the_newest_answer_after_a_resize(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await ask(app, pilot, TREATY)
        await ask(app, pilot, "Quel est le salaire du maire de Prague ?")
        chat = app.query_one("#chat", VerticalScroll)
        for size in [(120, 40), (80, 24), (200, 50), (80, 24)]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.2)
            if size == (80, 24):
                assert chat.max_scroll_y > 0  # two answers do not fit: it must scroll
            # The end in view: scrolled to it, or everything fits in the pane.
            assert chat.max_scroll_y == 0 or chat.scroll_y == chat.max_scroll_y, size

    drive(sample_index, scenario)
