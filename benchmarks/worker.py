"""Run one snapsearch build in its own process and print what it cost as one JSON line.

    worker.py build ROOT PATH...   full build of a fresh index folder
    worker.py add ROOT PATH...     incremental build into an existing one

A process of its own gives the build's true peak memory (ru_maxrss) and keeps the
benchmark's own imports and caches out of both the memory and the time.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from index import IndexDir, build

# The core is measured: a build with the semantic extra installed would also embed
# every text (benchmarks/ask_semantic.py measures that).
os.environ.setdefault("SNAPSEARCH_SEMANTIC", "off")


def memory_kb(field: str) -> int:
    """`VmHWM` (peak) or `VmRSS` (now) of this process, in kB.

    Not ru_maxrss: Linux carries the parent's high-water mark across fork and exec, so a
    worker started by a large benchmark process would report the benchmark's memory.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # elsewhere: the best there is


def main(argv: list[str]) -> None:
    """Build, then print seconds, documents and peak memory as JSON on stdout."""
    mode, root, *paths = argv
    if mode not in ("build", "add"):
        raise SystemExit(f"usage: worker.py build|add ROOT PATH... (not {mode!r})")
    index_dir = IndexDir(Path(root))
    baseline = memory_kb("VmRSS")
    start = time.perf_counter()
    report = build(index_dir, [Path(p) for p in paths], rebuild=mode == "build")
    seconds = time.perf_counter() - start
    if report.failed:
        raise SystemExit(f"build failed: {report.failed[:3]}")
    print(
        json.dumps(
            {
                "seconds": seconds,
                "snapshots": len(report.added) + len(report.updated),
                "documents": report.documents,
                "peak_rss_kb": memory_kb("VmHWM"),
                "baseline_rss_kb": baseline,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
