"""kill -9 at random moments of `search index build` and `--rebuild`.

After every kill the index opens and holds exactly the snapshots of one complete build
(the one before, or the killed one if it had committed), never a mix; the next build is
never blocked by the dead writer's lock and sweeps what it left behind.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from index import IndexDir
from search.engine import WhooshEngine as Engine
from tests.conftest import run_process
from tests.reliability_support import (
    MARKER,
    State,
    debris,
    index_state,
    start_search,
    write_pages,
)

KILLS = 25  # in every run; the slow run kills many more
SLOW_KILLS = 200
FIRST_PAGES = 40


@dataclass
class _Build:
    kind: str  # "add", "update" or "rebuild"
    args: tuple[str | Path, ...]
    expected: State  # what the index holds once this build has completed


class _Corpus:
    """The snapshot folder builds read, changed a little before every build."""

    def __init__(self, tmp: Path, rng: random.Random) -> None:
        self.tmp, self.rng = tmp, rng
        self.src = tmp / "src"
        self.files: State = {}
        self.versions: dict[str, int] = {}
        self.count = 0
        self.pages: dict[str, bytes] = {}  # every page written, by sha256

    def _write(self, names: list[str], version: int) -> None:
        written = write_pages(self.src, names, version)
        self.files |= written
        self.pages |= {
            sha: (self.src / f"{name}.txt").read_bytes() for name, sha in written.items()
        }

    def copy_of(self, state: State, folder: Path) -> Path:
        """One page of `state` written again into `folder`: a build of it changes nothing."""
        name, sha = next(iter(state.items()))
        folder.mkdir()
        (folder / f"{name}.txt").write_bytes(self.pages[sha])
        return folder

    def add(self, n: int) -> None:
        names = [
            f"snap{self.count + i:04d}-2026-11-{1 + (self.count + i) % 28:02d}" for i in range(n)
        ]
        self.count += n
        self._write(names, version=0)
        self.versions |= dict.fromkeys(names, 0)

    def next_build(self, kind: str, state: State, round_: int) -> _Build:
        if kind == "add":
            self.add(5)
        elif kind == "update":
            for name in self.rng.sample(sorted(self.files), 15):
                self.versions[name] += 1
                self._write([name], self.versions[name])
        if kind != "rebuild":
            return _Build(kind, ("index", "build", self.src), {**state, **self.files})
        keep = self.rng.sample(sorted(self.files), self.rng.randint(20, len(self.files)))
        subset = self.tmp / f"subset{round_}"
        subset.mkdir()
        for name in keep:
            shutil.copy2(self.src / f"{name}.txt", subset)
        expected = {name: self.files[name] for name in keep}
        return _Build(kind, ("index", "build", "--rebuild", subset), expected)


def _kill_builds(tmp: Path, kills: int, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    root = tmp / "ix"
    corpus = _Corpus(tmp, rng)
    corpus.add(FIRST_PAGES)
    first = run_process("index", "build", str(corpus.src), index=root)
    assert first.returncode == 0, first.stderr
    # Kills land between the end of the interpreter's start and the end of a build, where
    # the writing happens, on this machine's timings.
    start_up = _timed("--version", root=root)
    duration = _timed("index", "build", "--rebuild", corpus.src, root=root)
    state = index_state(root)
    assert state == corpus.files
    outcomes: Counter[str] = Counter()
    # How long each kind of build takes, learnt as it goes: shorter after one finished
    # before its kill, longer after a kill.
    estimate = dict.fromkeys(("add", "update", "rebuild"), duration)
    for round_ in range(kills * 3):
        if outcomes["killed"] >= kills:
            break
        build = corpus.next_build(("add", "update", "rebuild")[round_ % 3], state, round_)
        process = start_search(*build.args, root=root)
        time.sleep(rng.uniform(0.8 * start_up, max(start_up, estimate[build.kind])))
        process.kill()
        _, stderr = process.communicate(timeout=60)
        after = index_state(root)
        estimate[build.kind] *= 0.85 if process.returncode == 0 else 1.05
        if process.returncode == 0:
            outcomes["finished before the kill"] += 1
            assert after == build.expected
        else:
            # A build that found the dead writer's lock would exit 2 here, not be killed.
            assert process.returncode == -signal.SIGKILL, stderr
            assert after in (state, build.expected), f"a mix after killing {build.kind}"
            outcomes["killed"] += 1
            outcomes[f"killed {build.kind}"] += 1
            committed = after == build.expected and after != state
            outcomes["killed after its commit" if committed else "killed before its commit"] += 1
        assert after is not None
        _assert_searchable(root, after)
        state = after
    state = _kill_while_writing(corpus, state, root)
    # A build that commits nothing still sweeps: Whoosh itself cleans up only on a commit.
    unchanged = corpus.copy_of(state, tmp / "unchanged")
    swept = run_process("index", "build", str(unchanged), index=root)
    assert swept.stdout.startswith("0 added, 0 updated, 1 unchanged"), swept.stderr
    assert debris(root) == []
    final = run_process("index", "build", str(corpus.src), index=root)
    assert final.returncode == 0, final.stderr
    assert index_state(root) == {**state, **corpus.files}
    assert debris(root) == []
    return outcomes


def _kill_while_writing(corpus: _Corpus, state: State, root: Path) -> State:
    """Kill an update once it has begun writing its new generation, so that it certainly
    leaves debris; the state it leaves."""
    for _ in range(10):
        build = corpus.next_build("update", state, -1)
        before = set(os.listdir(root))
        process = start_search(*build.args, root=root)
        while process.poll() is None and set(os.listdir(root)) <= before:
            time.sleep(0.001)
        process.kill()
        process.communicate(timeout=60)
        state = index_state(root) or {}
        if process.returncode == -signal.SIGKILL and debris(root):
            return state
    raise AssertionError("no build was caught writing")


def _timed(*args: str | Path, root: Path) -> float:
    started = time.monotonic()
    result = run_process(*map(str, args), index=root)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def _assert_searchable(root: Path, state: State) -> None:
    engine = Engine(IndexDir(root))
    try:
        hits = engine.search(MARKER, limit=None, kind="paragraph").hits
        assert {hit.snapshot for hit in hits} == set(state)
    finally:
        engine.close()


def _report(outcomes: Counter[str]) -> None:
    print("reliability: " + ", ".join(f"{what}: {n}" for what, n in sorted(outcomes.items())))


def test_kill_9_during_builds_and_rebuilds(tmp_path: Path) -> None:
    outcomes = _kill_builds(tmp_path, KILLS, seed=7)
    _report(outcomes)
    assert outcomes["killed"] >= KILLS
    assert outcomes["killed rebuild"] >= KILLS // 4


@pytest.mark.slow
def test_kill_9_many_times(tmp_path: Path) -> None:
    outcomes = _kill_builds(tmp_path, SLOW_KILLS, seed=int(time.time()))
    _report(outcomes)
    assert outcomes["killed"] >= SLOW_KILLS
