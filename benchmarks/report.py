"""The benchmark's tables: every engine side by side per size, and the issue's targets.

`render` prints them to the terminal; `markdown` gives the same tables as Markdown, ready
for the README. Run as a script to render a results file again:

    report.py RESULTS.json [--markdown]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["ENGINES", "evaluate", "markdown", "render"]

Size = dict[str, Any]

# Engine keys of a size's results, and their labels. The last two are baselines of a
# cold query, not search engines.
ENGINES = {
    "snapsearch": "snapsearch",
    "fts5_new": "FTS5 (same documents)",
    "fts5_old": "FTS5 (per-snapshot rows)",
    "rg": "rg -i -c over the pages",
    "python": "python -c pass",
}
LEGEND = (
    "FTS5 (same documents): snapsearch's document model in SQLite FTS5, one row per "
    "distinct title or paragraph text (its days in a side table) and one per currency or "
    "index series (code and CLDR names), daily numbers in a plain table. "
    "FTS5 (per-snapshot rows): one row per title, paragraph, rate and quote of every "
    "snapshot, as sqlite-utils would build from the pages. "
    "rg: `rg -i -c WORD` over the N page files. Cold: a new process, median of the runs."
)


@dataclass(frozen=True)
class _Path:
    """A getter of nested keys, which also tells where a measurement was skipped."""

    keys: tuple[str, ...]
    scale: float = 1.0

    def __call__(self, data: Any) -> float | None:
        for key in self.keys:
            if not isinstance(data, dict) or key not in data:
                return None
            data = data[key]
        return None if data is None else float(data) * self.scale

    def skipped(self, data: Any) -> str | None:
        """Why the value is absent, when a dict on the way says `skipped`."""
        for key in self.keys:
            if not isinstance(data, dict):
                return None
            if "skipped" in data:
                return str(data["skipped"])
            data = data.get(key)
        return None


def _get(*keys: str, scale: float = 1.0) -> _Path:
    return _Path(keys, scale)


def _ms(v: float) -> str:
    return f"{v:,.1f} ms" if v < 100 else f"{v:,.0f} ms"


def _s(v: float) -> str:
    return f"{v:,.2f} s" if v < 100 else f"{v:,.0f} s"


def _mb(v: float) -> str:
    return f"{v:,.1f} MB"


def _count(v: float) -> str:
    return f"{v:,.0f}"


def _times(v: float) -> str:
    return f"{v:,.2f}×"


@dataclass(frozen=True)
class _Row:
    label: str
    get: _Path  # on one engine's stats, or on the whole size when `engines` is ()
    fmt: Callable[[float], str]
    engines: tuple[str, ...] = ("snapsearch", "fts5_new", "fts5_old")  # () for the size
    section_end: bool = False


_ALL = ("snapsearch", "fts5_new", "fts5_old")
_SNAPSEARCH = ("snapsearch",)  # FTS5 has no question answering and no UI to compare with
_COLD = (*_ALL, "rg")
_ROWS = (
    _Row("build: documents", _get("build", "documents"), _count),
    _Row("build: snapshots/s", _get("build", "snapshots_per_s"), lambda v: f"{v:,.1f}"),
    _Row("build: time", _get("build", "seconds"), _s),
    _Row("build: peak memory (RSS)", _get("build", "peak_rss_mb"), _mb),
    _Row("index size on disk", _get("build", "disk_bytes", scale=1e-6), _mb, section_end=True),
    _Row("add one snapshot (in build)", _get("add_one", "seconds"), _s),
    _Row("add one snapshot (process)", _get("add_one", "process_seconds"), _s, section_end=True),
    _Row("keystroke p50", _get("keystrokes", "p50_ms"), _ms),
    _Row("keystroke p95", _get("keystrokes", "p95_ms"), _ms),
    _Row("keystroke p99", _get("keystrokes", "p99_ms"), _ms),
    _Row("  p95 prefix 1-2", _get("keystrokes", "by_category", "prefix 1-2", "p95_ms"), _ms),
    _Row("  p95 prefix 3+", _get("keystrokes", "by_category", "prefix 3+", "p95_ms"), _ms),
    _Row("  p95 multiword", _get("keystrokes", "by_category", "multiword", "p95_ms"), _ms),
    _Row("  p95 typo", _get("keystrokes", "by_category", "typo", "p95_ms"), _ms),
    _Row("  queries finding something", _get("keystrokes", "found"), _count),
    _Row("p95 snapsearch / FTS5 same docs", _get("ratios", "p95_vs_fts5_new"), _times, ()),
    _Row("p95 snapsearch / FTS5 rows", _get("ratios", "p95_vs_fts5_old"), _times, ()),
    _Row("ask p50", _get("ask", "p50_ms"), _ms, _SNAPSEARCH),
    _Row("ask p95", _get("ask", "p95_ms"), _ms, _SNAPSEARCH),
    _Row("ask p99", _get("ask", "p99_ms"), _ms, _SNAPSEARCH, section_end=True),
    _Row("cold query Koursk", _get("cold_query", "Koursk", "median_ms"), _ms, _COLD),
    _Row("cold query dollar", _get("cold_query", "dollar", "median_ms"), _ms, _COLD),
    _Row("cold python -c pass", _get("cold_query", "pass", "median_ms"), _ms, ("python",)),
    _Row("Koursk snapsearch / python", _get("ratios", "cold_Koursk_vs_python"), _times, ()),
    _Row(
        "dollar snapsearch / python",
        _get("ratios", "cold_dollar_vs_python"),
        _times,
        (),
        section_end=True,
    ),
    _Row("TUI peak memory (RSS)", _get("tui", "peak_rss_mb"), _mb, _SNAPSEARCH),
    _Row("TUI open to first results", _get("tui", "seconds_to_results"), _s, _SNAPSEARCH, True),
    _Row("time to measure this size", _get("elapsed_s"), _s, ()),
)


@dataclass(frozen=True)
class _Target:
    label: str
    at: tuple[int, ...]  # the sizes the issue sets it for; () means every size
    get: _Path  # on the whole size
    limit: float  # met when the value is at most this
    fmt: Callable[[float], str]
    # What the value is beside, in the same run: a ratio or the other engine's value.
    note: Callable[[Size], str | None] = field(default=lambda size: None)


def _beside(get: _Path, fmt: Callable[[float], str], what: str) -> Callable[[Size], str | None]:
    def note(size: Size) -> str | None:
        value = get(size)
        return None if value is None else f"{fmt(value)} {what}"

    return note


def _p95_pair(engine: str) -> Callable[[Size], str | None]:
    def note(size: Size) -> str | None:
        ours = _get("snapsearch", "keystrokes", "p95_ms")(size)
        theirs = _get(engine, "keystrokes", "p95_ms")(size)
        return None if ours is None or theirs is None else f"{_ms(ours)} vs {_ms(theirs)}"

    return note


_SNAP_P95 = _get("snapsearch", "keystrokes", "p95_ms")
_TARGETS = (
    _Target(
        "keystroke p95 <= 30 ms",
        (1000,),
        _SNAP_P95,
        30,
        _ms,
        _beside(_get("ratios", "p95_vs_fts5_new"), _times, "FTS5 same docs"),
    ),
    _Target(
        "keystroke p95 <= 50 ms",
        (3650,),
        _SNAP_P95,
        50,
        _ms,
        _beside(_get("ratios", "p95_vs_fts5_new"), _times, "FTS5 same docs"),
    ),
    _Target(
        "keystroke p99 <= 100 ms",
        (3650,),
        _get("snapsearch", "keystrokes", "p99_ms"),
        100,
        _ms,
        _beside(_get("fts5_new", "keystrokes", "p99_ms"), _ms, "FTS5 same docs"),
    ),
    _Target(
        "keystroke p95 <= FTS5 p95, per-snapshot rows",
        (1000, 3650),
        _get("ratios", "p95_vs_fts5_old"),
        1,
        _times,
        _p95_pair("fts5_old"),
    ),
    _Target(
        "keystroke p95 <= FTS5 p95, same documents",
        (1000, 3650),
        _get("ratios", "p95_vs_fts5_new"),
        1,
        _times,
        _p95_pair("fts5_new"),
    ),
    _Target(
        "cold `search query Koursk` <= 150 ms",
        (1000,),
        _get("snapsearch", "cold_query", "Koursk", "median_ms"),
        150,
        _ms,
        _beside(_get("ratios", "cold_Koursk_vs_python"), _times, "python -c pass"),
    ),
    _Target(
        "cold `search query dollar` <= 200 ms",
        (1000,),
        _get("snapsearch", "cold_query", "dollar", "median_ms"),
        200,
        _ms,
        _beside(_get("ratios", "cold_dollar_vs_python"), _times, "python -c pass"),
    ),
    _Target(
        "full build <= 3 min",
        (3650,),
        _get("snapsearch", "build", "seconds"),
        180,
        _s,
        _beside(_get("ratios", "build_vs_fts5_new"), _times, "FTS5 same docs"),
    ),
    _Target(
        "full build peak RSS <= 400 MB",
        (3650,),
        _get("snapsearch", "build", "peak_rss_mb"),
        400,
        _mb,
    ),
    _Target(
        "add one snapshot <= 0.3 s (in build)",
        (),
        _get("snapsearch", "add_one", "seconds"),
        0.3,
        _s,
        _beside(_get("snapsearch", "add_one", "process_seconds"), _s, "process"),
    ),
    _Target(
        "index on disk <= 25 MB",
        (1000,),
        _get("snapsearch", "build", "disk_bytes", scale=1e-6),
        25,
        _mb,
        _beside(_get("ratios", "disk_vs_fts5_new"), _times, "FTS5 same docs"),
    ),
    _Target(
        "TUI peak RSS <= 150 MB",
        (1000,),
        _get("snapsearch", "tui", "peak_rss_mb"),
        150,
        _mb,
    ),
    _Target(
        "ask p95 <= 100 ms",
        (3650,),
        _get("snapsearch", "ask", "p95_ms"),
        100,
        _ms,
    ),
)


def evaluate(sizes: dict[str, Size]) -> list[dict[str, Any]]:
    """Each target's value, note and verdict at every size measured.

    The verdict counts only the sizes the issue sets the target for; the other sizes are
    shown for the trend.
    """
    evaluated = []
    for target in _TARGETS:
        values: dict[str, dict[str, Any]] = {}
        for key, size in sizes.items():
            value = target.get(size)
            official = not target.at or int(key) in target.at
            met = None if value is None else value <= target.limit
            values[key] = {
                "value": value,
                "met": met,
                "official": official,
                "note": target.note(size),
            }
        judged = [v["met"] for v in values.values() if v["official"] and v["met"] is not None]
        verdict = "not measured" if not judged else ("met" if all(judged) else "not met")
        evaluated.append(
            {
                "target": target.label,
                "applies_at": [f"{n:,}" for n in target.at] or ["every N"],
                "values": values,
                "verdict": verdict,
            }
        )
    return evaluated


# --------------------------------------------------------------------- the tables
# Each table is made once as plain cells, then drawn by rich or written as Markdown. A
# cell is (text, dim): dim marks a value shown for the trend, not judged.

Cell = tuple[str, bool]


@dataclass
class _Grid:
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    section_ends: set[int] = field(default_factory=set)  # row indexes closing a section
    verdicts: bool = False  # the last column is a verdict, coloured in a terminal


def _comparison(sizes: dict[str, Size]) -> _Grid:
    """The comparison; a line with no value at any size (an engine not run) is left out."""
    headers = ["measure", "engine", *(f"N={int(key):,}" for key in sizes)]
    grid = _Grid("snapsearch vs SQLite FTS5", headers)
    for row in _ROWS:
        lines = []
        for engine in row.engines or ("",):
            cells = [_cell(row, size.get(engine) if engine else size) for size in sizes.values()]
            if any(cell != _ABSENT for cell in cells):
                lines.append([(ENGINES.get(engine, engine), False), *cells])
        for number, line in enumerate(lines):
            grid.rows.append([(row.label if number == 0 else "", False), *line])
        if row.section_end and grid.rows:
            grid.section_ends.add(len(grid.rows) - 1)
    return grid


_ABSENT: Cell = ("–", True)


def _cell(row: _Row, data: Any) -> Cell:
    value = row.get(data)
    if value is not None:
        return row.fmt(value), False
    # A measurement skipped on purpose says so instead of a bare dash.
    return ("skipped", True) if row.get.skipped(data) else _ABSENT


def _targets(sizes: dict[str, Size], evaluated: list[dict[str, Any]]) -> _Grid:
    headers = ["target", "at N", *(f"N={int(key):,}" for key in sizes), "verdict"]
    title = "issue 6 targets ([bracketed]: a size the target is not set for, shown for the trend)"
    grid = _Grid(title, headers, verdicts=True)
    for target, result in zip(_TARGETS, evaluated, strict=True):
        cells: list[Cell] = []
        for cell in result["values"].values():
            if cell["value"] is None:
                cells.append(("–", True))
                continue
            mark = "✓" if cell["met"] else "✗"
            text = f"{target.fmt(cell['value'])} {mark}"
            if cell["note"]:
                text += f" ({cell['note']})"
            cells.append((text, False) if cell["official"] else (f"[{text}]", True))
        at = ", ".join(result["applies_at"])
        grid.rows.append([(target.label, False), (at, False), *cells, (result["verdict"], False)])
    return grid


def _footer(meta: dict[str, Any]) -> str:
    versions, machine = meta["versions"], meta["machine"]
    library = meta["library"]
    dirty = " (with uncommitted changes)" if versions["snapsearch_dirty"] else ""
    rg = f" · {versions['rg']}" if versions.get("rg") else ""
    return (
        f"{meta['started']} · {meta['command']} · {machine['cpus']} CPUs, load "
        f"{machine['load_avg_at_start']} at start · Python {versions['python']} · SQLite "
        f"{versions['sqlite']} · Whoosh {versions['whoosh']}{rg} · snapsearch "
        f"{versions['snapsearch_commit']}{dirty}, library {library['path']} "
        f"sources {library['digest']}"
    )


def _notes(results: dict[str, Any]) -> list[str]:
    notes = []
    for key, size in results["sizes"].items():
        for engine in ("snapsearch", "rg"):
            for part in ("ask", "tui", None):
                stats = size.get(engine, {})
                stats = stats.get(part, {}) if part else stats
                if isinstance(stats, dict) and "skipped" in stats:
                    what = f"{engine} {part}" if part else engine
                    notes.append(f"N={int(key):,}: {what} skipped: {stats['skipped']}")
    return notes


def render(results: dict[str, Any]) -> None:
    """Print the comparison table and the targets table."""
    # Piped output would wrap at 80 columns and break the table's rows apart.
    console = Console(width=None if sys.stdout.isatty() else 200)
    sizes: dict[str, Size] = results["sizes"]
    for grid in (_comparison(sizes), _targets(sizes, results["targets"])):
        console.print(_rich(grid))
    for line in (LEGEND, _footer(results["meta"]), *_notes(results)):
        console.print(f"[dim]{escape(line)}[/dim]", highlight=False)


def _rich(grid: _Grid) -> Table:
    table = Table(title=escape(grid.title), header_style="bold")
    for header in grid.headers:
        table.add_column(header, justify="right" if header.startswith("N=") else "left")
    verdicts = {"met": "green", "not met": "bold red", "not measured": "dim"}
    for number, row in enumerate(grid.rows):
        cells = []
        for column, (text, dim) in enumerate(row):
            last = grid.verdicts and column == len(row) - 1
            style = "dim" if dim else verdicts.get(text) if last else None
            text = escape(text)  # a value in brackets is not rich markup
            cells.append(f"[{style}]{text}[/{style}]" if style else text)
        table.add_row(*cells, end_section=number in grid.section_ends)
    return table


def markdown(results: dict[str, Any]) -> str:
    """Both tables, the legend and the run's details as Markdown."""
    sizes: dict[str, Size] = results["sizes"]
    parts = []
    for grid in (_comparison(sizes), _targets(sizes, results["targets"])):
        lines = [f"**{grid.title}**", ""]
        lines.append("| " + " | ".join(grid.headers) + " |")
        aligns = ["---:" if h.startswith("N=") else "---" for h in grid.headers]
        lines.append("|" + "|".join(aligns) + "|")
        for row in grid.rows:
            lines.append("| " + " | ".join(_md(text) for text, _ in row) + " |")
        parts.append("\n".join(lines))
    parts.append(LEGEND)
    parts.append(_footer(results["meta"]))
    parts += _notes(results)
    return "\n\n".join(parts) + "\n"


def _md(text: str) -> str:
    return text.strip().replace("|", "\\|") or " "


def main(argv: list[str] | None = None) -> None:
    """Render a results file written by bench.py."""
    parser = argparse.ArgumentParser(description="Render a bench.py results file again.")
    parser.add_argument("results", type=Path)
    parser.add_argument("--markdown", action="store_true", help="Markdown instead of tables")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text("utf-8"))
    results["targets"] = evaluate(results["sizes"])
    if args.markdown:
        print(markdown(results), end="")
    else:
        render(results)


if __name__ == "__main__":
    main()
