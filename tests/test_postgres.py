"""The PostgreSQL backend on a real server: analysis, query syntax, builds, errors, the CLI.

The seam's own contract runs over it in test_backend_contract.py; these are the parts
that only a database has (transactions, locks, connections) and the user's view of
search behaviour (accents, elisions, stems, prefixes, typos) checked directly.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from index import IndexBusyError, IndexMissingError, IndexStateError
from index.postgres import SCHEMA_VERSION, build, has_index, normalise
from search.cli import cli
from search.engine import PostgresBackend
from tests.conftest import SAMPLE, SAMPLE_ID, make_page, write_series
from tests.pg_support import PgCluster


@pytest.fixture
def pg(tmp_path: Path, pg_url: str) -> Iterator[PostgresBackend]:
    """A backend over the sample and the three dated pages."""
    assert not build(pg_url, [SAMPLE, *write_series(tmp_path / "pages")]).failed
    backend = PostgresBackend(pg_url)
    yield backend
    backend.close()


def _texts(backend: PostgresBackend, query: str, **options: str) -> list[str]:
    return [hit.text for hit in backend.search(query, limit=None, **options).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        pytest.param("koursk", "Koursk", id="lower case"),
        pytest.param("KOURSK", "Koursk", id="upper case"),
        pytest.param("Kour", "Koursk", id="prefix of the last word"),
        pytest.param("Kursk", "Koursk", id="one typo"),
        pytest.param("alliance", "alliance", id="elision split off"),
        pytest.param("syndicat", "syndicats", id="French stem"),
        pytest.param("economie", "économies", id="accents and stems"),
    ],
)
def test_a_user_finds_what_they_mean(pg: PostgresBackend, query: str, found: str) -> None:
    results = pg.search(query)
    assert results.hits, query
    hit = results.hits[0]
    assert any(hit.text[a:b] == found for a, b in hit.highlights), (query, hit.highlights)


def test_typo_is_forgiven_only_when_nothing_matches(pg: PostgresBackend) -> None:
    assert pg.search("Kursk").fuzzy
    assert not pg.search("Koursk").fuzzy
    assert pg.search("Kurs").hits == ()  # four letters: no typo forgiven


def test_phrase_exclusion_or_and_filters(pg: PostgresBackend) -> None:
    assert _texts(pg, '"place Venceslas"')
    assert not _texts(pg, '"Venceslas place"')
    budget = set(_texts(pg, "ministre"))
    assert budget and not set(_texts(pg, "ministre -mardi")) & set(_texts(pg, "mardi"))
    either = set(_texts(pg, "syndicats OR retraites"))
    assert either == set(_texts(pg, "syndicats")) | set(_texts(pg, "retraites"))
    assert all(h.kind == "rate" for h in pg.search("gbp kind:rate", limit=None).hits)
    late = pg.search("ministre", since="2026-11-24", limit=None).hits
    assert late and all(h.date >= "2026-11-24" for h in late)
    early = pg.search("ministre until:2026-11-23", limit=None).hits
    assert early and all(h.date <= "2026-11-23" for h in early)


def test_sort_and_offset(pg: PostgresBackend) -> None:
    every = pg.search("ministre OR syndicats OR gbp", limit=None, sort="newest").hits
    assert len({h.date for h in every}) > 1
    assert [h.date for h in every] == sorted((h.date for h in every), reverse=True)
    oldest = pg.search("ministre OR syndicats OR gbp", limit=None, sort="oldest").hits
    assert [h.date for h in oldest] == sorted(h.date for h in oldest)
    second = pg.search("ministre OR syndicats OR gbp", limit=2, offset=1, sort="newest")
    assert second.hits == every[1:3] and second.total == len(every)


def test_highlights_are_offsets_into_the_text(pg: PostgresBackend) -> None:
    for hit in pg.search("déployés", limit=None).hits + pg.search("ministre finances").hits:
        assert hit.highlights
        for start, end in hit.highlights:
            assert 0 <= start < end <= len(hit.text)


# ------------------------------------------------------------------------- collapsing

DAYS = ["daily-2026-11-22", "daily-2026-11-23", "daily-2026-11-24"]


def test_a_series_is_one_hit_its_newest_point(pg: PostgresBackend) -> None:
    results = pg.search("dollar", limit=None)
    codes = [h.code for h in results.hits]
    assert "USD" in codes and len(codes) == len(set(codes)) == results.total > 1
    assert all(h.kind == "rate" and h.dates == () for h in results.hits)
    (usd,) = [h for h in results.hits if h.code == "USD"]
    assert usd.snapshot == SAMPLE_ID and usd.date == "2026-11-24"  # days 1-2 and the sample
    # The score of the best point; every currency that some snapshot finds.
    points = [
        hit
        for info in pg.snapshots()
        for hit in pg.search("dollar", snapshot=info.id, limit=None).hits
    ]
    assert {h.code for h in points} == set(codes)
    best = max(h.score for h in points if h.code == "USD")
    assert usd.score == pytest.approx(best)


def test_a_series_hit_is_its_newest_point_in_the_dates_asked(pg: PostgresBackend) -> None:
    (usd,) = pg.search("usd", kind="rate", until="2026-11-23").hits
    assert usd.id == f"{DAYS[1]}:rate:USD" and usd.dates == ()
    (first,) = pg.search("usd", kind="rate", snapshot=DAYS[0]).hits
    assert first.id == f"{DAYS[0]}:rate:USD"
    # The newest point that matches: the sample's rate is not 1.15.
    (day1,) = pg.search('"1.15"', kind="rate").hits
    assert day1.id == f"{DAYS[0]}:rate:USD"


def test_collapsed_hits_do_not_depend_on_the_limit(pg: PostgresBackend) -> None:
    for query in ("dollar", "ministre OR syndicats OR gbp OR aex", "la"):
        every = pg.search(query, limit=None)
        ids = [h.id for h in every.hits]
        assert every.total == len(ids) == len(set(ids))
        for limit in (1, 2, 3, 7):
            page = pg.search(query, limit=limit)
            assert [h.id for h in page.hits] == ids[:limit] and page.total == every.total
            later = pg.search(query, limit=limit, offset=2)
            assert [h.id for h in later.hits] == ids[2 : 2 + limit]
        beyond = pg.search(query, limit=3, offset=len(ids) + 5)
        assert beyond.hits == () and beyond.total == every.total


def test_match_collapses_texts_and_series(pg: PostgresBackend) -> None:
    words = pg.words("ministre syndicats")
    total, hits = pg.match(words, every=False, kind="paragraph", limit=None)
    # The minister on days 1-2 and, reworded, on day 3; the unions on days 1-2.
    assert total == len(hits) == len({h.text for h in hits}) == 3
    assert {h.snapshot for h in hits} == {DAYS[1], DAYS[2]}  # the newest copies
    total, hits = pg.match(words, every=False, kind="paragraph", snapshot=DAYS[0], limit=None)
    assert total == len(hits) == 2 and {h.snapshot for h in hits} == {DAYS[0]}
    total, hits = pg.match(pg.words("usd"), kind="rate")
    assert total == 1 and hits[0].snapshot == SAMPLE_ID
    assert pg.count([pg.words("usd")], kind="rate") == 3  # every point still counts


def test_frequency_counts_distinct_texts_and_series(pg: PostgresBackend) -> None:
    rates = {h.code for h in pg.documents(kind="rate")}
    assert pg.frequency("kind", "rate") == len(rates) > 3
    quotes = [s for s in pg.values("series") if s.startswith("quote:")]
    assert pg.frequency("kind", "quote") == len(quotes)
    paragraphs = {h.text for h in pg.documents(kind="paragraph")}
    assert pg.frequency("kind", "paragraph") == len(paragraphs)
    assert pg.frequency("kind", "title") == 2  # "Budget" on three days, and the sample
    assert pg.frequency("plain", "syndicats") == 1  # one paragraph, on two days
    assert pg.frequency("plain", "usd") == 1  # one currency, on three days
    assert pg.frequency("plain", "zzzz") == 0


def test_documents_stay_one_per_snapshot(pg: PostgresBackend) -> None:
    assert len(pg.documents(series="rate:USD")) == 3
    assert pg.document(f"{DAYS[0]}:rate:USD") is not None
    kinds = sum(len(pg.documents(kind=kind)) for kind in ("paragraph", "rate", "quote", "title"))
    assert pg.document_count() == kinds


def test_normalise_splits_elisions_and_folds() -> None:
    assert normalise("L’alliance d'Œdipe, ʼl") == "alliance oedipe l"


# ------------------------------------------------------------------------- builds


def test_build_is_incremental_by_content(tmp_path: Path, pg_url: str) -> None:
    pages = write_series(tmp_path / "pages")
    first = build(pg_url, pages)
    assert first.added == [p.stem for p in pages] and first.documents > 0
    again = build(pg_url, pages)
    assert again.unchanged == first.added and again.documents == first.documents
    pages[0].write_text(make_page(headline="Changed", paragraphs=["Un texte tout neuf ici."]))
    changed = build(pg_url, pages)
    assert changed.updated == [pages[0].stem]
    backend = PostgresBackend(pg_url)
    try:
        assert backend.search("neuf").hits[0].snapshot == pages[0].stem
        assert len(backend.snapshots()) == 3
        assert backend.document_count() == changed.documents
    finally:
        backend.close()


def test_rebuild_keeps_only_the_given_pages(tmp_path: Path, pg_url: str) -> None:
    build(pg_url, [SAMPLE, *write_series(tmp_path / "pages")])
    report = build(pg_url, [SAMPLE], rebuild=True)
    assert report.added == [SAMPLE_ID]
    backend = PostgresBackend(pg_url)
    try:
        assert [s.id for s in backend.snapshots()] == [SAMPLE_ID]
    finally:
        backend.close()


def test_a_failed_file_is_reported_and_the_others_indexed(tmp_path: Path, pg_url: str) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    report = build(pg_url, [bad, SAMPLE])
    assert report.added == [SAMPLE_ID]
    assert [path for path, _ in report.failed] == [str(bad)]


def test_a_build_that_fails_leaves_the_database_as_it_was(tmp_path: Path, pg_url: str) -> None:
    build(pg_url, [SAMPLE])
    pages = write_series(tmp_path / "pages")

    def interrupt(done: int, total: int) -> None:
        if done == total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(pg_url, pages, progress=interrupt)
    backend = PostgresBackend(pg_url)
    try:
        assert [s.id for s in backend.snapshots()] == [SAMPLE_ID]
    finally:
        backend.close()


def test_a_second_builder_waits_then_says_busy(pg_url: str) -> None:
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (0x736E6170,))
        with pytest.raises(IndexBusyError, match="being updated by another build"):
            build(pg_url, [SAMPLE], lock_wait=0)
        with pytest.raises(IndexBusyError):
            build(pg_url, [SAMPLE], lock_wait=0.2)


def test_schema_is_versioned(pg_url: str) -> None:
    build(pg_url, [SAMPLE])
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (
            SCHEMA_VERSION,
        )
        partitions = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'documents'::regclass"
        ).fetchone()
        assert partitions == (1,)  # one year so far


# ------------------------------------------------------------------------- errors


def test_an_empty_database_has_no_index(pg_cluster: object, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE schema_version")
    assert not has_index(pg_url)
    with pytest.raises(IndexMissingError, match="no snapsearch index in postgresql://"):
        PostgresBackend(pg_url)


def test_an_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(IndexStateError, match="cannot reach PostgreSQL at .*check that"):
        PostgresBackend("postgresql://nobody@127.0.0.1:1/none")


# ------------------------------------------------------------------------- the CLI


def _run(url: str, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        cli, list(args), env={"SEARCH_BACKEND": url, "NO_COLOR": "1"}, prog_name="search"
    )
    return result.exit_code, result.stdout, result.stderr


def test_cli_builds_queries_and_lists_the_database(tmp_path: Path, pg_url: str) -> None:
    pages = [str(p) for p in write_series(tmp_path / "pages")]
    code, out, _ = _run(pg_url, "index", "build", "--json", *pages)
    assert code == 0 and json.loads(out)["added"] == [Path(p).stem for p in pages]
    code, out, _ = _run(pg_url, "index", "status", "--json")
    status = json.loads(out)
    assert code == 0 and len(status["snapshots"]) == 3 and "postgresql://" in status["index"]
    code, out, _ = _run(pg_url, "query", "--json", "syndicats")
    assert code == 0 and json.loads(out)["hits"][0]["dates"] == ["2026-11-22", "2026-11-23"]
    code, out, _ = _run(pg_url, "query", "zzzzzz")
    assert code == 1


def test_cli_indexes_the_sample_into_an_empty_database(pg_cluster: PgCluster) -> None:
    url = pg_cluster.new_database(template="template1")  # no schema yet
    try:
        code, out, err = _run(url, "query", "Koursk")
        assert code == 0 and "indexing the bundled sample" in err and "Koursk" in out
        code, out, _ = _run(url, "index", "status")
        assert code == 0 and SAMPLE_ID in out and "in PostgreSQL snapsearch@127.0.0.1" in out
    finally:
        pg_cluster.drop_database(url)


def test_cli_errors_are_one_line(pg_url: str) -> None:
    code, _, err = _run("postgresql://nobody@127.0.0.1:1/none", "query", "x")
    assert code == 2 and err.startswith("error: cannot reach PostgreSQL") and err.count("\n") == 1
    code, _, err = _run("mysql://x", "query", "x")
    assert code == 2 and "postgresql://" in err


def test_importing_the_cli_loads_no_database_driver() -> None:
    code = "import sys, search.cli; print(any(m.startswith('psycopg') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_only_two_modules_import_the_database_driver() -> None:
    """psycopg stays below the seam, in the two modules that own the database."""
    root = Path(__file__).resolve().parent.parent
    owners = {root / "index" / "postgres.py", root / "search" / "engine" / "_postgres.py"}
    for package in ("index", "search", "tui"):
        for path in sorted((root / package).rglob("*.py")):
            imports = re.findall(r"^\s*(?:from|import) (psycopg\w*)", path.read_text("utf-8"), re.M)
            assert path in owners or not imports, f"{path} imports {imports}"


def test_a_dropped_connection_is_opened_again(pg: PostgresBackend, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'snapsearch' AND datname = current_database()"
        )
    assert pg.search("Koursk").hits


# ------------------------------------------------------------------------- ranking


_RECOUNT = """
    SELECT field, term, count(*)::int FROM (
        SELECT 'plain' AS field, unnest(tsvector_to_array(tsv_plain)) AS term FROM documents
        UNION ALL SELECT 'fr', unnest(tsvector_to_array(tsv_fr)) FROM documents
        UNION ALL SELECT 'en', unnest(tsvector_to_array(tsv_en)) FROM documents
        UNION ALL SELECT 'start', unnest(tsvector_to_array(tsv_start)) FROM documents
    ) t GROUP BY field, term
"""
_TOTALS = "SELECT count(*), sum(len_plain), sum(len_fr), sum(len_en), sum(len_start) FROM documents"


def _assert_statistics_match_the_documents(url: str) -> None:
    """`terms` and the totals of `state` are what counting the documents again gives."""
    with psycopg.connect(url) as conn:
        counted = set(conn.execute(_RECOUNT).fetchall())
        kept = set(conn.execute("SELECT field, term, df FROM terms").fetchall())
        assert counted and kept == counted
        totals = conn.execute(_TOTALS).fetchone()
        state = conn.execute(
            "SELECT documents, len_plain, len_fr, len_en, len_start FROM state"
        ).fetchone()
        assert totals is not None and state is not None
        assert tuple(map(int, state)) == tuple(int(v or 0) for v in totals)


def test_ranking_statistics_follow_every_build(tmp_path: Path, pg_url: str) -> None:
    pages = write_series(tmp_path / "pages")
    build(pg_url, [SAMPLE, *pages])
    _assert_statistics_match_the_documents(pg_url)
    pages[0].write_text(make_page(headline="Changed", paragraphs=["Un texte tout neuf ici."]))
    assert build(pg_url, pages).updated == [pages[0].stem]
    _assert_statistics_match_the_documents(pg_url)
    build(pg_url, [SAMPLE], rebuild=True)
    _assert_statistics_match_the_documents(pg_url)


def test_start_holds_the_first_letters_of_each_word(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT snapsearch_starts(to_tsvector('snapsearch_plain', 'koursk k kiev ete')), "
            "snapsearch_length(to_tsvector('snapsearch_plain', 'koursk k kiev ete'))"
        ).fetchone()
    assert row == ("'e':4 'et':4 'k':1,2,3 'ki':3 'ko':1", 4)


def test_lengths_are_rounded_up_as_whoosh_stores_them(pg_url: str) -> None:
    from whoosh.util.numeric import byte_to_length, length_to_byte

    lengths = [*range(0, 300), 1000, 5000, 20000]
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT snapsearch_whoosh_length(n) FROM unnest(%s::int[]) n", (lengths,)
        ).fetchall()
    assert [r[0] for r in rows] == [byte_to_length(length_to_byte(n)) for n in lengths]


def test_a_database_of_schema_1_is_migrated_with_its_statistics(pg_cluster: PgCluster) -> None:
    from index import postgres

    url = pg_cluster.new_database(template="template1")  # no schema yet
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute("CREATE TABLE schema_version (version integer PRIMARY KEY)")
            for statement in postgres.MIGRATIONS[0]:
                conn.execute(statement.encode())
            conn.execute("INSERT INTO schema_version VALUES (1)")
            conn.execute(
                "CREATE TABLE documents_y2020 PARTITION OF documents "
                "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')"
            )
            conn.execute(
                "INSERT INTO documents (id, kind, snapshot, day, text, tsv_plain, tsv_fr, "
                "tsv_en) SELECT 'old:p1', 'paragraph', 'old', '2020-05-01', t, "
                "to_tsvector('snapsearch_plain', t), to_tsvector('snapsearch_fr', t), "
                "to_tsvector('snapsearch_en', t) FROM (VALUES ('les anciens ecrits')) v(t)"
            )
        build(url, [SAMPLE])
        _assert_statistics_match_the_documents(url)
        backend = PostgresBackend(url)
        try:
            assert [h.id for h in backend.search("ancien").hits] == ["old:p1"]
            assert backend.search("an").hits  # through the new `start` column
        finally:
            backend.close()
    finally:
        pg_cluster.drop_database(url)


@pytest.mark.parametrize(
    "query",
    ["Koursk", "sanctions", "Ko", "K", "déploy", "Corée du Nord", "alliance militaire", "gbp"],
)
def test_ranking_agrees_with_whoosh(tmp_path: Path, pg: PostgresBackend, query: str) -> None:
    """The same pages in a Whoosh index: the same top paragraphs in the same order. Both
    rank by BM25F as Whoosh computes it, but from other statistics: the Whoosh index holds
    each text and each series once, the database every snapshot's copy, so scores differ.
    Series are compared apart: the database indexes a rate's numbers, Whoosh a currency's
    names (`dollar américain`), so their scores are not comparable."""
    from index import IndexDir
    from index import build as build_whoosh
    from search.engine import WhooshEngine

    index_dir = IndexDir(tmp_path / "ix")
    build_whoosh(index_dir, [SAMPLE, *sorted((tmp_path / "pages").glob("*.txt"))])
    whoosh = WhooshEngine(index_dir)
    try:
        expected = whoosh.search(query, limit=10, kind="paragraph").hits
        currency = whoosh.search(query, limit=1, kind="rate").hits
    finally:
        whoosh.close()
    found = pg.search(query, limit=10, kind="paragraph").hits
    if query == "gbp":
        assert [h.code for h in pg.search(query, limit=1, kind="rate").hits] == ["GBP"]
        assert [h.code for h in currency] == ["GBP"]
        return
    assert expected
    # The same hits in the same order, but for equal scores on one day (Whoosh keeps the
    # order of its index there, PostgreSQL the order of ids).
    assert {h.text for h in found} == {h.text for h in expected}
    assert [h.date for h in found] == [h.date for h in expected]
    scores = {h.text: h.score for h in found}
    for better, worse in itertools.combinations(expected, 2):
        if better.score > worse.score * 1.02:
            assert scores[better.text] > scores[worse.text], (better.text, worse.text)
