"""The PostgreSQL backend beside the embedded Whoosh index on the same synthetic pages.

    cd benchmarks && ../.venv/bin/python pg_bench.py --size 1000 [--service]

Starts a throwaway PostgreSQL cluster (as the tests do, but durable: fsync on), generates
N daily pages from the sample (benchmarks/synth.py), and measures on both backends: the
full build, adding one snapshot, the keystroke mix's latency (p50/p95/p99), the size on
disk, and the overlap of the top 10 hits between the two over the mix. With --service,
also `search serve` on each backend under 16 concurrent clients (load.py's client loop).
Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import load
from mix import Keystroke, keystrokes
from synth import generate

from index import IndexDir, build, sample_path
from index.postgres import build as build_postgres
from search.engine import PostgresBackend, Results, WhooshEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pg_support import find_pg_bindir, start_cluster  # noqa: E402

DURABLE = ("-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on")


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    tick = time.perf_counter()
    result = work()
    return round(time.perf_counter() - tick, 3), result


def _percentiles(ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(ms, n=100)
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


def _latencies(search: Callable[[str], Results], mix: Sequence[Keystroke]) -> dict[str, Any]:
    for text in ("traité", "énergie", "EUR"):
        search(text)
    ms = []
    for keystroke in mix:
        tick = time.perf_counter()
        search(keystroke.text)
        ms.append((time.perf_counter() - tick) * 1000)
    slowest = sorted(zip(ms, (k.text for k in mix), strict=True), reverse=True)[:8]
    categories = sorted({k.category for k in mix})
    return {
        "queries": len(ms),
        **_percentiles(ms),
        "by_category": {
            category: _percentiles(
                [t for t, k in zip(ms, mix, strict=True) if k.category == category]
            )
            for category in categories
        },
        "slowest_ms": {text: round(took, 1) for took, text in slowest},
    }


def _overlap(a: Callable[[str], Results], b: Callable[[str], Results], texts: Sequence[str]) -> Any:
    """Mean share of the Whoosh top 10 (by text: a collapsed hit's copy may differ) that
    the PostgreSQL top 10 holds, over the queries Whoosh finds something for."""
    shares = []
    for text in texts:
        first = [hit.text for hit in a(text).hits]
        if not first:
            continue
        second = {hit.text for hit in b(text).hits}
        shares.append(sum(t in second for t in first) / len(first))
    return round(statistics.mean(shares), 3), len(shares)


class _Server(load._server):  # noqa: SLF001 - the benchmark's own helper
    """`search serve` over either backend: `where` is `--index DIR` or `--backend URL`."""

    def __init__(self, where: Sequence[str], workers: int, work: Path) -> None:
        super().__init__(IndexDir(work), workers, work)
        self.command = [str(load.SEARCH_BIN), *where, "serve", *self.command[4:]]
        self.log = work / f"serve-{where[0].strip('-')}.log"


def _service(where: Sequence[str], texts: list[str], args: argparse.Namespace, work: Path) -> Any:
    with _Server(where, args.workers, work) as url:
        return asyncio.run(load._load(url, texts, args))  # noqa: SLF001


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--service", action="store_true", help="also load `search serve`")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--requests", type=int, default=2000, help="at most, per backend")
    parser.add_argument("--duration", type=float, default=30, help="seconds at most, each")
    args = parser.parse_args(argv)
    bindir = find_pg_bindir()
    if bindir is None:
        sys.exit("no PostgreSQL binaries: apt-get install postgresql")
    out: dict[str, Any] = {"size": args.size, "postgres_bin": str(bindir)}
    with tempfile.TemporaryDirectory(prefix="snapsearch-pgbench-") as tmp:
        corpus = generate(sample_path(), Path(tmp) / "pages", args.size, args.seed)
        mix = keystrokes([name for _, name in corpus.names])
        texts = [k.text for k in mix]
        cluster = start_cluster(bindir, *DURABLE)
        try:
            url = cluster.url()
            index_dir = IndexDir(Path(tmp) / "ix")
            out["whoosh_build_s"], report = _timed(lambda: build(index_dir, [corpus.folder]))
            out["documents"] = report.documents
            out["postgres_build_s"], _ = _timed(lambda: build_postgres(url, [corpus.folder]))
            out["whoosh_add_one_s"], _ = _timed(lambda: build(index_dir, [corpus.next_file]))
            out["postgres_add_one_s"], _ = _timed(lambda: build_postgres(url, [corpus.next_file]))
            whoosh, pg = WhooshEngine(index_dir), PostgresBackend(url)
            out["whoosh_keystrokes"] = _latencies(whoosh.search, mix)
            out["postgres_keystrokes"] = _latencies(pg.search, mix)
            out["top10_overlap"], out["overlap_queries"] = _overlap(whoosh.search, pg.search, texts)
            with pg._conn.cursor() as cur:  # noqa: SLF001 - a measurement, not an API
                row = cur.execute("SELECT pg_database_size(current_database())").fetchone()
                out["postgres_database_bytes"] = row[0] if row else None
            out["whoosh_index_bytes"] = sum(
                p.stat().st_size for p in index_dir.root.rglob("*") if p.is_file()
            )
            # Right after a bulk load every row's visibility is still checked against the
            # commit log, and the first reads set hint bits (writing pages); autovacuum
            # soon does what this VACUUM does: the second pass is the steady state.
            pg._conn.execute("VACUUM ANALYZE")  # noqa: SLF001
            out["postgres_keystrokes_after_vacuum"] = _latencies(pg.search, mix)
            whoosh.close()
            pg.close()
            if args.service:
                out["service_whoosh"] = _service(
                    ["--index", str(index_dir.root)], texts, args, Path(tmp)
                )
                out["service_postgres"] = _service(["--backend", url], texts, args, Path(tmp))
        finally:
            cluster.stop()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
