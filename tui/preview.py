"""The preview pane: the highlighted result, whole, its matched words marked."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from search.engine import Hit, visible

from .render import hit_heading, hit_preview

__all__ = ["Preview"]

EMPTY = Content.styled("The highlighted result shows here, whole.", "dim")


class Preview(VerticalScroll, can_focus=False):
    """Shows the hit already in memory: moving the highlight costs no index call."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.border_title = "preview"
        self.hit: Hit | None = None

    def compose(self) -> ComposeResult:
        yield Static(EMPTY, id="preview-text")

    def show(self, hit: Hit | None) -> None:
        """Show `hit`, scrolled to its first match, or the empty pane for None."""
        if hit is self.hit:
            return
        self.hit = hit
        self.query_one("#preview-text", Static).update(hit_preview(hit) if hit else EMPTY)
        self.scroll_home(animate=False)
        self.call_after_refresh(self._scroll_to_match)

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._scroll_to_match)

    def _scroll_to_match(self) -> None:
        """Bring the first marked word into view, two lines of text above it."""
        width = self.query_one("#preview-text", Static).size.width
        if self.hit is None or not self.hit.highlights or width <= 0:
            return
        before = visible(self.hit.text[: self.hit.highlights[0][0]])
        # The heading, a blank line, then the text: the match is on the last line of `before`.
        line = len(hit_heading(self.hit).wrap(width)) + len(Content(before).wrap(width))
        self.scroll_to(y=max(0, line - 2), animate=False)
