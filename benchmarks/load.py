"""Load the search service on loopback and compare it with the engine in-process (issue 15).

    .venv/bin/python benchmarks/load.py                       N=1000, 16 clients
    .venv/bin/python benchmarks/load.py --size 50 --requests 500 --duration 10   (quick)

It generates N daily pages from the sample (the generator of bench.py), builds the index,
then runs the search keystroke mix of bench.py:

1. in-process: one thread calling `WhooshEngine.search` back to back (the baseline);
2. `search serve` on 127.0.0.1 with 16 concurrent HTTP clients (aiohttp, asyncio, one
   keep-alive connection each; `--client httpx` for the client of the first measurements);
3. the same while another process adds 30 snapshots with `search index build`, one after
   the other: this phase lasts until they are done (or --duration), not --requests.

Phases 1 and 2 are bounded by --requests and --duration. It prints requests/s, p50/p95/p99 and
errors per phase as a Markdown table and writes the numbers as JSON (--json PATH).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from mix import keystrokes
from synth import generate

import index as index_package
from index import IndexDir, build, sample_path
from search.engine import WhooshEngine

# The core is measured: a build with the semantic extra installed would also embed
# every text (benchmarks/ask_semantic.py measures that).
os.environ.setdefault("SNAPSEARCH_SEMANTIC", "off")

SEARCH_BIN = Path(sys.executable).with_name("search")
Getter = Callable[[str], Awaitable[int]]
HELD_BACK = 30  # pages kept out of the first build, added one by one during phase 3


def main(argv: Sequence[str] | None = None) -> None:
    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="snapsearch-load-") as tmp:
        work = Path(args.workdir or tmp)
        index_dir = IndexDir(work / "ix")
        first, later, names, documents = _prepared(work, index_dir, args)
        mix = [k.text for k in keystrokes(names)]
        results: dict[str, Any] = {"meta": _meta(args, documents, len(mix))}
        results["in-process"] = _in_process(index_dir, mix, args)
        with _server(index_dir, args.workers, work) as server:
            pid = server.process.pid
            results["service"] = asyncio.run(_load(server.url, mix, args, pid))
            with _builds(index_dir, later) as builds:
                during = _load(server.url, mix, args, pid, until=builds.finished)
                results["service + build"] = asyncio.run(during)
            results["service + build"]["builds"] = builds.done[0]
    _print(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", "utf-8")


def _prepared(
    work: Path, index_dir: IndexDir, args: argparse.Namespace
) -> tuple[list[Path], list[Path], list[str], int]:
    """The pages, the first build and the generator's names; from a kept --workdir when
    it holds them for this size and seed (phase 3 changes the index: it starts from a
    copy of the first build), else generated and built now."""
    # The index code too: a kept index is built again after any change to how it is built.
    code = hashlib.sha256()
    for source in sorted(Path(index_package.__file__).parent.rglob("*.py")):
        code.update(source.read_bytes())
    key = {"size": args.size, "seed": args.seed, "held_back": HELD_BACK}
    key["index_code"] = code.hexdigest()
    kept, pristine = work / "corpus.json", work / "ix.first"
    if kept.is_file() and pristine.is_dir():
        saved = json.loads(kept.read_text("utf-8"))
        if saved["key"] == key:
            _say(f"reusing the {args.size} pages and the index kept in {work}")
            shutil.rmtree(index_dir.root, ignore_errors=True)
            shutil.copytree(pristine, index_dir.root, symlinks=True)
            files = [Path(f) for f in saved["files"]]
            return files[: args.size], files[args.size :], saved["names"], saved["documents"]
    for stale in (work / "pages", index_dir.root, pristine, kept):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    _say(f"generating {args.size} pages")
    corpus = generate(sample_path(), work / "pages", args.size + HELD_BACK, args.seed)
    started = time.perf_counter()
    report = build(index_dir, list(corpus.files[: args.size]))
    _say(f"built {report.documents} documents in {time.perf_counter() - started:.0f} s")
    names = [name for _, name in corpus.names]
    if args.workdir:  # kept for the next run with this --workdir
        shutil.copytree(index_dir.root, pristine, symlinks=True)
        files = [str(f) for f in corpus.files]
        saved = {"key": key, "files": files, "names": names, "documents": report.documents}
        kept.write_text(json.dumps(saved), "utf-8")
    files = list(corpus.files)
    return files[: args.size], files[args.size :], names, report.documents


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="snapshots in the index")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp")
    parser.add_argument("--requests", type=int, default=4000, help="at most, per phase")
    parser.add_argument("--duration", type=float, default=60, help="seconds, at most, per phase")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workdir", help="keep the pages and index here (and reuse them next time)"
    )
    parser.add_argument("--json", help="write the numbers here")
    return parser.parse_args(argv)


def _in_process(index_dir: IndexDir, mix: list[str], args: argparse.Namespace) -> dict[str, Any]:
    engine = WhooshEngine(IndexDir(index_dir.root))
    for text in mix[:20]:  # warm-up, as the server's first requests warm it
        engine.search(text, limit=10)
    timings: list[float] = []
    seen, first = set(mix[:20]), []
    deadline = time.perf_counter() + args.duration
    started = time.perf_counter()
    for text in itertools.islice(itertools.cycle(mix), args.requests):
        first.append(text not in seen)
        seen.add(text)
        begin = time.perf_counter()
        engine.search(text, limit=10)
        timings.append(time.perf_counter() - begin)
        if begin > deadline:
            break
    elapsed = time.perf_counter() - started
    engine.close()
    return _summary(timings, Counter({200: len(timings)}), elapsed, clients=1, first=first)


async def _load(
    url: str,
    mix: list[str],
    args: argparse.Namespace,
    server: int | None = None,
    until: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """`args.clients` clients sending the mix as fast as answers come, bounded by
    --requests and --duration; with `until`, by --duration and `until()` only (the phase
    with builds lasts as long as they do, so that every request overlaps one).

    The client is aiohttp (HTTP/1.1 keep-alive over loopback, one connection per client):
    it spends ~0.15 ms of CPU per request where httpx's AsyncClient spent ~1.8 ms, which
    on 2 cores shared with the service was most of what the table measured. The CPU the
    client and the service used is reported beside the latencies.
    """
    texts: Iterator[str] = itertools.cycle(mix)
    if until is None:
        texts = itertools.islice(texts, args.requests)
    timings: list[float] = []
    seen, first = set(mix[:20]), []  # whether each request sent its query a first time
    outcomes: Counter[int | str] = Counter()
    deadline = time.perf_counter() + args.duration
    async with _client(url, args) as get:
        for text in mix[:20]:
            await get(text)

        async def one_client() -> None:
            for text in texts:
                if time.perf_counter() > deadline or (until is not None and until()):
                    return
                is_first = text not in seen
                seen.add(text)
                begin = time.perf_counter()
                try:
                    outcomes[await get(text)] += 1
                except (aiohttp.ClientError, httpx.HTTPError, TimeoutError) as exc:
                    outcomes[type(exc).__name__] += 1
                timings.append(time.perf_counter() - begin)
                first.append(is_first)

        cpu, served = time.process_time(), _cpu_of(server)
        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(args.clients)))
        elapsed = time.perf_counter() - started
        cpu, served = time.process_time() - cpu, _cpu_of(server) - served
    summary = _summary(timings, outcomes, elapsed, clients=args.clients, first=first)
    summary["client_cpu"] = round(cpu / elapsed, 2)  # cores, on average
    summary["client_cpu_ms_per_request"] = round(cpu / max(1, len(timings)) * 1000, 3)
    if server is not None:
        summary["service_cpu"] = round(served / elapsed, 2)
        summary["service_cpu_ms_per_request"] = round(served / max(1, len(timings)) * 1000, 3)
    return summary


@contextlib.asynccontextmanager
async def _client(url: str, args: argparse.Namespace) -> AsyncIterator[Getter]:
    """A function that GETs one search and answers its status, over `args.clients`
    keep-alive connections."""
    params = {"limit": "10"}
    if args.client == "httpx":
        limits = httpx.Limits(max_connections=args.clients)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

            async def by_httpx(text: str) -> int:
                response = await client.get("/api/v1/search", params={**params, "q": text})
                return response.status_code

            yield by_httpx
        return
    connector = aiohttp.TCPConnector(limit=args.clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as session:

        async def by_aiohttp(text: str) -> int:
            async with session.get("/api/v1/search", params={**params, "q": text}) as response:
                await response.read()
                return response.status

        yield by_aiohttp


def _cpu_of(pid: int | None) -> float:
    """CPU seconds used so far by process `pid` and its children (Linux /proc; 0 else)."""
    if pid is None or not Path("/proc/self/stat").exists():
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        used[child] = (int(fields[11]) + int(fields[12])) / tick
    total = 0.0
    for child, seconds in used.items():
        ancestor = child
        while ancestor not in (pid, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == pid:
            total += seconds
    return total


def _summary(
    timings: list[float],
    outcomes: Counter[Any],
    elapsed: float,
    clients: int,
    first: list[bool],
) -> dict[str, Any]:
    """Latencies of every request, and apart those of a query's first time in the phase
    (no cache can know its answer yet) and of the repeats."""
    ordered = sorted(timings)

    def pct(q: float, among: list[float] = ordered) -> float:
        return among[min(len(among) - 1, int(q * len(among)))] * 1000 if among else 0.0

    new = sorted(t for t, is_first in zip(timings, first, strict=True) if is_first)
    again = sorted(t for t, is_first in zip(timings, first, strict=True) if not is_first)
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
        "first_time": {"requests": len(new), "p50_ms": round(pct(0.5, new), 2)},
        "repeats": {
            "requests": len(again),
            "p50_ms": round(pct(0.5, again), 2),
            "p95_ms": round(pct(0.95, again), 2),
            "p99_ms": round(pct(0.99, again), 2),
        },
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

    def __enter__(self) -> _server:
        self.out = open(self.log, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(self.command, stdout=self.out, stderr=subprocess.STDOUT)
        self.url = url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return self
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

    def __enter__(self) -> _builds:
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        return self

    def finished(self) -> bool:
        return not self.thread.is_alive()

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _meta(args: argparse.Namespace, documents: int, mix: int) -> dict[str, Any]:
    return {
        "size": args.size,
        "documents": documents,
        "mix_queries": mix,
        "workers": args.workers,
        "client": args.client,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _print(results: dict[str, Any]) -> None:
    meta = results["meta"]
    print(
        f"\nN={meta['size']} snapshots ({meta['documents']} documents), search mix of "
        f"{meta['mix_queries']} queries, {meta['workers']} worker(s), {meta['cpus']} CPUs, "
        f"{meta['client']} client\n"
    )
    print(
        "| phase | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms "
        "| client CPU | service CPU |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for phase in ("in-process", "service", "service + build"):
        r = results[phase]
        name = phase + (f" ({r['builds']} builds)" if "builds" in r else "")
        cpu = [r.get(k) for k in ("client_cpu", "service_cpu")]
        shares = [f"{c:.2f} cores" if c is not None else "—" for c in cpu]
        print(
            f"| {name} | {r['clients']} | {r['requests']} | {r['errors']} | {r['rps']} "
            f"| {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {shares[0]} | {shares[1]} |"
        )
    print(
        "\nclient/service CPU: cores used on average during the phase (the builds' own CPU "
        "is in neither)\n"
    )
    print(
        "| phase | first-time queries | their p50 ms | repeats | repeats p50 ms "
        "| repeats p95 ms | repeats p99 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for phase in ("in-process", "service", "service + build"):
        new, again = results[phase]["first_time"], results[phase]["repeats"]
        print(
            f"| {phase} | {new['requests']} | {new['p50_ms']} | {again['requests']} "
            f"| {again['p50_ms']} | {again['p95_ms']} | {again['p99_ms']} |"
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
