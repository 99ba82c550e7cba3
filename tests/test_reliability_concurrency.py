"""Readers in several processes while builds and rebuilds run; two writers at once.

Readers query in a loop, some opening the index afresh every time, some keeping one
engine and refreshing it, one through the installed `search query`: no query may fail,
and every answer must come from one complete state of the index, never a mix of two.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from index import IndexDir
from search.engine import WhooshEngine as Engine
from tests.conftest import SAMPLE, SEARCH_BIN, run_process
from tests.reliability_support import MARKER, PARAGRAPHS_PER_PAGE, search_env, write_pages

Versions = dict[str, int]  # snapshot id -> version of its text
Seen = frozenset[tuple[str, int]]

# Between queries, so that three readers on a small CI machine leave the writer a core.
READER_PAUSE = 0.02
CYCLES = 1  # of five builds each, in every run; the slow run does more
SLOW_CYCLES = 8


def _names(group: str, n: int) -> list[str]:
    return [f"{group}{i:02d}-2026-11-{1 + i:02d}" for i in range(n)]


@dataclass(frozen=True)
class _Step:
    """Pages written, then one build, and the state the index holds once it is done."""

    pages: tuple[Path, list[str], int] | None  # (folder, snapshot ids, version)
    args: tuple[str, ...]
    state: Versions


def _plan(tmp: Path, cycles: int) -> list[_Step]:
    """A first build, then per cycle: add, update, rebuild with other pages, add those
    back, rebuild: every kind of change a reader must never see half-done."""
    src, other = tmp / "src", tmp / "other"
    a, b, c = _names("a", 15), _names("b", 10), _names("c", 10)
    build, rebuild = ("index", "build"), ("index", "build", "--rebuild")
    state = dict.fromkeys(a, 1)
    steps = [_Step((src, a, 1), (*build, str(src)), state)]
    for v in range(2, cycles + 2):
        state = {**state, **dict.fromkeys(b, v)}
        steps.append(_Step((src, b, v), (*build, str(src)), state))
        src_state = {**dict.fromkeys(a, v), **dict.fromkeys(b, v)}
        steps.append(_Step((src, a, v), (*build, str(src)), src_state))
        other_state = dict.fromkeys(c, v)
        steps.append(_Step((other, c, v), (*rebuild, str(other)), other_state))
        steps.append(_Step(None, (*build, str(src)), {**other_state, **src_state}))
        steps.append(_Step(None, (*rebuild, str(src)), state := src_state))
    return steps


def _run(step: _Step, root: Path) -> None:
    if step.pages is not None:
        write_pages(*step.pages)
    result = run_process(*step.args, index=root)
    assert result.returncode == 0, result.stderr


def _seen(texts: Iterable[str]) -> tuple[Seen, list[str]]:
    """The (snapshot, version) pairs that paragraph texts come from; and what is wrong."""
    counts = Counter(tuple(text.split()[1:3]) for text in texts)
    problems = [
        f"{sid} {version}: {n} of {PARAGRAPHS_PER_PAGE} paragraphs"
        for (sid, version), n in counts.items()
        if n != PARAGRAPHS_PER_PAGE
    ]
    return frozenset(
        (sid, int(version.removeprefix("version"))) for sid, version in counts
    ), problems


def _check(texts: Iterable[str], allowed: set[Seen]) -> list[str]:
    seen, problems = _seen(texts)
    if seen not in allowed:
        problems.append(f"not one complete index state: {sorted(seen)}")
    return problems


def _reader(
    root: str,
    allowed: list[Versions],
    long_lived: bool,
    ready: Event,
    stop: Event,
    out: Queue[tuple[int, list[str]]],
) -> None:
    """Query in a loop until `stop`; put (queries run, problems) on `out`."""
    index_dir = IndexDir(Path(root))
    states = {frozenset(state.items()) for state in allowed}
    queries, problems = 0, []
    engine = Engine(index_dir)
    ready.set()
    while not stop.is_set():
        try:
            if long_lived:
                engine.refresh()
            else:
                engine.close()
                engine = Engine(index_dir)
            hits = engine.search(MARKER, limit=None, kind="paragraph").hits
            problems += _check((hit.text for hit in hits), states)
        except Exception:
            problems.append(traceback.format_exc())
        queries += 1
        time.sleep(READER_PAUSE)
    out.put((queries, problems))


def _cli_reader(root: Path, allowed: set[Seen], stop: threading.Event, log: list[str]) -> None:
    """`search query` in a loop until `stop`; one "ok" or a problem per query in `log`."""
    args = ["query", MARKER, "--json", "--kind", "paragraph", "--limit", "1000"]
    while not stop.is_set():
        result = subprocess.run(
            [str(SEARCH_BIN), *args], capture_output=True, text=True, env=search_env(root)
        )
        if result.returncode != 0 or result.stderr:
            log.append(f"exit {result.returncode}: {result.stderr}")
            continue
        texts = [hit["text"] for hit in json.loads(result.stdout)["hits"]]
        log.extend(_check(texts, allowed) or ["ok"])


def _readers_during_builds(tmp: Path, cycles: int) -> tuple[int, int]:
    """Run the plan's builds with readers reading; (queries run, builds run)."""
    root = tmp / "ix"
    first, *builds = _plan(tmp, cycles)
    _run(first, root)
    allowed = [step.state for step in (first, *builds)]
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    out: Queue[tuple[int, list[str]]] = ctx.Queue()
    readers = []
    for long_lived in (False, True):
        ready = ctx.Event()
        args = (str(root), allowed, long_lived, ready, stop, out)
        readers.append(ctx.Process(target=_reader, args=args))
        readers[-1].start()
        assert ready.wait(30)
    cli_log: list[str] = []
    cli_stop = threading.Event()
    states = {frozenset(state.items()) for state in allowed}
    cli = threading.Thread(target=_cli_reader, args=(root, states, cli_stop, cli_log))
    cli.start()
    try:
        for step in builds:
            _run(step, root)
    finally:
        stop.set()
        cli_stop.set()
        cli.join(60)
        results = [out.get(timeout=60) for _ in readers]
        for reader in readers:
            reader.join(10)
    problems = [p for _, found in results for p in found] + [p for p in cli_log if p != "ok"]
    assert problems == []
    return sum(q for q, _ in results) + len(cli_log), len(builds)


def test_readers_see_whole_states_during_builds_and_rebuilds(tmp_path: Path) -> None:
    queries, builds = _readers_during_builds(tmp_path, CYCLES)
    print(f"reliability: {queries} queries during {builds} builds, none failed or mixed")
    assert queries >= 20


@pytest.mark.slow
def test_readers_during_many_builds(tmp_path: Path) -> None:
    queries, builds = _readers_during_builds(tmp_path, SLOW_CYCLES)
    print(f"reliability: {queries} queries during {builds} builds, none failed or mixed")


# ------------------------------------------------------------------------ two writers


def _hold_lock(root: str, ready: Event, release: Event) -> None:
    with IndexDir(Path(root)).write_lock(timeout=1):
        ready.set()
        release.wait(30)


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterable[tuple[multiprocessing.process.BaseProcess, Event]]:
    """Another process holding the write lock of tmp_path/ix until told to let go."""
    assert run_process("index", "build", str(SAMPLE), index=tmp_path / "ix").returncode == 0
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path / "ix"), ready, release))
    holder.start()
    assert ready.wait(30)
    yield holder, release
    release.set()
    holder.join(10)


def test_second_writer_waits_a_bounded_time_then_fails(
    lock_holder: tuple[multiprocessing.process.BaseProcess, Event], tmp_path: Path
) -> None:
    holder, _ = lock_holder
    started = time.monotonic()
    result = run_process("index", "build", "--wait", "0.5", str(SAMPLE), index=tmp_path / "ix")
    waited = time.monotonic() - started
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: the index is being updated by another process (pid {holder.pid}); try again\n"
    )
    assert 0.5 <= waited < 10


def test_second_writer_goes_on_when_the_first_finishes_in_time(
    lock_holder: tuple[multiprocessing.process.BaseProcess, Event], tmp_path: Path
) -> None:
    _, release = lock_holder
    threading.Timer(0.5, release.set).start()
    result = run_process("index", "build", "--wait", "20", str(SAMPLE), index=tmp_path / "ix")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0 added, 0 updated, 1 unchanged")


def test_lock_file_of_a_dead_process_does_not_block(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    assert run_process("index", "build", str(SAMPLE), index=root).returncode == 0
    # A pid that no process has any more, as a killed build leaves it in the file.
    (root / "write.lock").write_text("999999999\n")
    started = time.monotonic()
    result = run_process("index", "build", "--wait", "30", str(SAMPLE), index=root)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 10
