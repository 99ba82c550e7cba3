"""Keystroke-to-results time of the terminal UI, typed at a human pace.

usage: python benchmarks/tui_latency.py [--index DIR] [--pause 0.15]

Types real words letter by letter into the running app (headless, `run_test()`), and for
each keystroke that produced results measures the time from the key to the results list
on screen. The 100 ms debounce is included in "to screen" and left out of "search".
Without --index it measures a fresh index of the bundled sample.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path

from index import IndexDir, build, sample_path
from tui import make_app
from tui.app import DEBOUNCE

# The core is measured: a build with the semantic extra installed would also embed
# every text (benchmarks/ask_semantic.py measures that).
os.environ.setdefault("SNAPSEARCH_SEMANTIC", "off")

WORDS = [
    "Koursk",
    "Moscou Pyongyang",
    "sanctions",
    "livre sterling",
    "Poutine Kim",
    "Corée du Nord",
]


async def measure(index_dir: IndexDir, pause: float) -> list[float]:
    app = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        for text in WORDS:
            for char in text:
                await pilot.press("space" if char == " " else char)
                await pilot.pause(pause)
            await pilot.pause(0.4)
            await pilot.press(*["backspace"] * len(text))
            await pilot.pause(0.4)
    return app.latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an existing index folder")
    parser.add_argument("--pause", type=float, default=0.15, help="seconds between keys")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = IndexDir(args.index or Path(tmp) / "ix")
        if args.index is None:
            build(index_dir, [sample_path()])
        latencies = asyncio.run(measure(index_dir, args.pause))
    ms = [value * 1000 for value in latencies]
    search = [value - DEBOUNCE * 1000 for value in ms]
    print(f"{len(ms)} result updates, keys every {args.pause * 1000:.0f} ms")
    print(f"{'':<22}{'median':>10}{'p95':>10}")
    print(f"{'key to screen':<22}{statistics.median(ms):>8.1f}ms{_percentile(ms, 0.95):>8.1f}ms")
    print(
        f"{'  less the debounce':<22}{statistics.median(search):>8.1f}ms"
        f"{_percentile(search, 0.95):>8.1f}ms"
    )


if __name__ == "__main__":
    main()
