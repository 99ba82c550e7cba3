"""The search box and its results: Enter asks a question, anything else opens a result."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from search.engine import Hit, Results

from .render import hit_option

__all__ = ["PLACEHOLDER", "QueryInput", "ResultsList", "is_question"]

# Fits the box's 40 cells at 80 columns (the cursor is drawn over its first letter).
PLACEHOLDER = "Search · Enter opens · end with ? to ask"
QUESTION_MARKS = ("?", "？", "¿", "؟")  # ASCII, full-width, Spanish, Arabic


def is_question(text: str) -> bool:
    """Whether Enter sends `text` to the chat: it ends with a question mark."""
    return text.rstrip().endswith(QUESTION_MARKS)


class QueryInput(Input):
    """The search box; its footer entry says what Enter does with the text typed.

    Enter opens the highlighted result, unless the text ends with `?` or nothing
    matched it: then it is asked as a question. The app decides on `Input.Submitted`;
    these bindings, through `enter_does()`, only keep the footer in step with it.
    """

    BINDINGS = [
        Binding("enter", "enter('open')", "Open", tooltip="Open the highlighted result"),
        Binding("enter", "enter('ask')", "Ask", tooltip="Ask the text as a question"),
        # The app's own ctrl+s works everywhere; this one puts it beside Enter in the footer.
        Binding("ctrl+s", "app.ask", "Ask", tooltip="Ask the text, whatever it ends with"),
    ]

    def __init__(self, *, id: str) -> None:
        # Focus keeps the text unselected: typing in the results list goes on here.
        super().__init__(placeholder=PLACEHOLDER, id=id, select_on_focus=False)
        self._has_hits = False
        self._footer_says = ""

    @property
    def has_hits(self) -> bool:
        """Whether the results list holds hits for the text typed (set by the app)."""
        return self._has_hits

    @has_hits.setter
    def has_hits(self, value: bool) -> None:
        self._has_hits = value
        self._follow()

    def enter_does(self) -> str:
        """`open`, `ask`, or `` (an empty box: Enter does nothing)."""
        if not self.value.strip():
            return ""
        return "open" if self._has_hits and not is_question(self.value) else "ask"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter":
            return parameters == (self.enter_does(),)
        return super().check_action(action, parameters)

    async def action_enter(self, does: str) -> None:
        await self.action_submit()

    def on_input_changed(self) -> None:
        self._follow()

    def _follow(self) -> None:
        # The footer is rebuilt only when what Enter does changes, not on every key.
        does = self.enter_does()
        if does != self._footer_says:
            self._footer_says = does
            self.refresh_bindings()


class ResultsList(OptionList):
    """The results: ↑/↓ move the highlight (the preview follows), Enter opens it, and ↑
    on the first result goes back to the search box."""

    BINDINGS = [
        Binding("enter", "select", "Open", tooltip="Open the highlighted result"),
    ]

    def show(self, results: Results | None, *, question: bool) -> Hit | None:
        """List `results` (None: nothing typed) with the first highlighted, as in fzf:
        Enter opens it and the preview shows it. Returns that first hit."""
        width = max(40, self.size.width * 2)  # a snippet of about two lines
        hits = results.hits if results else []
        self.set_options(Option(hit_option(hit, width=width), id=hit.id) for hit in hits)
        if hits:
            self.highlighted = 0
        self.border_title = _title(results, question=question)
        return hits[0] if hits else None

    def action_cursor_up(self) -> None:
        if self.highlighted in (None, 0):
            self.call_next(self.run_action, "app.focus_query")
        else:
            super().action_cursor_up()


def _title(results: Results | None, *, question: bool) -> str:
    """`3 hits · 12 documents · one typo forgiven`, and `· Enter asks it` when it does."""
    if results is None:
        return "results"
    shown = len(results.hits)
    title = f"{shown} hit{'s' * (shown != 1)}" if shown else "no hits"
    if results.total > shown:
        about = "about " if results.estimated else ""
        title += f" · {about}{results.total:,} documents"
    if results.fuzzy:
        title += " · one typo forgiven"
    return f"{title} · Enter asks it" if question or not shown else title
