"""Where the time goes: profiles of the build, of slow keystrokes and of a cold process.

    hotspots.py build FOLDER [--files N]   cProfile a fresh build of the first N pages
    hotspots.py queries ROOT [TEXT...]     one query's steps timed apart, and alternatives
    hotspots.py add ROOT PAGE              cProfile adding PAGE (under a fresh id) to ROOT
    hotspots.py cold ROOT                  import times and a profile of `search query`

Measures only: nothing here changes the library. (Not named `profile.py`: cProfile
imports the standard `profile` module, which a sibling of that name would shadow.)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh.sorting import FieldFacet, ScoreFacet

from index import IndexDir, build, find_snapshot_files
from search.engine import WhooshEngine as Engine
from search.engine._query import build_query
from search.engine._whoosh import _matched_terms  # the engine's own step, timed on its own

# The core is measured: a build with the semantic extra installed would also embed
# every text (benchmarks/ask_semantic.py measures that).
os.environ.setdefault("SNAPSEARCH_SEMANTIC", "off")

PYTHON = sys.executable
HERE = Path(__file__).resolve().parent
SLOW_QUERIES = ("K", "Ko", "Kou", "Koursk", "Koursk d", "Kursk", "sanctoins", "Moscou Pyongyang")

# Build stages: (label, file suffix, function name); cumulative time of each.
_BUILD_STAGES = (
    ("read files", "index/parse.py", "read_file"),
    ("parse", "index/parse.py", "parse_snapshot"),
    ("documents (all)", "index/documents.py", "documents"),
    ("  langdetect", "index/lang.py", "detect"),
    ("  Babel currency names", "index/documents.py", "_currency_name"),
    ("whoosh add_document", "whoosh/writing.py", "add_document"),
    ("whoosh commit", "whoosh/writing.py", "commit"),
    ("list known snapshots", "index/store.py", "list_snapshots"),
)


def profile_build(folder: Path, files: int) -> None:
    """A fresh build of the first `files` pages under cProfile, by stage and by function."""
    paths = find_snapshot_files([folder])[0][:files]
    with tempfile.TemporaryDirectory() as tmp:
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(build, IndexDir(Path(tmp) / "ix"), paths)
        wall = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    total = _cumulative(stats, "index/builder.py", "build")
    print(f"build of {len(paths)} pages: {wall:.1f} s wall, {total:.1f} s profiled")
    for label, suffix, name in _BUILD_STAGES:
        seconds = _cumulative(stats, suffix, name)
        print(f"  {label:<26} {seconds:8.2f} s  {seconds / total:6.1%}")
    _top(stats, "tottime", 25)


def profile_add(root: Path, page: Path) -> None:
    """Adding one page to an existing index under cProfile; the index grows by one."""
    with tempfile.TemporaryDirectory() as tmp:
        # A fresh id, so the page is new to the index whatever was added before.
        fresh = Path(tmp) / f"prague-post-2999-{time.time_ns() % 10**6:06d}.txt"
        fresh.write_bytes(page.read_bytes())
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(build, IndexDir(root), [fresh])
        wall = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    print(f"add one page: {wall:.2f} s wall")
    for label, suffix, name in _BUILD_STAGES:
        print(f"  {label:<26} {_cumulative(stats, suffix, name):8.2f} s")
    stats.stream = sys.stdout  # type: ignore[attr-defined]
    stats.sort_stats("cumtime").print_stats(30)


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    return sum(
        row[3] for (path, _, func), row in table.items() if func == name and path.endswith(suffix)
    )


def _top(stats: pstats.Stats, key: str, count: int) -> None:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(count)
    text = out.getvalue()
    print(text[text.find("   ncalls") :])


def profile_queries(root: Path, texts: tuple[str, ...]) -> None:
    """Each step of `Engine.search` timed apart, then the alternatives the levers suggest."""
    engine = Engine(IndexDir(root))
    searcher, reader = engine.searcher, engine.searcher.reader()
    print(f"{searcher.doc_count():,} documents, {len(list(reader.leaf_readers()))} segment(s)")
    for text in texts:
        found = engine.search(text)
        last = engine.words(text)[-1].plain
        terms = sum(1 for _ in reader.expand_prefix("plain", last))
        print(f"\n{text!r}: {found.total:,} hits, fuzzy={found.fuzzy}, prefix expands to {terms:,}")
        for label, step in _steps(engine, text).items():
            print(f"  {label:<28} {_median_ms(step):9.1f} ms")
    print()
    profiler = cProfile.Profile()
    for text in texts:
        profiler.runcall(engine.search, text)
    _top(pstats.Stats(profiler), "tottime", 20)


def _steps(engine: Engine, text: str) -> dict[str, Callable[[], object]]:
    """The steps of `Engine.search(text)` (exact pass only), and cheaper alternatives."""
    searcher, reader = engine.searcher, engine.searcher.reader()
    typed = engine.words(text)
    query = build_query(typed)
    sort = [ScoreFacet(), FieldFacet("day", reverse=True)]
    top = [hit.fields() for hit in searcher.search(query, limit=10, sortedby=sort)]
    terms = _matched_terms(query, reader)
    return {
        "Engine.search (all)": lambda: engine.search(text),
        "  words + build_query": lambda: build_query(engine.words(text)),
        "  search sorted, limit 10": lambda: searcher.search(query, limit=10, sortedby=sort),
        "  + len(results)": lambda: len(searcher.search(query, limit=10, sortedby=sort)),
        "  matched terms": lambda: _matched_terms(query, reader),
        "  highlight 10 hits": lambda: _highlight(engine, top, terms),
        "  run() (all of the above)": lambda: engine.run(query, limit=10),
        "  typo candidates": lambda: engine.within_one_typo(typed[-1].plain),
        "alt: score only, limit 10": lambda: searcher.search(query, limit=10),
        "alt: no count, no terms": lambda: _first_page(searcher, query),
    }


def _highlight(engine: Engine, docs: list[dict[str, Any]], terms: dict[str, set[str]]) -> None:
    for doc in docs:
        lang = doc.get("lang")
        engine.highlight(doc["text"], terms, ("fr", "en") if lang is None else (lang,))


def _first_page(searcher: Any, query: Any) -> int:
    results = searcher.search(query, limit=10, terms=False)
    return sum(1 for _ in results[:10])


def _median_ms(step: Callable[[], object], runs: int = 5) -> float:
    timings = []
    for _ in range(runs):
        tick = time.perf_counter()
        step()
        timings.append((time.perf_counter() - tick) * 1000)
    return statistics.median(timings)


def profile_cold(root: Path) -> None:
    """Import times of the CLI path, and a profile of one `search query Koursk` process."""
    env = {**os.environ, "SEARCH_INDEX": str(root), "NO_COLOR": "1"}
    for code in ("pass", "import search.cli"):
        print(f"python -c {code!r}: {_process_ms([PYTHON, '-c', code], env):.0f} ms (median)")
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", "import search.cli"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE,  # `python -c` puts the working folder first on sys.path: not the repo
    )
    print("\nimport time by top-level package (self time summed over its modules):")
    by_package: dict[str, int] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            package = match[2].split(".")[0]
            by_package[package] = by_package.get(package, 0) + int(match[1])
    for package, micros in sorted(by_package.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {micros / 1000:7.1f} ms  {package}")
    script = (
        "import cProfile, pstats, sys; sys.argv = ['search', 'query', 'Koursk'];"
        "p = cProfile.Profile(); p.enable()\n"
        "try:\n import search.cli; search.cli.main()\n"
        "except SystemExit: pass\n"
        "p.disable(); pstats.Stats(p, stream=sys.stderr).sort_stats('cumtime').print_stats(25)"
    )
    done = subprocess.run(
        [PYTHON, "-c", script], env=env, capture_output=True, text=True, cwd=HERE, check=False
    )
    print(done.stderr[done.stderr.find("   ncalls") :])


def _process_ms(command: list[str], env: dict[str, str], runs: int = 7) -> float:
    timings = []
    for _ in range(runs):
        tick = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True, cwd=HERE)
        timings.append((time.perf_counter() - tick) * 1000)
    return statistics.median(timings)


def main() -> None:
    """Parse the arguments and run one profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build")
    build_cmd.add_argument("folder", type=Path)
    build_cmd.add_argument("--files", type=int, default=100)
    queries_cmd = commands.add_parser("queries")
    queries_cmd.add_argument("root", type=Path)
    queries_cmd.add_argument("texts", nargs="*")
    add_cmd = commands.add_parser("add")
    add_cmd.add_argument("root", type=Path)
    add_cmd.add_argument("page", type=Path)
    cold_cmd = commands.add_parser("cold")
    cold_cmd.add_argument("root", type=Path)
    args = parser.parse_args()
    if args.command == "build":
        profile_build(args.folder, args.files)
    elif args.command == "queries":
        profile_queries(args.root, tuple(args.texts) or SLOW_QUERIES)
    elif args.command == "add":
        profile_add(args.root, args.page)
    else:
        profile_cold(args.root)


if __name__ == "__main__":
    main()
