"""The SQLite FTS5 peer, on two document models, with the keystroke semantics of snapsearch
as far as FTS5 allows.

The two models (`MODELS`):

- `new`, the documents snapsearch indexes: one row per distinct title or paragraph text,
  the snapshots and days it appears on in a side table (`appearances`, with its first and
  last day and its count of days in `meta`); one row per series (a currency: its ISO code
  and its CLDR names in English and French; a stock index: its name); and the daily
  numbers in a plain table `points(series, day, value, change, percent, raw)`.
- `old`, one row per document per snapshot: the title, every paragraph, every rate and
  every quote of every day, each with its snapshot and day, which is what one builds with
  sqlite-utils from the pages.

Semantics matched to snapsearch: every word must match (AND), the last one as a prefix
(`word*`, served by the `prefix='1 2 3'` indexes), accents folded by `unicode61
remove_diacritics 2`, the best 10 by bm25 with the newest first on ties, with highlights.
What FTS5 cannot do is left undone: no stemming (so no plural meets its singular) and no
typo forgiven (a typo finds nothing, which is cheap).

Run as a script for the measurements that need a process of their own:

    fts5.py build old|new DB PATH...   a fresh database; prints {"seconds", "documents", ...}
    fts5.py add DB PATH...             into an existing database, of the model it holds
    fts5.py query DB TEXT              the cold process: open, search, print the hits

Only the standard library is imported at the top, so the cold query pays what a small
FTS5-based tool would pay. The pages are read with snapsearch's parser (`index`), and the
documents are made here from the parsed `Snapshot`, so the old model stays the old model
whatever documents the library itself makes.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index import Snapshot

__all__ = ["MODELS", "Fts5", "build", "match_expression"]

MODELS = ("new", "old")

# unicode61 splits on every character that is not a letter or a digit, so the query is
# split the same way, or a word like `nord-coréens` would never meet its index tokens.
_WORD = re.compile(r"[^\W_]+")
_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'"

_CREATE = {
    "old": (
        f"""CREATE VIRTUAL TABLE docs USING fts5(
            text, id UNINDEXED, kind UNINDEXED, snapshot UNINDEXED, day UNINDEXED, {_TOKENIZE}
        )""",
    ),
    "new": (
        f"CREATE VIRTUAL TABLE docs USING fts5(text, kind UNINDEXED, {_TOKENIZE})",
        # One row per row of `docs`: `key` is `title:<sha1>`, `paragraph:<sha1>`,
        # `rate:<code>` or `quote:<name>`; `days` counts the snapshots it appears on.
        """CREATE TABLE meta (
            doc INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
            first_day INTEGER NOT NULL, last_day INTEGER NOT NULL, days INTEGER NOT NULL
        )""",
        """CREATE TABLE appearances (
            doc INTEGER NOT NULL, snapshot TEXT NOT NULL, day INTEGER NOT NULL,
            paragraph INTEGER NOT NULL, PRIMARY KEY (doc, snapshot)
        ) WITHOUT ROWID""",
        """CREATE TABLE points (
            series TEXT NOT NULL, day INTEGER NOT NULL, value REAL, change REAL, percent REAL,
            raw TEXT, PRIMARY KEY (series, day)
        ) WITHOUT ROWID""",
    ),
}
_SEARCH = {
    "old": """
        SELECT id, kind, snapshot, day, text, highlight(docs, 0, char(2), char(3))
        FROM docs WHERE docs MATCH ? ORDER BY bm25(docs), day DESC LIMIT ?""",
    # The hit carries its newest day and its count of days; the days themselves are one
    # lookup away in `appearances` (or `points` for a series), as a result view needs.
    "new": """
        SELECT meta.key, docs.kind, meta.last_day, meta.days, docs.text,
               highlight(docs, 0, char(2), char(3))
        FROM docs JOIN meta ON meta.doc = docs.rowid
        WHERE docs MATCH ? ORDER BY bm25(docs), meta.last_day DESC LIMIT ?""",
}


def match_expression(text: str) -> str | None:
    """`text` as an FTS5 MATCH expression: every word AND-ed, the last one a prefix."""
    words = _WORD.findall(text)
    if not words:
        return None
    # _WORD never matches a double quote, so quoting needs no escaping.
    terms = [f'"{word}"' for word in words]
    terms[-1] += "*"
    return " AND ".join(terms)


def model_of(conn: sqlite3.Connection) -> str:
    """The document model a database holds: `new` has a `meta` table, `old` has not."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
    return "new" if found.fetchone() else "old"


class Fts5:
    """One long-lived read-only connection, as snapsearch keeps one long-lived searcher."""

    def __init__(self, db: Path) -> None:
        self._conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.model = model_of(self._conn)
        self._sql = _SEARCH[self.model]

    def search(self, text: str, limit: int = 10) -> list[tuple[object, ...]]:
        """The best `limit` documents for `text`, with their highlighted text."""
        expression = match_expression(text)
        if expression is None:
            return []
        return self._conn.execute(self._sql, (expression, limit)).fetchall()

    def close(self) -> None:
        self._conn.close()


def build(db: Path, paths: Sequence[Path], *, model: str | None) -> dict[str, Any]:
    """Index the snapshot files in `paths` into `db` in one transaction; what it cost.

    With a `model`, `db` is created afresh for it; without, the files are added to the
    existing `db`, in the model it holds.
    """
    from index import find_snapshot_files  # imported here: the cold query must not pay it

    files, problems = find_snapshot_files(paths)
    if problems:
        raise SystemExit(f"fts5 build: {problems[0]}")
    start = time.perf_counter()
    if model is not None:
        for path in (db, db.with_name(db.name + "-journal")):
            path.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    if model is None:
        model = model_of(conn)
    else:
        for statement in _CREATE[model]:
            conn.execute(statement)
    writer = _NewWriter(conn) if model == "new" else _OldWriter(conn)
    for path in files:
        writer.add(_read(path))
    tick = time.perf_counter()
    conn.commit()
    end = time.perf_counter()
    documents = conn.execute("SELECT count(*) FROM docs").fetchone()[0]
    conn.close()
    return {
        "seconds": end - start,
        "engine_seconds": writer.seconds + end - tick,
        "model": model,
        "snapshots": len(files),
        "documents": documents,  # in the whole database, after the files are in
    }


def _read(path: Path) -> Snapshot:
    from index import read_snapshot

    return read_snapshot(path)


class _OldWriter:
    """One row per title, paragraph, rate and quote of each snapshot."""

    _INSERT = "INSERT INTO docs (text, id, kind, snapshot, day) VALUES (?, ?, ?, ?, ?)"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.seconds = 0.0  # spent in SQLite

    def add(self, snap: Snapshot) -> None:
        day = _day(snap)
        base = snap.base or "base"
        rows = [(snap.title, "title", "title")]
        rows += [(text, "paragraph", f"p{n}") for n, text in enumerate(snap.paragraphs, 1)]
        for rate in snap.rates:
            en, fr = _currency_name(rate.code, "en"), _currency_name(rate.code, "fr")
            names = f" ({en}; {fr})" if en else ""
            text = f"1 {base} = {rate.raw} {rate.code}{names}"
            rows.append((text, "rate", f"rate:{rate.code}"))
        rows += [(_quote_text(quote), "quote", f"quote:{quote.name}") for quote in snap.quotes]
        tick = time.perf_counter()
        self._conn.executemany(
            self._INSERT,
            [(text, f"{snap.id}:{key}", kind, snap.id, day) for text, kind, key in rows],
        )
        self.seconds += time.perf_counter() - tick


class _NewWriter:
    """One row per distinct text and per series; days and numbers in plain tables."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.seconds = 0.0  # spent in SQLite

    def add(self, snap: Snapshot) -> None:
        import hashlib  # only builds need it: the cold query imports no more than it uses

        day = _day(snap)
        texts = [("title", snap.title, 0)]
        texts += [("paragraph", text, n) for n, text in enumerate(snap.paragraphs, 1)]
        series = [(f"rate:{r.code}", "rate", _series_text(r.code)) for r in snap.rates]
        series += [(f"quote:{q.name}", "quote", q.name) for q in snap.quotes]
        points: list[tuple[str, int, float | None, float | None, float | None, str]]
        points = [(f"rate:{r.code}", day, r.value, None, None, r.raw) for r in snap.rates]
        points += [
            (f"quote:{q.name}", day, q.level, q.change, q.percent, " ".join(q.raw))
            for q in snap.quotes
        ]
        tick = time.perf_counter()
        for kind, text, paragraph in texts:
            key = f"{kind}:{hashlib.sha1(text.encode('utf-8')).hexdigest()}"
            doc = self._document(key, kind, text, day)
            seen = self._conn.execute(
                "INSERT OR IGNORE INTO appearances VALUES (?, ?, ?, ?)",
                (doc, snap.id, day, paragraph),
            )
            self._count(doc, day, seen.rowcount)
        for key, kind, text in series:
            self._count(self._document(key, kind, text, day), day, 1)
        self._conn.executemany("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?, ?)", points)
        self.seconds += time.perf_counter() - tick

    def _document(self, key: str, kind: str, text: str, day: int) -> int:
        """The rowid of the document `key`, inserted (with no day counted yet) if new."""
        found = self._conn.execute("SELECT doc FROM meta WHERE key = ?", (key,)).fetchone()
        if found:
            return int(found[0])
        doc = self._conn.execute("INSERT INTO docs (text, kind) VALUES (?, ?)", (text, kind))
        rowid = int(doc.lastrowid or 0)
        self._conn.execute(
            "INSERT INTO meta VALUES (?, ?, ?, ?, ?, 0)", (rowid, key, kind, day, day)
        )
        return rowid

    def _count(self, doc: int, day: int, days: int) -> None:
        self._conn.execute(
            """UPDATE meta SET first_day = min(first_day, ?1), last_day = max(last_day, ?1),
               days = days + ?2 WHERE doc = ?3""",
            (day, days, doc),
        )


def _day(snap: Snapshot) -> int:
    """The snapshot date as a sortable YYYYMMDD integer, as snapsearch stores it."""
    return snap.date.year * 10000 + snap.date.month * 100 + snap.date.day


def _series_text(code: str) -> str:
    """A currency series' searchable text: its code and its English and French names."""
    names = dict.fromkeys(n for n in (_currency_name(code, "en"), _currency_name(code, "fr")) if n)
    return " ".join([code, *names])


def _quote_text(quote: Any) -> str:
    parts = [quote.name]
    if quote.level is not None:
        parts.append(f"{quote.level:.10g}")
    moves = []
    if quote.change is not None:
        moves.append(f"{quote.change:+.10g}")
    if quote.percent is not None:
        moves.append(f"{quote.percent:+.2f}%")
    return " ".join(parts) + (f" ({', '.join(moves)})" if moves else "")


@functools.cache  # Babel parses the locale on every call
def _currency_name(code: str, locale: str) -> str:
    """The CLDR name of a currency, or "" when CLDR does not know the code."""
    from babel.numbers import get_currency_name  # only builds need Babel's data

    name: str = get_currency_name(code, locale=locale)
    return "" if name == code else name


def _cold_query(db: Path, text: str) -> None:
    engine = Fts5(db)
    for row in engine.search(text):
        print(row[0], str(row[5])[:120])
    engine.close()


def main(argv: list[str]) -> None:
    """The script entry: build, add or query, as the module docstring says."""
    usage = "usage: fts5.py build old|new DB PATH... | add DB PATH... | query DB TEXT"
    if len(argv) < 2:
        raise SystemExit(usage)
    mode, *rest = argv
    if mode == "query":
        db, *words = rest
        _cold_query(Path(db), " ".join(words))
        return
    model = None
    if mode == "build":
        model, *rest = rest
        if model not in MODELS:
            raise SystemExit(usage)
    elif mode != "add":
        raise SystemExit(usage)
    if not rest:
        raise SystemExit(usage)
    from worker import memory_kb  # a sibling that imports the library: only for builds

    db, *paths = rest
    baseline = memory_kb("VmRSS")
    result = build(Path(db), [Path(p) for p in paths], model=model)
    result["peak_rss_kb"] = memory_kb("VmHWM")
    result["baseline_rss_kb"] = baseline
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
