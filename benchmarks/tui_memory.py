"""Peak memory of the terminal UI opened on an index, once its first results are on screen.

    tui_memory.py ROOT [TEXT]     prints {"peak_rss_kb", "seconds_to_results", ...} as JSON

The app runs headless (Textual's `run_test()`, 120×40) in this process of its own, the
way `search tui` runs it: the library, Textual and the index opened, TEXT (default
`Koursk`) typed key by key, and the peak resident memory read once the results list shows
the search's results. Headless Textual draws into no terminal, so this is the app's memory
less a terminal driver's few buffers.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

START = time.perf_counter()

from worker import memory_kb  # noqa: E402  (after START: the imports are part of opening)

from index import IndexDir  # noqa: E402
from tui import make_app  # noqa: E402

TIMEOUT = 30.0  # seconds to wait for the first results


async def measure(root: Path, text: str) -> dict[str, float | int]:
    """Open the app on `root`, type `text`, wait for its results; what it cost."""
    app = make_app(IndexDir(root))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        opened = time.perf_counter() - START
        await pilot.press(*("space" if char == " " else char for char in text))
        deadline = time.perf_counter() + TIMEOUT
        while not app.latencies and time.perf_counter() < deadline:
            await pilot.pause(0.02)
        if not app.latencies:
            raise SystemExit(f"no results on screen after {TIMEOUT:.0f} s")
        shown = time.perf_counter() - START
        peak = memory_kb("VmHWM")
        return {
            "peak_rss_kb": peak,
            "rss_kb": memory_kb("VmRSS"),
            "seconds_to_open": round(opened, 3),
            "seconds_to_results": round(shown, 3),
            "results": len(app.hits),
        }


def main(argv: list[str]) -> None:
    """Measure, then print one JSON line."""
    if not argv:
        raise SystemExit("usage: tui_memory.py ROOT [TEXT]")
    root, *words = argv
    print(json.dumps(asyncio.run(measure(Path(root), " ".join(words) or "Koursk"))))


if __name__ == "__main__":
    main(sys.argv[1:])
