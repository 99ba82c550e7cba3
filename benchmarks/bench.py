"""Benchmark snapsearch against SQLite FTS5 on synthetic daily snapshots (issue 6).

    .venv/bin/python benchmarks/bench.py --sizes 1,100,1000     (10000 is opt-in)
    .venv/bin/python benchmarks/bench.py --smoke                (N=1, a few queries)

For each size N it generates N daily pages from the sample, then measures for snapsearch
and for FTS5 on the same documents: the full build (in a process of its own, for its peak
memory), the latency of a keystroke mix through one long-lived engine, `ask` on a
question mix (when `search.ask` exists), the cold `search query` process, and
adding one more snapshot. It prints a table, the issue's targets met or not, and writes
everything as JSON (benchmarks/results/, or `--json PATH`).

The library is imported the usual way, so a frozen copy put first on PYTHONPATH is
measured instead of a working tree that others are editing (the JSON records which):

    cp -r index search /tmp/lib && PYTHONPATH=/tmp/lib .venv/bin/python benchmarks/bench.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import importlib
import importlib.util
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fts5 import Fts5
from mix import Keystroke, keystrokes, questions
from report import evaluate, render
from synth import Corpus, generate

import index
import search
from index import IndexDir, sample_path
from search.engine import WhooshEngine as Engine

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable
SEARCH_BIN = Path(sys.executable).with_name("search")
COLD_QUERY = "Koursk"
WARMUP = ("traité", "énergie", "EUR")  # not in the mix: a cache must not make it look fast

Stats = dict[str, Any]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the sizes asked for, print the tables, write the JSON."""
    args = _parse(argv)
    results: dict[str, Any] = {"meta": _meta(args), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="snapsearch-bench-") as tmp:
        work = Path(args.workdir or tmp)
        for size in args.sizes:
            _say(f"N={size}: starting")
            results["sizes"][str(size)] = _run_size(size, work / f"n{size}", args)
            _say(f"N={size}: done in {results['sizes'][str(size)]['elapsed_s']:.0f} s")
    results["meta"]["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    results["meta"]["library"]["foreign_modules"] = _foreign_modules()
    results["targets"] = evaluate(results["sizes"])
    render(results)
    path = Path(args.json) if args.json else _default_json_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    _say(f"JSON written to {path}")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,100,1000", help="snapshot counts, e.g. 1,100,1000")
    parser.add_argument("--smoke", action="store_true", help="N=1, few queries (CI, < 20 s)")
    parser.add_argument("--json", help="write the JSON here (default benchmarks/results/)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--cold-runs", type=int, default=10, help="cold processes to time")
    parser.add_argument("--workdir", help="keep generated pages and indexes in this folder")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.cold_runs = "1", min(args.cold_runs, 3)
    args.sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes wants positive counts, e.g. 1,100,1000")
    return args


def _run_size(size: int, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement at one size; each phase's wall time goes into `phases_s`."""
    start = time.perf_counter()
    phase = _Phases(size)
    corpus = phase("generate", lambda: generate(sample_path(), folder / "pages", size, args.seed))
    mix = keystrokes([name for _, name in corpus.names], smoke=args.smoke)
    snap = _measure_snapsearch(folder / "snapsearch", corpus, mix, args, phase)
    fts = _measure_fts5(folder / "fts5.db", corpus, mix, args, phase)
    return {
        "snapshots": size,
        "documents": snap["build"]["documents"],
        "queries": len(mix),
        "snapsearch": snap,
        "fts5": fts,
        "p95_ratio": _ratio(snap["keystrokes"]["p95_ms"], fts["keystrokes"]["p95_ms"]),
        "phases_s": phase.seconds,
        "elapsed_s": round(time.perf_counter() - start, 1),
    }


class _Phases:
    """Runs the phases of one size, logging and keeping the wall time of each."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str, work: Callable[[], Any]) -> Any:
        tick = time.perf_counter()
        result = work()
        self.seconds[name] = round(time.perf_counter() - tick, 2)
        _say(f"N={self.size}: {name} {self.seconds[name]:.1f} s")
        return result


def _measure_snapsearch(
    root: Path, corpus: Corpus, mix: list[Keystroke], args: argparse.Namespace, phase: _Phases
) -> Stats:
    stats: Stats = {"build": phase("snapsearch build", lambda: _build("worker.py", root, corpus))}
    stats["build"]["disk_bytes"] = _disk(root)
    engine = Engine(IndexDir(root))
    stats["keystrokes"] = phase("snapsearch keys", lambda: _latencies(engine.search, mix))
    stats["ask"] = phase("ask", lambda: _ask(engine, questions(smoke=args.smoke)))
    stats["segments"] = len(list(engine.searcher.reader().leaf_readers()))
    engine.close()
    env = {**os.environ, "SEARCH_INDEX": str(root), "NO_COLOR": "1"}
    command = [str(SEARCH_BIN), "query", COLD_QUERY]
    stats["cold_query"] = phase("snapsearch cold", lambda: _cold(command, env, args.cold_runs))
    # Last, because it grows the index to N+1 snapshots.
    stats["add_one"] = phase("snapsearch add", lambda: _add("worker.py", root, corpus.next_file))
    return stats


def _measure_fts5(
    db: Path, corpus: Corpus, mix: list[Keystroke], args: argparse.Namespace, phase: _Phases
) -> Stats:
    stats: Stats = {"build": phase("fts5 build", lambda: _build("fts5.py", db, corpus))}
    stats["build"]["disk_bytes"] = _disk(db)
    peer = Fts5(db)
    stats["keystrokes"] = phase("fts5 keys", lambda: _latencies(peer.search, mix))
    peer.close()
    command = [PYTHON, str(HERE / "fts5.py"), "query", str(db), COLD_QUERY]
    stats["cold_query"] = phase("fts5 cold", lambda: _cold(command, None, args.cold_runs))
    stats["add_one"] = phase("fts5 add", lambda: _add("fts5.py", db, corpus.next_file))
    return stats


def _build(script: str, target: Path, corpus: Corpus) -> Stats:
    out = _run_worker(script, "build", target, [corpus.folder])
    seconds = out["seconds"]
    return {
        "seconds": round(seconds, 3),
        "snapshots": out["snapshots"],
        "documents": out["documents"],
        "docs_per_s": round(out["documents"] / seconds, 1),
        "snapshots_per_s": round(out["snapshots"] / seconds, 2),
        "peak_rss_mb": round(out["peak_rss_kb"] / 1024, 1),
        "baseline_rss_mb": round(out["baseline_rss_kb"] / 1024, 1),
        **({"engine_seconds": round(out["engine_seconds"], 3)} if "engine_seconds" in out else {}),
    }


def _add(script: str, target: Path, path: Path) -> Stats:
    tick = time.perf_counter()
    out = _run_worker(script, "add", target, [path])
    process = time.perf_counter() - tick
    return {"seconds": round(out["seconds"], 3), "process_seconds": round(process, 3)}


def _run_worker(script: str, mode: str, target: Path, paths: Sequence[Path]) -> Stats:
    command = [PYTHON, str(HERE / script), mode, str(target), *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{script} {mode} failed:\n{done.stderr[-2000:]}")
    result: Stats = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _latencies(search: Callable[[str], Any], mix: Sequence[Keystroke]) -> Stats:
    """Time each query of the mix once, in typing order, after a short warm-up."""
    for text in WARMUP:
        search(text)
    gc.collect()  # a collection owed by the build or the warm-up is not a keystroke's cost
    timings: list[tuple[Keystroke, float, bool]] = []
    for key in mix:
        tick = time.perf_counter()
        found = search(key.text)
        timings.append((key, (time.perf_counter() - tick) * 1000, bool(_hits(found))))
    stats = _summary([ms for _, ms, _ in timings])
    stats["found"] = sum(hit for _, _, hit in timings)
    stats["by_category"] = {
        category: _summary([ms for key, ms, _ in timings if key.category == category])
        for category in sorted({key.category for key in mix})
    }
    slowest = sorted(timings, key=lambda t: -t[1])[:8]
    stats["slowest"] = [[key.text, round(ms, 2)] for key, ms, _ in slowest]
    return stats


def _hits(found: Any) -> Sequence[Any]:
    return found.hits if hasattr(found, "hits") else found


def _ask(engine: Engine, mix: Sequence[str]) -> Stats:
    """`answer(engine, question)` per question, if the module exists yet."""
    spec = importlib.util.find_spec("search.ask")
    # The editable install's finder would serve search/ask/ from the working tree under a
    # frozen copy of the library that lacks it: that would be another library.
    if spec is None or not Path(str(spec.origin)).is_relative_to(Path(search.__file__).parent):
        return {"skipped": "search/ask/ is absent"}
    answer = getattr(importlib.import_module("search.ask"), "answer", None)
    if answer is None:
        return {"skipped": "search.ask has no answer(engine, question)"}
    try:
        for question in WARMUP:
            answer(engine, question)
        timings = []
        for question in mix:
            tick = time.perf_counter()
            answer(engine, question)
            timings.append((time.perf_counter() - tick) * 1000)
    except Exception as exc:  # a module being written may not run yet: say so, go on
        return {"skipped": f"answer() raised {type(exc).__name__}: {exc}"}
    return _summary(timings)


def _cold(command: list[str], env: dict[str, str] | None, runs: int) -> Stats:
    """Median wall time of a fresh process, after one untimed run warms the page cache."""
    timings = []
    for run in range(runs + 1):
        tick = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, check=False)
        elapsed = (time.perf_counter() - tick) * 1000
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
        if run:
            timings.append(elapsed)
    return {
        "median_ms": round(statistics.median(timings), 1),
        "min_ms": round(min(timings), 1),
        "runs": runs,
    }


def _summary(timings: Sequence[float]) -> Stats:
    ordered = sorted(timings)
    return {
        "count": len(ordered),
        "p50_ms": round(_percentile(ordered, 50), 2),
        "p95_ms": round(_percentile(ordered, 95), 2),
        "p99_ms": round(_percentile(ordered, 99), 2),
        "max_ms": round(ordered[-1], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def _disk(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join([Path(PYTHON).name, "benchmarks/bench.py", *sys.argv[1:]]),
        "sizes": args.sizes,
        "smoke": args.smoke,
        "seed": args.seed,
        "cold_runs": args.cold_runs,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "whoosh": version("Whoosh-Reloaded"),
            "langdetect": version("langdetect"),
            "snapsearch_commit": _git("rev-parse", "--short", "HEAD"),
            "snapsearch_dirty": bool(_git("status", "--porcelain", "--", "index", "search")),
        },
        "library": _library(),
    }


def _library() -> dict[str, str]:
    """Where `index` and `search` were imported from, and a digest of their sources.

    The library may be edited while a long run goes on, or be a frozen copy put first
    on PYTHONPATH; the digest tells which code produced the numbers.
    """
    root = Path(index.__file__).resolve().parent.parent
    digest = hashlib.sha1()
    for package in ("index", "search"):
        for source in sorted((root / package).glob("*.py")):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return {"path": str(root), "digest": digest.hexdigest()[:12]}


def _foreign_modules() -> list[str]:
    """Library modules this process loaded from outside the measured library's folder."""
    root = Path(index.__file__).resolve().parent.parent
    return sorted(
        name
        for name, module in sys.modules.items()
        if name.split(".")[0] in ("index", "search")
        and getattr(module, "__file__", None)
        and root not in Path(module.__file__).resolve().parents
    )


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _default_json_path() -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return HERE / "results" / f"bench-{stamp}.json"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
