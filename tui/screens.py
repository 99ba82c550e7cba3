"""Screens over the main one: a document with its neighbours, and the help."""

from __future__ import annotations

from typing import Protocol

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Markdown, Static

from search.engine import Hit
from search.timeline import Series

from .render import history_line, hit_heading, marked

__all__ = ["DocumentScreen", "DocumentSource", "HelpScreen"]


class DocumentSource(Protocol):
    """Where a document screen reads neighbours and histories (the app, over the seam)."""

    def document(self, doc_id: str, highlight: str) -> Hit | None: ...

    def series(self, key: str) -> Series | None: ...

    def article(self, snapshot: str) -> list[Hit]: ...


class DocumentScreen(Screen[None]):
    """One whole document with its highlights; paragraphs step to their neighbours."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Back"),
        Binding("a", "article", "Whole article"),  # early: the footer shows it at 80 columns
        Binding("left,p", "step(-1)", "Previous ¶"),
        Binding("right,n", "step(1)", "Next ¶"),
    ]

    def __init__(self, hit: Hit, highlight: str, source: DocumentSource) -> None:
        super().__init__()
        self.hit = hit
        self.highlight = highlight
        self.source = source

    DEFAULT_CSS = """
    #doc-history {
        height: auto;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="doc-heading")
        yield Static(id="doc-history")
        with VerticalScroll(id="doc-body"):
            yield Static(id="doc-text")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        self.query_one("#doc-heading", Static).update(hit_heading(self.hit))
        history = self.query_one("#doc-history", Static)
        series = self._series()
        history.update(history_line(series) if series else Content(""))
        history.display = series is not None
        self.query_one("#doc-text", Static).update(marked(self.hit.text, self.hit.highlights))
        self.query_one("#doc-body", VerticalScroll).scroll_home(animate=False)

    def _series(self) -> Series | None:
        """The history of a rate or stock index document; None for other kinds."""
        key = {"rate": self.hit.code, "quote": self.hit.name}.get(self.hit.kind)
        if not key:
            return None
        return self.source.series(f"{self.hit.kind}:{key}")

    def action_step(self, delta: int) -> None:
        if self.hit.paragraph is None:
            self.notify("Only paragraphs have neighbours.", severity="warning")
            return
        number = self.hit.paragraph + delta
        neighbour = self.source.document(f"{self.hit.snapshot}:p{number}", self.highlight)
        if neighbour is None:
            self.notify("No paragraph there.", severity="warning")
            return
        self.hit = neighbour
        self._show()

    def action_article(self) -> None:
        """The whole article this paragraph belongs to, this paragraph marked."""
        paragraphs = self.source.article(self.hit.snapshot)
        if not paragraphs:
            self.notify("This snapshot has no article.", severity="warning")
            return
        parts: list[Content] = []
        before = Content("")
        for paragraph in paragraphs:
            if paragraph.id == self.hit.id:
                before = Content.assemble(*parts)
            spans = self.hit.highlights if paragraph.id == self.hit.id else ()
            parts += [marked(f"¶{paragraph.paragraph}  ", ()), marked(paragraph.text, spans)]
            parts.append(Content("\n\n"))
        self.query_one("#doc-text", Static).update(Content.assemble(*parts))
        self.call_after_refresh(self._scroll_to_paragraph, before)

    def _scroll_to_paragraph(self, before: Content) -> None:
        """Scroll the article to the paragraph that follows `before`, once laid out."""
        width = self.query_one("#doc-text", Static).size.width
        # `before` ends with a line break: its last line is the paragraph's own, empty.
        line = len(before.wrap(width)) - 1 if width > 0 and before else 0
        self.query_one("#doc-body", VerticalScroll).scroll_to(y=line, animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


HELP = """\
# snapsearch

**Type** to search every snapshot as you type: every word must match, accents and case
never matter, the last word may be the start of a word, and one typo is forgiven. The
highlighted result shows whole in the preview pane, its matched words marked.

**Enter** opens the highlighted result (the first, until you move with `↓`). A text that
**ends with `?`** is asked instead, and so is a text nothing matches; `ctrl+s` asks any
text. The answer comes from the snapshots, with numbered citations: `ctrl+o` opens the
first, `ctrl+l` then a digit (or `↑` `↓` and `enter`) opens any of them.

| key | what it does |
|---|---|
| `enter` in the search box | open the highlighted result; a text ending with `?` is asked |
| `ctrl+s` | ask the text in the search box, whatever it ends with |
| `↓` | from the search box to the results; `↑` on the first goes back |
| `↑` `↓` in the results | move the highlight; the preview follows |
| `enter` on a result or citation | open the whole document |
| `←` `→` (or `p` `n`) in a document | previous / next paragraph |
| `a` in a document | the whole article, at this paragraph |
| `ctrl+o` | open the main source of the newest answer |
| `ctrl+l`, then `1`…`9` | the newest answer's citations; a digit opens citation N |
| `escape` | back, or to the search box |
| `ctrl+y` | copy the last answer with its citations |
| `ctrl+r` | re-index the snapshots the index came from |
| `ctrl+p` | commands: restrict to one snapshot, re-index, theme |
| `ctrl+g` | this help |
| `ctrl+q` | quit |

Under 110 columns the panes are stacked: the preview shows under the results while you
browse them, the questions once you type a question, send it, or its answer arrives.
"""


class HelpScreen(ModalScreen[None]):
    """What the keys do."""

    BINDINGS = [Binding("escape,q,ctrl+g", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
