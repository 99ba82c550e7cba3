"""Everything `search` prints, in one place: results, answers, status, histories, diffs,
notes and errors, with rich (imported only when printing).

Outside text (file names, paths, snapshot ids, headlines, page text) reaches the terminal
only through `visible`: every console made here carries a render hook that shows control
characters as escapes, and plain lines are passed through `visible` themselves. Strings
from outside become `Text`, never markup. JSON keeps the exact text, with the characters
a terminal could act on written as `\\u` escapes.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

from .engine import label, snippet, visible

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderHook, RenderResult

    from index import BuildReport, IndexDir, SnapshotInfo

    from .ask import Answer
    from .engine import Hit, Results
    from .timeline import Diff, Series

__all__ = [
    "ProgressBar",
    "emit",
    "error",
    "note",
    "print_answer",
    "print_diff",
    "print_history",
    "print_json",
    "print_results",
    "print_status",
    "say",
    "summary",
]

# In JSON, characters that are valid in a string but that a terminal may obey (C1 controls,
# bidirectional overrides, line separators): json.dumps escapes only C0 by itself.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


# `--color`: auto (styles on a terminal, none with NO_COLOR), always, or never.
color = "auto"

_PIPE_WIDTH = 10_000  # the console's width when stdout is not a terminal
_INDENT = 4  # a hit's text is indented this many cells under its heading


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    plain = color == "never" or (color == "auto" and bool(os.environ.get("NO_COLOR")))
    options: dict[str, Any] = {"stderr": stderr, "highlight": False}
    options["color_system"] = None if plain else "auto"  # None: no bold or reverse either
    if color == "always":
        options["force_terminal"] = True
    if not sys.stdout.isatty():
        # Piped: one record per line for grep and friends, however long (tables too).
        options |= {"soft_wrap": True, "width": _PIPE_WIDTH}
    console = Console(**options)
    console.push_render_hook(_visible_hook())
    # rich exits 1 when the reader closes the pipe (`search query … | head -1`), which
    # would read as "nothing found": let the CLI end quietly instead.
    console.on_broken_pipe = _closed_pipe  # type: ignore[method-assign]
    return console


def _closed_pipe() -> None:
    raise BrokenPipeError


def _visible_hook() -> RenderHook:
    """A rich render hook: whatever is printed has its control characters made visible."""
    from rich.console import RenderHook

    class VisibleHook(RenderHook):
        def process_renderables(self, renderables: list[Any]) -> list[Any]:
            return [_Visible(renderable) for renderable in renderables]

    return VisibleHook()


class _Visible:
    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        for segment in console.render(self.inner, options):
            text, style, control = segment
            if control or "\n" == text:  # rich's own cursor moves and line ends
                yield segment
            else:
                yield Segment("\n".join(visible(part) for part in text.split("\n")), style)


def _text(*parts: tuple[str, str]) -> Any:
    """Rich text from (outside text, style) pairs, each made visible, never parsed as markup."""
    from rich.text import Text

    line = Text()
    for part, style in parts:
        line.append(visible(part), style=style)
    return line


def _marks(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, str]]:
    """`text` as (visible text, style) pieces, `spans` in reverse video; spans stay on their
    characters once visible."""
    pieces, done = [], 0
    for start, end in spans:
        pieces += [(visible(text[done:start]), ""), (visible(text[start:end]), "bold reverse")]
        done = end
    pieces.append((visible(text[done:]), ""))
    return pieces


def _marked(text: str, spans: Iterable[tuple[int, int]], indent: str = "") -> Any:
    """`text` with `spans` in reverse video, as rich text."""
    from rich.text import Text

    line = Text(indent)
    for part, style in _marks(text, spans):
        line.append(part, style=style)
    return line


def _heading(hit: Hit) -> list[tuple[str, str]]:
    """A hit's heading as (outside text, style) pieces: snapshot, date, where, other dates."""
    where = label(hit.kind, hit.paragraph, hit.code, hit.name)
    parts = [(hit.snapshot, "bold"), (f"  {hit.date}  ", "dim"), (where, "bold cyan")]
    if len(hit.dates) > 1:
        others = [d for d in hit.dates if d != hit.date]
        parts.append((f"  also on {', '.join(others)}", "dim"))
    return parts


def print_results(results: Results) -> None:
    """Each hit: where it is, then its text around the highlights."""
    if not (_prints_plain() and _print_hits_plain(results.hits)):
        _print_hits(results.hits)
    listed = len(results.hits)
    count = f"{listed} hit{'s' * (listed != 1)}"
    if results.total > listed:
        count += f" of {'about ' if results.estimated else ''}{results.total} matching documents"
    typo = " (one typo forgiven)" if results.fuzzy else ""
    note(f"{count} for {results.query!r}{typo}")


def _print_hits(hits: Iterable[Hit]) -> None:
    from rich.padding import Padding

    console = _console()
    for hit in hits:
        console.print(_text(*_heading(hit)))
        shown, spans = snippet(hit.text, hit.highlights)
        # Padding, not leading spaces: wrapped lines keep the indent (a hanging indent).
        console.print(Padding(_marked(shown, spans), (0, 0, 0, _INDENT)))


def _prints_plain() -> bool:
    """Whether rich would print to stdout without any style, one record a line: stdout is
    not a terminal and nothing claims one (--color always, FORCE_COLOR, TTY_COMPATIBLE,
    a notebook, IDLE)."""
    if color == "always" or "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return False
    if hasattr(builtins, "get_ipython") or "idlelib" in sys.modules:
        return False
    try:
        return not sys.stdout.isatty()
    except ValueError:  # closed
        return False


def _print_hits_plain(hits: Iterable[Hit]) -> bool:
    """Print `hits` as `_print_hits` prints them to a pipe, byte for byte, without
    importing rich's console (~17 ms of a cold `search query … | grep`); False, having
    printed nothing, where rich would crop or strip a line longer than the pipe width.

    That is: the heading, then the text indented by `_INDENT` spaces, each without
    trailing spaces (rich's `Padding` pads a line to the pipe's width: 10,000 blanks a
    hit in a file). Whether rich would crop it counts terminal cells as rich does, by
    `rich.cells.cell_len` over the same runs of text as rich's segments (a highlight is a
    run of its own).
    """
    lines, width = [], _PIPE_WIDTH - _INDENT
    for hit in hits:
        head = "".join(visible(part) for part, _ in _heading(hit))
        pieces = _marks(*snippet(hit.text, hit.highlights))
        text = "".join(part for part, _ in pieces)
        if len(head) > _PIPE_WIDTH or len(text) > width:
            return False
        # A character takes at most two cells, so only a long text can be too wide; rich's
        # cell tables (~2.5 ms to import) are read for those alone.
        if 2 * len(text) > width and _cells(_segments(pieces)) > width:
            return False
        lines += [head.rstrip(" "), (" " * _INDENT + text).rstrip(" ")]
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()
    return True


def _cells(segments: Iterable[str]) -> int:
    """Terminal cells, counted as rich counts them."""
    from rich.cells import cell_len

    return sum(map(cell_len, segments))


def _segments(pieces: list[tuple[str, str]]) -> list[str]:
    """The texts of the segments rich renders (text, style) pieces into: each non-empty
    styled piece, and the unstyled text between them joined."""
    found, plain = [], ""
    for part, style in pieces:
        if not style:
            plain += part
        elif part:
            found += [plain, part] if plain else [part]
            plain = ""
    return [*found, plain] if plain else found


def print_answer(reply: Answer) -> None:
    """The answer with its span marked, then its numbered citations."""
    console = _console()
    console.print(_marked(reply.answer, reply.highlights))
    if reply.citations:
        console.print()
    if reply.citations and not reply.answerable:
        leads = "Paragraphes les plus proches :" if reply.lang == "fr" else "Closest paragraphs:"
        console.print(_text((leads, "dim")))
    for number, hit in enumerate(reply.citations, 1):
        where = label(hit.kind, hit.paragraph, hit.code, hit.name)
        console.print(
            _text(
                (f"[{number}] ", ""),
                (hit.snapshot, "bold"),
                (f" {hit.date} ", "dim"),
                (where, "bold cyan"),
            )
        )
        if not reply.answerable:
            shown, _ = snippet(hit.text, hit.highlights, width=160)
            console.print(_text(("    " + shown, "dim")))
    note(f"confidence {reply.confidence:.2f}")


def print_status(index_dir: IndexDir, snapshots: list[SnapshotInfo], documents: int) -> None:
    """The snapshots of the index as a table, then the totals."""
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("snapshot", "date", "documents", "sha256"):
        table.add_column(column, justify="right" if column == "documents" else "left", no_wrap=True)
    table.add_column("headline", overflow="fold")
    for s in snapshots:
        cells = (s.id, s.date, str(s.documents), s.sha256[:12], s.headline)
        table.add_row(*(_text((cell, "")) for cell in cells))
    console = _console()
    console.print(table)
    plural = "s" * (len(snapshots) != 1)
    where = f"{len(snapshots)} snapshot{plural}, {documents} documents in {index_dir.root}"
    console.print(_text((where, "")))


def summary(report: BuildReport, index_dir: IndexDir) -> str:
    """One line: what a build added, updated, left and failed, and the index's size."""
    parts = [
        f"{len(report.added)} added",
        f"{len(report.updated)} updated",
        f"{len(report.unchanged)} unchanged",
        f"{len(report.failed)} failed",
    ]
    embedded = f" ({report.embedded} texts embedded)" if report.embedded else ""
    return f"{', '.join(parts)}; {report.documents} documents in {index_dir.root}{embedded}"


def print_history(series: Series) -> None:
    """A series as a table, oldest first, with a sparkline."""
    from rich.table import Table

    from .timeline import sparkline

    values = [p.value for p in series.points if p.value is not None]
    title = f"{series.name} per 1 {series.base}" if series.base else series.name
    table = Table(title=_text((f"{title}  {sparkline(values)}", "")), box=None)
    table.header_style = "bold"
    for column in ("date", "snapshot", "value", "change", "%"):
        table.add_column(column, justify="left" if column in ("date", "snapshot") else "right")
    for point in series.points:
        table.add_row(
            _text((point.date, "")),
            _text((point.snapshot, "")),
            _number(point.value),
            "" if point.change is None else f"{point.change:+.6g}",
            "" if point.percent is None else f"{point.percent:+.2f}%",
        )
    _console().print(table)


def print_diff(changes: Diff) -> None:
    """New, removed and changed paragraphs, then the largest moves."""
    console = _console()
    old, new = changes.old, changes.new
    console.print(_text((f"{old.id} ({old.date}) → {new.id} ({new.date})", "bold")))
    console.print(
        f"{len(changes.paragraphs)} paragraph change(s), {changes.unchanged} paragraph(s) unchanged"
    )
    styles = {"new": "green", "removed": "red", "changed": "yellow"}
    for change in changes.paragraphs:
        hit = change.new or change.old
        assert hit is not None
        where = label(hit.kind, hit.paragraph, hit.code, hit.name)
        head = _text((f"  {change.status:<8} ", styles[change.status]), (where, "bold"))
        if change.status == "changed" and change.old is not None:
            head.append(
                f" (was ¶{change.old.paragraph}, {change.similarity:.0%} alike)", style="dim"
            )
        console.print(head)
        console.print(_text(("      " + snippet(hit.text, (), width=160)[0], "")))
    for title, moves in (("largest rate moves", changes.rates), ("stock indexes", changes.quotes)):
        if moves:
            console.print(_text((title, "bold")))
        for move in moves:
            values = f"{_number(move.old)} → {_number(move.new)}"
            console.print(_text((f"  {move.name:<8} {values}  {move.percent:+.2f}%", "")))


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"


class ProgressBar:
    """Rich progress bars on a terminal, one per phase of a build once it is long: the
    files read (from 20) and the texts embedded by the `semantic` extra (from 100, ~3 s);
    silent otherwise. One live display: rich allows no second one at a time."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> ProgressBar:
        return self

    @property
    def files(self) -> Callable[[int, int], None] | None:
        return self._phase("indexing", 20)

    @property
    def embedding(self) -> Callable[[int, int], None] | None:
        return self._phase("embedding", 100)

    def _phase(self, label: str, minimum: int) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            return None

        def advance(done: int, total: int) -> None:
            if total < minimum:
                return
            if self._bar is None:
                from rich.progress import Progress

                self._bar = Progress(console=_console(stderr=True), transient=True)
                self._bar.start()
            if label not in self._tasks:
                self._tasks[label] = self._bar.add_task(label, total=total)
            self._bar.update(self._tasks[label], completed=done)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def emit(result: Any, as_json: bool, show: Callable[[Any], None]) -> None:
    """`result` as one JSON document on stdout, or shown for a person."""
    if as_json:
        print_json(result.to_json())
    else:
        show(result)


def print_json(data: object, indent: int | None = 2) -> None:
    """`data` as one JSON document on stdout: exact text, nothing a terminal obeys."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    click.echo(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def say(message: str) -> None:
    """One line on stdout, outside text in it made visible."""
    click.echo(visible(message))


def note(message: str) -> None:
    """One line on stderr, outside text in it made visible."""
    click.echo(visible(message), err=True)


def error(message: str) -> None:
    """The `error: …` line on stderr: always one line, whatever the message holds."""
    click.echo(f"error: {visible(message)}", err=True)
