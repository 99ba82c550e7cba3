"""Outside text as Textual `Content`: always literal, never parsed as markup, its control
characters shown as escapes (`search.engine.visible`) so they never reach the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content

from search.engine import Hit, label, snippet, visible
from search.timeline import Series, sparkline

__all__ = [
    "hit_heading",
    "hit_option",
    "hit_preview",
    "history_line",
    "literal",
    "marked",
    "status_line",
]

HIGHLIGHT = "bold reverse"


def literal(text: str, style: str = "") -> Content:
    """Outside `text` (a name, a path, a headline) as content: literal and visible."""
    return Content.styled(visible(text), style) if style else Content(visible(text))


def marked(text: str, spans: Iterable[tuple[int, int]]) -> Content:
    """`text` as literal content with `spans` highlighted (news text contains `[`)."""
    parts, done = [], 0
    for start, end in spans:
        parts += [literal(text[done:start]), literal(text[start:end], HIGHLIGHT)]
        done = end
    return Content.assemble(*parts, literal(text[done:]))


def hit_heading(hit: Hit) -> Content:
    """`snapshot  date  ¶N` for a hit, and the other dates its text appears on."""
    heading = Content.assemble(
        literal(hit.snapshot, "bold"),
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


def hit_preview(hit: Hit) -> Content:
    """The preview of a result: the heading, then the whole text with the matches marked."""
    return Content.assemble(hit_heading(hit), "\n\n", marked(hit.text, hit.highlights))


def history_line(series: Series) -> Content:
    """`▃█▁  2026-11-22 0.87 → 2026-11-24 0.86  -1.15%  (3 snapshots)` for a series."""
    points = [p for p in series.points if p.value is not None]
    if not points:
        return Content.styled(f"{series.name}: no values in the index", "dim")
    first, last = points[0], points[-1]
    line = Content.assemble(
        (sparkline([p.value for p in points if p.value is not None]), "bold $accent"),
        f"  {first.date} {first.value:.10g} → {last.date} {last.value:.10g}",
    )
    if first.value and last.value is not None and len(points) > 1:
        line += Content(f"  {(last.value - first.value) / first.value * 100:+.2f}%")
    count = len(points)
    return line + Content.styled(f"  ({count} snapshot{'s' * (count != 1)})", "dim")


def status_line(text: str, where: str, width: int) -> Content:
    """`text` then `where` (a path or an address) in `width` cells, literal: `where`
    gives up its start first (`…/snapsearch/index`), then the line its end, an `…`
    marking each cut, so nothing is silently clipped."""
    text, where = visible(text), visible(where)
    room = width - len(text)
    if len(where) > room:
        where = "…" + where[len(where) - room + 1 :] if room > 1 else "…"
    line = text + where
    return Content(line if len(line) <= width else line[: max(0, width - 1)] + "…")
