"""The chat pane's messages: a question, and an answer with its numbered citations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from search.engine import Hit, label

from .render import literal, marked

if TYPE_CHECKING:
    from search.ask import Answer

__all__ = ["AnswerMessage", "QuestionMessage", "citation_text"]


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
                Option(literal(citation_text(n, hit)), id=str(n - 1))
                for n, hit in enumerate(self.answer.citations, 1)
            ]
            citations = OptionList(*options, classes="citations")
            citations.border_title = title
            yield citations

    def as_text(self) -> str:
        """The answer and its citations as plain text, for the clipboard."""
        lines = [self.answer.answer, ""]
        lines += [citation_text(n, hit) for n, hit in enumerate(self.answer.citations, 1)]
        return "\n".join(lines).rstrip() + "\n"
