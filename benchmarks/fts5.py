"""The SQLite FTS5 peer: the same documents and the same keystrokes, as close as FTS5 allows.

Semantics matched to snapsearch: every word must match (AND), the last one as a prefix
(`word*`, served by the `prefix='1 2 3'` indexes), accents folded by `unicode61
remove_diacritics 2`, the best 10 by bm25 with newest first on ties, with highlights.
What FTS5 cannot do is left undone: no stemming (so no plural meets its singular) and no
typo forgiven (a typo finds nothing, which is cheap).

Run as a script for the measurements that need a process of their own:

    fts5.py build DB PATH...   prints {"seconds", "engine_seconds", "documents", ...}
    fts5.py add DB PATH...
    fts5.py query DB TEXT      the cold process: open, search, print the hits

Only the standard library is imported at the top, so the cold query pays what a small
FTS5-based tool would pay.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Fts5", "build", "match_expression"]

# unicode61 splits on every character that is not a letter or a digit, so the query is
# split the same way, or a word like `nord-coréens` would never meet its index tokens.
_WORD = re.compile(r"[^\W_]+")

_CREATE = """
CREATE VIRTUAL TABLE docs USING fts5(
    text, id UNINDEXED, kind UNINDEXED, snapshot UNINDEXED, day UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
)"""
_INSERT = "INSERT INTO docs (text, id, kind, snapshot, day) VALUES (?, ?, ?, ?, ?)"
_SEARCH = """
SELECT id, kind, snapshot, day, text, highlight(docs, 0, char(2), char(3))
FROM docs WHERE docs MATCH ? ORDER BY bm25(docs), day DESC LIMIT ?"""


def match_expression(text: str) -> str | None:
    """`text` as an FTS5 MATCH expression: every word AND-ed, the last one a prefix."""
    words = _WORD.findall(text)
    if not words:
        return None
    # _WORD never matches a double quote, so quoting needs no escaping.
    terms = [f'"{word}"' for word in words]
    terms[-1] += "*"
    return " AND ".join(terms)


class Fts5:
    """One long-lived read-only connection, as snapsearch keeps one long-lived searcher."""

    def __init__(self, db: Path) -> None:
        self._conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)

    def search(self, text: str, limit: int = 10) -> list[tuple[object, ...]]:
        """The best `limit` documents for `text`, with their highlighted text."""
        expression = match_expression(text)
        if expression is None:
            return []
        return self._conn.execute(_SEARCH, (expression, limit)).fetchall()

    def close(self) -> None:
        self._conn.close()


def build(db: Path, paths: Sequence[Path], *, create: bool) -> dict[str, float | int]:
    """Index the snapshot files in `paths` into `db` in one transaction; what it cost."""
    from index import find_snapshot_files  # imported here: the cold query must not pay it

    files, problems = find_snapshot_files(paths)
    if problems:
        raise SystemExit(f"fts5 build: {problems[0]}")
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    if create:
        conn.execute(_CREATE)
    engine_seconds, documents = 0.0, 0
    with _no_language_detection():
        for path in files:
            rows = _rows(path)
            tick = time.perf_counter()
            conn.executemany(_INSERT, rows)
            engine_seconds += time.perf_counter() - tick
            documents += len(rows)
    tick = time.perf_counter()
    conn.commit()
    conn.close()
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "engine_seconds": engine_seconds + end - tick,
        "snapshots": len(files),
        "documents": documents,
    }


def _rows(path: Path) -> list[tuple[str, str, str, str, int]]:
    from index import read_snapshot
    from index.documents import documents

    return [
        (doc["text"], doc["id"], doc["kind"], doc["snapshot"], doc["day"])
        for doc in documents(read_snapshot(path))
    ]


@contextmanager
def _no_language_detection() -> Iterator[None]:
    """The library's own documents, minus langdetect: FTS5 has no stemmer to choose.

    The texts (Babel currency names included) are exactly snapsearch's, so both engines
    index the same documents; only the language of each paragraph goes unasked.
    """
    from unittest import mock

    with mock.patch("index.lang.detect", return_value=None):
        yield


def _cold_query(db: Path, text: str) -> None:
    engine = Fts5(db)
    for row in engine.search(text):
        print(row[0], row[5][:120])
    engine.close()


def main(argv: list[str]) -> None:
    """The script entry: build, add or query, as the module docstring says."""
    mode, db, *rest = argv
    if mode == "query":
        _cold_query(Path(db), " ".join(rest))
        return
    if mode not in ("build", "add"):
        raise SystemExit(f"usage: fts5.py build|add|query DB ... (not {mode!r})")
    from worker import memory_kb  # a sibling that imports the library: only for builds

    baseline = memory_kb("VmRSS")
    result = build(Path(db), [Path(p) for p in rest], create=mode == "build")
    result["peak_rss_kb"] = memory_kb("VmHWM")
    result["baseline_rss_kb"] = baseline
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
