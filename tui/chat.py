"""The chat pane: questions, and answers with their numbered citations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from search.engine import Hit, label, snippet

from .render import literal, marked

if TYPE_CHECKING:
    from search.ask import Answer

__all__ = ["AnswerMessage", "ChatPane", "CitationList", "QuestionMessage", "citation_text"]

LEAD_WIDTH = 100  # characters of a lead's text shown around the question's words


class QuestionMessage(Static):
    """The question as the user typed it."""

    def __init__(self, question: str) -> None:
        super().__init__(
            Content.assemble(("› ", "bold $accent"), literal(question)), classes="question"
        )


def citation_text(number: int, hit: Hit) -> str:
    """`[1] snapshot date ¶N` for a citation."""
    where = label(hit.kind, hit.paragraph, hit.code, hit.name)
    return f"[{number}] {hit.snapshot} {hit.date} {where}"


class CitationList(OptionList):
    """An answer's citations: ↑/↓ and Enter, or a digit (`1‥9` in the footer), open one."""

    BINDINGS = [
        Binding("1", "pick(1)", "Open", key_display="1‥9", tooltip="Open citation N"),
        *[Binding(str(n), f"pick({n})", show=False) for n in range(2, 10)],
    ]

    def action_pick(self, number: int) -> None:
        """Open citation `number` (1 for the first), as Enter on it would."""
        if number <= self.option_count:
            self.highlighted = number - 1
            self.action_select()
        else:
            self.notify(f"This answer has {self.option_count} citation(s).", severity="warning")


class AnswerMessage(Vertical):
    """An answer, its highlighted span, and its citations as a list to choose from."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(classes="answer" if answer.answerable else "answer unanswerable")
        self.answer = answer

    def compose(self) -> ComposeResult:
        yield Static(marked(self.answer.answer, self.answer.highlights), classes="answer-text")
        if self.answer.citations:
            title = "sources" if self.answer.answerable else "closest paragraphs"
            options = [
                Option(self._citation(n, hit), id=str(n - 1))
                for n, hit in enumerate(self.answer.citations, 1)
            ]
            citations = CitationList(*options, classes="citations")
            citations.border_title = title
            yield citations

    def _citation(self, number: int, hit: Hit) -> Content:
        """A source's label; a lead's also shows the words around the question's, as
        `search ask` prints them: an abstention's first lead often holds the answer."""
        text = literal(citation_text(number, hit))
        if self.answer.answerable:
            return text
        shown, spans = snippet(hit.text, hit.highlights, width=LEAD_WIDTH)
        return Content.assemble(text, "\n", marked(shown, spans).stylize("dim"))

    def as_text(self) -> str:
        """The answer and its citations (with a lead's words) as plain text, for the
        clipboard."""
        lines = [self.answer.answer, ""]
        for number, hit in enumerate(self.answer.citations, 1):
            lines.append(citation_text(number, hit))
            if not self.answer.answerable:
                lines.append("    " + snippet(hit.text, hit.highlights, width=LEAD_WIDTH)[0])
        return "\n".join(lines).rstrip() + "\n"


class ChatPane(VerticalScroll, can_focus=False):
    """The questions asked and their answers, the newest kept in view."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.border_title = "questions"
        self.answers: list[AnswerMessage] = []  # oldest first

    def on_mount(self) -> None:
        # Anchored: the newest answer stays in view when answers arrive or the pane is
        # resized, until the user scrolls up to read an older one.
        self.anchor()

    def add_question(self, question: str) -> None:
        self.mount(QuestionMessage(question))
        self.scroll_end(animate=False)

    async def add_answer(self, answer: Answer) -> None:
        message = AnswerMessage(answer)
        await self.mount(message)
        self.answers.append(message)
        self.scroll_end(animate=False)

    def newest_cited(self) -> AnswerMessage | None:
        """The newest answer with citations."""
        return next((a for a in reversed(self.answers) if a.answer.citations), None)

    def focus_citations(self) -> bool:
        """Focus the newest answer's citations, the first highlighted; False if none."""
        message = self.newest_cited()
        if message is None:
            return False
        citations = message.query_one(CitationList)
        citations.focus()
        if citations.highlighted is None:
            citations.highlighted = 0
        return True
