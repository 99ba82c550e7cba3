"""Benchmark snapsearch against SQLite FTS5 on synthetic daily snapshots (issue 6).

    .venv/bin/python benchmarks/bench.py --sizes 1,100,1000     (3650 is opt-in)
    .venv/bin/python benchmarks/bench.py --smoke                (N=1, a few queries)

For each size N it generates N daily pages from the sample (kept in `--workdir` for the
next run), then measures snapsearch and SQLite FTS5 on two document models
(benchmarks/fts5.py): `new`, the documents snapsearch indexes (one per distinct text, one
per series, engine against engine), and `old`, one row per document per snapshot (what one
builds with sqlite-utils). For each engine: the full build (in a process of its own, for
its peak memory), the index size, the latency of a keystroke mix through one long-lived
engine, the cold query process for `Koursk` and `dollar`, and adding one more snapshot;
for snapsearch also `ask` on a question mix (when `search.ask` exists) and the terminal
UI's peak memory once its first results show. Beside the cold queries: a bare `python -c
pass`, and `rg -i -c WORD` over the N page files when ripgrep is installed. It prints the
tables and the issue's targets with their ratios within the same run, and writes the
results as JSON and the tables as Markdown (benchmarks/results/, or `--json PATH`).

The library is imported the usual way, so a frozen copy put first on PYTHONPATH is
measured instead of a working tree that others are editing (the JSON records which):

    cp -r index search tui /tmp/lib && PYTHONPATH=/tmp/lib .venv/bin/python benchmarks/bench.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import hashlib
import importlib
import importlib.util
import json
import os
import platform
import shutil
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
from report import evaluate, markdown, render
from synth import Corpus, generate

import index
import search
from index import IndexDir, sample_path
from search.engine import WhooshEngine as Engine

# The core is measured: a build with the semantic extra installed would also embed
# every text (benchmarks/ask_semantic.py measures that).
os.environ.setdefault("SNAPSEARCH_SEMANTIC", "off")

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable
SEARCH_BIN = Path(sys.executable).with_name("search")
COLD_QUERIES = ("Koursk", "dollar")  # a rare name, and a word of ~40 currencies every day
WARMUP = ("traité", "énergie", "EUR")  # not in the mix: a cache must not make it look fast
ENGINES = ("snapsearch", "fts5_new", "fts5_old")
FTS5_MODELS = {"fts5_new": "new", "fts5_old": "old"}

Stats = dict[str, Any]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the sizes asked for, print the tables, write the JSON and the Markdown."""
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
    path.with_suffix(".md").write_text(markdown(results), "utf-8")
    if args.markdown:
        print(markdown(results), end="")
    _say(f"JSON written to {path}, Markdown to {path.with_suffix('.md')}")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", default="1,100,1000", help="snapshot counts, e.g. 1,100,1000 or 1000,3650"
    )
    parser.add_argument("--smoke", action="store_true", help="N=1, few queries (CI, < 20 s)")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help=f"a subset of {','.join(ENGINES)} (the ratios need all three)",
    )
    parser.add_argument("--no-tui", action="store_true", help="skip the TUI's memory")
    parser.add_argument("--json", help="write the JSON here (default benchmarks/results/)")
    parser.add_argument("--markdown", action="store_true", help="also print the Markdown")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--cold-runs", type=int, default=10, help="cold processes to time")
    parser.add_argument("--workdir", help="keep generated pages and indexes in this folder")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.cold_runs = "1", min(args.cold_runs, 3)
    args.sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes wants positive counts, e.g. 1,100,1000")
    args.engines = [e.strip() for e in str(args.engines).split(",") if e.strip()]
    if not args.engines or not set(args.engines) <= set(ENGINES):
        parser.error(f"--engines wants a subset of {','.join(ENGINES)}")
    return args


def _run_size(size: int, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement at one size; each phase's wall time goes into `phases_s`."""
    start = time.perf_counter()
    phase = _Phases(size)
    corpus = phase("generate", lambda: _corpus(folder / "pages", size, args.seed))
    mix = keystrokes([name for _, name in corpus.names], smoke=args.smoke)
    result: dict[str, Any] = {"snapshots": size, "queries": len(mix)}
    if "snapsearch" in args.engines:
        result["snapsearch"] = _measure_snapsearch(folder / "snapsearch", corpus, mix, args, phase)
    for engine, model in FTS5_MODELS.items():
        if engine in args.engines:
            db = folder / f"fts5-{model}.db"
            result[engine] = _measure_fts5(engine, db, model, corpus, mix, args, phase)
    first = next(result[engine] for engine in ENGINES if engine in result)
    result["documents"] = first["build"]["documents"]
    result["python"] = {
        "cold_query": {"pass": phase("python -c pass", lambda: _python_pass(args.cold_runs))}
    }
    result["rg"] = phase("rg", lambda: _ripgrep(corpus, args.cold_runs))
    result["ratios"] = _ratios(result)
    result["phases_s"] = phase.seconds
    result["elapsed_s"] = round(time.perf_counter() - start, 1)
    return result


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


def _corpus(folder: Path, size: int, seed: int) -> Corpus:
    """The generated pages, reused from an earlier run when nothing they depend on changed."""
    sample = sample_path()
    key = {
        "size": size,
        "seed": seed,
        "sample": hashlib.sha256(sample.read_bytes()).hexdigest(),
        "generator": hashlib.sha256((HERE / "synth.py").read_bytes()).hexdigest(),
    }
    marker = folder / "corpus.json"
    try:
        kept = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        kept = None
    if kept and {k: kept.get(k) for k in key} == key:
        pages = folder / "snapshots"
        (next_file,) = (folder / "next").glob("*.txt")
        files = tuple(sorted(pages.glob("*.txt")))
        if len(files) == size:
            names = tuple((int(day), str(name)) for day, name in kept["names"])
            return Corpus(pages, files, next_file, names)
    shutil.rmtree(folder, ignore_errors=True)
    corpus = generate(sample, folder, size, seed)
    marker.write_text(json.dumps({**key, "names": corpus.names}, ensure_ascii=False), "utf-8")
    return corpus


def _measure_snapsearch(
    root: Path, corpus: Corpus, mix: list[Keystroke], args: argparse.Namespace, phase: _Phases
) -> Stats:
    shutil.rmtree(root, ignore_errors=True)
    stats: Stats = {"build": phase("snapsearch build", lambda: _build("worker.py", root, corpus))}
    stats["build"]["disk_bytes"] = _disk(root)
    engine = Engine(IndexDir(root))
    # As the TUI types: a total that would need a second pass may be estimated.
    typed = functools.partial(engine.search, exact=False)
    stats["keystrokes"] = phase("snapsearch keys", lambda: _latencies(typed, mix))
    stats["ask"] = phase("ask", lambda: _ask(engine, questions(smoke=args.smoke)))
    stats["segments"] = _segments(engine)
    engine.close()
    env = {**os.environ, "SEARCH_INDEX": str(root), "NO_COLOR": "1"}
    command = [str(SEARCH_BIN), "query"]
    stats["cold_query"] = _cold_queries("snapsearch", command, env, args.cold_runs, phase)
    if args.no_tui:
        stats["tui"] = {"skipped": "--no-tui"}
    else:
        stats["tui"] = phase("tui", lambda: _tui(root))
    # Last, because it grows the index to N+1 snapshots.
    stats["add_one"] = phase("snapsearch add", lambda: _add("worker.py", root, corpus.next_file))
    return stats


def _measure_fts5(
    engine: str,
    db: Path,
    model: str,
    corpus: Corpus,
    mix: list[Keystroke],
    args: argparse.Namespace,
    phase: _Phases,
) -> Stats:
    build = phase(f"{engine} build", lambda: _build("fts5.py", db, corpus, model=model))
    stats: Stats = {"model": model, "build": build}
    stats["build"]["disk_bytes"] = _disk(db)
    peer = Fts5(db)
    stats["keystrokes"] = phase(f"{engine} keys", lambda: _latencies(peer.search, mix))
    peer.close()
    command = [PYTHON, str(HERE / "fts5.py"), "query", str(db)]
    stats["cold_query"] = _cold_queries(engine, command, None, args.cold_runs, phase)
    stats["add_one"] = phase(f"{engine} add", lambda: _add("fts5.py", db, corpus.next_file))
    return stats


def _cold_queries(
    engine: str, command: list[str], env: dict[str, str] | None, runs: int, phase: _Phases
) -> Stats:
    """`command QUERY` in a new process for each of the cold queries."""
    return {
        query: phase(
            f"{engine} cold {query}", functools.partial(_cold, [*command, query], env, runs)
        )
        for query in COLD_QUERIES
    }


def _segments(engine: Engine) -> int | None:
    """Whoosh segments of the index, when the engine is built on Whoosh."""
    try:
        return len(list(engine.searcher.reader().leaf_readers()))
    except Exception:  # another storage engine has no segments to count
        return None


def _python_pass(runs: int) -> Stats:
    """A bare interpreter's start and exit: the floor under any cold Python command."""
    return _cold([PYTHON, "-c", "pass"], None, runs)


def _ripgrep(corpus: Corpus, runs: int) -> Stats:
    """`rg -i -c WORD` over the page files, cold, when ripgrep is installed."""
    rg = shutil.which("rg")
    if rg is None:
        return {"skipped": "rg is not on PATH"}
    queries = {
        query: _cold([rg, "-i", "-c", query.lower(), str(corpus.folder)], None, runs)
        for query in COLD_QUERIES
    }
    return {"cold_query": queries}


def _tui(root: Path) -> Stats:
    """Peak memory of the TUI on the index once its first results show (tui_memory.py)."""
    command = [PYTHON, str(HERE / "tui_memory.py"), str(root), COLD_QUERIES[0]]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        _say(f"tui_memory.py failed:\n{done.stderr[-2000:]}")
        return {"skipped": f"tui_memory.py failed: {reason}"}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "peak_rss_mb": round(out["peak_rss_kb"] / 1024, 1),
        "seconds_to_results": out["seconds_to_results"],
        "seconds_to_open": out["seconds_to_open"],
        "results": out["results"],
    }


def _ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """The comparisons the targets are judged on, all within this run."""

    def get(*keys: str) -> float | None:
        data: Any = result
        for key in keys:
            if not isinstance(data, dict) or key not in data:
                return None
            data = data[key]
        return data if isinstance(data, int | float) else None

    ratios = {
        f"p95_vs_{e}": _ratio(
            get("snapsearch", "keystrokes", "p95_ms"), get(e, "keystrokes", "p95_ms")
        )
        for e in FTS5_MODELS
    }
    ratios["build_vs_fts5_new"] = _ratio(
        get("snapsearch", "build", "seconds"), get("fts5_new", "build", "seconds")
    )
    ratios["disk_vs_fts5_new"] = _ratio(
        get("snapsearch", "build", "disk_bytes"), get("fts5_new", "build", "disk_bytes")
    )
    for query in COLD_QUERIES:
        ratios[f"cold_{query}_vs_python"] = _ratio(
            get("snapsearch", "cold_query", query, "median_ms"),
            get("python", "cold_query", "pass", "median_ms"),
        )
    return ratios


def _build(script: str, target: Path, corpus: Corpus, *, model: str | None = None) -> Stats:
    mode = ["build", model] if model else ["build"]
    out = _run_worker(script, mode, target, [corpus.folder])
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
    out = _run_worker(script, ["add"], target, [path])
    process = time.perf_counter() - tick
    return {"seconds": round(out["seconds"], 3), "process_seconds": round(process, 3)}


def _run_worker(script: str, mode: list[str], target: Path, paths: Sequence[Path]) -> Stats:
    command = [PYTHON, str(HERE / script), *mode, str(target), *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{script} {' '.join(mode)} failed:\n{done.stderr[-2000:]}")
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
    hits: Sequence[Any] = found.hits if hasattr(found, "hits") else found
    return hits


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


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


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
        "engines": args.engines,
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
            "textual": version("textual"),
            "rg": _rg_version(),
            "snapsearch_commit": _git("rev-parse", "--short", "HEAD"),
            "snapsearch_dirty": bool(
                _git("--no-optional-locks", "status", "--porcelain", "--", "index", "search", "tui")
            ),
        },
        "library": _library(),
    }


def _rg_version() -> str | None:
    rg = shutil.which("rg")
    if rg is None:
        return None
    done = subprocess.run([rg, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.splitlines()[0] if done.stdout else None


def _library() -> dict[str, str]:
    """Where `index`, `search` and `tui` were imported from, and a digest of their sources.

    The library may be edited while a long run goes on, or be a frozen copy put first
    on PYTHONPATH; the digest tells which code produced the numbers.
    """
    root = Path(index.__file__).resolve().parent.parent
    digest = hashlib.sha1()
    for package in ("index", "search", "tui"):
        for source in sorted((root / package).rglob("*.py")):
            name = source.relative_to(root).as_posix()
            digest.update(name.encode() + b"\0" + source.read_bytes())
    return {"path": str(root), "digest": digest.hexdigest()[:12]}


def _foreign_modules() -> list[str]:
    """Library modules this process loaded from outside the measured library's folder."""
    root = Path(index.__file__).resolve().parent.parent
    return sorted(
        name
        for name, module in sys.modules.items()
        if name.split(".")[0] in ("index", "search", "tui")
        and getattr(module, "__file__", None)
        and root not in Path(str(module.__file__)).resolve().parents
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
