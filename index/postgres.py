"""The PostgreSQL store: schema and migrations, the text analysis in SQL, and the build.

    schema_version   the migrations applied (one row per version)
    state            one row: a generation number every build bumps (readers' refresh)
    snapshots        one row per snapshot: what `index status` shows
    documents        the documents of `index.documents`, partitioned by year of `day`,
                     with one tsvector per text search configuration and a GIN index each
    words            every `plain` word indexed, for the one-typo lookup
    terms            how many documents hold each term, per field (the IDF of the ranking)

Each document also has `tsv_start` (the first one and two letters of its words, Whoosh's
`start` field: a short prefix is one GIN entry) and its length per field (`len_plain`…),
and `state` holds the document count and the total length per field: the ranking is
Whoosh's BM25F computed in SQL from these.

Text search configurations: `snapsearch_plain` (simple), `snapsearch_fr` (french_stem) and
`snapsearch_en` (english_stem), each with `unaccent` first, so case and accents never
matter and stems meet. The text reaches them pre-normalised by the project's own `plain`
analysis (`normalise`): elisions split off, ligatures folded, one word per token.

A build is one transaction under an advisory lock: readers see the state before it or
after it, never a mix (MVCC), and a build that fails leaves the database as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb

from . import lang
from .analysis import analyzer_for
from .builder import DEFAULT_LOCK_WAIT, BuildReport, Progress, find_snapshot_files
from .documents import Document, documents
from .errors import (
    IndexBusyError,
    IndexDamagedError,
    IndexMissingError,
    IndexStateError,
    IndexWriteError,
    SnapsearchError,
    SnapshotError,
)
from .parse import DEFAULT_MAX_BYTES, parse_snapshot, read_file

__all__ = [
    "CONFIGS",
    "SCHEMA_VERSION",
    "build",
    "connect",
    "describe",
    "has_index",
    "mapped_errors",
    "migrate",
    "normalise",
]

SCHEMA_VERSION = 2
# The analysis field of `index.documents` → its text search configuration.
CONFIGS = {"plain": "snapsearch_plain", "fr": "snapsearch_fr", "en": "snapsearch_en"}
_LOCK_KEY = 0x736E6170  # "snap": one writer per database
_CONNECT_TIMEOUT = 10
_WORD_TYPES = "asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part"
_NUMBER_TYPES = "hword_numpart, int, uint, float, sfloat, version"

_CONFIG_SQL = [
    f"""CREATE TEXT SEARCH CONFIGURATION snapsearch_plain (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION snapsearch_plain
        ALTER MAPPING FOR {_WORD_TYPES}, {_NUMBER_TYPES} WITH unaccent, simple""",
    *(
        f"""CREATE TEXT SEARCH CONFIGURATION snapsearch_{code} (COPY = {name});
    ALTER TEXT SEARCH CONFIGURATION snapsearch_{code}
        ALTER MAPPING FOR {_WORD_TYPES} WITH unaccent, {name}_stem;
    ALTER TEXT SEARCH CONFIGURATION snapsearch_{code}
        ALTER MAPPING FOR {_NUMBER_TYPES} WITH simple"""
        for code, name in (("fr", "french"), ("en", "english"))
    ),
]

# Migration n brings a database from version n-1 to n; never edit one that shipped.
MIGRATIONS: list[list[str]] = [
    [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
        *_CONFIG_SQL,
        "CREATE TABLE state (generation bigint NOT NULL)",
        "INSERT INTO state VALUES (0)",
        """CREATE TABLE snapshots (
            id text PRIMARY KEY,
            day date NOT NULL,
            sha256 text NOT NULL,
            path text NOT NULL,
            headline text NOT NULL,
            documents integer NOT NULL,
            info jsonb NOT NULL)""",
        # Partitioned by year of `day`: old years can be detached, archived or put on
        # other storage, and a date range (since/until) reads only its partitions.
        """CREATE TABLE documents (
            id text NOT NULL,
            kind text NOT NULL,
            snapshot text NOT NULL,
            day date NOT NULL,
            paragraph integer,
            code text,
            series text,
            digest text,
            name text,
            lang text,
            text text NOT NULL,
            data jsonb,
            info jsonb,
            tsv_plain tsvector NOT NULL,
            tsv_fr tsvector NOT NULL,
            tsv_en tsvector NOT NULL,
            PRIMARY KEY (id, day)
        ) PARTITION BY RANGE (day)""",
        "CREATE INDEX documents_snapshot ON documents (snapshot)",
        "CREATE INDEX documents_kind_day ON documents (kind, day)",
        "CREATE INDEX documents_series_day ON documents (series, day)",
        "CREATE INDEX documents_code ON documents (code)",
        "CREATE INDEX documents_digest_day ON documents (digest, day)",
        "CREATE INDEX documents_plain ON documents USING gin (tsv_plain)",
        "CREATE INDEX documents_fr ON documents USING gin (tsv_fr)",
        "CREATE INDEX documents_en ON documents USING gin (tsv_en)",
        # COLLATE "C": `LIKE 'k%'` then reads a range of the primary key.
        'CREATE TABLE words (word text COLLATE "C" PRIMARY KEY)',
    ],
]
# What the ranking (BM25, as Whoosh's BM25F) reads, per field: the terms of a tsvector and
# its length (the number of positions, so of words, as Whoosh counts a field's length).
RANKED = ("plain", "fr", "en", "start")
_STATE_COLUMNS = ", ".join(f"len_{field}" for field in RANKED)


def _account_sql(where: str, sign: str) -> list[str]:
    """Statements adding (`sign` +) or taking away (-) the documents matching `where` to
    or from the term counts and the totals in `state`. Migration 2 runs them too: once it
    has shipped, a change here that alters their result belongs in a new migration."""
    rows = " UNION ALL ".join(
        f"SELECT '{field}' AS field, unnest(tsvector_to_array(d.tsv_{field})) AS term "
        f"FROM documents d WHERE {where}"
        for field in RANKED
    )
    totals = ", ".join(f"s.len_{f} {sign} coalesce(sum(d.len_{f}), 0)" for f in RANKED)
    return [
        f"INSERT INTO terms (field, term, df) SELECT field, term, {sign}count(*) "
        f"FROM ({rows}) t GROUP BY field, term "
        "ON CONFLICT (field, term) DO UPDATE SET df = terms.df + excluded.df",
        *(["DELETE FROM terms WHERE df <= 0"] if sign == "-" else []),
        f"UPDATE state s SET (documents, {_STATE_COLUMNS}) = (SELECT s.documents {sign} count(*), "
        f"{totals} FROM documents d WHERE {where})",
    ]


# The first one and two letters of each word of a tsvector, at the word's positions.
_STARTS_FUNCTION = r"""CREATE FUNCTION snapsearch_starts(v tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(
        '''' || replace(replace(s.start, '\', '\\'), '''', '''''') || ''':'
        || array_to_string(u.positions, ','), ' '), '')::tsvector
    FROM unnest(v) u
    CROSS JOIN LATERAL (SELECT DISTINCT left(u.lexeme, n)
        FROM generate_series(1, least(2, length(u.lexeme))) n) AS s(start) $$"""

MIGRATIONS.append(
    [
        _STARTS_FUNCTION,
        # How many words a field holds (positions: stop words are not counted in fr, en).
        """CREATE FUNCTION snapsearch_length(v tsvector) RETURNS integer
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT coalesce(sum(cardinality(positions)), 0)::integer FROM unnest(v) $$""",
        # A length as Whoosh stores it (one byte, `whoosh.util.numeric.length_to_byte`) and
        # reads it back: the smallest of round((1.033^n - 1) * 27) that is not shorter.
        """CREATE FUNCTION snapsearch_whoosh_length(len integer) RETURNS integer
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT min(v)::integer FROM (
                SELECT round((1.033 ^ (greatest(floor(ln(len / 27.0 + 1) / ln(1.033)) - 1, 0)
                              + k) - 1) * 27) AS v
                FROM generate_series(0, 2) k) c
            WHERE v >= len $$""",
        "ALTER TABLE documents ADD COLUMN tsv_start tsvector NOT NULL "
        "GENERATED ALWAYS AS (snapsearch_starts(tsv_plain)) STORED",
        *(
            f"ALTER TABLE documents ADD COLUMN len_{field} integer NOT NULL "
            f"GENERATED ALWAYS AS (snapsearch_length(tsv_{field})) STORED"
            for field in ("plain", "fr", "en")
        ),
        "ALTER TABLE documents ADD COLUMN len_start integer NOT NULL "
        "GENERATED ALWAYS AS (snapsearch_length(snapsearch_starts(tsv_plain))) STORED",
        # The lengths the ranking reads: Whoosh's, rounded up as it stores them.
        *(
            f"ALTER TABLE documents ADD COLUMN rank_len_{field} integer NOT NULL "
            f"GENERATED ALWAYS AS (snapsearch_whoosh_length(snapsearch_length({vector}))) STORED"
            for field, vector in (
                ("plain", "tsv_plain"),
                ("fr", "tsv_fr"),
                ("en", "tsv_en"),
                ("start", "snapsearch_starts(tsv_plain)"),
            )
        ),
        "CREATE INDEX documents_start ON documents USING gin (tsv_start)",
        'CREATE TABLE terms (field text NOT NULL, term text COLLATE "C" NOT NULL, '
        "df integer NOT NULL, PRIMARY KEY (field, term))",
        "ALTER TABLE state ADD COLUMN documents bigint NOT NULL DEFAULT 0, "
        + ", ".join(f"ADD COLUMN len_{f} bigint NOT NULL DEFAULT 0" for f in RANKED),
        *_account_sql("TRUE", "+"),
    ]
)
assert len(MIGRATIONS) == SCHEMA_VERSION


_STAGED = (
    "id",
    "kind",
    "snapshot",
    "day",
    "paragraph",
    "code",
    "series",
    "digest",
    "name",
    "lang",
    "text",
    "data",
    "info",
    "plain",
    "fr",
    "en",
)


# ----------------------------------------------------------------------- connecting


def describe(url: str) -> str:
    """`url` without its password, for messages: `postgresql://user@host:port/db`."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    """A connection to `url`; a clear error when the server cannot be reached."""
    with mapped_errors(url):
        return psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=_CONNECT_TIMEOUT,
            application_name="snapsearch",
        )


@contextlib.contextmanager
def mapped_errors(url: str, *, writing: bool = False) -> Iterator[None]:
    """Turn psycopg's errors into snapsearch's, once, for every caller."""
    try:
        yield
    except SnapsearchError:
        raise
    except psycopg.Error as exc:
        raise _mapped(exc, describe(url), writing) from None


def _mapped(exc: psycopg.Error, where: str, writing: bool) -> IndexStateError:
    detail = " ".join(str(exc).split())[:200]
    if isinstance(exc, pg_errors.UndefinedTable | pg_errors.UndefinedObject):
        return IndexMissingError(
            f"no snapsearch index in {where} yet; build one with "
            "`search --backend URL index build PATH…`"
        )
    if isinstance(exc, pg_errors.LockNotAvailable):
        return IndexBusyError(f"the index in {where} is being updated by another build; try again")
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        return IndexStateError(
            f"cannot reach PostgreSQL at {where} ({detail}); check that the server runs and "
            "the URL given with --backend or SEARCH_BACKEND"
        )
    if writing:
        return IndexWriteError(
            f"{where}: cannot write the index ({detail}); it is left as it was before this build"
        )
    return IndexDamagedError(f"{where}: the index cannot be read ({detail})")


def has_index(url: str) -> bool:
    """True when the database at `url` holds a snapsearch schema."""
    with connect(url, autocommit=True) as conn, mapped_errors(url):
        row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
        return bool(row and row[0])


# ----------------------------------------------------------------------- the schema


def migrate(conn: psycopg.Connection[Any]) -> None:
    """Bring the schema to `SCHEMA_VERSION`, inside the caller's transaction."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY)")
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    current = int(row[0]) if row else 0
    if current > SCHEMA_VERSION:
        raise IndexDamagedError(
            f"the index was written by a newer snapsearch (schema {current}, this one "
            f"writes {SCHEMA_VERSION}); upgrade snapsearch"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[version - 1]:
            conn.execute(statement.encode())
        conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))


def _ensure_partitions(conn: psycopg.Connection[Any], days: set[dt.date]) -> None:
    """One partition of `documents` per year that the new rows fall in."""
    for year in sorted({day.year for day in days}):
        start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1) if year < 9999 else None
        upper = sql.Literal(end) if end else sql.SQL("MAXVALUE")
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF documents FOR VALUES FROM ({}) TO ({})"
            ).format(sql.Identifier(f"documents_y{year:04d}"), sql.Literal(start), upper)
        )


# ----------------------------------------------------------------------- analysis


@functools.cache
def _plain_analyzer() -> Any:
    return analyzer_for("plain")


def normalise(text: str) -> str:
    """`text` as the `plain` analysis sees it, one word per space-separated token: the
    text search configurations then see elisions split and ligatures folded."""
    return " ".join(token.text for token in _plain_analyzer()(text))


# ----------------------------------------------------------------------- the build


def build(
    url: str,
    paths: Sequence[Path],
    *,
    rebuild: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    lock_wait: float = DEFAULT_LOCK_WAIT,
    progress: Progress | None = None,
) -> BuildReport:
    """Add new and changed snapshots from `paths` to the database in one transaction.

    With `rebuild`, the database then holds `paths` alone. Files that fail are reported in
    `failed`; the others are still indexed. A build that fails leaves the database as it
    was; readers see the state before or after it, never a mix.
    """
    report = BuildReport()
    files, problems = find_snapshot_files(paths)
    report.failed += [(p.path, p.reason) for p in problems]
    lang.init()
    with connect(url) as conn, mapped_errors(url, writing=True), conn.transaction():
        _lock(conn, lock_wait)
        migrate(conn)
        if rebuild:
            for table in ("documents", "snapshots", "words", "terms"):
                # DELETE, not TRUNCATE: TRUNCATE would lock readers out until the commit.
                conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
            conn.execute(f"UPDATE state SET (documents, {_STATE_COLUMNS}) = ROW(0, 0, 0, 0, 0)")
        rows = conn.execute("SELECT id, sha256 FROM snapshots").fetchall()
        known = {str(sid): str(sha) for sid, sha in rows}
        docs = _read_files(files, known, report, max_bytes, progress)
        _write(conn, docs, [*report.updated])
        count = conn.execute("SELECT coalesce(sum(documents), 0) FROM snapshots").fetchone()
        report.documents = int(count[0]) if count else 0
    return report


def _lock(conn: psycopg.Connection[Any], wait: float) -> None:
    """Hold the database's build lock until the transaction ends; wait up to `wait` s."""
    conn.execute(
        sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{int(wait * 1000)}ms"))
    )
    if wait <= 0:
        row = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_LOCK_KEY,)).fetchone()
        if not (row and row[0]):
            raise IndexBusyError("the index is being updated by another build; try again")
    else:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
    conn.execute("SET LOCAL lock_timeout = 0")


def _read_files(
    files: Sequence[Path],
    known: dict[str, str],
    report: BuildReport,
    max_bytes: int,
    progress: Progress | None,
) -> list[Document]:
    """The documents of the new and changed files; the report says what each file was."""
    seen: dict[str, Path] = {}
    docs: list[Document] = []
    for done, path in enumerate(files, 1):
        try:
            docs += _read_one(path, known, seen, report, max_bytes)
        except SnapshotError as exc:
            report.failed.append((exc.path, exc.reason))
        if progress is not None:
            progress(done, len(files))
    return docs


def _read_one(
    path: Path, known: dict[str, str], seen: dict[str, Path], report: BuildReport, max_bytes: int
) -> list[Document]:
    data, mtime = read_file(path, max_bytes=max_bytes)
    sid = path.stem
    if sid in seen:
        raise SnapshotError(str(path), f"snapshot id {sid!r} is also given by {seen[sid]}")
    seen[sid] = path
    if known.get(sid) == hashlib.sha256(data).hexdigest():
        report.unchanged.append(sid)
        return []
    snapshot = parse_snapshot(data, path=str(path), mtime=mtime)
    (report.updated if sid in known else report.added).append(sid)
    return documents(snapshot)


def _write(conn: psycopg.Connection[Any], docs: list[Document], updated: list[str]) -> None:
    """Replace the updated snapshots' rows and load the new documents with COPY."""
    if updated:
        for statement in _account_sql("d.snapshot = ANY(%(updated)s)", "-"):
            conn.execute(statement.encode(), {"updated": updated})
        conn.execute("DELETE FROM documents WHERE snapshot = ANY(%s)", (updated,))
        conn.execute("DELETE FROM snapshots WHERE id = ANY(%s)", (updated,))
    if not docs:
        return
    _ensure_partitions(conn, {_day(doc) for doc in docs})
    columns = ", ".join(_STAGED)
    conn.execute(
        "CREATE TEMP TABLE staging (id text, kind text, snapshot text, day date, paragraph int, "
        "code text, series text, digest text, name text, lang text, text text, data jsonb, "
        "info jsonb, plain text, fr text, en text) ON COMMIT DROP"
    )
    with conn.cursor() as cur, cur.copy(f"COPY staging ({columns}) FROM STDIN".encode()) as copy:
        for doc in docs:
            copy.write_row(_staged_row(doc))
    vectors = ", ".join(
        f"to_tsvector('{config}', coalesce({field}, ''))" for field, config in CONFIGS.items()
    )
    kept = ", ".join(_STAGED[:13])
    conn.execute(
        f"INSERT INTO documents ({kept}, tsv_plain, tsv_fr, tsv_en) "
        f"SELECT {kept}, {vectors} FROM staging".encode()
    )
    conn.execute(
        "INSERT INTO snapshots (id, day, sha256, path, headline, documents, info) "
        "SELECT snapshot, day, info->>'sha256', info->>'path', info->>'headline', "
        "(info->>'documents')::int, info FROM staging WHERE kind = 'title'"
    )
    added = sorted({str(doc["snapshot"]) for doc in docs})  # the index on snapshot, not a scan
    for statement in _account_sql("d.snapshot = ANY(%(added)s)", "+"):
        conn.execute(statement.encode(), {"added": added})
    conn.execute(
        "INSERT INTO words SELECT DISTINCT unnest(tsvector_to_array("
        "to_tsvector('snapsearch_plain', plain))) FROM staging ON CONFLICT DO NOTHING"
    )
    conn.execute("UPDATE state SET generation = generation + 1")
    row = conn.execute("SELECT documents FROM state").fetchone()
    if row and len(docs) * 10 >= int(row[0]):
        # A build that changed a tenth of the rows or more: fresh statistics for the
        # planner (autovacuum never analyzes a partitioned table's parent).
        conn.execute("ANALYZE documents, terms, words")


def _day(doc: Document) -> dt.date:
    day = int(doc["day"])
    return dt.date(day // 10000, day // 100 % 100, day % 100)


def _staged_row(doc: Document) -> tuple[Any, ...]:
    def text(field: str) -> str | None:
        value = doc.get(field)
        return normalise(value) if value else None

    return (
        doc["id"],
        doc["kind"],
        doc["snapshot"],
        _day(doc),
        doc.get("paragraph"),
        doc.get("code"),
        doc.get("series"),
        doc.get("digest"),
        doc.get("name"),
        doc.get("lang"),
        doc["text"],
        Jsonb(doc["data"]) if doc.get("data") is not None else None,
        Jsonb(doc["info"]) if doc.get("info") is not None else None,
        text("plain"),
        text("fr"),
        text("en"),
    )
