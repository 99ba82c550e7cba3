"""Terminal output of histories and diffs with rich (imported only when printing)."""

from __future__ import annotations

from typing import Any

from .engine import label, snippet
from .timeline import Diff, Series, sparkline

__all__ = ["print_diff", "print_history"]


def _console() -> Any:
    import sys

    from rich.console import Console

    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def print_history(series: Series) -> None:
    """A series as a table, oldest first, with a sparkline."""
    from rich.table import Table
    from rich.text import Text

    values = [p.value for p in series.points if p.value is not None]
    title = f"{series.name} per 1 {series.base}" if series.base else series.name
    table = Table(title=Text(f"{title}  {sparkline(values)}"), box=None, header_style="bold")
    for column in ("date", "snapshot", "value", "change", "%"):
        table.add_column(column, justify="left" if column in ("date", "snapshot") else "right")
    previous: float | None = None
    for point in series.points:
        change = point.change
        if change is None and previous is not None and point.value is not None:
            change = point.value - previous
        percent = point.percent
        if percent is None and change is not None and previous:
            percent = change / previous * 100
        table.add_row(
            point.date,
            point.snapshot,
            _number(point.value),
            "" if change is None else f"{change:+.6g}",
            "" if percent is None else f"{percent:+.2f}%",
        )
        previous = point.value
    _console().print(table)


def print_diff(changes: Diff) -> None:
    """New, removed and changed paragraphs, then the largest moves."""
    from rich.text import Text

    console = _console()
    console.print(
        Text(
            f"{changes.old.id} ({changes.old.date}) → {changes.new.id} ({changes.new.date})",
            style="bold",
        )
    )
    console.print(
        f"{len(changes.paragraphs)} paragraph change(s), {changes.unchanged} paragraph(s) unchanged"
    )
    styles = {"new": "green", "removed": "red", "changed": "yellow"}
    for change in changes.paragraphs:
        hit = change.new or change.old
        assert hit is not None
        head = Text(f"  {change.status:<8} ", style=styles[change.status])
        head.append(label(hit.kind, hit.paragraph, hit.code, hit.name), style="bold")
        if change.status == "changed" and change.old is not None:
            head.append(
                f" (was ¶{change.old.paragraph}, {change.similarity:.0%} alike)", style="dim"
            )
        console.print(head)
        console.print(Text("      " + snippet(hit.text, (), width=160)[0]))
    for title, moves in (("largest rate moves", changes.rates), ("stock indexes", changes.quotes)):
        if moves:
            console.print(Text(title, style="bold"))
        for move in moves:
            values = f"{_number(move.old)} → {_number(move.new)}"
            console.print(Text(f"  {move.name:<8} {values}  {move.percent:+.2f}%"))


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"
