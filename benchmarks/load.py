"""Load the search service on loopback and compare it with the engine in-process (issue 15).

    .venv/bin/python benchmarks/load.py                       N=1000, 16 clients
    .venv/bin/python benchmarks/load.py --size 50 --requests 500 --duration 10   (quick)

It generates N daily pages from the sample (the generator of bench.py), builds the index,
then runs the search keystroke mix of bench.py:

1. in-process: one thread calling `WhooshEngine.search` back to back (the baseline);
2. `search serve` on 127.0.0.1 with 16 concurrent HTTP clients (httpx, asyncio);
3. the same while another process adds snapshots with `search index build` in a loop.

Each phase is bounded by --requests and --duration. It prints requests/s, p50/p95/p99 and
errors per phase as a Markdown table and writes the numbers as JSON (--json PATH).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from mix import keystrokes
from synth import generate

from index import IndexDir, build, sample_path
from search.engine import WhooshEngine

SEARCH_BIN = Path(sys.executable).with_name("search")
HELD_BACK = 30  # pages kept out of the first build, added one by one during phase 3


def main(argv: Sequence[str] | None = None) -> None:
    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="snapsearch-load-") as tmp:
        work = Path(args.workdir or tmp)
        _say(f"generating {args.size} pages")
        corpus = generate(sample_path(), work / "pages", args.size + HELD_BACK, args.seed)
        first, later = corpus.files[: args.size], corpus.files[args.size :]
        index_dir = IndexDir(work / "ix")
        started = time.perf_counter()
        report = build(index_dir, list(first))
        _say(f"built {report.documents} documents in {time.perf_counter() - started:.0f} s")
        mix = [k.text for k in keystrokes([name for _, name in corpus.names])]
        results: dict[str, Any] = {"meta": _meta(args, report.documents, len(mix))}
        results["in-process"] = _in_process(index_dir, mix, args)
        with _server(index_dir, args.workers, work) as url:
            results["service"] = asyncio.run(_load(url, mix, args))
            with _builds(index_dir, later) as done:
                results["service + build"] = asyncio.run(_load(url, mix, args))
            results["service + build"]["builds"] = done[0]
    _print(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", "utf-8")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="snapshots in the index")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--requests", type=int, default=4000, help="at most, per phase")
    parser.add_argument("--duration", type=float, default=60, help="seconds, at most, per phase")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", help="keep the pages and index here")
    parser.add_argument("--json", help="write the numbers here")
    return parser.parse_args(argv)


def _in_process(index_dir: IndexDir, mix: list[str], args: argparse.Namespace) -> dict[str, Any]:
    engine = WhooshEngine(IndexDir(index_dir.root))
    for text in mix[:20]:  # warm-up, as the server's first requests warm it
        engine.search(text, limit=10)
    timings: list[float] = []
    deadline = time.perf_counter() + args.duration
    started = time.perf_counter()
    for text in itertools.islice(itertools.cycle(mix), args.requests):
        begin = time.perf_counter()
        engine.search(text, limit=10)
        timings.append(time.perf_counter() - begin)
        if begin > deadline:
            break
    elapsed = time.perf_counter() - started
    engine.close()
    return _summary(timings, Counter({200: len(timings)}), elapsed, clients=1)


async def _load(url: str, mix: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """`args.clients` clients sending the mix as fast as answers come, bounded."""
    texts: Iterator[str] = itertools.islice(itertools.cycle(mix), args.requests)
    timings: list[float] = []
    outcomes: Counter[int | str] = Counter()
    deadline = time.perf_counter() + args.duration
    limits = httpx.Limits(max_connections=args.clients)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        for text in mix[:20]:
            await client.get("/api/v1/search", params={"q": text, "limit": 10})

        async def one_client() -> None:
            for text in texts:
                if time.perf_counter() > deadline:
                    return
                begin = time.perf_counter()
                try:
                    response = await client.get("/api/v1/search", params={"q": text, "limit": 10})
                    outcomes[response.status_code] += 1
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1
                timings.append(time.perf_counter() - begin)

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(args.clients)))
        elapsed = time.perf_counter() - started
    return _summary(timings, outcomes, elapsed, clients=args.clients)


def _summary(
    timings: list[float], outcomes: Counter[Any], elapsed: float, clients: int
) -> dict[str, Any]:
    ordered = sorted(timings)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "clients": clients,
        "requests": len(timings),
        "errors": sum(n for status, n in outcomes.items() if status != 200),
        "outcomes": {str(k): v for k, v in outcomes.items()},
        "seconds": round(elapsed, 2),
        "rps": round(len(timings) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2),
        "p95_ms": round(pct(0.95), 2),
        "p99_ms": round(pct(0.99), 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


class _server:
    """`search serve` on a free loopback port, until the block ends."""

    def __init__(self, index_dir: IndexDir, workers: int, work: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.command = [str(SEARCH_BIN), "--index", str(index_dir.root), "serve"]
        self.command += ["--port", str(self.port), "--workers", str(workers)]
        self.log = work / "serve.log"

    def __enter__(self) -> str:
        self.out = open(self.log, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(self.command, stdout=self.out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit(f"search serve did not start: {self.log.read_text()}")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.out.close()


class _builds:
    """Another process adding the held-back pages one `search index build` at a time."""

    def __init__(self, index_dir: IndexDir, pages: Sequence[Path]) -> None:
        self.index_dir, self.pages = index_dir, pages
        self.stop = threading.Event()
        self.done = [0]

    def _run(self) -> None:
        env = {**os.environ, "SEARCH_INDEX": str(self.index_dir.root)}
        for page in self.pages:
            if self.stop.is_set():
                return
            command = [str(SEARCH_BIN), "index", "build", str(page)]
            subprocess.run(command, env=env, check=True, capture_output=True)
            self.done[0] += 1

    def __enter__(self) -> list[int]:
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        return self.done

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _meta(args: argparse.Namespace, documents: int, mix: int) -> dict[str, Any]:
    return {
        "size": args.size,
        "documents": documents,
        "mix_queries": mix,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _print(results: dict[str, Any]) -> None:
    meta = results["meta"]
    print(
        f"\nN={meta['size']} snapshots ({meta['documents']} documents), search mix of "
        f"{meta['mix_queries']} queries, {meta['workers']} worker(s), {meta['cpus']} CPUs\n"
    )
    print("| phase | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for phase in ("in-process", "service", "service + build"):
        r = results[phase]
        name = phase + (f" ({r['builds']} builds)" if "builds" in r else "")
        print(
            f"| {name} | {r['clients']} | {r['requests']} | {r['errors']} | {r['rps']} "
            f"| {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |"
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
