"""The benchmark's tables: snapsearch beside FTS5 per size, and the issue's targets."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["evaluate", "render"]

Size = dict[str, Any]
Getter = Callable[[Size], float | None]


def _get(*keys: str) -> Callable[[dict[str, Any]], float | None]:
    def get(data: dict[str, Any]) -> float | None:
        for key in keys:
            if not isinstance(data, dict) or key not in data:
                return None
            data = data[key]
        return data  # type: ignore[return-value]

    return get


def _ms(v: float) -> str:
    return f"{v:,.1f} ms" if v < 100 else f"{v:,.0f} ms"


def _s(v: float) -> str:
    return f"{v:,.2f} s" if v < 100 else f"{v:,.0f} s"


def _mb(v: float) -> str:
    return f"{v:,.1f} MB"


def _rate(v: float) -> str:
    return f"{v:,.0f}"


@dataclass(frozen=True)
class _Row:
    label: str
    get: Getter  # on one engine's stats, or on the whole size when `engines` is ()
    fmt: Callable[[float], str]
    engines: tuple[str, ...] = ("snapsearch", "fts5")  # () for one value per size
    section_end: bool = False


_SNAPSEARCH = ("snapsearch",)  # FTS5 has no question answering to compare with
_ROWS = (
    _Row("build: documents/s", _get("build", "docs_per_s"), _rate),
    _Row("build: snapshots/s", _get("build", "snapshots_per_s"), lambda v: f"{v:,.1f}"),
    _Row("build: time", _get("build", "seconds"), _s),
    _Row("build: peak memory (RSS)", _get("build", "peak_rss_mb"), _mb),
    _Row(
        "index size on disk",
        lambda e: (_get("build", "disk_bytes")(e) or 0) / 1e6,
        _mb,
        section_end=True,
    ),
    _Row("add one snapshot (in build)", _get("add_one", "seconds"), _s),
    _Row("add one snapshot (process)", _get("add_one", "process_seconds"), _s, section_end=True),
    _Row("keystroke p50", _get("keystrokes", "p50_ms"), _ms),
    _Row("keystroke p95", _get("keystrokes", "p95_ms"), _ms),
    _Row("keystroke p99", _get("keystrokes", "p99_ms"), _ms),
    _Row("  p95 prefix 1-2", _get("keystrokes", "by_category", "prefix 1-2", "p95_ms"), _ms),
    _Row("  p95 prefix 3+", _get("keystrokes", "by_category", "prefix 3+", "p95_ms"), _ms),
    _Row("  p95 multiword", _get("keystrokes", "by_category", "multiword", "p95_ms"), _ms),
    _Row("  p95 typo", _get("keystrokes", "by_category", "typo", "p95_ms"), _ms),
    _Row("  queries finding something", _get("keystrokes", "found"), lambda v: f"{v:.0f}"),
    _Row("p95 ratio snapsearch / FTS5", _get("p95_ratio"), lambda v: f"{v:.2f}×", engines=()),
    _Row("ask p50", _get("ask", "p50_ms"), _ms, engines=_SNAPSEARCH),
    _Row("ask p95", _get("ask", "p95_ms"), _ms, engines=_SNAPSEARCH),
    _Row("ask p99", _get("ask", "p99_ms"), _ms, engines=_SNAPSEARCH, section_end=True),
    _Row("cold query (median)", _get("cold_query", "median_ms"), _ms, section_end=True),
    _Row("time to measure this size", _get("elapsed_s"), _s, engines=()),
)


@dataclass(frozen=True)
class _Target:
    label: str
    at: tuple[int, ...]  # the sizes the issue sets it for; () means every size
    get: Getter
    ok: Callable[[float], bool]
    fmt: Callable[[float], str]


_TARGETS = (
    _Target(
        "keystroke p95 <= 16 ms",
        (1000,),
        _get("snapsearch", "keystrokes", "p95_ms"),
        lambda v: v <= 16,
        _ms,
    ),
    _Target(
        "keystroke p95 <= FTS5 p95", (1000,), _get("p95_ratio"), lambda v: v <= 1, "{:.2f}×".format
    ),
    _Target(
        "keystroke p95 <= 50 ms",
        (10000,),
        _get("snapsearch", "keystrokes", "p95_ms"),
        lambda v: v <= 50,
        _ms,
    ),
    _Target(
        "ask p95 <= 100 ms", (1000,), _get("snapsearch", "ask", "p95_ms"), lambda v: v <= 100, _ms
    ),
    _Target(
        "add one snapshot <= 1 s",
        (),
        _get("snapsearch", "add_one", "seconds"),
        lambda v: v <= 1,
        _s,
    ),
    _Target(
        "full build >= 3,000 docs/s",
        (1000,),
        _get("snapsearch", "build", "docs_per_s"),
        lambda v: v >= 3000,
        _rate,
    ),
    _Target(
        "cold `search query` <= 150 ms median",
        (1000,),
        _get("snapsearch", "cold_query", "median_ms"),
        lambda v: v <= 150,
        _ms,
    ),
)


def evaluate(sizes: dict[str, Size]) -> list[dict[str, Any]]:
    """Each target's value and verdict at every size measured.

    The verdict counts only the sizes the issue sets the target for; the other sizes are
    shown for the trend.
    """
    evaluated = []
    for target in _TARGETS:
        values: dict[str, dict[str, Any]] = {}
        for key, size in sizes.items():
            value = target.get(size)
            official = not target.at or int(key) in target.at
            met = None if value is None else target.ok(value)
            values[key] = {"value": value, "met": met, "official": official}
        official = [v["met"] for v in values.values() if v["official"] and v["met"] is not None]
        verdict = "not measured" if not official else ("met" if all(official) else "not met")
        evaluated.append(
            {
                "target": target.label,
                "applies_at": [f"{n:,}" for n in target.at] or ["every N"],
                "values": values,
                "verdict": verdict,
            }
        )
    return evaluated


def render(results: dict[str, Any]) -> None:
    """Print the comparison table and the targets table."""
    # Piped output would wrap at 80 columns and break the table's rows apart.
    console = Console(width=None if sys.stdout.isatty() else 120)
    sizes: dict[str, Size] = results["sizes"]
    console.print(_comparison(sizes))
    console.print(_targets(sizes, results["targets"]))
    console.print(_footer(results["meta"]))
    for key, size in sizes.items():
        ask = size["snapsearch"].get("ask", {})
        if "skipped" in ask:
            console.print(f"[dim]N={key}: ask skipped: {ask['skipped']}[/dim]")


def _footer(meta: dict[str, Any]) -> str:
    versions, machine = meta["versions"], meta["machine"]
    library = meta["library"]
    dirty = " (with uncommitted changes)" if versions["snapsearch_dirty"] else ""
    return (
        f"[dim]{meta['started']} · {meta['command']} · {machine['cpus']} CPUs, load "
        f"{machine['load_avg_at_start']} at start · Python {versions['python']} · SQLite "
        f"{versions['sqlite']} · Whoosh {versions['whoosh']} · snapsearch "
        f"{versions['snapsearch_commit']}{dirty}, library {library['path']} "
        f"sources {library['digest']}[/dim]"
    )


def _comparison(sizes: dict[str, Size]) -> Table:
    table = Table(title="snapsearch vs SQLite FTS5", header_style="bold")
    table.add_column("measure")
    table.add_column("engine")
    for key, size in sizes.items():
        table.add_column(f"N={int(key):,}\n{size['documents']:,} docs", justify="right")
    for row in _ROWS:
        engines = row.engines or ("",)
        for number, engine in enumerate(engines):
            cells = [_cell(row, size[engine] if engine else size) for size in sizes.values()]
            end = row.section_end and number == len(engines) - 1
            table.add_row(row.label if number == 0 else "", engine, *cells, end_section=end)
    return table


def _cell(row: _Row, data: dict[str, Any]) -> str:
    value = row.get(data)
    if value is not None:
        return row.fmt(value)
    # A measurement skipped on purpose says so instead of a bare dash.
    return "skipped" if "skipped" in data.get("ask", {}) and row.label.startswith("ask") else "–"


def _targets(sizes: dict[str, Size], evaluated: list[dict[str, Any]]) -> Table:
    table = Table(title="issue 6 targets", header_style="bold")
    table.add_column("target")
    table.add_column("at N")
    for key in sizes:
        table.add_column(f"N={int(key):,}", justify="right")
    table.add_column("verdict")
    for target, result in zip(_TARGETS, evaluated, strict=True):
        cells = []
        for cell in result["values"].values():
            if cell["value"] is None:
                cells.append("–")
                continue
            mark = "✓" if cell["met"] else "✗"
            text = f"{target.fmt(cell['value'])} {mark}"
            cells.append(text if cell["official"] else f"[dim]({text})[/dim]")
        verdict = result["verdict"]
        style = {"met": "green", "not met": "bold red"}.get(verdict, "dim")
        at = ", ".join(result["applies_at"])
        table.add_row(target.label, at, *cells, f"[{style}]{verdict}[/{style}]")
    return table
