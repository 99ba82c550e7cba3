"""Readers of the PostgreSQL backend while builds and rebuilds commit: no query fails and
every answer comes from one complete state (one transaction per build, MVCC)."""

from __future__ import annotations

import re
import threading
import traceback
from pathlib import Path

from index.postgres import build
from search.engine import PostgresBackend
from tests.conftest import SAMPLE, make_page

PAGE = "daily-2026-11-25"
PARAGRAPHS = 4
BUILDS = 12
VERSION = re.compile(r"\bv(\d\d)\b")


def _write(folder: Path, version: int) -> Path:
    path = folder / f"{PAGE}.txt"
    paragraphs = [
        f"Marqueur numero {k} de la version v{version:02d} du pont sur la Vltava."
        for k in range(PARAGRAPHS)
    ]
    path.write_text(make_page(headline=f"Version {version}", paragraphs=paragraphs), "utf-8")
    return path


def test_readers_see_whole_states_while_builds_commit(tmp_path: Path, pg_url: str) -> None:
    assert not build(pg_url, [SAMPLE, _write(tmp_path, 0)]).failed
    done = threading.Event()
    problems: list[str] = []
    answers: list[int] = []

    def check(backend: PostgresBackend) -> None:
        results = backend.search("marqueur", snapshot=PAGE, limit=None)
        versions = {m for hit in results.hits for m in VERSION.findall(hit.text)}
        if results.total != PARAGRAPHS or len(results.hits) != PARAGRAPHS or len(versions) != 1:
            problems.append(f"a mixed or partial state: {results.total} hits of {versions}")
        titles = backend.documents(kind="title", snapshot=PAGE)
        if len(titles) != 1:
            problems.append(f"{len(titles)} titles for {PAGE}")
        answers.append(1)

    def keep_one() -> None:
        backend = PostgresBackend(pg_url)
        try:
            while not done.is_set():
                backend.refresh()
                check(backend)
        except Exception:
            problems.append(traceback.format_exc())
        finally:
            backend.close()

    def open_each_time() -> None:
        try:
            while not done.is_set():
                backend = PostgresBackend(pg_url)
                try:
                    check(backend)
                finally:
                    backend.close()
        except Exception:
            problems.append(traceback.format_exc())

    readers = [threading.Thread(target=keep_one), threading.Thread(target=open_each_time)]
    for reader in readers:
        reader.start()
    try:
        for version in range(1, BUILDS + 1):
            page = _write(tmp_path, version)
            rebuild = version % 4 == 0
            report = build(pg_url, [SAMPLE, page], rebuild=rebuild)
            assert not report.failed
            assert (report.added if rebuild else report.updated)[-1] == PAGE
    finally:
        done.set()
        for reader in readers:
            reader.join(timeout=60)
    assert not problems, problems[:3]
    assert len(answers) >= BUILDS, len(answers)  # the readers read while the builds ran
