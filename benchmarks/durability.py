"""What durable commits cost: builds of the sample with and without fsync, side by side.

    .venv/bin/python benchmarks/durability.py [--runs 15]

Prints a table of median wall times (ms) for a first build, an incremental build that
adds one page to it, and a rebuild, with `IndexDir(fsync=True)` (the default) and
`fsync=False`, interleaved so that both see the same disk and load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from index import IndexDir, build, sample_path

# The core is measured: a build with the semantic extra installed would also embed
# every text (benchmarks/ask_semantic.py measures that).
os.environ.setdefault("SNAPSEARCH_SEMANTIC", "off")


def _timed(work: Callable[[], object]) -> float:
    tick = time.perf_counter()
    work()
    return (time.perf_counter() - tick) * 1000


def _one_round(folder: Path, fsync: bool) -> dict[str, float]:
    root = folder / f"ix-{fsync}"
    shutil.rmtree(root, ignore_errors=True)
    extra = folder / "extra-2026-11-25.txt"
    sample = sample_path()
    return {
        "first build": _timed(lambda: build(IndexDir(root, fsync=fsync), [sample])),
        "add one page": _timed(lambda: build(IndexDir(root, fsync=fsync), [extra])),
        "rebuild": _timed(lambda: build(IndexDir(root, fsync=fsync), [sample], rebuild=True)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = sample_path().read_text("utf-8")
        (folder / "extra-2026-11-25.txt").write_text(text.replace("Koursk", "Belgorod"))
        rounds: dict[bool, list[dict[str, float]]] = {True: [], False: []}
        for _ in range(args.runs):
            for fsync in (True, False):
                rounds[fsync].append(_one_round(folder, fsync))
    print("| build (sample page) | fsync (ms) | no fsync (ms) | cost (ms) |")
    print("|---|---|---|---|")
    for step in rounds[True][0]:
        on, off = (statistics.median(r[step] for r in rounds[f]) for f in (True, False))
        print(f"| {step} | {on:.0f} | {off:.0f} | {on - off:+.0f} |")


if __name__ == "__main__":
    main()
