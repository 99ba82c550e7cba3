"""Cold `search query` on any install, beside a bare `python -c pass` of the same Python.

    python benchmarks/cold.py --index DIR --search VENV/bin/search [--runs 11]
                              [--server URL]

`bench.py` times the `search` of its own environment, usually an editable install whose
import hook runs at every Python start; a user's regular install (`pip install .`)
starts faster. This times the one given, medians of `--runs` new processes after one
warm-up, for `Koursk` and `dollar`; with `--server URL`, also `search --server URL query`
against a running `search serve` (the issue's bound: 80 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path


def _median_ms(command: list[str], env: dict[str, str], runs: int) -> float:
    timings = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, type=Path, help="an index folder")
    parser.add_argument("--search", required=True, type=Path, help="the `search` to time")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--server", help="a running `search serve` to time a client of")
    args = parser.parse_args()
    env = {**os.environ, "SEARCH_INDEX": str(args.index), "NO_COLOR": "1"}
    python = str(args.search.with_name("python"))
    bare = _median_ms([python, "-c", "pass"], env, args.runs)
    print(f"python -c pass: {bare:.1f} ms")
    for word in ("Koursk", "dollar"):
        took = _median_ms([str(args.search), "query", word], env, args.runs)
        print(f"search query {word}: {took:.1f} ms ({took / bare:.1f}x python -c pass)")
        if args.server:
            command = [str(args.search), "--server", args.server, "query", word]
            took = _median_ms(command, env, args.runs)
            print(f"search --server URL query {word}: {took:.1f} ms")


if __name__ == "__main__":
    main()
