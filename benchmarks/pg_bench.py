"""The PostgreSQL backend beside the embedded Whoosh index on the same synthetic pages.

    .venv/bin/python benchmarks/pg_bench.py --size 1000

Starts a throwaway PostgreSQL cluster (as the tests do, but durable: fsync on), generates
N daily pages from the sample (benchmarks/synth.py), and measures on both backends: the
full build, adding one snapshot, the keystroke mix's latency (p50/p95/p99), the size on
disk, and the overlap of the top 10 hits between the two over the mix. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mix import keystrokes
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


def _latencies(search: Callable[[str], Results], texts: Sequence[str]) -> dict[str, Any]:
    for text in ("traité", "énergie", "EUR"):
        search(text)
    ms = []
    for text in texts:
        tick = time.perf_counter()
        search(text)
        ms.append((time.perf_counter() - tick) * 1000)
    return {"queries": len(ms), **_percentiles(ms)}


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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    bindir = find_pg_bindir()
    if bindir is None:
        sys.exit("no PostgreSQL binaries: apt-get install postgresql")
    out: dict[str, Any] = {"size": args.size, "postgres_bin": str(bindir)}
    with tempfile.TemporaryDirectory(prefix="snapsearch-pgbench-") as tmp:
        corpus = generate(sample_path(), Path(tmp) / "pages", args.size, args.seed)
        texts = [k.text for k in keystrokes([name for _, name in corpus.names])]
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
            out["whoosh_keystrokes"] = _latencies(whoosh.search, texts)
            out["postgres_keystrokes"] = _latencies(pg.search, texts)
            out["top10_overlap"], out["overlap_queries"] = _overlap(whoosh.search, pg.search, texts)
            with pg._conn.cursor() as cur:  # noqa: SLF001 - a measurement, not an API
                row = cur.execute("SELECT pg_database_size(current_database())").fetchone()
                out["postgres_database_bytes"] = row[0] if row else None
            out["whoosh_index_bytes"] = sum(
                p.stat().st_size for p in index_dir.root.rglob("*") if p.is_file()
            )
            whoosh.close()
            pg.close()
        finally:
            cluster.stop()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
