"""Snapshot text as Textual `Content`: always literal, never parsed as markup."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content

from search import Hit
from search.snippet import label, snippet

__all__ = ["hit_heading", "hit_option", "marked"]

HIGHLIGHT = "bold reverse"


def marked(text: str, spans: Iterable[tuple[int, int]]) -> Content:
    """`text` as literal content with `spans` highlighted (news text contains `[`)."""
    content = Content(text)
    for start, end in spans:
        content = content.stylize(HIGHLIGHT, start, end)
    return content


def hit_heading(hit: Hit) -> Content:
    """`snapshot  date  ¶N` for a hit, and the other dates its text appears on."""
    heading = Content.assemble(
        (hit.snapshot, "bold"),
        (f"  {hit.date}  ", "dim"),
        (label(hit.kind, hit.paragraph, hit.code, hit.name), "bold $accent"),
    )
    others = [date for date in hit.dates if date != hit.date]
    if others:
        heading += Content.styled(f"  also on {', '.join(others)}", "dim")
    return heading


def hit_option(hit: Hit, width: int = 200) -> Content:
    """A results-list entry: the heading, then the passage around the matched words."""
    shown, spans = snippet(hit.text, hit.highlights, width=width)
    return Content.assemble(hit_heading(hit), "\n", marked(shown, spans))
