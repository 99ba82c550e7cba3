"""`search ask` with the semantic extra on a benchmark archive: build time and answer time.

    .venv/bin/python benchmarks/ask_semantic.py [--size 1000] [--workdir DIR]

Generates N synthetic daily pages (`benchmarks/synth.py`, as `bench.py` does), builds
them with the extra (every paragraph and sentence embedded and stored in the
generation), then times `answer()` over the question mix of `benchmarks/mix.py` with the
embedder and without it, on the same index. Prints one Markdown table: build seconds,
texts embedded, vectors on disk, and answer p50/p95 for each path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mix import questions  # noqa: E402
from synth import generate  # noqa: E402

from index import IndexDir, available_embedder, build, sample_path  # noqa: E402
from search.ask import answer  # noqa: E402
from search.engine import WhooshEngine  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--workdir", help="keep the pages and the index in this folder")
    args = parser.parse_args(argv)
    embedder = available_embedder()
    if embedder is None:
        raise SystemExit("needs snapsearch[semantic] installed and SNAPSEARCH_SEMANTIC not off")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.workdir or scratch)
        pages = folder / f"pages-{args.size}"
        if not (pages / "snapshots").is_dir():
            generate(sample_path(), pages, args.size)
        index_dir = IndexDir(folder / f"semantic-{args.size}")
        tick = time.perf_counter()
        report = build(index_dir, sorted((pages / "snapshots").glob("*.txt")))
        seconds = time.perf_counter() - tick
        engine = WhooshEngine(index_dir)
        generation = index_dir.generation()
        assert generation is not None
        on_disk = sum(p.stat().st_size for p in generation.glob("vectors-*.npz"))
        rows = []
        for name, chosen in (("lexical", None), ("semantic", embedder)):
            for question in questions()[:3]:  # warm: the model, the store, the caches
                answer(engine, question, embedder=chosen)
            timings = []
            for question in questions():
                start = time.perf_counter()
                answer(engine, question, embedder=chosen)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            p95 = timings[int(0.95 * (len(timings) - 1))]
            rows.append((name, statistics.median(timings), p95))
        engine.close()
    print("| N | build s | texts embedded | vectors MB | path | ask p50 ms | ask p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, p50, p95 in rows:
        print(
            f"| {args.size:,} | {seconds:.0f} | {report.embedded:,} | {on_disk / 1e6:.1f} "
            f"| {name} | {p50:.1f} | {p95:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
