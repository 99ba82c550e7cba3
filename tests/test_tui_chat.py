"""The chat pane: questions sent with Enter get cited answers without freezing typing."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from index import IndexDir, build
from tests.conftest import SAMPLE_ID, make_page
from tests.test_tui import drive, settle
from tui import SnapsearchApp
from tui.chat import AnswerMessage, QuestionMessage
from tui.screens import DocumentScreen

TREATY = "Quel traité Moscou et Pyongyang ont-ils signé ?"


async def ask(app: SnapsearchApp, pilot: Pilot[None], question: str) -> AnswerMessage:
    app.query_one("#query", Input).value = question
    await pilot.press("enter")
    await settle(pilot)
    return list(app.query(AnswerMessage))[-1]


def test_enter_asks_and_the_answer_cites_paragraph_1(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        message = await ask(app, pilot, TREATY)
        assert [str(q.render()) for q in app.query(QuestionMessage)] == [f"› {TREATY}"]
        assert message.answer.answerable
        assert message.answer.citations[0].paragraph == 1
        citations = message.query_one(".citations", OptionList)
        assert str(citations.get_option_at_index(0).prompt) == f"[1] {SAMPLE_ID} 2026-11-24 ¶1"
        shown = str(message.query_one(".answer-text", Static).render())
        assert "traité" in shown

    drive(sample_index, scenario, size=(120, 40))


def test_choosing_a_citation_opens_its_paragraph(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        message = await ask(app, pilot, TREATY)
        citations = message.query_one(".citations", OptionList)
        citations.focus()
        citations.highlighted = 0
        await pilot.press("enter")
        await pilot.pause(0.1)
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        assert (screen.hit.snapshot, screen.hit.paragraph) == (SAMPLE_ID, 1)
        assert screen.hit.highlights  # the question's words are marked in the source

    drive(sample_index, scenario, size=(120, 40))


def test_unanswerable_question_gets_the_honest_reply_and_leads(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        message = await ask(app, pilot, "Quel est le salaire du maire de Prague ?")
        assert not message.answer.answerable
        assert message.has_class("unanswerable")
        assert "Je ne trouve pas de réponse" in str(
            message.query_one(".answer-text", Static).render()
        )
        # Each lead shows its label, then the words around the question's, as `search
        # ask` prints them: the closest paragraph often holds what was asked.
        message = await ask(app, pilot, "Quel est le salaire de Kim Jong-un ?")
        assert not message.answer.answerable and message.answer.citations, message.answer
        citations = message.query_one(".citations", OptionList)
        lead = message.answer.citations[0]
        label, words = str(citations.get_option_at_index(0).prompt).split("\n")
        assert label == f"[1] {lead.snapshot} {lead.date} ¶{lead.paragraph}"
        assert len(words) > 40 and words.strip("…") in lead.text
        await pilot.press("ctrl+y")
        assert f"{label}\n    {words}" in app.clipboard

    drive(sample_index, scenario, size=(120, 40))


def test_typing_goes_on_while_an_answer_is_computed(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        app.query_one("#query", Input).value = TREATY
        await pilot.press("enter")
        assert app.query_one("#query", Input).value == ""  # sent, as in a chat
        await pilot.press(*"Kour")  # typed before the answer lands
        await settle(pilot)
        assert app.query_one("#query", Input).value == "Kour"
        assert [str(o.id) for o in app.query_one("#results", OptionList).options] == [
            f"{SAMPLE_ID}:p3"
        ]
        assert len(app.query(AnswerMessage)) == 1

    drive(sample_index, scenario, size=(120, 40))


def test_copy_answer_puts_answer_and_citations_on_the_clipboard(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+y")  # nothing to copy yet: a notice, no crash
        message = await ask(app, pilot, TREATY)
        await pilot.press("ctrl+y")
        assert app.clipboard.startswith(message.answer.answer)
        assert f"[1] {SAMPLE_ID} 2026-11-24 ¶1" in app.clipboard

    drive(sample_index, scenario, size=(120, 40))


def test_answer_and_lead_text_with_markup_is_literal(index_dir: IndexDir, tmp_path: Path) -> None:
    page = tmp_path / "markup-2026-11-26.txt"
    text = "Le maire [b]Vít Kalina[/b] a signé le décret [/link] sur les trams lundi matin."
    page.write_text(make_page(headline="Trams", paragraphs=[text]))
    build(index_dir, [page])

    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        message = await ask(app, pilot, "Qui a signé le décret sur les trams ?")
        shown = str(message.query_one(".answer-text", Static).render())
        assert "[b]Vít Kalina[/b]" in shown and "[/link]" in shown
        message = await ask(app, pilot, "Combien de passagers les trams du maire ont-ils ?")
        assert not message.answer.answerable, message.answer
        lead = str(message.query_one(".citations", OptionList).get_option_at_index(0).prompt)
        assert "[b]Vít Kalina[/b]" in lead and "[/link]" in lead

    drive(index_dir, scenario, size=(120, 40))


def test_ctrl_o_opens_the_main_source_and_a_the_whole_article(sample_index: IndexDir) -> None:
    async def scenario(app: SnapsearchApp, pilot: Pilot[None]) -> None:
        await ask(app, pilot, TREATY)
        await pilot.press("ctrl+o")
        await pilot.pause(0.1)
        screen = app.screen
        assert isinstance(screen, DocumentScreen) and screen.hit.paragraph == 1
        await pilot.press("a")
        await pilot.pause(0.1)
        shown = str(screen.query_one("#doc-text", Static).render())
        assert "¶1" in shown and "¶9" in shown and "Koursk" in shown  # ¶3 is there too

    drive(sample_index, scenario, size=(120, 40))
