"""The side store: which snapshot holds what, and the daily numbers, in SQLite.

The Whoosh index of a generation holds one document per distinct text (a paragraph or a
title, however many snapshots repeat it) and one per series (a currency, a stock index).
Everything that is per snapshot lives here, in `side.sqlite` beside it:

    snapshots    one row per page: id, day, sha256, path, headline, counts
    texts        each distinct (kind, text) once, with its language
    occurrences  where each text is: snapshot, paragraph number, line of the file
    series       each currency or stock index once: code and CLDR names
    points       one row per series per snapshot: the numbers as printed

The logical documents of the seam (`SNAP:p3`, `SNAP:title`, `SNAP:rate:USD`,
`SNAP:quote:AEX`) are rows of `occurrences` or `points` read back as `Row`s.

A generation's side store is written once, by the build that makes the generation, and
never changed after it is published (an incremental build writes a copy into a new
generation), so readers open it immutable: no locks, no journal, and a reader pinned
to an old generation keeps reading it after a newer one replaces it. The writer works on a
copy in memory and writes the file once, fsynced, before the generation is published; a
generation that is not published is discarded whole when a build fails or is killed.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

from ._text import encodable
from .documents import currency_names, day_number, digest, languages, quote_text, rate_text
from .model import Snapshot
from .parse import number as parse_number

__all__ = [
    "SIDE_NAME",
    "TEXT_KINDS",
    "Row",
    "SeriesDocument",
    "SideReader",
    "SideWriter",
    "iso_day",
    "series_words",
]

SIDE_NAME = "side.sqlite"
TEXT_KINDS = ("paragraph", "title")
SERIES_KINDS = ("rate", "quote")

_SCHEMA = """
CREATE TABLE snapshots (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, day INTEGER NOT NULL,
    sha256 TEXT NOT NULL, path TEXT NOT NULL, site TEXT NOT NULL, headline TEXT NOT NULL,
    base TEXT, lang TEXT, paragraphs INTEGER NOT NULL, rates INTEGER NOT NULL,
    quotes INTEGER NOT NULL, documents INTEGER NOT NULL
);
CREATE TABLE texts (
    n INTEGER PRIMARY KEY, kind TEXT NOT NULL, digest TEXT NOT NULL, text TEXT NOT NULL,
    lang TEXT, UNIQUE (kind, digest)
);
CREATE TABLE occurrences (
    snap INTEGER NOT NULL, kind TEXT NOT NULL, number INTEGER NOT NULL, line INTEGER,
    text INTEGER NOT NULL, day INTEGER NOT NULL, PRIMARY KEY (snap, kind, number)
) WITHOUT ROWID;
CREATE INDEX occurrences_text ON occurrences (text, day);
CREATE INDEX occurrences_kind ON occurrences (kind, day);
CREATE TABLE series (
    n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, code TEXT,
    name TEXT, fr TEXT, en TEXT
);
CREATE TABLE points (
    series INTEGER NOT NULL, day INTEGER NOT NULL, snap INTEGER NOT NULL,
    value REAL, raw TEXT, change REAL, percent REAL, PRIMARY KEY (series, day, snap)
) WITHOUT ROWID;
"""

_TEXT_ROWS = """
SELECT s.id, o.day, o.kind, o.number, o.line, t.digest, t.text, t.lang, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, s.base
FROM occurrences o JOIN snapshots s ON s.n = o.snap JOIN texts t ON t.n = o.text
"""
_SERIES_COLUMNS = """
SELECT s.id, p.day, r.kind, NULL, NULL, NULL, NULL, NULL, r.key, r.code, r.name, r.fr,
       r.en, p.value, p.raw, p.change, p.percent, s.base
"""
_SERIES_ROWS = (
    _SERIES_COLUMNS + "FROM points p JOIN series r ON r.n = p.series "
    "JOIN snapshots s ON s.n = p.snap AND s.day = p.day"
)
# The points are found by series and day, never by snapshot alone: an index by snapshot
# would take 3 MB of 25 at 1,000 snapshots, and a snapshot's points are its day's points
# of each of the ~180 series, one seek each; CROSS JOIN makes SQLite take that order
# (left to itself it scanned every point: 12 ms at 1,000 snapshots instead of 0.6).
_SNAPSHOT_SERIES_ROWS = (
    _SERIES_COLUMNS + "FROM snapshots s CROSS JOIN series r CROSS JOIN points p "
    "ON p.series = r.n AND p.day = s.day AND p.snap = s.n"
)
# Where each field of the seam's documents is, in each of the two queries above.
_TEXT_FIELDS = {"kind": "o.kind", "snapshot": "s.id", "digest": "t.digest"}
_SERIES_FIELDS = {"kind": "r.kind", "snapshot": "s.id", "series": "r.key", "code": "r.code"}
# A document id with the colon after its snapshot id written as NUL (see _parse_id).
_ID = re.compile(
    r"(?P<snapshot>[^\0]+)\0(?:(?P<title>title)|p(?P<number>\d+)|(?P<series>(?:rate|quote):.+))"
)


def iso_day(day: int) -> str:
    """YYYYMMDD as YYYY-MM-DD."""
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def series_words(kind: str, code: str | None, name: str | None, fr: str, en: str) -> str:
    """What a series document indexes: a currency's code and names, an index's name."""
    if kind == "rate":
        return " ".join(part for part in (code, en, fr) if part)
    return name or ""


@dataclass(frozen=True)
class Row:
    """One logical document of one snapshot, as the seam shows it."""

    id: str
    kind: str
    snapshot: str
    day: int
    paragraph: int | None
    line: int | None
    code: str | None
    name: str | None
    lang: str | None
    text: str
    data: dict[str, Any] | None
    digest: str | None
    series: str | None

    @property
    def date(self) -> str:
        return iso_day(self.day)


def _row(values: Sequence[Any]) -> Row:
    sid, day, kind, number, line, text_digest, text, lang = values[:8]
    key, code, name, fr, en, value, raw, change, percent, base = values[8:]
    if kind in TEXT_KINDS:
        local = "title" if kind == "title" else f"p{number}"
        paragraph = None if kind == "title" else number
        return Row(
            f"{sid}:{local}", kind, sid, day, paragraph, line, None, None, lang, text, None,
            text_digest, None,
        )  # fmt: skip
    if kind == "rate":
        text = rate_text(base, raw, code, fr or "", en or "")
        data = {"value": parse_number(raw), "raw": raw, "base": base}
    else:
        text = quote_text(name, value, change, percent)
        data = {"level": value, "change": change, "percent": percent}
    return Row(f"{sid}:{key}", kind, sid, day, None, None, code, name, None, text, data, None, key)


class SideReader:
    """A published generation's side store, opened read-only and immutable."""

    def __init__(self, path: Path) -> None:
        uri = f"file:{url_quote(str(path))}?mode=ro&immutable=1"
        # One connection shared by the threads of a service worker: sqlite3's own mutex
        # serialises calls, the lock keeps a cursor's rows to the caller that ran it.
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("SELECT count(*) FROM snapshots").fetchone()  # opens the file now

    def close(self) -> None:
        self._db.close()

    def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        values = tuple(encodable(v) if isinstance(v, str) else v for v in params)
        with self._lock:
            return self._db.execute(sql, values).fetchall()

    def _column(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """The first column of the rows of `sql`."""
        return [row[0] for row in self._all(sql, params)]

    def snapshots(self) -> list[tuple[Any, ...]]:
        """(id, date, documents, sha256, path, headline) of every snapshot, oldest first."""
        rows = self._all(
            "SELECT id, day, documents, sha256, path, headline FROM snapshots ORDER BY day, id"
        )
        return [(sid, iso_day(day), *rest) for sid, day, *rest in rows]

    def path(self, snapshot: str) -> str | None:
        found = self._all("SELECT path FROM snapshots WHERE id = ?", [snapshot])
        return found[0][0] if found else None

    def document_count(self) -> int:
        return int(self._all("SELECT coalesce(sum(documents), 0) FROM snapshots")[0][0])

    def members(self, snapshot: str) -> list[str]:
        """The index ids of the texts and series `snapshot` holds."""
        return [
            f"{kind}:{text_digest}" if kind in TEXT_KINDS else kind
            for kind, text_digest in self._all(
                "SELECT o.kind, t.digest FROM occurrences o JOIN texts t ON t.n = o.text "
                "JOIN snapshots s ON s.n = o.snap WHERE s.id = ? "
                "UNION SELECT r.key, NULL FROM snapshots s CROSS JOIN series r CROSS JOIN points p "
                "ON p.series = r.n AND p.day = s.day AND p.snap = s.n WHERE s.id = ?",
                [snapshot, snapshot],
            )
        ]

    def series_between(self, low: int | None, high: int | None) -> list[str]:
        """The series with a point dated within [low, high]."""
        return self._column(
            "SELECT key FROM series r WHERE EXISTS (SELECT 1 FROM points p WHERE "
            "p.series = r.n AND p.day BETWEEN ? AND ?)",
            [low or 0, high or 99999999],
        )

    def newest_of(
        self,
        kind: str,
        key: str,
        snapshot: str | None = None,
        low: int | None = None,
        high: int | None = None,
    ) -> Row | None:
        """The newest occurrence of a text (`key` its digest) or point of a series (`key`
        like `rate:GBP`), in `snapshot` or within [low, high] when given."""
        where = ["t.kind = ? AND t.digest = ?" if kind in TEXT_KINDS else "r.key = ?"]
        params: list[Any] = [kind, key] if kind in TEXT_KINDS else [key]
        day = "o.day" if kind in TEXT_KINDS else "p.day"
        if snapshot is not None:
            where.append("s.id = ?")
            params.append(snapshot)
        if low is not None or high is not None:
            where.append(f"{day} BETWEEN ? AND ?")
            params += [low or 0, high or 99999999]
        base = (
            _TEXT_ROWS
            if kind in TEXT_KINDS
            else _SERIES_ROWS
            if snapshot is None
            else _SNAPSHOT_SERIES_ROWS
        )
        order = f"{day} DESC, s.id DESC" + (", o.number" if kind in TEXT_KINDS else "")
        found = self._all(f"{base} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT 1", params)
        return _row(found[0]) if found else None

    def copies(self, kind: str, key: str, snapshot: str) -> list[Row]:
        """Every copy of a text (or the point of a series) in `snapshot`, in page order: a
        page may repeat a paragraph."""
        if kind in TEXT_KINDS:
            sql = f"{_TEXT_ROWS} WHERE t.kind = ? AND t.digest = ? AND s.id = ? ORDER BY o.number"
            return [_row(v) for v in self._all(sql, [kind, key, snapshot])]
        sql = f"{_SNAPSHOT_SERIES_ROWS} WHERE r.key = ? AND s.id = ?"
        return [_row(v) for v in self._all(sql, [key, snapshot])]

    def days_of(self, kind: str, text_digest: str) -> list[int]:
        """Every day a text is on, oldest first."""
        return self._column(
            "SELECT DISTINCT o.day FROM occurrences o JOIN texts t ON t.n = o.text "
            "WHERE t.kind = ? AND t.digest = ? AND o.kind = t.kind ORDER BY o.day",
            [kind, text_digest],
        )

    def text_of(self, kind: str, text_digest: str) -> tuple[str, str | None] | None:
        found = self._all(
            "SELECT text, lang FROM texts WHERE kind = ? AND digest = ?", [kind, text_digest]
        )
        return (found[0][0], found[0][1]) if found else None

    def rows(
        self, fields: dict[str, str], limit: int | None = None, newest: bool = False
    ) -> list[Row]:
        """The logical documents whose fields (`id`, `kind`, `snapshot`, `series`, `code`,
        `digest`) equal `fields`; the `limit` newest, or all oldest first."""
        fields = dict(fields)
        text_where: list[str] = []
        series_where: list[str] = []
        text_params: list[Any] = []
        series_params: list[Any] = []
        if "id" in fields:
            parsed = self._parse_id(fields.pop("id"))
            if parsed is None:
                return []
            fields.setdefault("snapshot", parsed["snapshot"])
            if fields["snapshot"] != parsed["snapshot"]:
                return []
            if parsed["series"]:
                text_where.append("0")
                series_where.append("r.key = ?")
                series_params.append(parsed["series"])
            else:
                series_where.append("0")
                text_where.append("o.kind = ? AND o.number = ?")
                title = bool(parsed["title"])
                text_params += ["title", 0] if title else ["paragraph", int(parsed["number"])]
        for name, value in fields.items():
            for where, params, columns in (
                (text_where, text_params, _TEXT_FIELDS),
                (series_where, series_params, _SERIES_FIELDS),
            ):
                if name in columns:
                    where.append(f"{columns[name]} = ?")
                    params.append(value)
                else:
                    where.append("0")  # a field this kind of document does not have
        found: list[Row] = []
        for base, where, params, day in (
            (_TEXT_ROWS, text_where, text_params, "o.day"),
            (
                _SNAPSHOT_SERIES_ROWS if "snapshot" in fields else _SERIES_ROWS,
                series_where,
                series_params,
                "p.day",
            ),
        ):
            if "0" in where:
                continue
            sql = base + (f" WHERE {' AND '.join(where)}" if where else "")
            if newest:
                sql += f" ORDER BY {day} DESC, s.id DESC"
                if limit is not None:
                    sql += f" LIMIT {int(limit)}"
            found += [_row(values) for values in self._all(sql, params)]
        if newest:
            found.sort(key=lambda r: (r.day, r.snapshot), reverse=True)
            return found if limit is None else found[:limit]
        found.sort(key=lambda r: (r.day, r.snapshot, r.id))
        return found

    def _parse_id(self, doc_id: str) -> re.Match[str] | None:
        """`SNAP:p3`, `SNAP:title`, `SNAP:rate:USD` split at the colon after which the
        snapshot id is one the store holds (a snapshot id may hold colons too)."""
        for at in (i for i, char in enumerate(doc_id) if char == ":"):
            parsed = _ID.fullmatch(doc_id[:at] + "\0" + doc_id[at + 1 :])
            snapshot = doc_id[:at]
            if parsed is not None and self._all("SELECT 1 FROM snapshots WHERE id = ?", [snapshot]):
                return parsed
        return None

    def count(self, kind: str, keys: Sequence[str], since: int | None) -> int:
        """How many occurrences (texts: `keys` are digests) or points (series: `keys` are
        series keys) of `kind` are dated `since` or later."""
        if not keys:
            return 0
        if kind in TEXT_KINDS:
            sql = (
                "SELECT count(*) FROM occurrences o JOIN texts t ON t.n = o.text WHERE "
                "o.kind = ? AND t.kind = ? AND t.digest IN (SELECT value FROM json_each(?)) "
                "AND o.day >= ?"
            )
            params: list[Any] = [kind, kind, json.dumps(list(keys)), since or 0]
        else:
            sql = (
                "SELECT count(*) FROM points p JOIN series r ON r.n = p.series WHERE "
                "r.kind = ? AND r.key IN (SELECT value FROM json_each(?)) AND p.day >= ?"
            )
            params = [kind, json.dumps(list(keys)), since or 0]
        return int(self._all(sql, params)[0][0])

    def texts_since(self, kind: str, day: int) -> list[str]:
        """The digests of the texts of `kind` on a page dated `day` or later."""
        return self._column(
            "SELECT DISTINCT t.digest FROM occurrences o JOIN texts t ON t.n = o.text "
            "WHERE o.kind = ? AND o.day >= ?",
            [kind, day],
        )

    def values(self, field: str) -> list[str]:
        """Every value of a field of the logical documents, sorted."""
        queries = {
            "kind": "SELECT DISTINCT kind FROM texts UNION SELECT DISTINCT kind FROM series",
            "snapshot": "SELECT id FROM snapshots",
            "series": "SELECT key FROM series",
            "code": "SELECT code FROM series WHERE code IS NOT NULL",
            "digest": "SELECT DISTINCT digest FROM texts",
        }
        if field == "id":
            return sorted(row.id for row in self.rows({}))
        if field not in queries:
            return []
        return sorted(self._column(queries[field]))

    def frequency(self, field: str, value: str) -> int:
        """How many logical documents have `field` equal to `value` (`snapshot`, `id`)."""
        return len(self.rows({field: value}))


@dataclass(frozen=True)
class SeriesDocument:
    """What the index document of a series is made of."""

    key: str  # `rate:GBP`, `quote:AEX`
    kind: str
    code: str | None
    name: str | None
    fr: str  # a currency's CLDR names
    en: str
    newest: int  # the day of its newest point
    base: str | None  # the base currency of the page of that point


@dataclass
class Changes:
    """What a build changed, for the index documents to rewrite: texts as (kind, digest),
    series as keys."""

    texts: set[tuple[str, str]]
    series: set[str]


class SideWriter:
    """The side store of a generation being built, in memory (empty, or a copy of the
    live generation's), written to its file once by `close()`.

    Written by us rather than by SQLite: a full disk then fails with the OS's own error
    (SQLite reports a file-size limit as "disk I/O error"), and the generation's file
    appears once, whole."""

    def __init__(self, path: Path, *, source: Path | None, fsync: bool) -> None:
        self.path = path
        self.fsync = fsync
        self._db = sqlite3.connect(":memory:", isolation_level=None)
        if source is not None:
            self._db.deserialize(source.read_bytes())
        else:
            self._create()
        self._db.execute("BEGIN")
        self.changes = Changes(set(), set())
        self.gone: list[str] = []  # index ids of texts and series no page holds any more
        self._text_ids: dict[tuple[str, str], int] = {}
        self._series_ids: dict[str, int] = {}

    def _create(self) -> None:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def known(self) -> dict[str, str]:
        """The sha256 of every snapshot, by id."""
        return dict(self._db.execute("SELECT id, sha256 FROM snapshots"))

    def remove(self, snapshot_id: str) -> None:
        """Take a snapshot out (before adding its new version)."""
        found = self._db.execute(
            "SELECT n, day FROM snapshots WHERE id = ?", [snapshot_id]
        ).fetchone()
        if found is None:
            return
        n, day = found
        self.changes.texts.update(
            self._db.execute(
                "SELECT t.kind, t.digest FROM occurrences o JOIN texts t ON t.n = o.text "
                "WHERE o.snap = ?",
                [n],
            )
        )
        self.changes.series.update(
            key
            for (key,) in self._db.execute(
                "SELECT r.key FROM series r JOIN points p ON p.series = r.n AND p.day = ? "
                "AND p.snap = ?",
                [day, n],
            )
        )
        self._db.execute("DELETE FROM occurrences WHERE snap = ?", [n])
        self._db.execute(
            "DELETE FROM points WHERE series IN (SELECT n FROM series) AND day = ? AND snap = ?",
            [day, n],
        )
        self._db.execute("DELETE FROM snapshots WHERE n = ?", [n])

    def add(self, snapshot: Snapshot) -> int:
        """Add a parsed snapshot; the number of logical documents it holds."""
        day = day_number(snapshot)
        page_lang, langs = languages(snapshot)
        count = 1 + len(snapshot.paragraphs) + len(snapshot.rates) + len(snapshot.quotes)
        cursor = self._db.execute(
            "INSERT INTO snapshots (id, day, sha256, path, site, headline, base, lang, "
            "paragraphs, rates, quotes, documents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                snapshot.id, day, snapshot.sha256, os.path.abspath(snapshot.path),
                snapshot.site, snapshot.headline, snapshot.base, page_lang,
                len(snapshot.paragraphs), len(snapshot.rates), len(snapshot.quotes), count,
            ],
        )  # fmt: skip
        snap = cursor.lastrowid
        occurrences: list[tuple[Any, ...]] = [
            (snap, "title", 0, None, self._text("title", snapshot.title, page_lang), day)
        ]
        for number, (text, lang) in enumerate(zip(snapshot.paragraphs, langs, strict=True), 1):
            line = snapshot.lines[number - 1] if len(snapshot.lines) >= number else None
            occurrences.append(
                (snap, "paragraph", number, line, self._text("paragraph", text, lang), day)
            )
        self._db.executemany(
            "INSERT OR IGNORE INTO occurrences VALUES (?, ?, ?, ?, ?, ?)", occurrences
        )
        points: list[tuple[Any, ...]] = []
        for rate in snapshot.rates:
            series = self._series("rate", rate.code, rate.code)
            # The value is read back from the number as printed (8 bytes a row less).
            points.append((series, day, snap, None, rate.raw, None, None))
        for quote in snapshot.quotes:
            series = self._series("quote", quote.name, None)
            points.append((series, day, snap, quote.level, None, quote.change, quote.percent))
        self._db.executemany("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?, ?, ?)", points)
        return count

    def _text(self, kind: str, text: str, lang: str | None) -> int:
        key = (kind, digest(text))
        self.changes.texts.add(key)
        n = self._text_ids.get(key)
        if n is None:
            found = self._db.execute(
                "SELECT n FROM texts WHERE kind = ? AND digest = ?", key
            ).fetchone()
            if found is None:
                found = (
                    self._db.execute(
                        "INSERT INTO texts (kind, digest, text, lang) VALUES (?, ?, ?, ?)",
                        [*key, text, lang],
                    ).lastrowid,
                )
            n = self._text_ids[key] = found[0]
        return n

    def _series(self, kind: str, name: str, code: str | None) -> int:
        key = f"{kind}:{name}"
        n = self._series_ids.get(key)
        if n is None:
            found = self._db.execute("SELECT n FROM series WHERE key = ?", [key]).fetchone()
            if found is None:
                self.changes.series.add(key)
                fr, en = currency_names(code) if code else ("", "")
                found = (
                    self._db.execute(
                        "INSERT INTO series (key, kind, code, name, fr, en) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        [key, kind, code, (en or None) if code else name, fr, en],
                    ).lastrowid,
                )
            n = self._series_ids[key] = found[0]
        return n

    def text_documents(self) -> Iterator[tuple[str, str, str, str | None, list[int]]]:
        """(kind, digest, text, lang, days) of every changed text still on some page;
        texts on none are deleted here and their index ids put in `gone`."""
        for kind, text_digest in sorted(self.changes.texts):
            found = self._db.execute(
                "SELECT n, text, lang FROM texts WHERE kind = ? AND digest = ?",
                [kind, text_digest],
            ).fetchone()
            if found is None:
                self.gone.append(f"{kind}:{text_digest}")
                continue
            n, text, lang = found
            days = [
                day
                for (day,) in self._db.execute(
                    "SELECT DISTINCT day FROM occurrences WHERE text = ? AND kind = ? ORDER BY day",
                    [n, kind],
                )
            ]
            if not days:
                self._db.execute("DELETE FROM texts WHERE n = ?", [n])
                self.gone.append(f"{kind}:{text_digest}")
                continue
            yield kind, text_digest, text, lang, days

    def series_documents(self) -> Iterator[SeriesDocument]:
        """Every changed series still in some snapshot; series in none are deleted here
        and their keys put in `gone`."""
        for key in sorted(self.changes.series):
            found = self._db.execute(
                "SELECT n, kind, code, name, fr, en FROM series WHERE key = ?", [key]
            ).fetchone()
            if found is None:
                self.gone.append(key)
                continue
            n, kind, code, name, fr, en = found
            newest = self._db.execute(
                "SELECT p.day, s.base FROM points p JOIN snapshots s ON s.n = p.snap "
                "WHERE p.series = ? ORDER BY p.day DESC LIMIT 1",
                [n],
            ).fetchone()
            if newest is None:
                self._db.execute("DELETE FROM series WHERE n = ?", [n])
                self.gone.append(key)
                continue
            yield SeriesDocument(key, kind, code, name, fr or "", en or "", *newest)

    def document_count(self) -> int:
        """How many documents the snapshots hold (a paragraph repeated counts each time)."""
        return int(
            self._db.execute("SELECT coalesce(sum(documents), 0) FROM snapshots").fetchone()[0]
        )

    def close(self) -> None:
        """Commit, then write the store to its file (owner-only, new, flushed)."""
        self._db.execute("COMMIT")
        data = self._db.serialize()
        self._db.close()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def abandon(self) -> None:
        """Close without caring what was written: the generation is being discarded."""
        try:
            self._db.close()
        except sqlite3.Error:
            pass
